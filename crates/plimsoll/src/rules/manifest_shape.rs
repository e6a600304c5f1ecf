//! `manifest-shape`: a manifest lacks `apiVersion`, `kind` or a name, or is
//! not a mapping.
//!
//! Checked by the loader where manifests are expected: every document of a
//! file a kustomization names as a resource and of a rendered stream
//! (stdin, `--kustomize`, `--helm`), every item of a `List`, and elsewhere
//! every document that tries to be a manifest — it has `apiVersion`,
//! `kind`, or a `metadata` with a name — and fails. Other YAML (a compose file, CI
//! settings, a JSON 6902 patch array, a tool's configuration such as a kind
//! cluster, a kubeadm configuration or a kubeconfig: `apiVersion` and
//! `kind` of a type no API server serves, without `metadata`; a CI
//! pipeline's lower-case `kind` without `apiVersion`; a template with a
//! `kind` and a `name` at its top but no `apiVersion` nor `metadata`) is
//! not a manifest and is skipped without a finding, as are files recognised by name (`values*.yaml`,
//! `Chart.yaml`, `kustomization.yaml`, `component-tags.json`,
//! `package.json`, …).

use super::{Category, Rule, RuleMeta};
use crate::finding::Severity;
use crate::source::TextRange;
use crate::yaml::{Node, Value};

pub(crate) const ID: &str = "manifest-shape";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Parsing,
        default_severity: Severity::Error,
        summary: "a manifest lacks apiVersion, kind or metadata.name (or generateName), is not a mapping, or names a built-in kind in a group that does not serve it".into(),
        rationale: "Without apiVersion, kind and a name the API server cannot tell what the object is, \
and every other check is blind to it."
            .into(),
        fix: "Add the missing field, or move the document out of the manifests (or `exclude:` it).".into(),
        bad: "apiVersion: v1\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: info\n".into(),
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: info\n".into(),
    })
}

/// Whether a document outside the places manifests are expected means to
/// be one: a mapping with `apiVersion` or `kind`, or with a `metadata` that
/// names something. (Other tools' files have a `metadata` of their own,
/// such as an azd `azure.yaml`'s `metadata: {template: …}`.) A tool's
/// configuration file — `apiVersion` and `kind` of a type no API server
/// serves, and no `metadata` at all, such as a kind cluster or a kubeadm
/// configuration — is not one: its tool reads it, nobody applies it.
pub(crate) fn tries_to_be_a_manifest(node: &Node) -> bool {
    let names = |metadata: &Node| {
        ["name", "generateName"]
            .iter()
            .any(|field| metadata.get(field).is_some())
    };
    if is_tool_configuration(node) {
        return false;
    }
    node.get("apiVersion").is_some()
        || node.get("kind").is_some()
        || node.get("metadata").is_some_and(names)
}

/// `apiVersion` and `kind` of a type that is not a resource, and no
/// `metadata`: every object the API server stores has one. (A `List`, which
/// holds objects and needs no `metadata`, is read as its items.) Or an
/// `apiVersion` that is a number, with neither `kind` nor `metadata`: a
/// tool's file format version (Grafana's provisioning files start with
/// `apiVersion: 1`), where a Kubernetes `apiVersion` is a string such as
/// `v1` or `apps/v1`. Or no `apiVersion` and a lower-case `kind`: a CI
/// system's pipeline (`kind: pipeline`), where every Kubernetes kind is
/// written in UpperCamelCase. (With an `apiVersion`, `kind: deployment` is
/// a manifest with a mistake, and stays one.) Or neither `apiVersion` nor
/// `metadata`, and a `name` at the top: a tool's template (a Sidero Omni
/// cluster template's `kind: Cluster` and `name:`), where an object is
/// named in its `metadata`.
pub(crate) fn is_tool_configuration(node: &Node) -> bool {
    let numbered = node
        .get("apiVersion")
        .is_some_and(|version| matches!(version.value, Value::Int(_) | Value::Float(_)));
    if numbered && node.get("kind").is_none() && node.get("metadata").is_none() {
        return true;
    }
    let text = |field: &str| node.get(field).and_then(Node::as_str);
    let lower_case_kind =
        text("kind").is_some_and(|kind| kind.starts_with(|c: char| c.is_ascii_lowercase()));
    let named_at_top = lacks_api_version_and_metadata(node) && node.get("name").is_some();
    if named_at_top || (node.get("apiVersion").is_none() && lower_case_kind) {
        return true;
    }
    match (text("apiVersion"), text("kind")) {
        (Some(api_version), Some(kind)) => {
            node.get("metadata").is_none()
                && !kind.ends_with("List")
                && !crate::schema::is_resource_type(api_version, kind)
        }
        _ => false,
    }
}

