//! `disruption-budget`: a workload that runs 2 or more replicas, in an
//! environment whose `replicas.min` is 2 or more, has no
//! PodDisruptionBudget.
//!
//! Replicas are the most the workload runs: `spec.replicas` (1 when
//! absent), or the `maxReplicas` of the HPA that targets it. A PDB covers
//! the workload when it is in the same namespace and its `selector`
//! matches the pod template's labels (`matchLabels` and
//! `matchExpressions`); an empty selector covers every pod of the namespace
//! in `policy/v1` and none in `policy/v1beta1`, as Kubernetes reads them. The
//! selector is read by `model::selector` (one that does not parse covers
//! nothing). Checked kinds: Deployment,
//! StatefulSet, ReplicaSet, ReplicationController, Argo Rollout. Off unless
//! the environment's `replicas.min` is at least 2. The finding points at the
//! workload's name.

use std::collections::HashMap;

use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::network_policy::selector_is_empty;
use crate::model::scaling::{is_replicated, peak_pods, Autoscalers};
use crate::model::{label_pairs, label_selector_matches, Object};

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "disruption-budget".into(),
            category: Category::Workloads,
            default_severity: Severity::Warning,
            summary: "a workload with 2+ replicas in an environment with replicas.min >= 2 has no PodDisruptionBudget".into(),
            rationale: "Replicas protect against crashes, not against voluntary disruptions: a node drain or a \
cluster upgrade may evict every replica at once unless a PodDisruptionBudget says how many must stay up."
                .into(),
            fix: "Add a PodDisruptionBudget (`policy/v1`) in the same namespace whose `selector` matches the pod \
template labels, with `minAvailable` or `maxUnavailable`. The example assumes \
`environments: [{name: prod, replicas: {min: 2}}]` in `.plimsoll.yaml`."
                .into(),
            bad: r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  replicas: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
".into(),
            good: r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  replicas: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: api}
".into(),
        },
        check,
    )
    .within_environment()
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let Some(environment) = context.environment else {
        return;
    };
    if environment.config.replicas.min.is_none_or(|min| min < 2) {
        return;
    }
    let mut budgets: HashMap<Option<&str>, Vec<&Object>> = HashMap::new();
    for budget in context
        .index
        .of_kind("PodDisruptionBudget")
        .filter(|object| object.identity.group == "policy")
    {
        budgets
            .entry(budget.identity.namespace.as_deref())
            .or_default()
            .push(budget);
    }
    let autoscalers = Autoscalers::new(context.index.of_kind("HorizontalPodAutoscaler"));
    for workload in context
        .index
        .all()
        .iter()
        .copied()
        .filter(|o| is_replicated(o))
    {
        let Some(pods) = peak_pods(workload, &autoscalers).filter(|pods| *pods >= 2) else {
            continue;
        };
        let labels = label_pairs(workload.node.pointer("/spec/template/metadata/labels"));
        let same_namespace = budgets
            .get(&workload.identity.namespace.as_deref())
            .map_or(&[][..], Vec::as_slice);
        let covered = same_namespace.iter().any(|budget| {
            budget
                .node
                .pointer("/spec/selector")
                .is_some_and(|selector| {
                    if selector_is_empty(selector) {
                        budget.identity.version != "v1beta1" && !selector.is_null()
                    } else {
                        label_selector_matches(selector, &labels)
                    }
                })
        });
        if !covered {
            let identity = &workload.identity;
            sink.push(
                Violation::at_value(
                    workload,
                    "/metadata/name",
                    format!(
                        "{} {} runs up to {pods} replicas in {} but no PodDisruptionBudget selects its pods",
                        identity.kind, identity.name, environment.name
                    ),
                )
                .with_help(format!(
                    "add a policy/v1 PodDisruptionBudget in {} whose selector matches the pod template labels",
                    identity.namespace.as_deref().unwrap_or("the same namespace")
                )),
            );
        }
    }
}
