//! The JSON schema of `.plimsoll.yaml`, generated from the config's types
//! for editors (`# yaml-language-server: $schema=...`).

use serde_json::{Map, Value};

use super::Config;

/// Where the schema is published.
const SCHEMA_ID: &str = "https://plimsoll.dev/schemas/plimsoll-config.schema.json";

/// The schema of [`Config`], its identity first and its descriptions
/// unwrapped: a doc comment's line breaks are the source's, not the text's.
pub(super) fn generate() -> Value {
    let mut schema = schemars::schema_for!(Config).to_value();
    unwrap_descriptions(&mut schema);
    let Value::Object(mut fields) = schema else {
        return schema;
    };
    let mut ordered = Map::new();
    for key in ["$schema", "$id", "title", "description"] {
        let value = match key {
            "$id" => Some(Value::from(SCHEMA_ID)),
            _ => fields.remove(key),
        };
        if let Some(value) = value {
            ordered.insert(key.to_owned(), value);
        }
    }
    ordered.extend(fields);
    Value::Object(ordered)
}

/// Joins the lines of every `description`, keeping paragraph breaks.
fn unwrap_descriptions(node: &mut Value) {
    match node {
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                match value {
                    Value::String(text) if key == "description" => {
                        *text = text
                            .split("\n\n")
                            .map(|paragraph| paragraph.split('\n').collect::<Vec<_>>().join(" "))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    _ => unwrap_descriptions(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}
