//! CustomResourceDefinitions found in the input, and the CRD schemas of the
//! catalogue: their `openAPIV3Schema` turned into JSON Schema, so custom
//! resources are judged as the API server judges them.
//!
//! Both `apiextensions.k8s.io/v1` (`spec.versions[].schema.openAPIV3Schema`)
//! and `v1beta1` (`spec.validation.openAPIV3Schema` for every version, or
//! per-version schemas) are read. The conversion follows what the API
//! server does with a structural schema:
//! - a `null` for a field that is not `nullable` is dropped before
//!   validation ([`prune_nulls`], run on the object), as the API server
//!   prunes it; so it passes where the field is optional and is a missing
//!   field where it is required. Elsewhere (`nullable: true`, list items)
//!   `null` is accepted;
//! - a field with a `default` is not `required`: the API server fills it in
//!   before it validates;
//! - `x-kubernetes-int-or-string: true` allows an integer or a string;
//! - unknown fields are errors (the API server's strict field validation)
//!   wherever the schema lists `properties`, unless
//!   `x-kubernetes-preserve-unknown-fields` or `additionalProperties` says
//!   otherwise; branches of `allOf`/`anyOf`/`oneOf`/`not` are left open, as
//!   they only add constraints;
//! - a `v1beta1` CRD that does not set `preserveUnknownFields: false`
//!   keeps unknown fields everywhere (its default before v1);
//! - `apiVersion`, `kind` and `metadata` are always allowed at the root, and
//!   `metadata` is checked as ObjectMeta whatever the CRD says (the API
//!   server does; see [`SchemaCatalog::object_meta`](super::SchemaCatalog)).
//!
//! The catalogue's schemas (datree's CRDs-catalog layout, for the bundled
//! CRDs and CRD-like `--schema-location` files) are the same
//! `openAPIV3Schema`s with `additionalProperties: false` added next to
//! every `properties`; [`from_catalog`] takes it out again, so that
//! `x-kubernetes-preserve-unknown-fields` keeps its meaning.

use serde_json::{Map, Value};

use crate::model::Object;
use crate::yaml::{may_spell, Node};

/// Whether a file's text may hold a CustomResourceDefinition (see
/// [`may_spell`]).
pub(crate) fn may_define_crd(text: &str) -> bool {
    may_spell(text, "CustomResourceDefinition")
}

/// The schemas one CRD defines: ((group, version, kind), its structural
/// `openAPIV3Schema`, as written; [`to_json_schema`] converts it).
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
    // A v1beta1 CRD keeps unknown fields (neither rejected nor pruned)
    // unless it sets `preserveUnknownFields: false`; v1 dropped the field.
    let keeps_unknown_fields = object.identity.version == "v1beta1"
        && spec.get("preserveUnknownFields").and_then(Node::as_bool) != Some(false);
    let shared = spec.get_path(&["validation", "openAPIV3Schema"]);
    let shared_status = spec.get_path(&["subresources", "status"]).is_some();
    let mut versions: Vec<(&str, Option<&Node>, bool)> = Vec::new();
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
        let status = shared_status || version.get_path(&["subresources", "status"]).is_some();
        versions.push((name, own.or(shared), status));
    }
    if let Some(name) = spec.get("version").and_then(Node::as_str) {
        if !versions.iter().any(|(known, _, _)| *known == name) {
            versions.push((name, shared, shared_status));
        }
    }
    versions
        .into_iter()
        .filter_map(|(version, schema, status_subresource)| {
            let mut schema = schema?.to_json();
            if status_subresource {
                accept_any_status(&mut schema);
            }
            if keeps_unknown_fields {
                preserve_unknown_fields(&mut schema);
            }
            Some((
                (group.to_owned(), version.to_owned(), kind.to_owned()),
                schema,
            ))
        })
        .collect()
}

