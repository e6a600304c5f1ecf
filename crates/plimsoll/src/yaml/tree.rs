//! The document tree: YAML values that remember where they came from.

use compact_str::CompactString;

use crate::source::TextRange;

/// A value and the span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value, resolved as Kubernetes reads YAML.
    pub value: Value,
    /// Where the value is written (for a collection: from its first to its
    /// last character).
    pub span: TextRange,
}

/// A YAML value after scalar resolution.
///
/// Plain scalars are resolved as Kubernetes' YAML reader does (YAML 1.1
/// booleans such as `yes`/`on`, octal `0755`, `~` for null); quoted and block
/// scalars are always strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing at all.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string (short strings, most keys and values of a manifest, are
    /// stored inline).
    String(CompactString),
    /// A sequence (sized exactly: trees of large inputs stay in memory).
    Seq(Box<[Node]>),
    /// A mapping, in source order.
    Map(Box<[Entry]>),
}

/// One key/value pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as text (Kubernetes keys are strings; `5` becomes `"5"`).
    pub key: CompactString,
    /// Where the key is written.
    pub key_span: TextRange,
    /// The value.
    pub value: Node,
}

/// Where a JSON pointer leads in a tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    /// The span of the value the pointer names, or, when that value does not
    /// exist, of the key of its deepest existing ancestor.
    pub span: TextRange,
    /// Whether the whole pointer resolved.
    pub exact: bool,
}

impl Value {
    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::String(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }
}

impl Node {
    /// The value of `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    /// The entry of `key` (key and value spans) when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|entry| entry.key == key),
            _ => None,
        }
    }

    /// Follows `keys` through nested mappings.
    pub fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The integer value, if this is an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(number) => Some(number),
            _ => None,
        }
    }

    /// The boolean value, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(flag) => Some(flag),
            _ => None,
        }
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The node a JSON pointer (RFC 6901, `""` is the node itself) names.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        self.pointer_with(pointer, &mut first_entry)
    }

    /// [`Node::pointer`], finding keys in mappings with `find`.
    pub(crate) fn pointer_with<'n>(
        &'n self,
        pointer: &str,
        find: &mut impl FnMut(&'n [Entry], &str) -> Option<&'n Entry>,
    ) -> Option<&'n Node> {
        let mut node = self;
        for token in pointer_tokens(pointer) {
            node = match &node.value {
                Value::Map(entries) => &find(entries, &token)?.value,
                Value::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i))?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Where a JSON pointer leads: the value's span, or the key span of the
    /// deepest ancestor that exists when the value is missing.
    pub fn locate(&self, pointer: &str) -> Located {
        self.locate_with(pointer, &mut first_entry)
    }

    /// [`Node::locate`], finding keys in mappings with `find`.
    pub(crate) fn locate_with<'n>(
        &'n self,
        pointer: &str,
        find: &mut impl FnMut(&'n [Entry], &str) -> Option<&'n Entry>,
    ) -> Located {
        let mut node = self;
        let mut span = self.span;
        for token in pointer_tokens(pointer) {
            match &node.value {
                Value::Map(entries) => match find(entries, &token) {
                    Some(entry) => {
                        span = entry.key_span;
                        node = &entry.value;
                    }
                    None => return Located { span, exact: false },
                },
                Value::Seq(items) => match token.parse::<usize>().ok().and_then(|i| items.get(i)) {
                    Some(item) => {
                        span = item.span;
                        node = item;
                    }
                    None => return Located { span, exact: false },
                },
                _ => return Located { span, exact: false },
            }
        }
        Located {
            span: node.span,
            exact: true,
        }
    }

    /// The span of the key that holds the value at `pointer` (the value's own
    /// span for sequence items and the root).
    pub fn key_span(&self, pointer: &str) -> Option<TextRange> {
        self.key_span_with(pointer, &mut first_entry)
    }

    /// [`Node::key_span`], finding keys in mappings with `find`.
    pub(crate) fn key_span_with<'n>(
        &'n self,
        pointer: &str,
        find: &mut impl FnMut(&'n [Entry], &str) -> Option<&'n Entry>,
    ) -> Option<TextRange> {
        let (parent, last) = match pointer.rfind('/') {
            Some(split) => (pointer.get(..split)?, pointer.get(split + 1..)?),
            None => return Some(self.span),
        };
        let parent = self.pointer_with(parent, find)?;
        let key = unescape_token(last);
        match &parent.value {
            Value::Map(entries) => find(entries, &key).map(|entry| entry.key_span),
            Value::Seq(items) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|item| item.span),
            _ => None,
        }
    }

    /// Whether the value is `null` once converted to JSON: `null`, or a
    /// float JSON cannot hold (`.nan`, `.inf`).
    pub(crate) fn is_json_null(&self) -> bool {
        match self.value {
            Value::Null => true,
            Value::Float(number) => !number.is_finite(),
            _ => false,
        }
    }

    /// Converts the tree to JSON (as Kubernetes' YAML-to-JSON step does).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(flag) => serde_json::Value::Bool(*flag),
            Value::Int(number) => serde_json::Value::from(*number),
            Value::Float(number) => serde_json::Number::from_f64(*number)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(text) => serde_json::Value::String(text.to_string()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|entry| (entry.key.to_string(), entry.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// The first entry of `key` in a mapping's entries.
pub(crate) fn first_entry<'n>(entries: &'n [Entry], key: &str) -> Option<&'n Entry> {
    entries.iter().find(|entry| entry.key == key)
}

/// The tokens of a JSON pointer, unescaped.
fn pointer_tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer.split('/').skip(1).map(unescape_token)
}

fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Appends `key` to a JSON pointer, escaping `~` and `/`.
pub fn push_pointer(pointer: &mut String, key: &str) {
    pointer.push('/');
    for character in key.chars() {
        match character {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            other => pointer.push(other),
        }
    }
}

/// Builds a JSON pointer from keys.
pub fn pointer_of<I, S>(keys: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut pointer = String::new();
    for key in keys {
        push_pointer(&mut pointer, key.as_ref());
    }
    pointer
}

/// Counts the nodes of a tree (used to bound alias expansion).
pub(crate) fn node_count(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|entry| 1 + node_count(&entry.value))
                .sum::<usize>()
        }
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::first_tree;

    #[test]
    fn pointers_unescape_slashes_and_tildes_in_keys() {
        let tree =
            first_tree("metadata:\n  annotations:\n    a.io/b~c: x\n    plain: z\nlist: [p, q]\n");
        let pointer = pointer_of(["metadata", "annotations", "a.io/b~c"]);
        assert_eq!(pointer, "/metadata/annotations/a.io~1b~0c");
        assert_eq!(tree.pointer(&pointer).and_then(Node::as_str), Some("x"));
        assert!(tree.locate(&pointer).exact);
        assert_eq!(
            tree.key_span(&pointer),
            tree.pointer("/metadata/annotations")
                .and_then(|node| node.entry("a.io/b~c"))
                .map(|entry| entry.key_span)
        );
        assert_eq!(
            tree.pointer("/metadata/annotations/plain")
                .and_then(Node::as_str),
            Some("z")
        );
        assert_eq!(tree.pointer("/list/1").and_then(Node::as_str), Some("q"));
        assert!(!tree.locate("/metadata/annotations/a.io/b~c").exact);
    }
}
