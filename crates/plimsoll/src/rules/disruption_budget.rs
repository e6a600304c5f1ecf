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

use std::collections::{HashMap, HashSet};

use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::label_index::LabelIndex;
use crate::model::network_policy::selector_is_empty;
use crate::model::scaling::{is_replicated, peak_pods, Autoscalers};
use crate::model::{label_pairs, Object, Selector};

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
    .reading(&[
        "PodDisruptionBudget:/spec/selector",
        "/spec/scaleTargetRef",
        "/spec/maxReplicas",
        "/spec/replicas",
        "{template}/metadata/labels",
    ])
    .configured_by(&["environments[].replicas.min"])
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
    let replicated: Vec<(&Object, i64)> = context
        .index
        .all()
        .iter()
        .copied()
        .filter(|o| is_replicated(o))
        .filter_map(|workload| {
            let pods = peak_pods(workload, &autoscalers).filter(|pods| *pods >= 2)?;
            Some((workload, pods))
        })
        .collect();
    // Per namespace, each budget's selector is resolved once through an
    // index of the pod labels, instead of testing every budget against
    // every workload.
    let mut by_namespace: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
    for (at, (workload, _)) in replicated.iter().enumerate() {
        by_namespace
            .entry(workload.identity.namespace.as_deref())
            .or_default()
            .push(at);
    }
    let mut covered = vec![false; replicated.len()];
    for (namespace, positions) in &by_namespace {
        let Some(same_namespace) = budgets.get(namespace) else {
            continue;
        };
        let index = LabelIndex::new(
            positions
                .iter()
                .filter_map(|at| replicated.get(*at))
                .map(|(workload, _)| {
                    label_pairs(workload.node.pointer("/spec/template/metadata/labels"))
                })
                .collect(),
        );
        let mut resolved: HashSet<Selector> = HashSet::new();
        for budget in same_namespace {
            let Some(selector) = budget_selector(budget) else {
                continue;
            };
            if resolved.contains(&selector) {
                continue;
            }
            for selected in index.selected(&selector) {
                if let Some(flag) = positions.get(selected).and_then(|at| covered.get_mut(*at)) {
                    *flag = true;
                }
            }
            resolved.insert(selector);
        }
    }
    for ((workload, pods), covered) in replicated.iter().zip(covered) {
        if covered {
            continue;
        }
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

/// The selector of a budget as Kubernetes reads it; `None` when it selects
/// no pod: no selector, an empty one in `policy/v1beta1` (or `null`), or
/// one that does not parse.
fn budget_selector(budget: &Object) -> Option<Selector> {
    let selector = budget.node.pointer("/spec/selector")?;
    if selector_is_empty(selector) {
        let selects_every_pod = budget.identity.version != "v1beta1" && !selector.is_null();
        return selects_every_pod.then(Selector::default);
    }
    Selector::from_label_selector(selector).ok()
}
