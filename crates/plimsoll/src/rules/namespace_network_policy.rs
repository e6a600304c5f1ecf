//! `namespace-network-policy`: a Namespace has no default NetworkPolicy, or
//! its default policy does not allow what every namespace needs.
//!
//! A default policy is a NetworkPolicy of the namespace (applied with the
//! Namespace: the same deployment directory, or a path that names no
//! environment) whose `podSelector` is empty, so it applies to every pod; several default policies add up
//! (a `default-deny` plus an `allow-dns` is fine). Required of them
//! together:
//! - `policyTypes` Ingress and Egress (deny by default both ways);
//! - ingress from the same namespace (a `from` peer with an empty
//!   `podSelector` and no `namespaceSelector`, or a `namespaceSelector`
//!   that selects the namespace itself);
//! - when `networkPolicy.ingressNamespaceLabel` is set (`key=value`),
//!   ingress from namespaces carrying that label;
//! - unless `networkPolicy.requireDnsEgress` is `false`, DNS egress: UDP
//!   and TCP 53 to kube-system (a `namespaceSelector` matching
//!   `kubernetes.io/metadata.name: kube-system`, the labels of a
//!   kube-system Namespace in the input, or any label whose value is
//!   `kube-system`, as clusters often add `name: kube-system`) or to any
//!   destination. Port ranges (`endPort`) and CoreDNS' named ports (`dns`,
//!   `dns-tcp`) count.
//!
//! A rule with no peers allows every peer, and one with no ports every
//! port. The finding for a missing default policy points at the Namespace;
//! a finding about what the default policy lacks points at that policy.
//! The namespaces Kubernetes creates itself are skipped.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::settings::recover::recover;
use crate::settings::values;

use std::collections::{HashMap, HashSet};

