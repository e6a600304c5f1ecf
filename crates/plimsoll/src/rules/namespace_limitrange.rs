//! `namespace-limitrange`: a Namespace has no LimitRange in the input.
//!
//! Runs per environment over every file of it, like `namespace-quota`. A
//! LimitRange belongs to a Namespace when its `metadata.namespace` is the
//! Namespace's name and it is applied with it (the same deployment
//! directory, or a path that names no environment). The namespaces Kubernetes creates itself are skipped.
//! The finding points at the Namespace's name.

use super::namespace_quota::require_per_namespace;
use super::{Category, Rule, RuleMeta, SetContext, Sink};
use crate::finding::Severity;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "namespace-limitrange".into(),
            category: Category::Namespaces,
            default_severity: Severity::Error,
            summary: "a Namespace has no LimitRange".into(),
            rationale: "A LimitRange gives containers that forget `resources` sane defaults and bounds each one: \
without it, a container with no requests is scheduled as if it needed nothing (and is evicted first), and \
once a ResourceQuota limits cpu or memory, a pod without them is rejected outright."
                .into(),
            fix: "Add a LimitRange with `metadata.namespace` set to the namespace and a `type: Container` item \
with `default`, `defaultRequest` and `max`."
                .into(),
            bad: r"apiVersion: v1
kind: Namespace
metadata:
  name: shop-prod
".into(),
            good: r"apiVersion: v1
kind: Namespace
metadata:
  name: shop-prod
---
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: shop-prod
spec:
  limits:
    - type: Container
      default: {cpu: 500m, memory: 256Mi}
      defaultRequest: {cpu: 100m, memory: 128Mi}
".into(),
        },
        check,
    )
    .reading(&[])
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    require_per_namespace(context, sink, "LimitRange", |name| {
        format!(
            "add a LimitRange with `namespace: {name}` and a `type: Container` item (default, defaultRequest, max)"
        )
    });
}
