//! `selector-mismatch`: a workload's `selector` does not match its pod
//! template's labels.
//!
//! Checked for Deployment, StatefulSet, DaemonSet, ReplicaSet, Argo Rollout
//! (`LabelSelector`: `matchLabels` and `matchExpressions`),
//! ReplicationController (a plain map) and Job only with
//! `manualSelector: true` (otherwise Kubernetes generates the selector). A
//! missing selector is left to the schema (`apps/v1` requires it; older
//! APIs default it from the template labels), and an empty one is not
//! reported in a file that a kustomization with `commonLabels` builds:
//! Kustomize fills it, and the template's labels, with those labels. A selector that cannot be
//! read (unknown operator, `In` without values, a non-string value) is
//! reported too: the API server would reject it. Rollouts that reference
//! another workload (`workloadRef`) have no template and are skipped.
//!
//! Services, PodDisruptionBudgets and HPAs that select or target nothing
//! are `dangling-reference`'s: they resolve across the files of an
//! environment.

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Target, Violation};
use crate::finding::Severity;
use crate::model::{label_pairs, Selector};
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "selector-mismatch".into(),
            category: Category::Workloads,
            default_severity: Severity::Error,
            summary: "a workload's selector does not match its pod template labels".into(),
            rationale: "The API server rejects a Deployment, StatefulSet, DaemonSet or ReplicaSet whose selector \
does not select its own template (`selector does not match template labels`), so the sync fails at apply \
time, usually after a label was renamed in one place only."
                .into(),
            fix: "Make every `matchLabels` entry (and `matchExpressions` requirement) hold for \
`spec.template.metadata.labels`. The selector of an existing Deployment is immutable: change the template \
labels, not the selector, unless you recreate the object."
                .into(),
            bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api-gateway}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n".into(),
            good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api, tier: web}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n".into(),
        },
        check,
    )
}

/// How a kind writes its selector.
enum Form {
    LabelSelector,
    Map,
}

fn form(context: &DocumentContext<'_>) -> Option<Form> {
    let identity = &context.object.identity;
    match (identity.group.as_str(), identity.kind.as_str()) {
        ("apps" | "extensions", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("argoproj.io", "Rollout") => Some(Form::LabelSelector),
        ("", "ReplicationController") => Some(Form::Map),
        ("batch", "Job") => (context
            .object
            .node
            .get_path(&["spec", "manualSelector"])
            .and_then(Node::as_bool)
            == Some(true))
        .then_some(Form::LabelSelector),
        _ => None,
    }
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let Some(form) = form(context) else {
        return;
    };
    let object = context.object;
    let Some(selector_node) = object.node.get_path(&["spec", "selector"]) else {
        return;
    };
    let Some(template) = object.node.get_path(&["spec", "template"]) else {
        return;
    };
    let selector = match form {
        Form::LabelSelector => Selector::from_label_selector(selector_node),
        Form::Map => Selector::from_map(selector_node),
    };
    let selector = match selector {
        Ok(selector) => selector,
        Err(error) => {
            sink.push(
                Violation::at_value(
                    object,
                    format!("/spec/selector{}", error.pointer),
                    format!(
                        "the selector of {} {} is invalid: {}",
                        object.identity.kind, object.identity.name, error.message
                    ),
                )
                .with_help("write the selector as matchLabels and matchExpressions with In, NotIn, Exists or DoesNotExist"),
            );
            return;
        }
    };
    if selector.is_empty() {
        // A kustomization with `commonLabels` (or `labels` with
        // `includeSelectors`) writes its labels into the selector and the
        // template both: the selector applied is not empty.
        if object.selector_by_kustomize {
            return;
        }
        sink.push(
            Violation::at_value(
                object,
                "/spec/selector",
                format!(
                    "the selector of {} {} is empty",
                    object.identity.kind, object.identity.name
                ),
            )
            .with_help("select the pod template by one or more of its labels"),
        );
        return;
    }
    let labels = label_pairs(template.get_path(&["metadata", "labels"]));
    if !selector.matches(&labels) {
        let pointer = if template.get_path(&["metadata", "labels"]).is_some() {
            "/spec/template/metadata/labels"
        } else {
            "/spec/template"
        };
        let shown: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        sink.push(
            Violation::at_key(
                object,
                pointer,
                format!(
                    "the selector of {} {} does not match its pod template labels ({})",
                    object.identity.kind,
                    object.identity.name,
                    if shown.is_empty() {
                        "none".to_owned()
                    } else {
                        shown.join(", ")
                    }
                ),
            )
            .with_help("give the template every label the selector requires")
            .with_related(
                object,
                Target::Key("/spec/selector".to_owned()),
                "the selector",
            ),
        );
    }
}
