//! `manifest-shape`: a manifest lacks `apiVersion`, `kind` or a name, or is
//! not a mapping.
//!
//! Checked by the loader for every document of every file read as
//! manifests, and for every item of a `List`. Files recognised by name
//! (`values*.yaml`, `Chart.yaml`, `kustomization.yaml`,
//! `component-tags.json`) are not manifests; other YAML that is not meant as
//! manifests is kept out with `exclude:` globs or `.plimsollignore`.

use super::{Category, Rule, RuleMeta};
use crate::finding::Severity;
use crate::yaml::{Node, Value};

pub(crate) const ID: &str = "manifest-shape";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Parsing,
        default_severity: Severity::Error,
        summary: "a manifest lacks apiVersion, kind or metadata.name (or generateName), or is not a mapping".into(),
        rationale: "Without apiVersion, kind and a name the API server cannot tell what the object is, \
and every other check is blind to it."
            .into(),
        fix: "Add the missing field, or move the document out of the manifests (or `exclude:` it).".into(),
        bad: "apiVersion: v1\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: info\n".into(),
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: info\n".into(),
    })
}

/// The shape problems of a document: (JSON pointer to point at, message).
pub(crate) fn problems(node: &Node) -> Vec<(String, String)> {
    let Value::Map(_) = node.value else {
        return vec![(
            String::new(),
            format!(
                "a manifest must be a mapping, this document is {}",
                article(node.value.type_name())
            ),
        )];
    };
    let mut problems = Vec::new();
    for field in ["apiVersion", "kind"] {
        match node.get(field) {
            None => problems.push((String::new(), format!("missing `{field}`"))),
            Some(value) => match value.as_str() {
                Some("") => problems.push((format!("/{field}"), format!("`{field}` is empty"))),
                None if value.is_null() => {
                    problems.push((format!("/{field}"), format!("`{field}` is empty")))
                }
                Some(_) => {}
                None => problems.push((
                    format!("/{field}"),
                    format!(
                        "`{field}` must be a string, not {}",
                        article(value.value.type_name())
                    ),
                )),
            },
        }
    }
    match node.get("metadata") {
        None => problems.push((String::new(), "missing `metadata`".to_owned())),
        Some(metadata) if metadata.as_map().is_none() => problems.push((
            "/metadata".to_owned(),
            format!(
                "`metadata` must be a mapping, not {}",
                article(metadata.value.type_name())
            ),
        )),
        Some(metadata) => {
            let named = ["name", "generateName"].iter().any(|field| {
                metadata
                    .get(field)
                    .and_then(Node::as_str)
                    .is_some_and(|n| !n.is_empty())
            });
            if !named {
                problems.push((
                    "/metadata".to_owned(),
                    "missing `metadata.name` (or `generateName`)".to_owned(),
                ));
            }
        }
    }
    problems.extend(group_problem(node));
    problems
}

/// A built-in kind under a built-in group that does not serve it
/// (`apiVersion: v1` with `kind: Deployment`): the API server refuses it,
/// and no rule would recognise the object. A kind of a group that is not
/// built in (a CRD reusing the name) is left alone.
fn group_problem(node: &Node) -> Option<(String, String)> {
    let api_version = node.get("apiVersion")?.as_str()?;
    let kind = node.get("kind")?.as_str()?;
    let served_by = crate::schema::built_in_home(api_version, kind)?;
    Some((
        "/apiVersion".to_owned(),
        format!("{kind} is served by {served_by}, not {api_version}"),
    ))
}

fn article(type_name: &str) -> String {
    match type_name {
        "array" | "object" | "integer" => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}
