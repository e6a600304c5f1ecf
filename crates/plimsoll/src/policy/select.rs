//! Kubernetes label selectors (`matchLabels`, `matchExpressions`), read from
//! a spanned tree.

use crate::yaml::Node;

/// One `matchExpressions` requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// A label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LabelSelector {
    match_labels: Vec<(String, String)>,
    expressions: Vec<Requirement>,
}

impl LabelSelector {
    /// Reads a selector; the error names the offending node and what is wrong.
    pub(crate) fn parse(node: &Node) -> Result<LabelSelector, (&Node, String)> {
        let mut selector = LabelSelector::default();
        if node.is_null() {
            return Ok(selector);
        }
        let entries = node
            .as_map()
            .ok_or((node, "a label selector must be a mapping".to_owned()))?;
        for entry in entries {
            match entry.key.as_str() {
                "matchLabels" => {
                    let labels = entry.value.as_map().ok_or((
                        &entry.value,
                        "matchLabels must be a mapping of strings".to_owned(),
                    ))?;
                    for label in labels {
                        let value = label.value.as_str().ok_or((
                            &label.value,
                            "label values must be strings".to_owned(),
                        ))?;
                        selector
                            .match_labels
                            .push((label.key.to_string(), value.to_owned()));
                    }
                }
                "matchExpressions" => {
                    let items = entry.value.as_seq().ok_or((
                        &entry.value,
                        "matchExpressions must be a list".to_owned(),
                    ))?;
                    for item in items {
                        selector.expressions.push(requirement(item)?);
                    }
                }
                other => {
                    return Err((
                        &entry.value,
                        format!(
                            "unknown key `{other}` in a label selector; expected matchLabels or matchExpressions"
                        ),
                    ))
                }
            }
        }
        Ok(selector)
    }

    /// Whether a set of labels matches.
    pub(crate) fn matches<'l>(&self, labels: impl Fn(&str) -> Option<&'l str>) -> bool {
        self.match_labels
            .iter()
            .all(|(key, value)| labels(key) == Some(value.as_str()))
            && self.expressions.iter().all(|requirement| {
                let value = labels(&requirement.key);
                match requirement.operator {
                    Operator::In => {
                        value.is_some_and(|value| requirement.values.iter().any(|v| v == value))
                    }
                    Operator::NotIn => {
                        !value.is_some_and(|value| requirement.values.iter().any(|v| v == value))
                    }
                    Operator::Exists => value.is_some(),
                    Operator::DoesNotExist => value.is_none(),
                }
            })
    }
}

fn requirement(item: &Node) -> Result<Requirement, (&Node, String)> {
    let key = item
        .get("key")
        .and_then(Node::as_str)
        .ok_or((item, "a match expression needs a string `key`".to_owned()))?;
    let operator = match item.get("operator").and_then(Node::as_str) {
        Some("In") => Operator::In,
        Some("NotIn") => Operator::NotIn,
        Some("Exists") => Operator::Exists,
        Some("DoesNotExist") => Operator::DoesNotExist,
        _ => {
            return Err((
                item.get("operator").unwrap_or(item),
                "operator must be In, NotIn, Exists or DoesNotExist".to_owned(),
            ))
        }
    };
    let values = match item.get("values") {
        None => Vec::new(),
        Some(values) => values
            .as_seq()
            .ok_or((values, "values must be a list of strings".to_owned()))?
            .iter()
            .map(|value| {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or((value, "values must be strings".to_owned()))
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(Requirement {
        key: key.to_owned(),
        operator,
        values,
    })
}
