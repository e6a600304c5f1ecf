//! `network-policy-dns`: a NetworkPolicy restricts egress, but no policy
//! that applies to the same pods allows port 53.
//!
//! Egress of a pod is allowed when any policy selecting it allows it, so a
//! `deny-egress` policy is fine when other policies of the namespace let
//! the same pods reach port 53. When the input has workloads in the
//! namespace, their pod template labels decide: each pod the restricting
//! policy selects must be selected by a policy allowing DNS (a `deny-all`
//! plus one `egress: [{}]` policy per service passes). Without workloads,
//! the selectors are compared: a policy B covers the pods of a policy A
//! when B's `podSelector` is empty, or every `matchLabels` pair and
//! `matchExpressions` item of B's selector is in A's. Policies and workloads
//! without a namespace are related only when the workload's file is under
//! the policy file's grandparent directory (a kustomize component next to
//! its base), since nothing else says they are applied together; namespaced
//! ones when they are in the same deployment of the environment (see
//! `rules::deployment`). Either protocol counts here
//! (`namespace-network-policy` is the strict rule for the default policy:
//! UDP and TCP, to kube-system). Port ranges (`endPort`) and CoreDNS' named
//! ports count; a rule without ports allows every port.
//!
//! The port must be open towards a peer that can be the cluster DNS: a rule
//! with no `to`, an `ipBlock`, or a `namespaceSelector` that can select
//! `kube-system` (or OpenShift's `openshift-dns`). A rule whose only peers
//! are `podSelector`s without `namespaceSelector` reaches pods of the
//! policy's own namespace, never the DNS: a default policy that lets pods
//! reach each other on every port does not let them resolve names.
//!
//! The finding points at the `egress` of the restricting policy (its
//! `policyTypes` when it has no egress rules at all).

use std::collections::{HashMap, HashSet};

