//! Kubernetes label selectors matched against label maps.
//!
//! Two forms exist: the plain `key: value` map of a Service's (or
//! ReplicationController's) `selector`, and the `LabelSelector` of
//! workloads, PodDisruptionBudgets and NetworkPolicies (`matchLabels` plus
//! `matchExpressions` with `In`, `NotIn`, `Exists`, `DoesNotExist`). Both
//! become a list of requirements that must all hold, as in
//! `k8s.io/apimachinery/pkg/labels`.
//!
//! What "empty" means differs by user, so the caller decides: an empty
//! `LabelSelector` selects every pod (PodDisruptionBudget, NetworkPolicy),
//! while a Service without a selector selects none (its endpoints are
//! managed by hand). [`Selector::is_empty`] tells them apart.

use crate::yaml::{Node, Value};

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// The label is one of the values (`matchLabels` entries are `In` with
    /// one value).
    In(String, Vec<String>),
    /// The label is absent or none of the values.
    NotIn(String, Vec<String>),
    /// The label is present.
    Exists(String),
    /// The label is absent.
    DoesNotExist(String),
}

impl Requirement {
    /// The label the requirement is about.
    pub fn key(&self) -> &str {
        match self {
            Requirement::In(key, _)
            | Requirement::NotIn(key, _)
            | Requirement::Exists(key)
            | Requirement::DoesNotExist(key) => key,
        }
    }

    /// Whether the labels satisfy this requirement.
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let value_of = |key: &str| {
            labels
                .iter()
                .find(|(label, _)| *label == key)
                .map(|(_, value)| *value)
        };
        match self {
            Requirement::In(key, values) => {
                value_of(key).is_some_and(|value| values.iter().any(|v| v == value))
            }
            Requirement::NotIn(key, values) => {
                value_of(key).is_none_or(|value| values.iter().all(|v| v != value))
            }
            Requirement::Exists(key) => value_of(key).is_some(),
            Requirement::DoesNotExist(key) => value_of(key).is_none(),
        }
    }
}

/// A selector: every requirement must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    /// The requirements, in the order written.
    pub requirements: Vec<Requirement>,
}

/// Why a selector could not be read, with the JSON pointer (relative to the
/// selector) of the fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    /// Where, relative to the selector node (`/matchExpressions/0/operator`).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl Selector {
    /// A plain `key: value` map (Service `selector`).
    pub fn from_map(node: &Node) -> Result<Selector, SelectorError> {
        let entries = match &node.value {
            Value::Map(entries) => entries.as_ref(),
            Value::Null => &[],
            other => {
                return Err(SelectorError {
                    pointer: String::new(),
                    message: format!("the selector is a {}, not a mapping", other.type_name()),
                })
            }
        };
        let mut requirements = Vec::with_capacity(entries.len());
        for entry in entries {
            let value = scalar_text(&entry.value).ok_or_else(|| SelectorError {
                pointer: format!("/{}", escape(&entry.key)),
                message: format!("the value of label `{}` is not a string", entry.key),
            })?;
            requirements.push(Requirement::In(entry.key.to_string(), vec![value]));
        }
        Ok(Selector { requirements })
    }

    /// A `LabelSelector` (`matchLabels` and `matchExpressions`).
    pub fn from_label_selector(node: &Node) -> Result<Selector, SelectorError> {
        if node.is_null() {
            return Ok(Selector::default());
        }
        if node.as_map().is_none() {
            return Err(SelectorError {
                pointer: String::new(),
                message: format!(
                    "the selector is a {}, not a mapping",
                    node.value.type_name()
                ),
            });
        }
        let mut selector = match node.get("matchLabels") {
            Some(labels) => Selector::from_map(labels).map_err(|error| SelectorError {
                pointer: format!("/matchLabels{}", error.pointer),
                message: error.message,
            })?,
            None => Selector::default(),
        };
        let expressions = match node.get("matchExpressions").map(|n| &n.value) {
            None | Some(Value::Null) => &[][..],
            Some(Value::Seq(items)) => items.as_ref(),
            Some(other) => {
                return Err(SelectorError {
                    pointer: "/matchExpressions".into(),
                    message: format!("matchExpressions is a {}, not a list", other.type_name()),
                })
            }
        };
        for (at, expression) in expressions.iter().enumerate() {
            selector
                .requirements
                .push(
                    requirement(expression).map_err(|(field, message)| SelectorError {
                        pointer: format!("/matchExpressions/{at}{field}"),
                        message,
                    })?,
                );
        }
        Ok(selector)
    }

    /// Whether the selector has no requirement.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether labels satisfy every requirement (an empty selector matches
    /// everything).
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        self.requirements
            .iter()
            .all(|requirement| requirement.matches(labels))
    }
}

