//! `replicas-minimum`: a Deployment, StatefulSet or Argo Rollout runs fewer
//! replicas than its environment's `replicas.min`.
//!
//! Every HorizontalPodAutoscaler of the environment is checked on its own:
//! its `minReplicas` (default 1) is the fewest pods its target runs, whether
//! or not the target is in the input (a chart's HPA for a Deployment that
//! another tool applies). A workload that an HPA of the same namespace
//! targets (`scaleTargetRef` kind and name) is not checked itself: its own
//! `replicas`, or its absence, is only a starting point the HPA overrides.
//! Otherwise an absent `replicas` counts as 1, as Kubernetes defaults it,
//! and the finding points at `spec`. A `replicas` that is not an integer (an
//! unrendered template) is left to the schema rule. Off unless the
//! environment has `replicas.min`.

use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::english::plural;
use crate::finding::Severity;
use crate::model::scaling::{declared_replicas, is_autoscaler, min_replicas, Autoscalers};
use crate::model::Object;
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "replicas-minimum".into(),
            category: Category::Workloads,
            default_severity: Severity::Error,
            summary: "a Deployment/StatefulSet (or its HPA minReplicas) has fewer replicas than its environment's replicas.min".into(),
            rationale: "One replica means every node drain, eviction or crash is an outage. Environments that \
promise availability (`replicas: {min: 3}` for prod) need every service to run at least that many pods, \
including when an autoscaler scales it in. A workload that an HPA of the input targets is judged by the \
HPA's `minReplicas` (default 1), not by its own `replicas` (absent is fine then); every HPA is checked, even \
when its target is not in the input. Otherwise an absent `replicas` counts as 1, as Kubernetes defaults it."
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
    .reading(&[
        "/spec/minReplicas",
        "/spec/scaleTargetRef",
        "/spec/replicas",
    ])
    .configured_by(&["environments[].replicas.min"])
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
    let minimum_key = context
        .config
        .environment_key(&environment.name)
        .map(|key| format!("{key}.replicas.min"))
        .unwrap_or_default();
    let hpas: Vec<&Object> = context
        .index
        .of_kind("HorizontalPodAutoscaler")
        .filter(|object| is_autoscaler(object))
        .collect();
    for hpa in &hpas {
        let Some(floor) = min_replicas(hpa).filter(|floor| *floor < minimum) else {
            continue;
        };
        let target = hpa.node.pointer("/spec/scaleTargetRef");
        let field = |key: &str| target.and_then(|t| t.get(key)).and_then(Node::as_str);
        let what = match (field("kind"), field("name")) {
            (Some(kind), Some(name)) => format!("{kind} {name}"),
            _ => "its target".to_owned(),
        };
        let (pointer, how) = if hpa.node.pointer("/spec/minReplicas").is_some() {
            ("/spec/minReplicas", "")
        } else {
            ("/spec", " (minReplicas is not set, so it is 1)")
        };
        sink.push(
            Violation::at_value(
                hpa,
                pointer,
                format!(
                    "HorizontalPodAutoscaler {} lets {what} scale down to {floor} replica{}{how}; environment {} needs at least {minimum}",
                    hpa.identity.name,
                    plural(floor),
                    environment.name
                ),
            )
            .with_help(format!("set `minReplicas: {minimum}`"))
            .configured_at(&minimum_key, "replicas.min configured here"),
        );
    }
    let autoscalers = Autoscalers::new(hpas.iter().copied());
    for workload in context
        .index
        .all()
        .iter()
        .copied()
        .filter(|o| is_checked(o))
    {
        let identity = &workload.identity;
        if autoscalers.for_workload(workload).is_some() {
            // The HPA decides how many pods run; it is checked above.
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
            .with_help(format!("set `replicas: {minimum}`"))
            .configured_at(&minimum_key, "replicas.min configured here"),
        );
    }
}