use super::{deployment, Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::fix::Fix;
use crate::model::label_index::LabelIndex;
use crate::model::network_policy::{
    policy_types, rule_allows_port, rule_may_reach_cluster_dns, selector_is_empty, Protocol,
};
use crate::model::workload::pod_spec_pointer;
use crate::model::{Object, ObjectId, Selector};
use crate::yaml::{Node, Value};

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "network-policy-dns".into(),
            category: Category::Namespaces,
            default_severity: Severity::Warning,
            summary: "a namespace's policies restrict egress but none allows port 53 (either protocol) to a peer that can be the cluster DNS".into(),
            rationale: "A policy that restricts egress blocks DNS unless something allows it: every lookup then \
times out, and the pods fail in ways that look like application bugs (slow starts, `no such host`). \
Port 53 must be open towards the DNS: a rule with no `to`, an `ipBlock`, or a `namespaceSelector` that can select \
kube-system counts; a rule whose only peers are `podSelector`s reaches pods of the policy's own namespace, never \
the cluster DNS, even when it allows every port."
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
    .reading(&[
        "NetworkPolicy:/spec/podSelector",
        "NetworkPolicy:/spec/policyTypes",
        "NetworkPolicy:/spec/egress",
        "{template}/metadata/labels",
    ])
    .offering_fix(
        "gives a default NetworkPolicy (`podSelector: {}`) that has no egress rule one that allows UDP \
and TCP 53 to kube-system",
    )
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let restricting: Vec<&Object> = context
        .index
        .of_kind("NetworkPolicy")
        .filter(|object| object.identity.is("networking.k8s.io", "NetworkPolicy"))
        .filter(|policy| policy_types(policy).1)
        .collect();
    if restricting.is_empty() {
        return;
    }
    // The pods the input runs, with their labels, computed once.
    let labels: HashMap<ObjectId, Vec<(&str, &str)>> = context
        .index
        .all()
        .iter()
        .filter_map(|workload| Some((workload.id, pod_labels(workload)?)))
        .collect();
    let workloads = || {
        context
            .index
            .all()
            .iter()
            .copied()
            .filter(|workload| labels.contains_key(&workload.id))
    };
    // Namespaced objects meet within one deployment of the environment.
    let pods = deployment::ByDeployment::new(context, workloads());
    let policies = deployment::ByDeployment::new(context, restricting.iter().copied());
    // Objects without a namespace are only related to those near them:
    // under the policy file's grandparent directory.
    let unnamespaced_pods: Vec<&Object> = workloads()
        .filter(|workload| workload.identity.namespace.is_none())
        .collect();
    let unnamespaced_policies: Vec<&Object> = restricting
        .iter()
        .copied()
        .filter(|policy| policy.identity.namespace.is_none())
        .collect();
    // The policies applied together share what they are judged against,
    // built once: comparing every policy with every pod and every other
    // policy grew with the cube of a namespace's applications.
    let mut groups: HashMap<Together<'_>, Group<'_>> = HashMap::new();
    for policy in &restricting {
        let together = match policy.identity.namespace.as_deref() {
            Some(namespace) => Together::Deployment(namespace, deployment::root(context, policy)),
            None => Together::Near(grandparent(context.file_path(policy.file))),
        };
        let group = groups.entry(together).or_insert_with(|| match together {
            Together::Deployment(namespace, root) => Group::new(
                pods.applied_with(namespace, root).collect(),
                policies.applied_with(namespace, root),
                &labels,
            ),
            Together::Near(near) => {
                let is_near = |object: &&Object| context.file_path(object.file).starts_with(near);
                Group::new(
                    unnamespaced_pods.iter().copied().filter(is_near).collect(),
                    unnamespaced_policies.iter().copied().filter(is_near),
                    &labels,
                )
            }
        });
        let uncovered: Vec<&str> = match group.uncovered_pods(policy) {
            // No pod of the input: compare the selectors themselves.
            None if group.covers_without_pods(policy) => continue,
            None => Vec::new(),
            Some(uncovered) if uncovered.is_empty() => continue,
            Some(uncovered) => uncovered,
        };
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
        let whose = if uncovered.is_empty() {
            "its pods".to_owned()
        } else {
            let mut names = uncovered
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if uncovered.len() > 3 {
                names.push_str(&format!(" and {} more", uncovered.len() - 3));
            }
            format!("the pods of {names}")
        };
        let mut violation = Violation::at_value(
            policy,
            target,
            format!(
                "NetworkPolicy {} restricts egress, but no policy of namespace {namespace} allows {whose} DNS (port 53)",
                policy.identity.name
            ),
        )
        .with_help("allow egress on UDP and TCP 53 to kube-system in this policy, or in a policy with `podSelector: {}`");
        if let Some(fix) = dns_egress_fix(policy) {
            violation = violation.with_fix(fix);
        }
        sink.push(violation);
    }
}

/// The egress rule the fix gives a default policy: UDP and TCP 53 to the
/// cluster DNS in kube-system (the namespace's name label, set by
/// Kubernetes since 1.21).
const DNS_EGRESS: &str = "[{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}], ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}]";

/// The fix for a default policy (one that selects every pod of its
/// namespace) with no egress rule at all: allow DNS. A policy with egress
/// rules, or one that selects some pods only, is left to its owner: which
/// pods may reach what is theirs to say.
fn dns_egress_fix(policy: &Object) -> Option<Fix> {
    let selects_all = policy
        .node
        .pointer("/spec/podSelector")
        .is_some_and(|selector| selector.as_map().is_some_and(|entries| entries.is_empty()));
    let no_egress_rule = match policy.node.pointer("/spec/egress") {
        None => true,
        Some(egress) => egress.as_seq().is_some_and(|rules| rules.is_empty()) || egress.is_null(),
    };
    (selects_all && no_egress_rule).then(|| {
        Fix::set(
            "allow egress on UDP and TCP 53 to kube-system",
            "/spec/egress",
            DNS_EGRESS,
        )
    })
}

/// Which policies and pods are applied together (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Together<'a> {
    /// A namespace in one deployment of the environment.
    Deployment(&'a str, Option<&'a str>),
    /// Objects without a namespace under one directory.
    Near(&'a str),
}

