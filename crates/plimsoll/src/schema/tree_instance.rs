//! A YAML tree read directly as a JSON Schema instance, so that the schema
//! check of a valid object (most of them) builds no JSON copy of it.
//!
//! The tree reads as [`Node::to_json`] would convert it: a mapping's keys
//! are already unique (the parser keeps the later of two), an integer is a
//! JSON integer, and a float that JSON cannot hold (`.nan`, `.inf`) is
//! `null`. Only the rare cold paths — an `enum` or `const` compared with a
//! collection, `uniqueItems`, the instance an error quotes — build JSON, of
//! the part they need.

use std::borrow::Cow;

use jsonschema::json::{cmp, Array, Json, Node as JsonNode, NodeIdentity, Object};
use jsonschema::types::JsonType;

use crate::yaml::{Entry, Node, Value};

/// The representation: instances are `&yaml::Node`.
pub(crate) struct YamlTree;

/// The node [`Json::with_string_node`] lends out for a property name.
pub(crate) struct NameSlot(Node);

impl Default for NameSlot {
    fn default() -> NameSlot {
        NameSlot(Node {
            value: Value::Null,
            span: crate::source::TextRange::default(),
        })
    }
}

impl Json for YamlTree {
    type Node<'a> = &'a Node;
    type PreparedKey = String;
    type StringBuffer = NameSlot;

    // A lookup scans the mapping's entries, so a pass over its members
    // costs no more than a few lookups.
    const KEYS_PER_LOOKUP: usize = 4;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(buffer: &mut NameSlot, string: &str, f: impl FnOnce(&Node) -> T) -> T {
        buffer.0.value = Value::String(string.into());
        f(&buffer.0)
    }
}

/// A float JSON can hold, as a JSON number.
fn finite(number: f64) -> Option<serde_json::Number> {
    serde_json::Number::from_f64(number)
}

impl<'a> JsonNode<'a, YamlTree> for &'a Node {
    type Object = Members<'a>;
    type Array = Items<'a>;
    type Number = serde_json::Number;

    fn as_object(&self) -> Option<Members<'a>> {
        match &self.value {
            Value::Map(entries) => Some(Members(entries)),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<Items<'a>> {
        match &self.value {
            Value::Seq(items) => Some(Items(items)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match &self.value {
            Value::String(text) => Some(Cow::Borrowed(text.as_str())),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<serde_json::Number> {
        match self.value {
            Value::Int(number) => Some(number.into()),
            Value::Float(number) => finite(number),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value {
            Value::Bool(flag) => Some(flag),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        self.is_json_null()
    }

    fn json_type(&self) -> JsonType {
        if self.is_json_null() {
            return JsonType::Null;
        }
        match &self.value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Int(_) | Value::Float(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &serde_json::Value) -> bool {
        match (&self.value, expected) {
            (Value::String(text), serde_json::Value::String(other)) => text == other,
            (Value::String(_), _) | (_, serde_json::Value::String(_)) => false,
            (Value::Bool(flag), serde_json::Value::Bool(other)) => flag == other,
            (Value::Seq(_) | Value::Map(_), _) => cmp::equal(&self.to_value(), expected),
            _ => match self.as_number() {
                Some(number) => cmp::equal(&serde_json::Value::Number(number), expected),
                None => self.is_null() && expected.is_null(),
            },
        }
    }

    fn to_value(&self) -> Cow<'a, serde_json::Value> {
        Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Node>(self) as usize))
    }
}

/// A mapping's entries, as a JSON object.
pub(crate) struct Members<'a>(&'a [Entry]);

impl<'a> Object<'a, YamlTree> for Members<'a> {
    type Node = &'a Node;
    type MemberName = &'a str;
    type MembersIter =
        std::iter::Map<std::slice::Iter<'a, Entry>, fn(&'a Entry) -> (&'a str, &'a Node)>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, key: &String) -> Option<&'a Node> {
        self.0
            .iter()
            .find(|entry| entry.key == key.as_str())
            .map(|entry| &entry.value)
    }

    fn members(&self) -> Self::MembersIter {
        self.0
            .iter()
            .map(|entry| (entry.key.as_str(), &entry.value))
    }
}

/// A sequence's items, as a JSON array.
pub(crate) struct Items<'a>(&'a [Node]);

impl<'a> Array<'a, YamlTree> for Items<'a> {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::yaml::first_tree as tree;

    fn validators(
        schema: &serde_json::Value,
    ) -> (jsonschema::Validator<YamlTree>, jsonschema::Validator) {
        (
            jsonschema::options_for::<YamlTree>().build(schema).unwrap(),
            jsonschema::options().build(schema).unwrap(),
        )
    }

    /// The tree is valid exactly when its JSON is, for each case.
    fn agree(schema: serde_json::Value, documents: &[&str]) {
        let (on_tree, on_json) = validators(&schema);
        for text in documents {
            let node = tree(text);
            assert_eq!(
                on_tree.is_valid(&node),
                on_json.is_valid(&node.to_json()),
                "{text} against {schema}"
            );
        }
    }

    #[test]
    fn types_read_as_their_json() {
        agree(
            json!({"type": "object", "properties": {
                "n": {"type": "integer"}, "f": {"type": "number"},
                "s": {"type": "string", "maxLength": 3}, "b": {"type": "boolean"},
                "z": {"type": "null"}, "l": {"type": "array", "minItems": 2}}}),
            &[
                "n: 3",
                "n: 3.5",
                "n: '3'",
                "f: 1e3",
                "f: .nan",
                "f: .inf",
                "s: héé",
                "s: héllo",
                "s: 0755",
                "b: yes",
                "b: 'yes'",
                "z: ~",
                "z: .nan",
                "l: [1]",
                "l: [1, 2]",
                "l: {}",
            ],
        );
    }

    #[test]
    fn mappings_read_as_json_objects() {
        agree(
            json!({"type": "object", "required": ["a"], "additionalProperties": false,
                "properties": {"a": {"type": "string"}, "b": {}}, "maxProperties": 2,
                "propertyNames": {"maxLength": 1}}),
            &[
                "a: x",
                "b: 1",
                "a: x\nb: 1",
                "a: x\nc: 1",
                "a: x\na: 2",
                "{a: x, b: 1, c: 2}",
            ],
        );
    }

    #[test]
    fn enums_and_consts_compare_as_json_does() {
        agree(
            json!({"properties": {
                "e": {"enum": ["TCP", 1, true, null, [1], {"k": 1}]},
                "c": {"const": 2}}}),
            &[
                "e: TCP",
                "e: tcp",
                "e: 1",
                "e: 1.0",
                "e: '1'",
                "e: true",
                "e: ~",
                "e: [1]",
                "e: [1.0]",
                "e: {k: 1}",
                "e: {k: 2}",
                "e: .nan",
                "c: 2",
                "c: 2.0",
                "c: '2'",
            ],
        );
    }

    #[test]
    fn unique_items_and_patterns_follow_the_json() {
        agree(
            json!({"properties": {
                "u": {"uniqueItems": true},
                "p": {"patternProperties": {"^x-": {"type": "integer"}}}}}),
            &[
                "u: [1, 2]",
                "u: [1, 1.0]",
                "u: [{a: 1}, {a: 1}]",
                "p: {x-a: 1}",
                "p: {x-a: a}",
            ],
        );
    }
}