fn requirement(expression: &Node) -> Result<Requirement, (&'static str, String)> {
    let key = expression
        .get("key")
        .and_then(Node::as_str)
        .filter(|key| !key.is_empty())
        .ok_or(("/key", "a match expression has no key".to_owned()))?
        .to_owned();
    let operator = expression.get("operator").and_then(Node::as_str).ok_or((
        "/operator",
        format!("the expression on `{key}` has no operator"),
    ))?;
    let values = match expression.get("values").map(|n| &n.value) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Seq(items)) => items
            .iter()
            .map(|item| {
                scalar_text(item).ok_or((
                    "/values",
                    format!("a value of the expression on `{key}` is not a string"),
                ))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err((
                "/values",
                format!("the values of the expression on `{key}` are not a list"),
            ))
        }
    };
    match operator {
        "In" | "NotIn" if values.is_empty() => Err((
            "/values",
            format!("`{operator}` on `{key}` needs at least one value"),
        )),
        "In" => Ok(Requirement::In(key, values)),
        "NotIn" => Ok(Requirement::NotIn(key, values)),
        "Exists" | "DoesNotExist" if !values.is_empty() => Err((
            "/values",
            format!("`{operator}` on `{key}` takes no values"),
        )),
        "Exists" => Ok(Requirement::Exists(key)),
        "DoesNotExist" => Ok(Requirement::DoesNotExist(key)),
        other => Err((
            "/operator",
            format!("unknown operator `{other}` (expected In, NotIn, Exists or DoesNotExist)"),
        )),
    }
}

/// Whether a `LabelSelector` node selects these labels. One that does not
/// parse (an unknown operator, `In` without values, a value that is not a
/// string) selects nothing: the API server would not accept it.
pub fn label_selector_matches(node: &Node, labels: &[(&str, &str)]) -> bool {
    Selector::from_label_selector(node).is_ok_and(|selector| selector.matches(labels))
}

/// The labels of a `metadata.labels`-style map, as (key, value) pairs of
/// strings (other values are not labels Kubernetes would accept).
pub fn label_pairs(node: Option<&Node>) -> Vec<(&str, &str)> {
    node.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| Some((entry.key.as_str(), entry.value.as_str()?)))
        .collect()
}