/// The pods and the restricting policies applied together.
struct Group<'a> {
    pods: Vec<&'a Object>,
    index: LabelIndex<'a>,
    /// Per pod of `pods`: whether a policy allowing DNS selects it.
    resolves: Vec<bool>,
    allowing: Covering<'a>,
}

impl<'a> Group<'a> {
    fn new(
        pods: Vec<&'a Object>,
        policies: impl Iterator<Item = &'a Object>,
        labels: &HashMap<ObjectId, Vec<(&'a str, &'a str)>>,
    ) -> Group<'a> {
        let index = LabelIndex::new(
            pods.iter()
                .map(|pod| labels.get(&pod.id).cloned().unwrap_or_default())
                .collect(),
        );
        let allowing: Vec<&Object> = policies.filter(|policy| allows_dns(policy)).collect();
        // Policies with the same selector select the same pods: each
        // selector is resolved once.
        let mut resolves = vec![false; pods.len()];
        let mut resolved: HashSet<PodSelection> = HashSet::new();
        for policy in &allowing {
            let selection = PodSelection::of(policy);
            if resolved.contains(&selection) {
                continue;
            }
            for at in selection.selected(&index) {
                if let Some(flag) = resolves.get_mut(at) {
                    *flag = true;
                }
            }
            resolved.insert(selection);
        }
        Group {
            pods,
            index,
            resolves,
            allowing: Covering::new(allowing),
        }
    }

    /// The names of the pods `policy` selects that no policy allowing DNS
    /// selects; `None` when it selects no pod of the input.
    fn uncovered_pods(&self, policy: &Object) -> Option<Vec<&'a str>> {
        let selected = PodSelection::of(policy).selected(&self.index);
        if selected.is_empty() {
            return None;
        }
        Some(
            selected
                .into_iter()
                .filter(|at| !self.resolves.get(*at).copied().unwrap_or(false))
                .filter_map(|at| self.pods.get(at))
                .map(|pod| pod.identity.name.as_str())
                .collect(),
        )
    }

    /// Whether `policy` allows DNS itself, or a policy allowing DNS covers
    /// its selector.
    fn covers_without_pods(&self, policy: &Object) -> bool {
        allows_dns(policy) || self.allowing.any_covers(policy)
    }
}

/// The pods a policy's `podSelector` selects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PodSelection {
    /// No selector, or an empty one.
    Every,
    Matching(Selector),
    /// A selector that does not parse: the API server would refuse it.
    Nothing,
}

impl PodSelection {
    fn of(policy: &Object) -> PodSelection {
        match policy.node.pointer("/spec/podSelector") {
            None => PodSelection::Every,
            Some(selector) if selector_is_empty(selector) => PodSelection::Every,
            Some(selector) => Selector::from_label_selector(selector)
                .map_or(PodSelection::Nothing, PodSelection::Matching),
        }
    }

    /// Positions in `index` of the pods selected.
    fn selected(&self, index: &LabelIndex<'_>) -> Vec<usize> {
        match self {
            PodSelection::Every => index.selected(&Selector::default()),
            PodSelection::Matching(selector) => index.selected(selector),
            PodSelection::Nothing => Vec::new(),
        }
    }
}

/// Policies allowing DNS, to find one that covers a policy's selector (see
/// [`covers`]) among those sharing a `matchLabels` pair with it instead of
/// among all of them.
struct Covering<'a> {
    /// Some policy selects every pod (or has no part to compare).
    every_pod: bool,
    /// Policies by the `matchLabels` pair of theirs the fewest policies
    /// share: a policy covering another has all its pairs.
    by_pair: HashMap<(&'a str, String), Vec<&'a Object>>,
    /// Policies without a `matchLabels` pair, compared with every policy.
    unpaired: Vec<&'a Object>,
    /// Every policy: for a selector whose `matchLabels` is a list (which
    /// [`covers`] compares item by item).
    all: Vec<&'a Object>,
}

