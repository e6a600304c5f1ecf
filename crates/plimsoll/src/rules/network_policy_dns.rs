//! `network-policy-dns`: a NetworkPolicy restricts egress, but no policy
//! that applies to the same pods allows port 53.
//!
//! Egress of a pod is allowed when any policy selecting it allows it, so a
//! `deny-egress` policy is fine when another policy of the namespace lets
//! the same pods (or all pods) reach port 53. A policy B covers the pods of
//! a policy A when B's `podSelector` is empty, or every `matchLabels` pair
//! and `matchExpressions` item of B's selector is in A's. To any
//! destination and over either protocol counts here (`namespace-network-policy`
//! is the strict rule for the default policy: UDP and TCP, to kube-system).
//! Port ranges (`endPort`) and CoreDNS' named ports count; a rule without
//! ports allows every port.
//!
//! The finding points at the `egress` of the restricting policy (its
//! `policyTypes` when it has no egress rules at all).

use std::collections::HashMap;

use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::network_policy::{policy_types, rule_allows_port, selector_is_empty, Protocol};
use crate::model::Object;
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "network-policy-dns".into(),
            category: Category::Namespaces,
            default_severity: Severity::Warning,
            summary: "a namespace's policies restrict egress but none allows port 53 (either protocol)".into(),
            rationale: "A policy that restricts egress blocks DNS unless something allows it: every lookup then \
times out, and the pods fail in ways that look like application bugs (slow starts, `no such host`)."
                .into(),
            fix: "Allow egress on UDP and TCP port 53 for the same pods, to kube-system \
(`namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}`), in this policy or in a \
policy with `podSelector: {}`."
                .into(),
            bad: r"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop-prod
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Egress]
  egress:
    - to:
        - podSelector:
            matchLabels: {app: db}
      ports:
        - {protocol: TCP, port: 5432}
".into(),
            good: r"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop-prod
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Egress]
  egress:
    - to:
        - podSelector:
            matchLabels: {app: db}
      ports:
        - {protocol: TCP, port: 5432}
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
      ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: 53}
".into(),
        },
        check,
    )
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let mut by_namespace: HashMap<Option<&str>, Vec<&Object>> = HashMap::new();
    for policy in context
        .index
        .of_kind("NetworkPolicy")
        .filter(|object| object.identity.is("networking.k8s.io", "NetworkPolicy"))
        .filter(|policy| policy_types(policy).1)
    {
        by_namespace
            .entry(policy.identity.namespace.as_deref())
            .or_default()
            .push(policy);
    }
    for policies in by_namespace.values() {
        let allowing_dns: Vec<&Object> = policies
            .iter()
            .copied()
            .filter(|policy| allows_dns(policy))
            .collect();
        for policy in policies {
            let covered = allowing_dns
                .iter()
                .any(|other| other.id == policy.id || covers(other, policy));
            if covered {
                continue;
            }
            let namespace = policy
                .identity
                .namespace
                .as_deref()
                .unwrap_or("(no namespace)");
            let target = if policy.node.pointer("/spec/egress").is_some() {
                "/spec/egress"
            } else {
                "/spec/policyTypes"
            };
            sink.push(
                Violation::at_value(
                    policy,
                    target,
                    format!(
                        "NetworkPolicy {} restricts egress, but no policy of namespace {namespace} allows its pods DNS (port 53)",
                        policy.identity.name
                    ),
                )
                .with_help("allow egress on UDP and TCP 53 to kube-system in this policy, or in a policy with `podSelector: {}`"),
            );
        }
    }
}

/// Whether some egress rule of the policy allows port 53 over UDP or TCP.
fn allows_dns(policy: &Object) -> bool {
    policy
        .node
        .pointer("/spec/egress")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .any(|rule| {
            rule_allows_port(rule, Protocol::Udp, 53) || rule_allows_port(rule, Protocol::Tcp, 53)
        })
}

/// Whether `wide` selects every pod `narrow` selects (see the module docs).
fn covers(wide: &Object, narrow: &Object) -> bool {
    let Some(wide_selector) = wide.node.pointer("/spec/podSelector") else {
        return true;
    };
    if selector_is_empty(wide_selector) {
        return true;
    }
    let narrow_selector = narrow.node.pointer("/spec/podSelector");
    let part = |selector: Option<&Node>, key: &str| -> Vec<serde_json::Value> {
        let Some(node) = selector.and_then(|s| s.get(key)) else {
            return Vec::new();
        };
        match (node.as_map(), node.as_seq()) {
            (Some(entries), _) => entries
                .iter()
                .map(|entry| serde_json::json!([entry.key, entry.value.to_json()]))
                .collect(),
            (_, Some(items)) => items.iter().map(Node::to_json).collect(),
            _ => Vec::new(),
        }
    };
    ["matchLabels", "matchExpressions"].iter().all(|key| {
        let narrow_parts = part(narrow_selector, key);
        part(Some(wide_selector), key)
            .iter()
            .all(|item| narrow_parts.contains(item))
    })
}
