//! `sync-policy`: an Argo CD Application syncs automatically into an
//! environment whose `sync.mode` is manual.
//!
//! The Application's environment is its own (path or namespace), else the
//! environment a token of its name names (`splattop-prod`), else that of
//! `spec.destination.namespace`: Applications usually live in the `argocd`
//! namespace, so their own namespace says nothing. The finding points at
//! `syncPolicy.automated`.

use super::delivery::delivery_environment;
use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::settings::SyncMode;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "sync-policy".into(),
            category: Category::Delivery,
            default_severity: Severity::Error,
            summary: "an Argo CD Application of an environment whose sync.mode is manual has syncPolicy.automated".into(),
            rationale: "Manual sync is the gate of environments where a person starts every rollout (staging and \
prod in most release guides). An automated sync policy applies every merged change at once and bypasses it."
                .into(),
            fix: "Remove `spec.syncPolicy.automated` from the Application (keep `syncOptions`), or change the \
environment's `sync.mode` in `.plimsoll.yaml` if automatic sync is intended."
                .into(),
            bad: "".into(),
            good: "".into(),
        },
        check,
    )
    .configured_by(&["environments[].sync.mode"])
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    if !object.identity.is("argoproj.io", "Application") {
        return;
    }
    let Some(automated) = object.node.pointer("/spec/syncPolicy/automated") else {
        return;
    };
    if automated.is_null() {
        return;
    }
    let Some(environment) = delivery_environment(object, context.environments)
        .and_then(|id| context.environments.get(id))
    else {
        return;
    };
    if environment.config.sync.mode != Some(SyncMode::Manual) {
        return;
    }
    sink.push(
        Violation::at_key(
            object,
            "/spec/syncPolicy/automated",
            format!(
                "Application `{}` syncs {} automatically, but {}'s sync.mode is manual",
                object.identity.name, environment.name, environment.name
            ),
        )
        .with_help(
            "remove `syncPolicy.automated`; sync this Application by hand (`argocd app sync`)",
        )
        .configured_at(
            context
                .config
                .environment_key(&environment.name)
                .map(|key| format!("{key}.sync.mode"))
                .unwrap_or_default(),
            "sync.mode configured here",
        ),
    );
}
