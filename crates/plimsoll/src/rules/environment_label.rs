//! `environment-label`: a Namespace of environment E lacks the environment
//! label, or the label names another environment.
//!
//! The label key is `environmentLabel` from the config; without it, any
//! key `environment` or ending in `/environment` counts (and a missing
//! label is reported as missing `environment`). The value may be the
//! environment's name or any alias (`production` for prod). Namespaces
//! without an environment are not checked.

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::environment::is_environment_label;
use crate::finding::Severity;
use crate::fix::{yaml_string, Fix};
use crate::yaml::pointer_of;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "environment-label".into(),
            category: Category::Naming,
            default_severity: Severity::Error,
            summary: "a Namespace of environment E lacks the environment label, or the label says another environment".into(),
            rationale: "NetworkPolicies, quotas, admission policies and cost reports select namespaces by their \
environment label. A prod namespace without it escapes the prod policies; one labelled `staging` gets staging's."
                .into(),
            fix: "Add the label with the environment's name to the Namespace, e.g. \
`metadata.labels.environment: prod` (or the key set by `environmentLabel` in `.plimsoll.yaml`)."
                .into(),
            bad: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop-prod\n  labels:\n    team: shop\n".into(),
            good: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop-prod\n  labels:\n    meetinity.io/environment: prod\n".into(),
        },
        check,
    )
    .convention()
    .offering_fix("adds the environment label to a Namespace that has none")
    .configured_by(&["environmentLabel"])
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    let Some(environment) = context.environment else {
        return;
    };
    if !object.identity.is("", "Namespace") {
        return;
    }
    let configured = context.config.environment_label;
    let key = configured.unwrap_or("environment");
    let mut found = false;
    for (label, value) in object.labels() {
        if !is_environment_label(label, configured) {
            continue;
        }
        found = true;
        if context.environments.lookup(value) != Some(environment.id) {
            sink.push(
                Violation::at_value(
                    object,
                    pointer_of(["metadata", "labels", label]),
                    format!(
                        "Namespace {} is in environment {} but its label `{label}` says {value}",
                        object.identity.name, environment.name
                    ),
                )
                .with_help(format!("set `{label}: {}`", environment.name)),
            );
        }
    }
    if !found {
        let pointer = if object.node.get_path(&["metadata", "labels"]).is_some() {
            "/metadata/labels"
        } else {
            "/metadata"
        };
        sink.push(
            Violation::at_key(
                object,
                pointer,
                format!(
                    "Namespace {} of environment {} has no `{key}` label",
                    object.identity.name, environment.name
                ),
            )
            .with_help(format!("add the label `{key}: {}`", environment.name))
            .with_fix(Fix::set(
                format!("add the label `{key}: {}`", environment.name),
                pointer_of(["metadata", "labels", key]),
                yaml_string(&environment.name),
            )),
        );
    }
}
