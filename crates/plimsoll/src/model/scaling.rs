//! How many pods a workload runs: its `replicas`, or the bounds of the
//! HorizontalPodAutoscaler that targets it.
//!
//! - Deployments, StatefulSets, ReplicaSets, ReplicationControllers and Argo
//!   Rollouts run `spec.replicas` pods (1 when absent, as Kubernetes
//!   defaults it), unless an HPA in the same namespace names them in
//!   `scaleTargetRef` (by kind and name): then between its `minReplicas`
//!   (default 1) and `maxReplicas`. An HPA or workload without
//!   `metadata.namespace` (a rendered chart installed with `-n`) pairs with
//!   one of any namespace.
//! - A Pod is one pod; a DaemonSet at least one (one per node: the node
//!   count is not in the repository, so one is the safe lower bound).
//! - A Job runs `parallelism` pods at once (default 1), never more than its
//!   `completions`; a CronJob the same for its `jobTemplate`.

use std::collections::HashMap;

use super::object::Object;
use crate::yaml::Node;

/// The kinds whose `spec.replicas` sets their pod count.
const REPLICATED: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "ReplicaSet"),
    ("", "ReplicationController"),
    ("argoproj.io", "Rollout"),
    ("extensions", "Deployment"),
    ("extensions", "ReplicaSet"),
];

/// Whether the object's `spec.replicas` sets its pod count.
pub(crate) fn is_replicated(object: &Object) -> bool {
    REPLICATED
        .iter()
        .any(|(group, kind)| object.identity.is(group, kind))
}

/// Whether the object is a HorizontalPodAutoscaler (any version).
pub(crate) fn is_autoscaler(object: &Object) -> bool {
    object.identity.is("autoscaling", "HorizontalPodAutoscaler")
}

/// HPAs with their namespace, in input order.
type NamespacedHpas<'a> = Vec<(Option<&'a str>, &'a Object)>;

/// The HPAs of a set of objects, by the workload they target.
#[derive(Debug, Default)]
pub(crate) struct Autoscalers<'a> {
    /// By target kind and name.
    by_target: HashMap<(&'a str, &'a str), NamespacedHpas<'a>>,
}

impl<'a> Autoscalers<'a> {
    /// Indexes the HPAs among `objects` (the first HPA naming a target wins).
    pub(crate) fn new(objects: impl IntoIterator<Item = &'a Object>) -> Autoscalers<'a> {
        let mut by_target = HashMap::new();
        for hpa in objects.into_iter().filter(|object| is_autoscaler(object)) {
            let target = hpa.node.pointer("/spec/scaleTargetRef");
            let kind = target.and_then(|t| t.get("kind")).and_then(Node::as_str);
            let name = target.and_then(|t| t.get("name")).and_then(Node::as_str);
            if let (Some(kind), Some(name)) = (kind, name) {
                by_target
                    .entry((kind, name))
                    .or_insert_with(Vec::new)
                    .push((hpa.identity.namespace.as_deref(), hpa));
            }
        }
        Autoscalers { by_target }
    }

    /// The HPA that scales `workload`, if any: the first of its namespace,
    /// else the first where either has no namespace.
    pub(crate) fn for_workload(&self, workload: &Object) -> Option<&'a Object> {
        let identity = &workload.identity;
        let namespace = identity.namespace.as_deref();
        let candidates = self
            .by_target
            .get(&(identity.kind.as_str(), identity.name.as_str()))?;
        candidates
            .iter()
            .find(|(hpa_namespace, _)| *hpa_namespace == namespace)
            .or_else(|| {
                candidates
                    .iter()
                    .find(|(hpa_namespace, _)| hpa_namespace.is_none() || namespace.is_none())
            })
            .map(|(_, hpa)| *hpa)
    }
}