/// Marks every object of a structural schema as keeping the fields it does
/// not list, as a v1beta1 CRD with `preserveUnknownFields` (its default)
/// has the API server do.
fn preserve_unknown_fields(structural: &mut Value) {
    match structural {
        Value::Object(map) => {
            if map.contains_key("properties") {
                map.insert(
                    "x-kubernetes-preserve-unknown-fields".to_owned(),
                    Value::Bool(true),
                );
            }
            map.values_mut().for_each(preserve_unknown_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(preserve_unknown_fields),
        _ => {}
    }
}

/// With the status subresource, the API server discards the `status` an
/// object is created with (and keeps the stored one on update), so a
/// committed `status` is never validated: any value is accepted here.
fn accept_any_status(structural: &mut Value) {
    if let Some(status) = structural
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .and_then(|properties| properties.get_mut("status"))
    {
        *status = serde_json::json!({"x-kubernetes-preserve-unknown-fields": true});
    }
}

/// The JSON Schema of a structural schema, with the root `metadata` checked
/// against `object_meta` (a definition map holding the Kubernetes
/// [`OBJECT_META`] and what it refers to), or only as an object without it.
pub(crate) fn to_json_schema(
    structural: &Value,
    object_meta: Option<&Map<String, Value>>,
) -> Value {
    let mut root = convert(structural, true);
    if let Value::Object(map) = &mut root {
        map.insert(
            "$schema".to_owned(),
            Value::from("http://json-schema.org/draft-04/schema#"),
        );
        let metadata = match object_meta {
            Some(definitions) => {
                map.insert("$defs".to_owned(), Value::Object(definitions.clone()));
                serde_json::json!({ "$ref": format!("#/$defs/{OBJECT_META}") })
            }
            None => serde_json::json!({ "type": "object" }),
        };
        let properties = map
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(properties) = properties {
            for (field, kind) in [("apiVersion", "string"), ("kind", "string")] {
                if !properties.contains_key(field) {
                    properties.insert(field.to_owned(), serde_json::json!({ "type": kind }));
                }
            }
            properties.insert("metadata".to_owned(), metadata);
        }
    }
    root
}

/// The definition name of ObjectMeta in the Kubernetes bundles.
pub(crate) const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// A catalogue schema back to the CRD's structural schema: the
/// `additionalProperties: false` that the catalogue adds next to every
/// `properties` goes (a structural schema cannot have both, so none of
/// them comes from the CRD).
pub(crate) fn from_catalog(schema: &Value) -> Value {
    match schema {
        Value::Object(source) => {
            let added = source.contains_key("properties")
                && source.get("additionalProperties") == Some(&Value::Bool(false));
            source
                .iter()
                .filter(|(key, _)| !(added && key.as_str() == "additionalProperties"))
                .map(|(key, value)| (key.clone(), from_catalog(value)))
                .collect::<Map<String, Value>>()
                .into()
        }
        Value::Array(items) => Value::Array(items.iter().map(from_catalog).collect()),
        other => other.clone(),
    }
}

/// Drops the `null`s that the API server prunes before it validates: the
/// value of a field (listed in `properties`, or under `additionalProperties`)
/// whose schema is not `nullable`. Nulls in lists are kept, as there.
pub(crate) fn prune_nulls(value: &mut Value, structural: &Value) {
    walk_objects(value, structural, &mut |fields, structural| {
        fields.retain(|name, field| {
            let nullable = field_schema(structural, name)
                .map(|schema| schema.get("nullable").and_then(Value::as_bool) == Some(true));
            !(field.is_null() && nullable == Some(false))
        });
    });
}

/// Fills in the `default` of every field of `value` that the structural
/// schema defaults and `value` leaves out, as the API server does before it
/// validates, inside the filled-in values too. A `oneOf` whose branches
/// tell items apart by a defaulted field (`type: IPAddress`) sees the
/// field. (Run after [`prune_nulls`]: a dropped `null` is defaulted too.)
pub(crate) fn apply_defaults(value: &mut Value, structural: &Value) {
    walk_objects(value, structural, &mut |fields, structural| {
        let properties = structural.get("properties").and_then(Value::as_object);
        for (name, schema) in properties.into_iter().flatten() {
            if let Some(default) = schema.get("default") {
                if !fields.contains_key(name) {
                    fields.insert(name.clone(), default.clone());
                }
            }
        }
    });
}

/// Walks `value` beside its structural schema: `visit` changes each object
/// with its schema, then the walk goes into the object's fields (by their
/// `properties` or `additionalProperties` schema) and a list's items.
fn walk_objects(
    value: &mut Value,
    structural: &Value,
    visit: &mut impl FnMut(&mut serde_json::Map<String, Value>, &Value),
) {
    match value {
        Value::Object(fields) => {
            visit(fields, structural);
            for (name, field) in fields.iter_mut() {
                if let Some(schema) = field_schema(structural, name) {
                    walk_objects(field, schema, visit);
                }
            }
        }
        Value::Array(items) => {
            if let Some(schema) = structural.get("items").filter(|schema| schema.is_object()) {
                for item in items {
                    walk_objects(item, schema, visit);
                }
            }
        }
        _ => {}
    }
}

/// The schema of field `name` of an object: its `properties` entry, else
/// an `additionalProperties` schema.
fn field_schema<'s>(structural: &'s Value, name: &str) -> Option<&'s Value> {
    structural
        .get("properties")
        .and_then(|properties| properties.get(name))
        .or_else(|| {
            structural
                .get("additionalProperties")
                .filter(|schema| schema.is_object())
        })
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
            // The API server fills in a defaulted field before it validates.
            "required" => match value {
                Value::Array(names) => Value::Array(
                    names
                        .iter()
                        .filter(|name| {
                            let defaulted = name.as_str().and_then(|name| {
                                source.get("properties")?.get(name)?.get("default")
                            });
                            defaulted.is_none()
                        })
                        .cloned()
                        .collect(),
                ),
                other => other.clone(),
            },
            // Documentation and server-side settings: nothing to check.
            "description" | "default" | "example" | "externalDocs" | "format" => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if out
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        out.remove("required");
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
    // `null` passes the schema everywhere: allowed where `nullable: true`,
    // pruned from the object beforehand where not (`prune_nulls`).
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
        let converted = to_json_schema(&schema, None);
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

    #[test]
    fn defaulted_fields_are_not_required_and_nulls_are_pruned() {
        let structural = json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "required": ["mode", "size"],
                    "properties": {
                        "mode": {"type": "string", "default": "auto"},
                        "size": {"type": "integer"},
                        "note": {"type": "string"},
                        "hint": {"type": "string", "nullable": true},
                        "tags": {"type": "array", "items": {"type": "string"}}
                    }
                }
            }
        });
        let converted = to_json_schema(&structural, None);
        assert_eq!(converted["properties"]["spec"]["required"], json!(["size"]));
        let mut object = json!({"spec": {"mode": null, "size": null, "note": null,
                                         "hint": null, "tags": [null]}});
        prune_nulls(&mut object, &structural);
        assert_eq!(object, json!({"spec": {"hint": null, "tags": [null]}}));
    }

    #[test]
    fn catalogue_schemas_lose_the_added_closed_objects() {
        let catalogue = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "template": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                             "additionalProperties": false,
                             "properties": {"name": {"type": "string"}}}
            }
        });
        let structural = from_catalog(&catalogue);
        assert!(structural.get("additionalProperties").is_none());
        assert_eq!(
            structural["properties"]["labels"]["additionalProperties"],
            json!({"type": "string"})
        );
        let converted = to_json_schema(&structural, None);
        assert!(converted["properties"]["template"]
            .get("additionalProperties")
            .is_none());
        assert_eq!(converted["additionalProperties"], false);
    }
}
