//! YAML with positions: every key and value of a document keeps the span of
//! its text, so a finding can point at the exact place.
//!
//! [`parse_stream`] splits a multi-document stream, parses the documents (in
//! parallel when there are many) and reports syntax errors, duplicate keys,
//! runaway alias expansion and excessive nesting as [`Problem`]s instead of
//! failing. JSON is parsed by the same code: it is YAML.

mod locator;
mod parse;
mod scalar;
mod split;
mod tree;

pub(crate) use locator::Locator;
pub(crate) use parse::Parsed;
pub use parse::{parse_stream, Limits, Problem, ProblemKind, RawDocument};
pub(crate) use scalar::read_booleans_as_kustomize;
pub(crate) use split::{may_spell, Empty, Stream};
pub use tree::{pointer_of, push_pointer, Entry, Located, Node, Value};

/// The tree of the first document of `text` that has one (for tests).
#[cfg(test)]
pub(crate) fn first_tree(text: &str) -> Node {
    parse_stream(text, &Limits::default())
        .into_iter()
        .find_map(|document| document.root)
        .unwrap_or_else(|| panic!("no document in {text:?}"))
}
