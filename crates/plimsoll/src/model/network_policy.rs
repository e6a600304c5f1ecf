//! NetworkPolicy semantics: which pods a policy selects, which directions it
//! restricts, and what its rules allow.
//!
//! - A policy restricts the directions in `policyTypes`; without it,
//!   Ingress always, and Egress when the policy has an `egress` section.
//! - A default policy selects every pod of its namespace: its `podSelector`
//!   is empty (`{}`, or no `matchLabels`/`matchExpressions`).
//! - A rule with no `to`/`from` peers allows every peer; a rule with no
//!   `ports` allows every port. A port entry without `protocol` is TCP; one
//!   without `port` is every port of its protocol; `endPort` makes a range.
//!   Named ports are resolved the way CoreDNS names its ports (`dns` is
//!   53/UDP, `dns-tcp` 53/TCP, whatever protocol the entry says).
//! - A peer reaches a namespace when its `namespaceSelector` selects that
//!   namespace's labels (`kubernetes.io/metadata.name: <name>`, which the
//!   API server sets on every namespace, plus the labels of the Namespace
//!   object when it is in the input); an empty `namespaceSelector` selects
//!   every namespace. `ipBlock: 0.0.0.0/0` (or `::/0`) reaches anywhere.
//! - The cluster DNS runs in `kube-system` (`openshift-dns` on OpenShift)
//!   and answers on a Service IP. A peer may reach it when it is an
//!   `ipBlock` (the input does not say which addresses the DNS Service
//!   has), or a `namespaceSelector` that can select one of those
//!   namespaces; a `podSelector` alone stays in the policy's own namespace.

use super::object::Object;
use super::selector::{label_selector_matches, Selector};
use crate::yaml::Node;

/// The label the API server puts on every namespace.
pub(crate) const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Which directions a policy restricts: (ingress, egress).
pub(crate) fn policy_types(policy: &Object) -> (bool, bool) {
    let spec = policy.node.get("spec");
    match spec
        .and_then(|spec| spec.get("policyTypes"))
        .and_then(Node::as_seq)
    {
        Some(types) => {
            let has = |wanted: &str| types.iter().any(|t| t.as_str() == Some(wanted));
            (has("Ingress"), has("Egress"))
        }
        None => (
            true,
            spec.and_then(|spec| spec.get("egress"))
                .is_some_and(|egress| !egress.is_null()),
        ),
    }
}

/// Whether a label selector is empty (selects everything it can).
pub(crate) fn selector_is_empty(selector: &Node) -> bool {
    let empty = |key: &str| match selector.get(key) {
        None => true,
        Some(node) => {
            node.is_null()
                || node.as_map().is_some_and(<[_]>::is_empty)
                || node.as_seq().is_some_and(<[_]>::is_empty)
        }
    };
    selector.is_null() || (empty("matchLabels") && empty("matchExpressions"))
}

/// Whether a policy selects every pod of its namespace.
pub(crate) fn is_default_policy(policy: &Object) -> bool {
    policy
        .node
        .pointer("/spec/podSelector")
        .is_none_or(selector_is_empty)
}

/// A transport protocol of a port rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

/// Whether a rule (an item of `ingress` or `egress`) allows `port` over
/// `protocol`.
pub(crate) fn rule_allows_port(rule: &Node, protocol: Protocol, port: i64) -> bool {
    let Some(ports) = rule.get("ports").filter(|ports| !ports.is_null()) else {
        return true;
    };
    let Some(ports) = ports.as_seq() else {
        return false;
    };
    if ports.is_empty() {
        return true;
    }
    ports.iter().any(|entry| {
        let entry_protocol = entry
            .get("protocol")
            .and_then(Node::as_str)
            .unwrap_or("TCP");
        if entry_protocol != protocol.name() {
            return false;
        }
        match entry.get("port") {
            None => true,
            Some(node) if node.is_null() => true,
            Some(node) => {
                if let Some(start) = node.as_i64() {
                    let end = entry.get("endPort").and_then(Node::as_i64).unwrap_or(start);
                    (start..=end).contains(&port)
                } else {
                    port == 53 && node.as_str().is_some_and(is_dns_port_name)
                }
            }
        }
    })
}

/// Whether a named port is CoreDNS' name for port 53.
fn is_dns_port_name(name: &str) -> bool {
    matches!(name, "dns" | "dns-tcp" | "dns-udp" | "domain")
}

/// The peers of a rule (`from` for ingress, `to` for egress); `None` when
/// the rule has none, which allows every peer.
pub(crate) fn rule_peers<'n>(rule: &'n Node, key: &str) -> Option<&'n [Node]> {
    rule.get(key)
        .and_then(Node::as_seq)
        .filter(|peers| !peers.is_empty())
}

/// Whether a peer reaches anywhere (`ipBlock` of the whole address space,
/// or an empty `namespaceSelector` with no `podSelector` restriction).
pub(crate) fn peer_is_anywhere(peer: &Node) -> bool {
    let whole_space = peer
        .get("ipBlock")
        .and_then(|block| block.get("cidr"))
        .and_then(Node::as_str)
        .is_some_and(|cidr| cidr == "0.0.0.0/0" || cidr == "::/0");
    let all_namespaces = peer.get("namespaceSelector").is_some_and(selector_is_empty)
        && peer.get("podSelector").is_none_or(selector_is_empty);
    whole_space || all_namespaces
}