/// An HPA's `minReplicas` (default 1).
pub(crate) fn min_replicas(hpa: &Object) -> Option<i64> {
    match hpa.node.pointer("/spec/minReplicas") {
        None => Some(1),
        Some(node) if node.is_null() => Some(1),
        Some(node) => node.as_i64(),
    }
}

/// An HPA's `maxReplicas`.
pub(crate) fn max_replicas(hpa: &Object) -> Option<i64> {
    hpa.node.pointer("/spec/maxReplicas").and_then(Node::as_i64)
}

/// `spec.replicas` of a replicated workload (1 when absent); `None` when it
/// is not an integer (an unrendered template) or the kind has no replicas.
pub(crate) fn declared_replicas(object: &Object) -> Option<i64> {
    if !is_replicated(object) {
        return None;
    }
    match object.node.pointer("/spec/replicas") {
        None => Some(1),
        Some(node) if node.is_null() => Some(1),
        Some(node) => node.as_i64(),
    }
}

/// The most pods a workload runs at once: HPA `maxReplicas` when an HPA
/// scales it, else its replicas, parallelism or 1 (see the module docs).
/// `None` when the count is not written as an integer.
pub(crate) fn peak_pods(object: &Object, autoscalers: &Autoscalers<'_>) -> Option<i64> {
    if let Some(hpa) = autoscalers.for_workload(object) {
        if let Some(max) = max_replicas(hpa) {
            return Some(max.max(0));
        }
    }
    if is_replicated(object) {
        return declared_replicas(object).map(|replicas| replicas.max(0));
    }
    let job_spec = if object.identity.is("batch", "Job") {
        object.node.get("spec")
    } else if object.identity.is("batch", "CronJob") {
        object.node.pointer("/spec/jobTemplate/spec")
    } else {
        return Some(1);
    };
    let count = |key: &str| -> Option<Option<i64>> {
        match job_spec.and_then(|spec| spec.get(key)) {
            None => Some(None),
            Some(node) if node.is_null() => Some(None),
            Some(node) => node.as_i64().map(Some),
        }
    };
    let parallelism = count("parallelism")?.unwrap_or(1);
    let completions = count("completions")?;
    Some(
        completions
            .map_or(parallelism, |completions| parallelism.min(completions))
            .max(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileId, Identity, ObjectId};
    use crate::yaml;

    fn objects(text: &str) -> Vec<Object> {
        yaml::parse_stream(text, &yaml::Limits::default())
            .into_iter()
            .enumerate()
            .map(|(at, document)| {
                let node = document.root.unwrap();
                Object {
                    id: ObjectId(at),
                    file: FileId(0),
                    document: at,
                    pointer_prefix: String::new(),
                    identity: Identity::of(&node).unwrap(),
                    node,
                    source: None,
                    environment: None,
                    selector_by_kustomize: false,
                    images_set_by_build: Default::default(),
                    build_roots: Default::default(),
                    patched_by_build: None,
                }
            })
            .collect()
    }

    #[test]
    fn pod_counts_follow_kubernetes_defaults() {
        let all = objects(
            "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec: {replicas: 2}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 6
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec: {}
---
apiVersion: batch/v1
kind: Job
metadata: {name: batch, namespace: shop}
spec: {parallelism: 5, completions: 3}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec: {jobTemplate: {spec: {parallelism: 4}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec: {}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: templated, namespace: shop}
spec: {replicas: '{{ .Values.replicas }}'}
",
        );
        let autoscalers = Autoscalers::new(&all);
        let counts: Vec<Option<i64>> = all
            .iter()
            .filter(|o| !is_autoscaler(o))
            .map(|o| peak_pods(o, &autoscalers))
            .collect();
        assert_eq!(counts, [Some(6), Some(1), Some(3), Some(4), Some(1), None]);
        let hpa = autoscalers.for_workload(&all[0]).unwrap();
        assert_eq!(min_replicas(hpa), Some(1));
        assert_eq!(declared_replicas(&all[2]), Some(1));
    }
}
