//! CustomResourceDefinitions found in the input: their `openAPIV3Schema`
//! turned into JSON Schema, so the custom resources of the same run are
//! validated by the exact schema the run deploys.
//!
//! Both `apiextensions.k8s.io/v1` (`spec.versions[].schema.openAPIV3Schema`)
//! and `v1beta1` (`spec.validation.openAPIV3Schema` for every version, or
//! per-version schemas) are read. The conversion follows what the API
//! server does with a structural schema:
//! - `null` is accepted for every field: where `nullable: true` it is a
//!   value, elsewhere the API server prunes it (and applies the default)
//!   rather than rejecting the object;
//! - `x-kubernetes-int-or-string: true` allows an integer or a string;
//! - unknown fields are errors (the API server's strict field validation)
//!   wherever the schema lists `properties`, unless
//!   `x-kubernetes-preserve-unknown-fields` or `additionalProperties` says
//!   otherwise; branches of `allOf`/`anyOf`/`oneOf`/`not` are left open, as
//!   they only add constraints;
//! - `apiVersion`, `kind` and `metadata` are always allowed at the root, and
//!   `metadata` is not checked against the CRD (the API server validates it
//!   as ObjectMeta whatever the CRD says).

use serde_json::{Map, Value};

use crate::model::Object;
use crate::yaml::Node;

/// Whether a file's text may hold a CustomResourceDefinition. A `kind` that
/// reads `CustomResourceDefinition` is written out in full, whatever the
/// style (plain, quoted, block, anchored, JSON), unless escapes spell part
/// of it. The only escapes that yield a letter are `\x`, `\u` and `\U` (in
/// YAML and JSON), and an escaped line break joins two lines without a
/// space; plain line folding cannot split the word, it leaves a space. So a
/// regex's `\d` or `\.` does not make a file suspect.
pub(crate) fn may_define_crd(text: &str) -> bool {
    text.contains("CustomResourceDefinition")
        || text
            .split('\\')
            .skip(1)
            .any(|after| after.starts_with(['x', 'u', 'U', '\n', '\r']))
}

/// The schemas one CRD defines: ((group, version, kind), JSON Schema).
pub(crate) fn schemas_of(object: &Object) -> Vec<((String, String, String), Value)> {
    if !object
        .identity
        .is("apiextensions.k8s.io", "CustomResourceDefinition")
    {
        return Vec::new();
    }
    let Some(spec) = object.node.get("spec") else {
        return Vec::new();
    };
    let group = spec.get("group").and_then(Node::as_str).unwrap_or_default();
    let kind = spec
        .get_path(&["names", "kind"])
        .and_then(Node::as_str)
        .unwrap_or_default();
    if group.is_empty() || kind.is_empty() {
        return Vec::new();
    }
    let shared = spec.get_path(&["validation", "openAPIV3Schema"]);
    let mut versions: Vec<(&str, Option<&Node>)> = Vec::new();
    for version in spec
        .get("versions")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let Some(name) = version.get("name").and_then(Node::as_str) else {
            continue;
        };
        if version.get("served").and_then(Node::as_bool) == Some(false) {
            continue;
        }
        let own = version.get_path(&["schema", "openAPIV3Schema"]);
        versions.push((name, own.or(shared)));
    }
    if let Some(name) = spec.get("version").and_then(Node::as_str) {
        if !versions.iter().any(|(known, _)| *known == name) {
            versions.push((name, shared));
        }
    }
    versions
        .into_iter()
        .filter_map(|(version, schema)| {
            let schema = schema?;
            Some((
                (group.to_owned(), version.to_owned(), kind.to_owned()),
                convert_root(&schema.to_json()),
            ))
        })
        .collect()
}

fn convert_root(schema: &Value) -> Value {
    let mut root = convert(schema, true);
    if let Value::Object(map) = &mut root {
        map.insert(
            "$schema".to_owned(),
            Value::from("http://json-schema.org/draft-04/schema#"),
        );
        let properties = map
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(properties) = properties {
            for (field, kind) in [
                ("apiVersion", "string"),
                ("kind", "string"),
                ("metadata", "object"),
            ] {
                if field == "metadata" || !properties.contains_key(field) {
                    properties.insert(field.to_owned(), serde_json::json!({ "type": kind }));
                }
            }
        }
    }
    root
}

