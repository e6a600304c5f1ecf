//! `migration-hook`: a database migration Job that Argo CD (or Helm) would
//! not run safely before the new code.
//!
//! A Job is a migration when its name, a label, or a container's command or
//! args mention migrate/migration, goose, flyway, liquibase or alembic. It
//! must be a PreSync hook (`argocd.argoproj.io/hook: PreSync`, or — when that
//! annotation is absent, since Argo CD then maps Helm's — `helm.sh/hook` with
//! both `pre-install` and `pre-upgrade`), be deleted before the next hook is
//! created (`BeforeHookCreation` / `before-hook-creation`), set
//! `ttlSecondsAfterFinished`, use `restartPolicy: Never`, and, when
//! `migrations.maxBackoffLimit` is set, not retry more often (an absent
//! `backoffLimit` is Kubernetes' default, 6). Each problem is its own
//! finding, at the value to change.

use super::delivery::{
    annotation_items, annotation_pointer, is_migration_job, ARGO_HOOK, HELM_HOOK,
};
use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::fix::Fix;

const ARGO_DELETE: &str = "argocd.argoproj.io/hook-delete-policy";
const HELM_DELETE: &str = "helm.sh/hook-delete-policy";
/// Kubernetes' default `backoffLimit`.
const DEFAULT_BACKOFF_LIMIT: i64 = 6;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "migration-hook".into(),
            category: Category::Delivery,
            default_severity: Severity::Error,
            summary: "a migration Job is not a PreSync hook, lacks a before-hook-creation delete policy, ttlSecondsAfterFinished or restartPolicy: Never, or retries too often".into(),
            rationale: "Schema migrations must finish before the pods that need the new schema start, exactly \
once per sync. A migration that is not a PreSync hook runs alongside the new code; without a \
before-hook-creation policy the next sync fails on the old Job (Job specs are immutable); without a TTL \
finished Jobs pile up; `restartPolicy: OnFailure` and a high backoffLimit re-run a half-applied migration \
again and again."
                .into(),
            fix: "Annotate the Job `argocd.argoproj.io/hook: PreSync` and `argocd.argoproj.io/hook-delete-policy: \
BeforeHookCreation` (or the Helm equivalents `helm.sh/hook: pre-install,pre-upgrade` and \
`helm.sh/hook-delete-policy: before-hook-creation`), set `spec.ttlSecondsAfterFinished`, \
`spec.template.spec.restartPolicy: Never`, and a `backoffLimit` within `migrations.maxBackoffLimit`."
                .into(),
            bad: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: api-migrate\nspec:\n  template:\n    spec:\n      restartPolicy: OnFailure\n      containers:\n        - name: migrate\n          image: ghcr.io/acme/api:1.4.0\n          command: [\"goose\", \"up\"]\n".into(),
            good: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: api-migrate\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\nspec:\n  ttlSecondsAfterFinished: 600\n  backoffLimit: 1\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: ghcr.io/acme/api:1.4.0\n          command: [\"goose\", \"up\"]\n".into(),
        },
        check,
    )
    .offering_fix(
        "adds the missing before-hook-creation delete policy (in the hook flavour the Job uses), \
`ttlSecondsAfterFinished: 600` and `restartPolicy: Never` to a migration Job",
    )
    .configured_by(&["migrations.maxBackoffLimit"])
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    if !is_migration_job(object) {
        return;
    }
    let name = &object.identity.name;
    let argo_hook = annotation_items(object, ARGO_HOOK);
    let helm_hook = annotation_items(object, HELM_HOOK);
    let pre_sync = if object.annotation(ARGO_HOOK).is_some() {
        argo_hook.iter().any(|hook| hook == "PreSync")
    } else {
        ["pre-install", "pre-upgrade"]
            .iter()
            .all(|wanted| helm_hook.iter().any(|hook| hook == wanted))
    };
    if !pre_sync {
        let pointer =
            if object.annotation(ARGO_HOOK).is_some() || object.annotation(HELM_HOOK).is_none() {
                annotation_pointer(ARGO_HOOK)
            } else {
                annotation_pointer(HELM_HOOK)
            };
        sink.push(
            Violation::at_value(
                object,
                pointer,
                format!("migration Job `{name}` is not a PreSync hook: it can run after the new code starts"),
            )
            .with_help("annotate it `argocd.argoproj.io/hook: PreSync` (or `helm.sh/hook: pre-install,pre-upgrade`)"),
        );
    }
    let before_creation = annotation_items(object, ARGO_DELETE)
        .iter()
        .any(|policy| policy == "BeforeHookCreation")
        || annotation_items(object, HELM_DELETE)
            .iter()
            .any(|policy| policy == "before-hook-creation");
    if !before_creation {
        let helm_flavour =
            object.annotation(ARGO_HOOK).is_none() && object.annotation(HELM_HOOK).is_some();
        let (key, policy) = if helm_flavour {
            (HELM_DELETE, "before-hook-creation")
        } else {
            (ARGO_DELETE, "BeforeHookCreation")
        };
        let pointer = if object.annotation(HELM_DELETE).is_some()
            && object.annotation(ARGO_DELETE).is_none()
        {
            annotation_pointer(HELM_DELETE)
        } else {
            annotation_pointer(ARGO_DELETE)
        };
        let mut violation = Violation::at_value(
            object,
            pointer,
            format!("migration Job `{name}` has no before-hook-creation delete policy: the next sync fails on the finished Job"),
        )
        .with_help("annotate it `argocd.argoproj.io/hook-delete-policy: BeforeHookCreation` (or `helm.sh/hook-delete-policy: before-hook-creation`)");
        // Only where no delete policy is written: one that is may hold
        // others the owner chose.
        if object.annotation(ARGO_DELETE).is_none() && object.annotation(HELM_DELETE).is_none() {
            violation = violation.with_fix(Fix::set(
                format!("annotate it `{key}: {policy}`"),
                annotation_pointer(key),
                policy,
            ));
        }
        sink.push(violation);
    }
    if object
        .node
        .pointer("/spec/ttlSecondsAfterFinished")
        .is_none()
    {
        sink.push(
            Violation::at_value(
                object,
                "/spec/ttlSecondsAfterFinished",
                format!("migration Job `{name}` has no ttlSecondsAfterFinished: finished Jobs and their pods are never cleaned up"),
            )
            .with_help("set `spec.ttlSecondsAfterFinished`, e.g. 600")
            .with_fix(Fix::set(
                "set `spec.ttlSecondsAfterFinished: 600`",
                "/spec/ttlSecondsAfterFinished",
                "600",
            )),
        );
    }
    let restart = object
        .node
        .pointer("/spec/template/spec/restartPolicy")
        .and_then(|node| node.as_str());
    if restart != Some("Never") {
        let shown = restart.unwrap_or("unset");
        sink.push(
            Violation::at_value(
                object,
                "/spec/template/spec/restartPolicy",
                format!("migration Job `{name}` has restartPolicy {shown}: a failed migration must not be re-run in place"),
            )
            .with_help("set `spec.template.spec.restartPolicy: Never`")
            .with_fix(Fix::set(
                "set `spec.template.spec.restartPolicy: Never`",
                "/spec/template/spec/restartPolicy",
                "Never",
            )),
        );
    }
    if let Some(limit) = context.config.migrations.max_backoff_limit {
        let backoff = object.node.pointer("/spec/backoffLimit");
        let value = backoff
            .and_then(|node| node.as_i64())
            .unwrap_or(DEFAULT_BACKOFF_LIMIT);
        if value > limit {
            let shown = if backoff.is_some() {
                format!("backoffLimit {value}")
            } else {
                format!("no backoffLimit (Kubernetes retries {DEFAULT_BACKOFF_LIMIT} times)")
            };
            sink.push(
                Violation::at_value(
                    object,
                    "/spec/backoffLimit",
                    format!("migration Job `{name}` has {shown}, above migrations.maxBackoffLimit {limit}"),
                )
                .with_help(format!("set `spec.backoffLimit` to {limit} or less")),
            );
        }
    }
}