use super::namespace_quota::guarded_namespaces;
use super::{deployment, Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::network_policy::{
    is_default_policy, peer_is_anywhere, peer_reaches_namespace, policy_types, rule_allows_port,
    rule_peers, selector_is_empty, Protocol, NAMESPACE_NAME_LABEL,
};
use crate::model::{label_selector_matches, Object};
use crate::yaml::Node;

/// NetworkPolicy expectations (`namespace-network-policy`,
/// `network-policy-dns`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkPolicyConfig {
    /// `key=value` label of namespaces allowed to send ingress traffic.
    #[serde(default, deserialize_with = "values::label")]
    #[schemars(regex(pattern = "="))]
    pub ingress_namespace_label: Option<String>,
    /// Whether the default policy must allow DNS egress (default true).
    #[serde(default, deserialize_with = "recover")]
    pub require_dns_egress: Option<bool>,
}

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "namespace-network-policy".into(),
            category: Category::Namespaces,
            default_severity: Severity::Error,
            summary: "a Namespace has no default NetworkPolicy (podSelector: {}, Ingress and Egress), or it lacks same-namespace ingress, labelled-namespace ingress or DNS egress".into(),
            rationale: "Without a default-deny policy every pod accepts traffic from every namespace and can \
call anything, so one compromised pod reaches the whole cluster. A default policy that forgets DNS egress \
breaks every service lookup the moment it is applied; one that forgets same-namespace ingress cuts services \
off from each other."
                .into(),
            fix: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` to the \
namespace, allowing ingress `from: [{podSelector: {}}]` (and from namespaces with the configured \
`networkPolicy.ingressNamespaceLabel`), and egress to kube-system on UDP and TCP 53 \
(`namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}`). The examples assume \
`networkPolicy: {ingressNamespaceLabel: networking.meetinity.io/ingress-allowed=true}`."
                .into(),
            bad: r"apiVersion: v1
kind: Namespace
metadata:
  name: shop-prod
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop-prod
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector: {}
".into(),
            good: r"apiVersion: v1
kind: Namespace
metadata:
  name: shop-prod
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop-prod
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector: {}
        - namespaceSelector:
            matchLabels:
              networking.meetinity.io/ingress-allowed: 'true'
  egress:
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
    .reading(&[
        "Namespace:/metadata/labels",
        "NetworkPolicy:/spec/podSelector",
        "NetworkPolicy:/spec/policyTypes",
        "NetworkPolicy:/spec/ingress",
        "NetworkPolicy:/spec/egress",
    ])
    .configured_by(&["networkPolicy.ingressNamespaceLabel", "networkPolicy.requireDnsEgress"])
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let kube_system_labels: Vec<(&str, &str)> =
        std::iter::once((NAMESPACE_NAME_LABEL, "kube-system"))
            .chain(
                context
                    .index
                    .of_kind("Namespace")
                    .filter(|namespace| namespace.identity.name == "kube-system")
                    .flat_map(Object::labels),
            )
            .collect();
    let ingress_label = context
        .config
        .network_policy
        .ingress_namespace_label
        .as_deref()
        .map(|label| label.split_once('=').unwrap_or((label, "")));
    let require_dns = context.config.network_policy.require_dns_egress != Some(false);
    // A namespace declared in many files is looked at once; each copy
    // without a default policy is reported, what its default policy lacks
    // once.
    let default_policies = deployment::ByDeployment::new(
        context,
        context
            .index
            .of_kind("NetworkPolicy")
            .filter(|object| object.identity.is("networking.k8s.io", "NetworkPolicy"))
            .filter(|policy| is_default_policy(policy)),
    );
    let mut defaults_by_name: HashMap<(&str, Option<&str>), Vec<&Object>> = HashMap::new();
    let mut checked: HashSet<(&str, Option<&str>)> = HashSet::new();
    for namespace in guarded_namespaces(context) {
        let name = namespace.identity.name.as_str();
        let root = deployment::root(context, namespace);
        let defaults = defaults_by_name
            .entry((name, root))
            .or_insert_with(|| default_policies.applied_with(name, root).collect())
            .clone();
        let Some(first) = defaults.first() else {
            sink.push(
                Violation::at_value(
                    namespace,
                    "/metadata/name",
                    format!("namespace {name} has no default NetworkPolicy (podSelector: {{}})"),
                )
                .with_help(format!(
                    "add a NetworkPolicy in {name} with `podSelector: {{}}` and `policyTypes: [Ingress, Egress]` that allows same-namespace ingress and DNS egress"
                )),
            );
            continue;
        };
        if !checked.insert((name, root)) {
            continue;
        }
        let ingress: Vec<&Object> = defaults
            .iter()
            .copied()
            .filter(|p| policy_types(p).0)
            .collect();
        let egress: Vec<&Object> = defaults
            .iter()
            .copied()
            .filter(|p| policy_types(p).1)
            .collect();
        let missing_types: Vec<&str> = [
            ("Ingress", ingress.is_empty()),
            ("Egress", egress.is_empty()),
        ]
        .into_iter()
        .filter_map(|(kind, missing)| missing.then_some(kind))
        .collect();
        if !missing_types.is_empty() {
            sink.push(
                Violation::at_value(
                    first,
                    "/spec/policyTypes",
                    format!(
                        "the default NetworkPolicy of namespace {name} does not restrict {}",
                        missing_types.join(" or ")
                    ),
                )
                .with_help("set `policyTypes: [Ingress, Egress]` on the default policy"),
            );
        }
        let mut own_labels: Vec<(&str, &str)> = vec![(NAMESPACE_NAME_LABEL, name)];
        own_labels.extend(namespace.labels());
        if let Some(policy) = ingress.first() {
            let rules = || rules_of(&ingress, "ingress");
            let same_namespace = rules().any(|rule| {
                allows_peer(rule, "from", |peer| {
                    peer.get("podSelector").is_none_or(selector_is_empty)
                        && peer_reaches_namespace(peer, Some(name), name, &own_labels)
                })
            });
            if !same_namespace {
                sink.push(
                    Violation::at_value(
                        policy,
                        "/spec/ingress",
                        format!("the default NetworkPolicy of namespace {name} allows no ingress from the namespace itself"),
                    )
                    .with_help("add an ingress rule `from: [{podSelector: {}}]`"),
                );
            }
            if let Some((key, value)) = ingress_label {
                let label = [(key, value)];
                let labelled = rules().any(|rule| {
                    allows_peer(rule, "from", |peer| {
                        peer.get("podSelector").is_none_or(selector_is_empty)
                            && peer
                                .get("namespaceSelector")
                                .is_some_and(|selector| label_selector_matches(selector, &label))
                    })
                });
                if !labelled {
                    let shown = if value.is_empty() {
                        key.to_owned()
                    } else {
                        format!("{key}={value}")
                    };
                    sink.push(
                        Violation::at_value(
                            policy,
                            "/spec/ingress",
                            format!("the default NetworkPolicy of namespace {name} allows no ingress from namespaces labelled {shown}"),
                        )
                        .with_help(format!(
                            "add an ingress rule `from: [{{namespaceSelector: {{matchLabels: {{{key}: \"{value}\"}}}}}}]`"
                        )),
                    );
                }
            }
        }
        if let (Some(policy), true) = (egress.first(), require_dns) {
            let reaches_dns = |protocol| {
                rules_of(&egress, "egress").any(|rule| {
                    rule_allows_port(rule, protocol, 53)
                        && allows_peer(rule, "to", |peer| {
                            peer_reaches_namespace(
                                peer,
                                Some(name),
                                "kube-system",
                                &kube_system_labels,
                            ) || names_kube_system(peer)
                        })
                })
            };
            let missing: Vec<&str> = [("UDP", Protocol::Udp), ("TCP", Protocol::Tcp)]
                .into_iter()
                .filter(|(_, protocol)| !reaches_dns(*protocol))
                .map(|(label, _)| label)
                .collect();
            if !missing.is_empty() {
                sink.push(
                    Violation::at_value(
                        policy,
                        "/spec/egress",
                        format!(
                            "the default NetworkPolicy of namespace {name} allows no DNS egress to kube-system over {} 53",
                            missing.join(" and ")
                        ),
                    )
                    .with_help("allow egress to `namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}` on UDP and TCP port 53"),
                );
            }
        }
    }
}

/// The rules (`ingress` or `egress` items) of these policies.
fn rules_of<'a>(policies: &'a [&'a Object], key: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
    policies.iter().flat_map(move |policy| {
        policy
            .node
            .pointer(&format!("/spec/{key}"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
    })
}

/// Whether a rule allows a peer `wanted` accepts: a rule without peers, a
/// peer that is anywhere, or a peer `wanted` accepts.
fn allows_peer(rule: &Node, key: &str, wanted: impl Fn(&Node) -> bool) -> bool {
    match rule_peers(rule, key) {
        None => true,
        Some(peers) => peers
            .iter()
            .any(|peer| peer_is_anywhere(peer) || wanted(peer)),
    }
}

/// Whether a peer's `namespaceSelector` names kube-system by some label.
fn names_kube_system(peer: &Node) -> bool {
    peer.get("namespaceSelector")
        .and_then(|selector| selector.get("matchLabels"))
        .and_then(Node::as_map)
        .is_some_and(|labels| {
            labels
                .iter()
                .any(|entry| entry.value.as_str() == Some("kube-system"))
        })
}