/// A label value: Kubernetes accepts only strings (an unquoted `2` is
/// rejected by the API server, so it is an error here too).
fn scalar_text(node: &Node) -> Option<String> {
    node.as_str().map(str::to_owned)
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Limits};

    fn parse(text: &str) -> Node {
        parse_stream(text, &Limits::default())
            .remove(0)
            .root
            .unwrap_or(Node {
                value: Value::Null,
                span: crate::source::TextRange::default(),
            })
    }

    fn label_selector(text: &str) -> Selector {
        Selector::from_label_selector(&parse(text)).unwrap()
    }

    #[test]
    fn match_labels_need_every_label() {
        let selector = label_selector("matchLabels: {app: api, tier: web}");
        assert!(selector.matches(&[("app", "api"), ("tier", "web"), ("x", "y")]));
        assert!(!selector.matches(&[("app", "api")]));
        assert!(!selector.matches(&[("app", "api"), ("tier", "db")]));
    }

    #[test]
    fn expressions_follow_kubernetes_semantics() {
        let selector = label_selector(
            "matchExpressions:\n  - {key: tier, operator: In, values: [web, api]}\n  - {key: track, operator: NotIn, values: [canary]}\n  - {key: app, operator: Exists}\n  - {key: legacy, operator: DoesNotExist}\n",
        );
        assert!(selector.matches(&[("tier", "web"), ("app", "x")]));
        assert!(selector.matches(&[("tier", "api"), ("app", "x"), ("track", "stable")]));
        assert!(!selector.matches(&[("tier", "db"), ("app", "x")]));
        assert!(!selector.matches(&[("tier", "web"), ("app", "x"), ("track", "canary")]));
        assert!(!selector.matches(&[("tier", "web")]));
        assert!(!selector.matches(&[("tier", "web"), ("app", "x"), ("legacy", "1")]));
    }

    #[test]
    fn empty_selectors_match_everything_and_say_so() {
        let selector = label_selector("{}");
        assert!(selector.is_empty());
        assert!(selector.matches(&[]));
        assert!(Selector::from_map(&parse("~")).unwrap().is_empty());
    }

    #[test]
    fn plain_maps_need_string_values() {
        let selector = Selector::from_map(&parse("app: api\nversion: \"2\"\n")).unwrap();
        assert!(selector.matches(&[("app", "api"), ("version", "2")]));
        assert!(!selector.matches(&[("app", "api"), ("version", "3")]));
        let error = Selector::from_map(&parse("app: api\nversion: 2\n")).unwrap_err();
        assert_eq!(error.pointer, "/version");
    }

    #[test]
    fn malformed_selectors_name_the_fault() {
        let error = Selector::from_label_selector(&parse(
            "matchExpressions:\n  - {key: tier, operator: Equals, values: [web]}\n",
        ))
        .unwrap_err();
        assert_eq!(error.pointer, "/matchExpressions/0/operator");
        assert!(error.message.contains("Equals"));
        let error = Selector::from_label_selector(&parse(
            "matchExpressions:\n  - {key: tier, operator: In}\n",
        ))
        .unwrap_err();
        assert_eq!(error.pointer, "/matchExpressions/0/values");
        let error = Selector::from_label_selector(&parse(
            "matchExpressions:\n  - {key: tier, operator: Exists, values: [a]}\n",
        ))
        .unwrap_err();
        assert_eq!(error.pointer, "/matchExpressions/0/values");
        let error = Selector::from_map(&parse("app: [a]\n")).unwrap_err();
        assert_eq!(error.pointer, "/app");
        assert!(Selector::from_label_selector(&parse("[a]")).is_err());
    }

    #[test]
    fn selectors_match_labels() {
        let labels = [("app", "api"), ("tier", "web")];
        assert!(label_selector_matches(&parse("{}"), &labels));
        assert!(label_selector_matches(
            &parse("matchLabels: {app: api}"),
            &labels
        ));
        assert!(!label_selector_matches(
            &parse("matchLabels: {app: db}"),
            &labels
        ));
        assert!(label_selector_matches(
            &parse("matchExpressions: [{key: tier, operator: In, values: [web, edge]}, {key: env, operator: DoesNotExist}]"),
            &labels
        ));
        assert!(!label_selector_matches(
            &parse("matchExpressions: [{key: tier, operator: NotIn, values: [web]}]"),
            &labels
        ));
        assert!(!label_selector_matches(
            &parse("matchExpressions: [{key: tier, operator: Gt, values: ['1']}]"),
            &labels
        ));
    }

    #[test]
    fn label_pairs_skip_non_string_values() {
        let node = parse("app: api\nreplicas: 3\n");
        assert_eq!(label_pairs(Some(&node)), vec![("app", "api")]);
        assert!(label_pairs(None).is_empty());
    }
}
