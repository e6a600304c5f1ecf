//! `probes`: a long-running container lacks a readiness or liveness probe.
//!
//! Long-running means a regular container (`containers`) of a Deployment,
//! StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Argo Rollout,
//! or of a bare Pod whose `restartPolicy` is `Always` (the default). Jobs
//! and CronJobs run to completion and are skipped, as are init and
//! ephemeral containers. A `startupProbe` does not replace either probe: it
//! only delays them. One finding per container names every missing probe.

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::{containers, pod_spec, Object};
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "probes".into(),
            category: Category::Workloads,
            default_severity: Severity::Warning,
            summary: "a long-running container lacks a readiness or liveness probe".into(),
            rationale: "Without a readiness probe a pod gets traffic before it can serve and keeps getting it \
while it cannot, and a rollout proceeds over pods that never became ready. Without a liveness probe a deadlocked \
process is never restarted."
                .into(),
            fix: "Add `readinessProbe` (is it ready for traffic?) and `livenessProbe` (is it stuck?) to the \
container, e.g. `httpGet: {path: /healthz, port: http}`; make the liveness check cheaper and more tolerant \
than the readiness one."
                .into(),
            bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n          readinessProbe:\n            httpGet: {path: /ready, port: 8080}\n".into(),
            good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n          readinessProbe:\n            httpGet: {path: /ready, port: 8080}\n          livenessProbe:\n            httpGet: {path: /healthz, port: 8080}\n".into(),
        },
        check,
    )
}

fn long_running(object: &Object, spec: &Node) -> bool {
    let identity = &object.identity;
    match (identity.group.as_str(), identity.kind.as_str()) {
        ("batch", _) => false,
        ("", "Pod") => spec
            .get("restartPolicy")
            .and_then(Node::as_str)
            .is_none_or(|policy| policy == "Always"),
        _ => true,
    }
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    let Some((_, spec)) = pod_spec(object) else {
        return;
    };
    if !long_running(object, spec) {
        return;
    }
    for container in containers(object) {
        if container.list != "containers" {
            continue;
        }
        let missing: Vec<&str> = ["readinessProbe", "livenessProbe"]
            .into_iter()
            .filter(|probe| container.node.get(probe).is_none_or(Node::is_null))
            .collect();
        let what = match missing.as_slice() {
            [] => continue,
            [one] => format!("no {one}"),
            _ => "neither readinessProbe nor livenessProbe".to_owned(),
        };
        sink.push(
            Violation::at_value(
                object,
                container.anchor(),
                format!("{} has {what}", container.describe()),
            )
            .with_help(format!("add {} to the container", missing.join(" and "))),
        );
    }
}