/// Whether a document has neither `apiVersion` nor `metadata`: in a file
/// whose other documents are a tool's configuration, it is that tool's too
/// (a cluster template's `kind: ControlPlane` beside its `kind: Cluster`).
pub(crate) fn lacks_api_version_and_metadata(node: &Node) -> bool {
    node.get("apiVersion").is_none() && node.get("metadata").is_none()
}

/// Whether a document of a file named like Helm values is a manifest all
/// the same (`podinfo-values.yaml` holding a HelmRelease): values never
/// have both `apiVersion` and `kind` at the top.
pub(crate) fn is_manifest_despite_its_name(node: &Node) -> bool {
    node.get("apiVersion").is_some() && node.get("kind").is_some()
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

/// The shape problems of a JSON 6902 patch (a kustomization's
/// `patchesJson6902` or a `patches` entry written as a list of operations):
/// each operation is a mapping with a known `op`, a `path` that is a JSON
/// pointer, a `value` where the op takes one and a `from` where it moves or
/// copies. Returns where each problem is and what it is.
pub(crate) fn json6902_problems(patch: &Node) -> Vec<(TextRange, String)> {
    let Some(operations) = patch.as_seq() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (at, operation) in operations.iter().enumerate() {
        let number = at + 1;
        if operation.as_map().is_none() {
            problems.push((
                operation.span,
                format!("patch operation #{number} must be a mapping with `op` and `path`"),
            ));
            continue;
        }
        let op = operation.get("op").and_then(Node::as_str);
        let needs = match op {
            Some("add" | "replace" | "test") => Some("value"),
            Some("move" | "copy") => Some("from"),
            Some("remove") => None,
            Some(other) => {
                let span = operation.get("op").map_or(operation.span, |node| node.span);
                problems.push((
                    span,
                    format!(
                        "patch operation #{number} has op `{other}`; expected add, remove, replace, move, copy or test"
                    ),
                ));
                continue;
            }
            None => {
                problems.push((
                    operation.span,
                    format!("patch operation #{number} has no `op`"),
                ));
                continue;
            }
        };
        match operation.get("path") {
            Some(path)
                if path
                    .as_str()
                    .is_some_and(|p| p.is_empty() || p.starts_with('/')) => {}
            Some(path) => problems.push((
                path.span,
                format!(
                    "patch operation #{number}: `path` must be a JSON pointer (`/spec/replicas`)"
                ),
            )),
            None => problems.push((
                operation.span,
                format!("patch operation #{number} has no `path`"),
            )),
        }
        if let Some(field) = needs {
            if operation.get(field).is_none() {
                problems.push((
                    operation.span,
                    format!(
                        "patch operation #{number} (`{}`) needs `{field}`",
                        op.unwrap_or_default()
                    ),
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::first_tree as root;

    #[test]
    fn tool_configurations_are_not_manifests() {
        for text in [
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes: []\n",
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n",
            "apiVersion: v1\nkind: Config\nclusters: []\n",
            "kind: Policy\napiVersion: v1\npredicates: []\n",
            "version: '1.0'\nkind: pipeline\nmetadata: {name: ci/deploy}\nspec: {steps: {}}\n",
            "kind: Cluster\nname: lab\nkubernetes: {version: v1.34.1}\n",
        ] {
            assert!(!tries_to_be_a_manifest(&root(text)), "{text}");
        }
    }

    #[test]
    fn resources_without_metadata_still_try() {
        for text in [
            "apiVersion: apps/v1\nkind: Deployment\nspec: {}\n",
            "apiVersion: extensions/v1beta1\nkind: Ingress\n",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\n",
            "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nmetadata: {name: a}\n",
            "kind: ConfigMap\ndata: {}\n",
            "apiVersion: v1\nkind: List\nitems: []\n",
            "apiVersion: apps/v1\nkind: deployment\nmetadata: {name: a}\n",
        ] {
            assert!(tries_to_be_a_manifest(&root(text)), "{text}");
        }
    }
}