impl<'a> Covering<'a> {
    fn new(allowing: Vec<&'a Object>) -> Covering<'a> {
        let mut covering = Covering {
            every_pod: false,
            by_pair: HashMap::new(),
            unpaired: Vec::new(),
            all: allowing.clone(),
        };
        let mut sharing: HashMap<(&str, String), usize> = HashMap::new();
        let pairs: Vec<Vec<(&str, String)>> =
            allowing.iter().map(|policy| match_labels(policy)).collect();
        for pair in pairs.iter().flatten() {
            *sharing.entry(pair.clone()).or_default() += 1;
        }
        for (policy, pairs) in allowing.into_iter().zip(pairs) {
            if covers_every_pod(policy) {
                covering.every_pod = true;
                continue;
            }
            let rarest = pairs
                .into_iter()
                .min_by_key(|pair| sharing.get(pair).copied().unwrap_or(0));
            match rarest {
                Some(pair) => covering.by_pair.entry(pair).or_default().push(policy),
                None => covering.unpaired.push(policy),
            }
        }
        covering
    }

    fn any_covers(&self, narrow: &Object) -> bool {
        let listed = narrow
            .node
            .pointer("/spec/podSelector/matchLabels")
            .is_some_and(|labels| labels.as_seq().is_some());
        if listed {
            return self.all.iter().any(|wide| covers(wide, narrow));
        }
        self.every_pod
            || match_labels(narrow)
                .iter()
                .filter_map(|pair| self.by_pair.get(pair))
                .flatten()
                .chain(&self.unpaired)
                .any(|wide| covers(wide, narrow))
    }
}

/// The `matchLabels` pairs of a policy's `podSelector` whose values are
/// scalars (as JSON text, which [`covers`] compares).
fn match_labels(policy: &Object) -> Vec<(&str, String)> {
    policy
        .node
        .pointer("/spec/podSelector/matchLabels")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter(|entry| !matches!(entry.value.value, Value::Seq(_) | Value::Map(_)))
        .map(|entry| (entry.key.as_str(), entry.value.to_json().to_string()))
        .collect()
}

/// Whether [`covers`] holds for `wide` whatever the other policy: its
/// selector is missing or empty, or has nothing to compare.
fn covers_every_pod(wide: &Object) -> bool {
    let Some(selector) = wide.node.pointer("/spec/podSelector") else {
        return true;
    };
    let has_parts = |key: &str| {
        selector.get(key).is_some_and(|node| {
            node.as_map().is_some_and(|entries| !entries.is_empty())
                || node.as_seq().is_some_and(|items| !items.is_empty())
        })
    };
    selector_is_empty(selector) || !(has_parts("matchLabels") || has_parts("matchExpressions"))
}

/// `a/b/` of `a/b/c/file.yaml` (with its slash), or `""`.
fn grandparent(path: &str) -> &str {
    let mut cut = path;
    for _ in 0..2 {
        cut = cut.rsplit_once('/').map_or("", |(head, _)| head);
    }
    path.get(..cut.len() + usize::from(!cut.is_empty()))
        .unwrap_or("")
}

/// The labels of a workload's pods; `None` when it has none.
fn pod_labels(workload: &Object) -> Option<Vec<(&str, &str)>> {
    let spec = pod_spec_pointer(workload)?;
    let template = spec.strip_suffix("/spec").unwrap_or("");
    let labels: Vec<(&str, &str)> = workload
        .node
        .pointer(&format!("{template}/metadata/labels"))
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| Some((entry.key.as_str(), entry.value.as_str()?)))
        .collect();
    // A workload without pod labels is a patch (`$patch: delete`) or a
    // fragment, not pods that run.
    (!labels.is_empty()).then_some(labels)
}

/// Whether some egress rule of the policy allows port 53 over UDP or TCP
/// to a peer that can be the cluster DNS.
fn allows_dns(policy: &Object) -> bool {
    policy
        .node
        .pointer("/spec/egress")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .any(|rule| {
            (rule_allows_port(rule, Protocol::Udp, 53) || rule_allows_port(rule, Protocol::Tcp, 53))
                && rule_may_reach_cluster_dns(rule)
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
                .map(|entry| serde_json::json!([entry.key.as_str(), entry.value.to_json()]))
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
