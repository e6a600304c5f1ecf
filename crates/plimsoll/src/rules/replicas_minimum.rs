//! `replicas-minimum`: a Deployment, StatefulSet or Argo Rollout runs fewer
//! replicas than its environment's `replicas.min`.
//!
//! When a HorizontalPodAutoscaler of the same namespace targets the
//! workload (`scaleTargetRef` kind and name), its `minReplicas` (default 1)
//! is what counts and the finding points at it; the workload's own
//! `replicas` is then only a starting point the HPA overrides. Otherwise an
//! absent `replicas` counts as 1, as Kubernetes defaults it, and the
//! finding points at `spec`. A `replicas` that is not an integer (an
//! unrendered template) is left to the schema rule. Off unless the
//! environment has `replicas.min`.

use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::scaling::{declared_replicas, min_replicas, Autoscalers};
use crate::model::Object;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "replicas-minimum".into(),
            category: Category::Workloads,
            default_severity: Severity::Error,
            summary: "a Deployment/StatefulSet (or its HPA minReplicas) has fewer replicas than its environment's replicas.min".into(),
            rationale: "One replica means every node drain, eviction or crash is an outage. Environments that \
promise availability (`replicas: {min: 3}` for prod) need every service to run at least that many pods, \
including when an autoscaler scales it in."
                .into(),
            fix: "Raise `spec.replicas` (or the HPA's `minReplicas`) to the environment's minimum. The example \
assumes `environments: [{name: prod, replicas: {min: 3}}]` in `.plimsoll.yaml`."
                .into(),
            bad: r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  replicas: 1
".into(),
            good: r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  replicas: 3
".into(),
        },
        check,
    )
    .within_environment()
}

/// The kinds the rule checks.
fn is_checked(object: &Object) -> bool {
    let identity = &object.identity;
    identity.is("apps", "Deployment")
        || identity.is("apps", "StatefulSet")
        || identity.is("extensions", "Deployment")
        || identity.is("argoproj.io", "Rollout")
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let Some(environment) = context.environment else {
        return;
    };
    let Some(minimum) = environment.config.replicas.min.map(i64::from) else {
        return;
    };
    let autoscalers = Autoscalers::new(context.index.of_kind("HorizontalPodAutoscaler"));
    for workload in context
        .index
        .all()
        .iter()
        .copied()
        .filter(|o| is_checked(o))
    {
        let identity = &workload.identity;
        if let Some(hpa) = autoscalers.for_workload(workload) {
            if let Some(floor) = min_replicas(hpa).filter(|floor| *floor < minimum) {
                sink.push(
                    Violation::at_value(
                        hpa,
                        "/spec/minReplicas",
                        format!(
                            "HorizontalPodAutoscaler {} lets {} {} scale down to {floor} replica{}; environment {} needs at least {minimum}",
                            hpa.identity.name,
                            identity.kind,
                            identity.name,
                            plural(floor),
                            environment.name
                        ),
                    )
                    .with_help(format!("set `minReplicas: {minimum}`")),
                );
            }
            continue;
        }
        let Some(replicas) = declared_replicas(workload).filter(|r| *r < minimum) else {
            continue;
        };
        let written = workload.node.pointer("/spec/replicas").is_some();
        let (pointer, how) = if written {
            ("/spec/replicas", String::new())
        } else {
            (
                "/spec",
                " (replicas is not set, so Kubernetes runs 1)".to_owned(),
            )
        };
        sink.push(
            Violation::at_value(
                workload,
                pointer,
                format!(
                    "{} {} runs {replicas} replica{}{how}; environment {} needs at least {minimum}",
                    identity.kind,
                    identity.name,
                    plural(replicas),
                    environment.name
                ),
            )
            .with_help(format!("set `replicas: {minimum}`")),
        );
    }
}

fn plural(count: i64) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