/// Converts one schema node; `strict` is false inside combinator branches.
fn convert(schema: &Value, strict: bool) -> Value {
    let Value::Object(source) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in source {
        let converted = match key.as_str() {
            "properties" | "patternProperties" | "definitions" => match value {
                Value::Object(fields) => Value::Object(
                    fields
                        .iter()
                        .map(|(name, field)| (name.clone(), convert(field, true)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" => match value {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|item| convert(item, true)).collect())
                }
                other => convert(other, true),
            },
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(branches) => Value::Array(
                    branches
                        .iter()
                        .map(|branch| convert(branch, false))
                        .collect(),
                ),
                other => other.clone(),
            },
            "not" => convert(value, false),
            // Documentation and server-side settings: nothing to check.
            "description" | "default" | "example" | "externalDocs" | "format" => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    let flag = |name: &str| source.get(name).and_then(Value::as_bool) == Some(true);
    if flag("x-kubernetes-int-or-string") {
        out.remove("type");
        if !out.contains_key("anyOf") {
            out.insert(
                "anyOf".to_owned(),
                serde_json::json!([{"type": "integer"}, {"type": "string"}, {"type": "null"}]),
            );
        }
    }
    // `null` passes everywhere: allowed where `nullable: true`, and pruned
    // (then defaulted) by the API server where not, instead of rejected.
    if let Some(Value::String(kind)) = out.get("type").cloned() {
        out.insert("type".to_owned(), serde_json::json!([kind, "null"]));
    }
    if let Some(Value::Array(options)) = out.get_mut("enum") {
        if !options.contains(&Value::Null) {
            options.push(Value::Null);
        }
    }
    let open = flag("x-kubernetes-preserve-unknown-fields")
        || flag("x-kubernetes-embedded-resource")
        || out.contains_key("additionalProperties");
    if strict && !open && out.contains_key("properties") {
        out.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_that_may_hold_a_crd_are_recognised() {
        let suspect = [
            "kind: CustomResourceDefinition",
            "{\"kind\": \"CustomResourceDefinition\"}",
            "kind: \"CustomResource\\x44efinition\"",
            "{\"kind\": \"CustomResource\\u0044efinition\"}",
            "kind: \"CustomResource\\U00000044efinition\"",
            "kind: \"CustomResource\\\n  Definition\"",
        ];
        for text in suspect {
            assert!(may_define_crd(text), "{text}");
        }
        let innocent = [
            "kind: PrometheusRule\nspec: {expr: 'rate(x{path=~\"/api/\\\\d+\"}[5m])'}",
            "kind: ConfigMap\ndata: {script: \"echo a\\tb\\\\.\"}",
            "kind: Deployment",
        ];
        for text in innocent {
            assert!(!may_define_crd(text), "{text}");
        }
    }

    #[test]
    fn structural_schemas_become_strict_json_schema() {
        let schema = json!({
            "type": "object",
            "properties": {
                "metadata": {"type": "object", "properties": {"name": {"type": "string"}}},
                "spec": {
                    "type": "object",
                    "properties": {
                        "port": {"x-kubernetes-int-or-string": true},
                        "note": {"type": "string", "nullable": true, "description": "x"},
                        "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                                "properties": {"a": {"type": "string"}}}
                    },
                    "oneOf": [{"required": ["port"], "properties": {"port": {}}}]
                }
            }
        });
        let converted = convert_root(&schema);
        assert_eq!(converted["additionalProperties"], false);
        assert_eq!(converted["type"], json!(["object", "null"]));
        assert_eq!(
            converted["properties"]["metadata"],
            json!({"type": "object"})
        );
        assert_eq!(converted["properties"]["kind"], json!({"type": "string"}));
        let spec = &converted["properties"]["spec"];
        assert_eq!(spec["additionalProperties"], false);
        assert_eq!(
            spec["properties"]["port"]["anyOf"],
            json!([{"type": "integer"}, {"type": "string"}, {"type": "null"}])
        );
        assert_eq!(
            spec["properties"]["note"],
            json!({"type": ["string", "null"], "nullable": true})
        );
        assert!(spec["properties"]["raw"]
            .get("additionalProperties")
            .is_none());
        assert!(spec["oneOf"][0].get("additionalProperties").is_none());
    }
}
