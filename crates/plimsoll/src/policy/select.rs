//! Label selectors in policy files (`labelSelector`, an admission
//! policy's `namespaceSelector`, `objectSelector` and params selector):
//! read by the same code as the selectors of manifests
//! ([`Selector::from_label_selector`]), with the strictness a file of
//! settings needs — a key other than `matchLabels` and `matchExpressions`
//! is an error — and errors at the offending node.

use crate::model::selector::Selector;
use crate::yaml::Node;

/// Reads a selector; the error names the offending node and what is wrong.
pub(crate) fn parse(node: &Node) -> Result<Selector, (&Node, String)> {
    if let Some(entries) = node.as_map() {
        if let Some(other) = entries
            .iter()
            .find(|entry| !matches!(entry.key.as_str(), "matchLabels" | "matchExpressions"))
        {
            return Err((
                &other.value,
                format!(
                    "unknown key `{}` in a label selector; expected matchLabels or matchExpressions",
                    other.key
                ),
            ));
        }
    }
    Selector::from_label_selector(node)
        .map_err(|error| (node.pointer(&error.pointer).unwrap_or(node), error.message))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::parse;
    use crate::yaml::{parse_stream, Limits, Node};

    fn node(text: &str) -> Node {
        parse_stream(text, &Limits::default())
            .remove(0)
            .root
            .unwrap()
    }

    #[test]
    fn selectors_match_as_in_manifests() {
        let selector = node(
            "matchLabels: {team: web}\nmatchExpressions:\n  - {key: tier, operator: NotIn, values: [batch]}\n",
        );
        let selector = parse(&selector).unwrap();
        assert!(selector.matches(&[("team", "web"), ("tier", "api")]));
        assert!(!selector.matches(&[("team", "web"), ("tier", "batch")]));
    }

    #[test]
    fn mistakes_point_at_their_node() {
        let unknown = node("matchLabel: {team: web}\n");
        let (at, message) = parse(&unknown).unwrap_err();
        assert!(message.starts_with("unknown key `matchLabel`"), "{message}");
        assert_eq!(at.as_map().map(<[_]>::len), Some(1));

        let operator = node("matchExpressions:\n  - {key: tier, operator: Sometimes}\n");
        let (at, message) = parse(&operator).unwrap_err();
        assert_eq!(at.as_str(), Some("Sometimes"), "{message}");
    }
}