/// Whether a peer reaches pods of a namespace with these labels, from a
/// policy in `own_namespace` (a peer without `namespaceSelector` stays in
/// the policy's namespace).
pub(crate) fn peer_reaches_namespace(
    peer: &Node,
    own_namespace: Option<&str>,
    target: &str,
    target_labels: &[(&str, &str)],
) -> bool {
    match peer.get("namespaceSelector") {
        Some(selector) => label_selector_matches(selector, target_labels),
        None => peer.get("ipBlock").is_none() && own_namespace == Some(target),
    }
}

/// The namespaces the cluster DNS runs in: Kubernetes' `kube-system` and
/// OpenShift's `openshift-dns`.
pub(crate) const DNS_NAMESPACES: [&str; 2] = ["kube-system", "openshift-dns"];

/// Whether an egress rule's peers may include the cluster DNS: the rule
/// has no `to` (every peer), or one of its peers is an `ipBlock` or a
/// `namespaceSelector` that can select a DNS namespace.
pub(crate) fn rule_may_reach_cluster_dns(rule: &Node) -> bool {
    rule_peers(rule, "to").is_none_or(|peers| peers.iter().any(peer_may_reach_cluster_dns))
}

/// Whether a peer may be the cluster DNS (see the module docs). Only the
/// `kubernetes.io/metadata.name` label of a namespace is known for sure:
/// requirements on other labels may hold for `kube-system` (clusters label
/// it as they please), so they never rule it out; a selector that does not
/// parse is given the benefit of the doubt here (`schema` reports it).
pub(crate) fn peer_may_reach_cluster_dns(peer: &Node) -> bool {
    if peer.get("ipBlock").is_some() {
        return true;
    }
    let Some(namespaces) = peer.get("namespaceSelector") else {
        return false;
    };
    let Ok(selector) = Selector::from_label_selector(namespaces) else {
        return true;
    };
    DNS_NAMESPACES.iter().any(|namespace| {
        let labels = [(NAMESPACE_NAME_LABEL, *namespace)];
        selector
            .requirements
            .iter()
            .filter(|requirement| requirement.key() == NAMESPACE_NAME_LABEL)
            .all(|requirement| requirement.matches(&labels))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn node(text: &str) -> Node {
        yaml::parse_stream(text, &yaml::Limits::default())
            .remove(0)
            .root
            .unwrap()
    }

    #[test]
    fn ports_cover_protocols_ranges_and_names() {
        let allows = |text: &str, protocol| rule_allows_port(&node(text), protocol, 53);
        assert!(allows("{}", Protocol::Udp));
        assert!(allows("ports: []", Protocol::Tcp));
        assert!(allows("ports: [{port: 53}]", Protocol::Tcp));
        assert!(!allows("ports: [{port: 53}]", Protocol::Udp));
        assert!(allows(
            "ports: [{protocol: UDP, port: 1, endPort: 100}]",
            Protocol::Udp
        ));
        assert!(!allows(
            "ports: [{protocol: UDP, port: 54, endPort: 100}]",
            Protocol::Udp
        ));
        assert!(allows("ports: [{protocol: UDP, port: dns}]", Protocol::Udp));
        assert!(allows("ports: [{protocol: UDP}]", Protocol::Udp));
        assert!(!allows(
            "ports: [{protocol: TCP, port: http}]",
            Protocol::Tcp
        ));
    }

    #[test]
    fn peers_reach_namespaces() {
        let kube_system = [(NAMESPACE_NAME_LABEL, "kube-system")];
        let peer = node("namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\npodSelector: {matchLabels: {k8s-app: kube-dns}}");
        assert!(peer_reaches_namespace(
            &peer,
            Some("shop"),
            "kube-system",
            &kube_system
        ));
        assert!(!peer_is_anywhere(&peer));
        let same = node("podSelector: {}");
        assert!(peer_reaches_namespace(&same, Some("shop"), "shop", &[]));
        assert!(!peer_reaches_namespace(
            &same,
            Some("shop"),
            "kube-system",
            &kube_system
        ));
        assert!(peer_is_anywhere(&node("ipBlock: {cidr: 0.0.0.0/0}")));
        assert!(peer_is_anywhere(&node("namespaceSelector: {}")));
    }

    #[test]
    fn peers_may_reach_the_cluster_dns() {
        let may = |text: &str| peer_may_reach_cluster_dns(&node(text));
        assert!(may("ipBlock: {cidr: 10.96.0.10/32}"));
        assert!(may("namespaceSelector: {}"));
        assert!(may(
            "namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}"
        ));
        assert!(may(
            "namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: openshift-dns}}"
        ));
        assert!(may("namespaceSelector: {matchLabels: {name: kube-system}}"));
        assert!(!may(
            "namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}"
        ));
        assert!(!may("namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, openshift-dns]}]}"));
        assert!(!may("podSelector: {}"));
        assert!(!may("podSelector: {matchLabels: {k8s-app: kube-dns}}"));
        let rule = |text: &str| rule_may_reach_cluster_dns(&node(text));
        assert!(rule("ports: [{port: 53}]"));
        assert!(rule("to: []"));
        assert!(!rule("to: [{podSelector: {}}]"));
        assert!(rule(
            "to: [{podSelector: {}}, {ipBlock: {cidr: 0.0.0.0/0}}]"
        ));
    }
}
