//! `flux-interval`: a Flux object's `interval`/`timeout` (and
//! `retryInterval`) is not a Go duration, or its `interval`/`timeout`
//! differs from its environment's `sync` settings.
//!
//! Durations are compared by value (`1m` equals `60s`). The environment is
//! the object's own, else the one a token of its name or of
//! `spec.targetNamespace` names (Flux objects usually live in
//! `flux-system`). A field that is absent is not compared (Flux defaults
//! it; the schema rule reports a missing required `interval`).

use super::delivery::{delivery_environment, is_flux};
use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::duration::{format_go_duration, parse_go_duration};
use crate::yaml::Value;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "flux-interval".into(),
            category: Category::Delivery,
            default_severity: Severity::Error,
            summary: "a Flux interval/timeout does not parse as a Go duration, or differs from the environment's sync settings".into(),
            rationale: "Flux rejects an object whose interval is not a Go duration (`5 minutes`, `1d`), so \
nothing reconciles. Intervals are also policy: the release guide syncs dev every minute and prod every five; \
a copied overlay that polls prod every 10 seconds, or a timeout shorter than a rollout, breaks that contract."
                .into(),
            fix: "Write durations as Go does (`1m`, `1m30s`, `300ms`; units ns, us, ms, s, m, h — no days), and \
match the environment's `sync.interval` and `sync.timeout` in `.plimsoll.yaml`."
                .into(),
            bad: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: myapp\n  namespace: flux-system\nspec:\n  interval: 1d\n  path: ./apps/myapp\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: myapp\n".into(),
            good: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: myapp\n  namespace: flux-system\nspec:\n  interval: 24h\n  path: ./apps/myapp\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: myapp\n".into(),
        },
        check,
    )
    .configured_by(&["environments[].sync.interval", "environments[].sync.timeout"])
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    if !is_flux(object) {
        return;
    }
    let environment = delivery_environment(object, context.environments)
        .and_then(|id| context.environments.get(id));
    for field in ["interval", "timeout", "retryInterval"] {
        let pointer = format!("/spec/{field}");
        let Some(node) = object.node.pointer(&pointer) else {
            continue;
        };
        let Value::String(text) = &node.value else {
            sink.push(
                Violation::at_value(
                    object,
                    &pointer,
                    format!(
                        "spec.{field} must be a duration string such as \"1m\", not {}",
                        node.value.type_name()
                    ),
                )
                .with_help("quote a Go duration: \"1m30s\""),
            );
            continue;
        };
        let value = match parse_go_duration(text) {
            Ok(value) => value,
            Err(problem) => {
                sink.push(
                    Violation::at_value(
                        object,
                        &pointer,
                        format!("spec.{field} \"{text}\" is not a Go duration: {problem}"),
                    )
                    .with_help("use units ns, us, ms, s, m or h, e.g. \"1m30s\" or \"24h\""),
                );
                continue;
            }
        };
        let Some(environment) = environment else {
            continue;
        };
        let wanted = match field {
            "interval" => environment.config.sync.interval.as_deref(),
            "timeout" => environment.config.sync.timeout.as_deref(),
            _ => None,
        };
        let Some(wanted_text) = wanted else {
            continue;
        };
        let Ok(wanted_value) = parse_go_duration(wanted_text) else {
            continue;
        };
        if wanted_value != value {
            sink.push(
                Violation::at_value(
                    object,
                    &pointer,
                    format!(
                        "spec.{field} is {} but {}'s sync.{field} is {}",
                        format_go_duration(value),
                        environment.name,
                        format_go_duration(wanted_value)
                    ),
                )
                .with_help(format!(
                    "set `{field}: {wanted_text}`, as `.plimsoll.yaml` says for {}",
                    environment.name
                )),
            );
        }
    }
}
