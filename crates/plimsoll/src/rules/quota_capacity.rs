//! `quota-capacity`: the workloads of a namespace need more than its
//! ResourceQuota allows, or a container falls outside its LimitRange.
//!
//! Per namespace (every file of the environment; objects count for the
//! namespace their `metadata.namespace` names) and per deployment of the
//! environment: when paths name the environment in several directories
//! (`clusters/eu/prod/…`, `clusters/us/prod/…`), each directory is summed
//! apart against its own quota, and objects whose path names no environment
//! (a rendered chart placed by its namespace) count in each:
//! - each workload counts its peak pods: `replicas` (1 when absent), the
//!   `maxReplicas` of the HPA that targets it, a Job's `parallelism`
//!   (capped by `completions`), a CronJob's job template the same, one for a
//!   Pod and for a DaemonSet (its node count is unknown; one is a lower
//!   bound) — see `model::scaling`;
//! - each pod's requests and limits are the Kubernetes effective ones:
//!   LimitRange defaults applied first, then init containers (and
//!   sidecars) by the scheduler's rule — see `model::resources`;
//! - the sums are compared to every `spec.hard` entry understood:
//!   `requests.cpu`/`cpu`, `requests.memory`/`memory`,
//!   `requests.ephemeral-storage`/`ephemeral-storage`, `limits.cpu`,
//!   `limits.memory`, `limits.ephemeral-storage`, `pods`, `count/pods`,
//!   `count/<resource>.<group>` (by kind, e.g. `count/deployments.apps`),
//!   and the object counts `services`, `configmaps`, `secrets`,
//!   `persistentvolumeclaims`, `replicationcontrollers`, `resourcequotas`,
//!   `services.loadbalancers`. Others (`requests.storage`, extended
//!   resources) are ignored. A quota with `scopes` or `scopeSelector`
//!   counts only the pods in them: `Terminating`/`NotTerminating` (the pod
//!   spec's `activeDeadlineSeconds`), `BestEffort`/`NotBestEffort` (no
//!   requests or limits once LimitRange defaults apply) and `PriorityClass`
//!   (`priorityClassName`, operators `In`, `NotIn`, `Exists`,
//!   `DoesNotExist`); a quota with another scope is skipped.
//!
//! A quota is compared with its deployment unit only, since nothing in a
//! repository without the Kustomize graph says which other files are
//! applied with it: the file that holds it, when that file also holds
//! workloads of its namespace (one rendered stream: `kustomize build`,
//! `helm template`); else the directory that holds it and every directory
//! below (a Kustomize base or overlay, a cluster's directory keep their
//! quota next to or above what they deploy). Copies of one object in the
//! unit (the same group, kind, namespace and name from two folders) count
//! once, at the first copy. This misses a quota applied by an overlay to
//! workloads of a sibling base, but never sums the workloads of unrelated
//! applications or clusters that share a namespace name.
//!
//! Findings: over a hard limit → at that `spec.hard` value, with the sum,
//! the limit and the largest contributors; a container without a resource
//! an (unscoped) quota limits, after LimitRange defaults → at the container
//! (Kubernetes rejects such pods); a container (or, for `type: Pod`, a pod)
//! below a LimitRange `min`, above its `max` or over its
//! `maxLimitRequestRatio` → at the container's value; a malformed quantity
//! in a ResourceQuota or LimitRange → at that value, as an error.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{deployment, Category, Rule, RuleMeta, SetContext, Sink, Target, Violation};
use crate::english::plural;
use crate::finding::Severity;
use crate::model::kept_elsewhere::holds_variable;
use crate::model::kinds::resource_plural;
use crate::model::resources::{
    admitted, limit_items, pod_amount, AdmittedContainer, Amounts, ContainerDefaults, LimitItem,
    Malformed, Requirements,
};
use crate::model::scaling::{peak_pods, Autoscalers};
use crate::model::workload::pod_spec_pointer;
use crate::model::{is_workload, FileId, Object, ObjectId, Quantity, Unit};
use crate::yaml::{pointer_of, Entry, Node};

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "quota-capacity".into(),
            category: Category::Namespaces,
            default_severity: Severity::Error,
            summary: "the workloads of a namespace request more than its ResourceQuota allows, or a container falls outside its LimitRange".into(),
            rationale: "A quota the workloads do not fit in fails at the worst time: the rollout's new pods, the \
HPA's scale-up or the nightly Job are refused by the API server while the old pods keep running, and the \
deployment hangs. The sum is known from the repository, so it can be checked before merging. The sum covers \
one deployment unit: the quota's own file when it also holds workloads (a rendered stream), else the \
directory holding the quota and everything below it; each object (group, kind, namespace, name) counts once. \
The message names the unit and the largest contributors, the help how many objects were counted."
                .into(),
            fix: "Raise the ResourceQuota's `spec.hard` value, or lower replicas, HPA `maxReplicas` or container \
resources. For a LimitRange finding, bring the container within `min`/`max`/`maxLimitRequestRatio`."
                .into(),
            bad: r"apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: shop-prod
spec:
  hard:
    requests.cpu: '2'
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.0
          resources:
            requests: {cpu: 750m}
".into(),
            good: r"apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: shop-prod
spec:
  hard:
    requests.cpu: '3'
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.0
          resources:
            requests: {cpu: 750m}
".into(),
        },
        check,
    )
    .reading(&[
        "ResourceQuota:/spec/hard",
        "ResourceQuota:/spec/scopes",
        "ResourceQuota:/spec/scopeSelector",
        "LimitRange:/spec/limits",
        "/spec/scaleTargetRef",
        "/spec/maxReplicas",
        "/spec/replicas",
        "/spec/parallelism",
        "/spec/completions",
        "/spec/jobTemplate/spec/parallelism",
        "/spec/jobTemplate/spec/completions",
        "/spec/type",
        "{pod}/activeDeadlineSeconds",
        "{pod}/priorityClassName",
        "{container}/name",
        "{container}/resources",
        "{container}/restartPolicy",
    ])
}

/// The compute resources a quota can limit.
const COMPUTE: [&str; 3] = ["cpu", "memory", "ephemeral-storage"];

/// What a `spec.hard` key limits.
#[derive(Debug, PartialEq, Eq)]
enum Limited<'k> {
    /// Requests or limits of a compute resource.
    Compute(Section, &'k str),
    /// Running pods.
    Pods,
    /// Objects of a kind: (plural resource name, API group).
    Count(&'k str, &'k str),
    /// Services of type LoadBalancer.
    LoadBalancers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Requests,
    Limits,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Requests => "requests",
            Section::Limits => "limits",
        }
    }

    fn of(self, requirements: &Requirements) -> &crate::model::resources::Amounts {
        match self {
            Section::Requests => &requirements.requests,
            Section::Limits => &requirements.limits,
        }
    }
}

fn classify(key: &str) -> Option<Limited<'_>> {
    if let Some(resource) = COMPUTE.iter().find(|resource| **resource == key) {
        return Some(Limited::Compute(Section::Requests, resource));
    }
    for (prefix, section) in [
        ("requests.", Section::Requests),
        ("limits.", Section::Limits),
    ] {
        if let Some(resource) = key.strip_prefix(prefix).filter(|r| COMPUTE.contains(r)) {
            return Some(Limited::Compute(section, resource));
        }
    }
    match key {
        "pods" | "count/pods" => return Some(Limited::Pods),
        "services.loadbalancers" => return Some(Limited::LoadBalancers),
        "services"
        | "configmaps"
        | "secrets"
        | "persistentvolumeclaims"
        | "replicationcontrollers"
        | "resourcequotas" => return Some(Limited::Count(key, "")),
        _ => {}
    }
    let counted = key.strip_prefix("count/")?;
    Some(match counted.split_once('.') {
        Some((resource, group)) => Limited::Count(resource, group),
        None => Limited::Count(counted, ""),
    })
}

/// A workload's share of a namespace's usage.
struct Usage<'a> {
    workload: &'a Object,
    pods: i64,
    per_pod: BTreeMap<(Section, &'static str), Quantity>,
    facts: PodFacts<'a>,
}

/// A quota scope (`spec.scopes`, `spec.scopeSelector`) this rule models.
#[derive(Debug, PartialEq, Eq)]
enum Scope<'a> {
    /// Pods with `activeDeadlineSeconds`.
    Terminating(bool),
    /// Pods with no requests or limits at all (QoS class BestEffort).
    BestEffort(bool),
    /// Pods by `priorityClassName`: operator and values.
    PriorityClass(&'a str, Vec<&'a str>),
}

/// The scopes of a quota; `None` when it uses one this rule does not model
/// (`CrossNamespacePodAffinity`, `VolumeAttributesClass`, an unknown
/// operator).
fn quota_scopes(quota: &Object) -> Option<Vec<Scope<'_>>> {
    let simple = |name: &str| match name {
        "Terminating" => Some(Scope::Terminating(true)),
        "NotTerminating" => Some(Scope::Terminating(false)),
        "BestEffort" => Some(Scope::BestEffort(true)),
        "NotBestEffort" => Some(Scope::BestEffort(false)),
        _ => None,
    };
    let mut scopes = Vec::new();
    for scope in quota
        .node
        .pointer("/spec/scopes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        scopes.push(simple(scope.as_str()?)?);
    }
    for expression in quota
        .node
        .pointer("/spec/scopeSelector/matchExpressions")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let name = expression.get("scopeName").and_then(Node::as_str)?;
        let operator = expression.get("operator").and_then(Node::as_str)?;
        let values: Vec<&str> = expression
            .get("values")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        if name == "PriorityClass" {
            if !matches!(operator, "In" | "NotIn" | "Exists" | "DoesNotExist") {
                return None;
            }
            scopes.push(Scope::PriorityClass(operator, values));
        } else {
            // `Terminating` and friends may be written as selectors too.
            let scope = simple(name)?;
            match operator {
                "Exists" => scopes.push(scope),
                _ => return None,
            }
        }
    }
    Some(scopes)
}

/// What quota scopes look at in a pod.
#[derive(Debug, Clone, Copy)]
struct PodFacts<'a> {
    terminating: bool,
    best_effort: bool,
    priority_class: Option<&'a str>,
}

impl<'a> PodFacts<'a> {
    fn of(workload: &'a Object, containers: &[AdmittedContainer<'_>]) -> PodFacts<'a> {
        let spec = pod_spec_pointer(workload).and_then(|pointer| workload.node.pointer(pointer));
        PodFacts {
            terminating: spec
                .and_then(|spec| spec.get("activeDeadlineSeconds"))
                .is_some_and(|node| node.as_i64().is_some()),
            best_effort: containers.iter().all(|container| {
                container.effective.requests.is_empty() && container.effective.limits.is_empty()
            }),
            priority_class: spec
                .and_then(|spec| spec.get("priorityClassName"))
                .and_then(Node::as_str),
        }
    }

    fn in_scopes(&self, scopes: &[Scope<'_>]) -> bool {
        scopes.iter().all(|scope| match scope {
            Scope::Terminating(wanted) => self.terminating == *wanted,
            Scope::BestEffort(wanted) => self.best_effort == *wanted,
            Scope::PriorityClass(operator, values) => match *operator {
                "In" => self
                    .priority_class
                    .is_some_and(|class| values.contains(&class)),
                "NotIn" => self
                    .priority_class
                    .is_none_or(|class| !values.contains(&class)),
                "Exists" => self.priority_class.is_some(),
                _ => self.priority_class.is_none(),
            },
        })
    }
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    // The directory of one deployment of the environment (`clusters/eu/prod`)
    // an object is in, when its path names the environment.
    let root_of = |object: &Object| deployment::root(context, object);
    let mut namespaces: BTreeMap<&str, (Vec<&Object>, Vec<&Object>)> = BTreeMap::new();
    let mut copies: HashSet<(&str, &str, &str, Option<&str>)> = HashSet::new();
    for object in context
        .index
        .of_kind("ResourceQuota")
        .chain(context.index.of_kind("LimitRange"))
    {
        let (Some(namespace), "") = (
            object.identity.namespace.as_deref(),
            object.identity.group.as_str(),
        ) else {
            continue;
        };
        // Copies of one object in one deployment (the same namespace file
        // rendered in many places) are checked once, at the first copy.
        let identity = &object.identity;
        if !copies.insert((
            identity.kind.as_str(),
            namespace,
            identity.name.as_str(),
            root_of(object),
        )) {
            continue;
        }
        let entry = namespaces.entry(namespace).or_default();
        if identity.kind == "ResourceQuota" {
            entry.0.push(object);
        } else {
            entry.1.push(object);
        }
    }
    if namespaces.is_empty() {
        return;
    }
    let autoscalers = Autoscalers::new(context.index.of_kind("HorizontalPodAutoscaler"));
    let mut found = Sink::default();
    for (namespace, (quotas, limit_ranges)) in namespaces {
        let mut ranges: Vec<(&Object, Vec<LimitItem>)> = Vec::new();
        for limit_range in limit_ranges {
            let mut malformed = Vec::new();
            let items = limit_items(limit_range, &mut malformed);
            report_malformed(limit_range, &malformed, &mut found);
            ranges.push((limit_range, items));
        }
        // Quotas whose scopes are understood, with them; the others are
        // only checked for malformed quantities.
        let mut scoped: Vec<(&Object, Vec<Scope<'_>>)> = Vec::new();
        for quota in quotas {
            match quota_scopes(quota) {
                Some(scopes) => scoped.push((quota, scopes)),
                None => {
                    let mut malformed = Vec::new();
                    for entry in hard_entries(quota) {
                        if filled_in_later(entry) {
                            continue;
                        }
                        if let Err(error) = Quantity::from_node(&entry.value) {
                            malformed.push(Malformed {
                                pointer: pointer_of(["spec", "hard", entry.key.as_str()]),
                                error,
                            });
                        }
                    }
                    report_malformed(quota, &malformed, &mut found);
                }
            }
        }
        let mut by_root: HashMap<Option<&str>, Vec<&Object>> = HashMap::new();
        for member in context.index.in_namespace(namespace) {
            by_root.entry(root_of(member)).or_default().push(member);
        }
        // Deployments of the environment are checked apart: two clusters'
        // copies of a namespace do not share a quota. Objects whose path
        // names no deployment (a rendered chart placed by its namespace)
        // belong to every one.
        let mut clusters: Vec<Option<&str>> =
            by_root.keys().copied().filter(Option::is_some).collect();
        clusters.sort_unstable();
        if clusters.is_empty() {
            clusters.push(None);
        }
        let unplaced = by_root.get(&None).map_or(&[][..], Vec::as_slice);
        // A namespace may be deployed to thousands of clusters: index its
        // ranges and quotas by root once instead of scanning them per
        // cluster, which grew with the square of the input.
        let range_roots = positions_by_root(ranges.iter().map(|(range, _)| root_of(range)));
        let quota_roots = positions_by_root(scoped.iter().map(|(quota, _)| root_of(quota)));
        for cluster in clusters {
            let here: Vec<&Object> = match cluster {
                Some(_) => by_root
                    .get(&cluster)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .chain(unplaced)
                    .copied()
                    .collect(),
                None => by_root.values().flatten().copied().collect(),
            };
            let ranges_here = applied_with(&ranges, &range_roots, cluster);
            let defaults =
                ContainerDefaults::from_items(ranges_here.iter().flat_map(|(_, items)| items));
            let tightest = Tightest::of(ranges_here.iter().flat_map(|(_, items)| items));
            let quotas_here = applied_with(&scoped, &quota_roots, cluster);
            let mut usages = Vec::new();
            for workload in here.iter().copied().filter(|o| is_workload(o)) {
                let containers = admitted(workload, &defaults, &mut Vec::new());
                // A namespace may hold a LimitRange per application: only a
                // workload outside the tightest of their bounds is checked
                // against each, since checking every workload against every
                // range grew with the square of the applications.
                if tightest.broken_by(workload, &containers) {
                    for (limit_range, items) in &ranges_here {
                        check_limit_range(workload, &containers, limit_range, items, &mut found);
                    }
                }
                let facts = PodFacts::of(workload, &containers);
                // The compute keys the quotas counting this pod limit, with
                // the first such quota.
                let mut required: BTreeMap<(Section, &'static str), &Object> = BTreeMap::new();
                for (quota, scopes) in &quotas_here {
                    if !facts.in_scopes(scopes) {
                        continue;
                    }
                    for entry in hard_entries(quota) {
                        if let Some(Limited::Compute(section, resource)) = classify(&entry.key) {
                            if let Some(resource) = COMPUTE.iter().find(|r| **r == resource) {
                                required.entry((section, resource)).or_insert(quota);
                            }
                        }
                    }
                }
                report_missing(workload, &containers, &required, namespace, &mut found);
                let Some(pods) = peak_pods(workload, &autoscalers) else {
                    continue;
                };
                let mut per_pod = BTreeMap::new();
                for section in [Section::Requests, Section::Limits] {
                    for resource in COMPUTE {
                        let amount = pod_amount(&containers, |requirements| {
                            section.of(requirements).get(resource).copied()
                        });
                        per_pod.insert((section, resource), amount);
                    }
                }
                usages.push(Usage {
                    workload,
                    pods,
                    per_pod,
                    facts,
                });
            }
            for (quota, scopes) in &quotas_here {
                let unit = DeploymentUnit::of(context, quota, &here);
                let mut identities = HashSet::new();
                let members: Vec<&Object> = here
                    .iter()
                    .copied()
                    .filter(|object| unit.holds(context, object))
                    .filter(|object| identities.insert(identity_key(object)))
                    .collect();
                // A set, not a scan of the members per usage: that grew with
                // the square of a namespace's workloads.
                let member_ids: HashSet<ObjectId> =
                    members.iter().map(|member| member.id).collect();
                let counted: Vec<&Usage<'_>> = usages
                    .iter()
                    .filter(|usage| usage.facts.in_scopes(scopes))
                    .filter(|usage| member_ids.contains(&usage.workload.id))
                    .collect();
                check_quota(namespace, quota, &unit, &members, &counted, &mut found);
            }
        }
    }
    // A workload placed by its namespace alone is seen by every deployment:
    // report what it is told once.
    let mut seen = HashSet::new();
    for violation in found.into_violations() {
        let key = (
            violation.object,
            format!("{:?}", violation.target),
            violation.message.clone(),
        );
        if seen.insert(key) {
            sink.push(violation);
        }
    }
}

/// The objects a ResourceQuota is summed against (see the module docs).
enum DeploymentUnit<'p> {
    /// A rendered stream: the quota's own file.
    File(FileId, &'p str),
    /// The quota's directory (with its trailing slash; empty at the top)
    /// and every directory below.
    Directory(&'p str),
}

impl<'p> DeploymentUnit<'p> {
    fn of(context: &'p SetContext<'_>, quota: &Object, namespace_members: &[&Object]) -> Self {
        let path = context.file_path(quota.file);
        let rendered = namespace_members
            .iter()
            .any(|member| member.file == quota.file && is_workload(member));
        if rendered {
            return DeploymentUnit::File(quota.file, path);
        }
        let directory = path
            .rfind('/')
            .map_or("", |slash| path.get(..=slash).unwrap_or(""));
        DeploymentUnit::Directory(directory)
    }

    fn holds(&self, context: &SetContext<'_>, object: &Object) -> bool {
        match self {
            DeploymentUnit::File(file, _) => object.file == *file,
            DeploymentUnit::Directory(directory) => {
                context.file_path(object.file).starts_with(directory)
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            DeploymentUnit::File(_, path) => format!("in {path}"),
            DeploymentUnit::Directory("") => "in the input".to_owned(),
            DeploymentUnit::Directory(directory) => format!("under {directory}"),
        }
    }
}

/// Group, kind, namespace and name: copies of one object share it.
fn identity_key(object: &Object) -> (&str, &str, Option<&str>, &str) {
    let identity = &object.identity;
    (
        identity.group.as_str(),
        identity.kind.as_str(),
        identity.namespace.as_deref(),
        identity.name.as_str(),
    )
}

fn hard_entries(quota: &Object) -> &[Entry] {
    quota
        .node
        .pointer("/spec/hard")
        .and_then(Node::as_map)
        .unwrap_or_default()
}

fn report_malformed(object: &Object, malformed: &[Malformed], sink: &mut Sink) {
    for bad in malformed {
        sink.push(
            Violation::at_value(object, bad.pointer.clone(), bad.error.to_string())
                .with_severity(Severity::Error)
                .with_help("write a Kubernetes quantity: `500m` or `0.5` cores, `256Mi` or `1Gi` of memory, `10` pods"),
        );
    }
}

fn check_quota(
    namespace: &str,
    quota: &Object,
    deployment_unit: &DeploymentUnit<'_>,
    members: &[&Object],
    usages: &[&Usage<'_>],
    sink: &mut Sink,
) {
    for entry in hard_entries(quota) {
        let pointer = pointer_of(["spec", "hard", entry.key.as_str()]);
        let hard = match Quantity::from_node(&entry.value) {
            Ok(hard) => hard,
            Err(_) if filled_in_later(entry) => continue,
            Err(error) => {
                report_malformed(quota, &[Malformed { pointer, error }], sink);
                continue;
            }
        };
        let Some(limited) = classify(&entry.key) else {
            continue;
        };
        let unit = Unit::of_resource(&entry.key);
        let (total, contributors): (Quantity, Vec<Share<'_>>) = match limited {
            Limited::Compute(section, resource) => {
                let shares: Vec<Share<'_>> = usages
                    .iter()
                    .filter_map(|usage| {
                        let per_pod = usage.per_pod.get(&(section, resource)).copied()?;
                        let share = per_pod.saturating_mul(usage.pods);
                        (!share.is_zero()).then(|| {
                            (
                                share,
                                format!(
                                    "{} {}: {} × {}",
                                    usage.workload.identity.kind,
                                    usage.workload.identity.name,
                                    usage.pods,
                                    per_pod.display(unit)
                                ),
                                usage.workload,
                            )
                        })
                    })
                    .collect();
                (sum(&shares), shares)
            }
            Limited::Pods => {
                let shares: Vec<Share<'_>> = usages
                    .iter()
                    .filter(|usage| usage.pods > 0)
                    .map(|usage| {
                        (
                            Quantity::from_units(usage.pods),
                            format!(
                                "{} {}: {}",
                                usage.workload.identity.kind,
                                usage.workload.identity.name,
                                usage.pods
                            ),
                            usage.workload,
                        )
                    })
                    .collect();
                (sum(&shares), shares)
            }
            Limited::Count(resource, group) => {
                let counted: Vec<&Object> = members
                    .iter()
                    .copied()
                    .filter(|object| {
                        object.identity.group == group
                            && resource_plural(&object.identity.kind) == resource
                    })
                    .collect();
                (count_of(&counted), objects_counted(&counted))
            }
            Limited::LoadBalancers => {
                let counted: Vec<&Object> = members
                    .iter()
                    .copied()
                    .filter(|object| {
                        object.identity.is("", "Service")
                            && object.node.pointer("/spec/type").and_then(Node::as_str)
                                == Some("LoadBalancer")
                    })
                    .collect();
                (count_of(&counted), objects_counted(&counted))
            }
        };
        if total <= hard {
            continue;
        }
        let place = deployment_unit.describe();
        let what = match limited {
            Limited::Compute(..) => format!(
                "the workloads of namespace {namespace} {place} need {} {}",
                entry.key,
                total.display(unit)
            ),
            Limited::Pods => format!(
                "the workloads of namespace {namespace} {place} run up to {} pods",
                total.display(unit)
            ),
            Limited::Count(..) | Limited::LoadBalancers => {
                format!(
                    "namespace {namespace} {place} holds {} {}",
                    total.display(unit),
                    entry.key
                )
            }
        };
        let counted = match limited {
            Limited::Compute(..) | Limited::Pods => {
                format!("{} workload{}", usages.len(), plural(usages.len()))
            }
            Limited::Count(..) | Limited::LoadBalancers => format!(
                "{} object{}",
                total.display(unit),
                if total == Quantity::from_units(1) {
                    ""
                } else {
                    "s"
                }
            ),
        };
        let mut message = format!(
            "{what}, over the {} of ResourceQuota {}",
            hard.display(unit),
            quota.identity.name
        );
        let mut largest = contributors;
        largest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let is_sum = matches!(limited, Limited::Compute(..) | Limited::Pods);
        if is_sum && !largest.is_empty() {
            let shown: Vec<&str> = largest
                .iter()
                .take(3)
                .map(|(_, text, _)| text.as_str())
                .collect();
            let more = largest.len().saturating_sub(shown.len());
            message.push_str(&format!(" ({}", shown.join(", ")));
            if more > 0 {
                message.push_str(&format!(", and {more} more"));
            }
            message.push(')');
        }
        let mut violation = Violation::at_value(quota, pointer, message).with_help(format!(
            "raise {} to at least {}, or lower replicas, HPA maxReplicas or container resources (counted {counted} {place}, each object once)",
            entry.key,
            total.display(unit)
        ));
        // The largest shares as labels: where to look first.
        for (_, text, object) in largest.iter().take(RELATED_SHOWN) {
            violation = violation.with_related(
                object,
                Target::Value("/metadata/name".to_owned()),
                format!("counted: {text}"),
            );
        }
        sink.push(violation);
    }
}

/// The pod-level amounts of `resources` in one section, for the resources
/// some container sets there (a LimitRange's `Pod` item bounds only those).
fn pod_amounts<'r>(
    containers: &[AdmittedContainer<'_>],
    section: Section,
    resources: impl Iterator<Item = &'r String>,
) -> Amounts {
    let mut amounts = Amounts::new();
    for resource in resources {
        if containers
            .iter()
            .any(|c| section.of(&c.effective).contains_key(resource))
        {
            let total = pod_amount(containers, |r| {
                section.of(r).get(resource.as_str()).copied()
            });
            amounts.insert(resource.clone(), total);
        }
    }
    amounts
}

/// One object's part of a total: the amount, how it is described, the object.
/// Whether a quota's amount is a `${VAR}` (Flux's post-build
/// substitution, with or without a `:=default`) or a Kustomize `$(var)`:
/// it is a quantity only once substituted, so neither malformed nor a
/// bound to check against.
fn filled_in_later(entry: &Entry) -> bool {
    entry.value.as_str().is_some_and(holds_variable)
}

type Share<'o> = (Quantity, String, &'o Object);

/// How many objects a finding labels as counted (the largest shares).
const RELATED_SHOWN: usize = 5;

fn sum(shares: &[Share<'_>]) -> Quantity {
    shares.iter().fold(Quantity::ZERO, |total, (share, _, _)| {
        total.saturating_add(*share)
    })
}

fn count_of(objects: &[&Object]) -> Quantity {
    Quantity::from_units(i64::try_from(objects.len()).unwrap_or(i64::MAX))
}

/// Each counted object as a share of one.
fn objects_counted<'o>(objects: &[&'o Object]) -> Vec<Share<'o>> {
    objects
        .iter()
        .map(|object| {
            (
                Quantity::from_units(1),
                format!("{} {}", object.identity.kind, object.identity.name),
                *object,
            )
        })
        .collect()
}

fn report_missing(
    workload: &Object,
    containers: &[AdmittedContainer<'_>],
    required: &BTreeMap<(Section, &'static str), &Object>,
    namespace: &str,
    sink: &mut Sink,
) {
    for container in containers {
        let missing: Vec<(String, &Object)> = required
            .iter()
            .filter(|((section, resource), _)| {
                !section.of(&container.effective).contains_key(*resource)
            })
            .map(|((section, resource), quota)| (format!("{}.{resource}", section.name()), *quota))
            .collect();
        let Some((_, quota)) = missing.first() else {
            continue;
        };
        let names: Vec<&str> = missing.iter().map(|(name, _)| name.as_str()).collect();
        let target = if container.container.node.get("resources").is_some() {
            container.container.pointer("resources")
        } else {
            container.container.anchor()
        };
        sink.push(
            Violation::at_value(
                workload,
                target,
                format!(
                    "{} sets no {} and no LimitRange default applies, but ResourceQuota {} of namespace {namespace} limits {}: Kubernetes rejects the pod",
                    container.container.describe(),
                    names.join(", "),
                    quota.identity.name,
                    if names.len() == 1 { "it" } else { "them" }
                ),
            )
            .with_help(format!("set resources {} on the container, or add a LimitRange with defaults to {namespace}", names.join(", "))),
        );
    }
}

/// The tightest bounds of the LimitRange items of one type (`Container` or
/// `Pod`): a value outside them is outside some item's, and a value within
/// them is within every item's.
#[derive(Debug, Default)]
struct Bounds {
    /// The largest `min` per resource.
    min: Amounts,
    /// The smallest `max` per resource.
    max: Amounts,
    /// The smallest and largest `maxLimitRequestRatio` per resource (with
    /// a negative request the largest ratio is the tightest).
    ratios: BTreeMap<String, (Quantity, Quantity)>,
}

impl Bounds {
    fn add(&mut self, item: &LimitItem) {
        for (resource, min) in &item.min {
            let tightest = self.min.entry(resource.clone()).or_insert(*min);
            *tightest = (*tightest).max(*min);
        }
        for (resource, max) in &item.max {
            let tightest = self.max.entry(resource.clone()).or_insert(*max);
            *tightest = (*tightest).min(*max);
        }
        for (resource, ratio) in &item.max_ratio {
            let (low, high) = self
                .ratios
                .entry(resource.clone())
                .or_insert((*ratio, *ratio));
            *low = (*low).min(*ratio);
            *high = (*high).max(*ratio);
        }
    }

    /// Whether some amount is below a `min` or above a `max`.
    fn outside(&self, amounts: &Amounts) -> bool {
        amounts.iter().any(|(resource, value)| {
            self.min.get(resource).is_some_and(|min| value < min)
                || self.max.get(resource).is_some_and(|max| value > max)
        })
    }

    /// Whether the container's limits exceed a `maxLimitRequestRatio` (as
    /// [`check_limit_range`] judges them).
    fn ratio_exceeded(&self, effective: &Requirements) -> bool {
        self.ratios.iter().any(|(resource, (low, high))| {
            let (Some(limit), Some(request)) = (
                effective.limits.get(resource),
                effective.requests.get(resource),
            ) else {
                return false;
            };
            request.is_zero()
                || limit.ratio_exceeds(*request, *low)
                || limit.ratio_exceeds(*request, *high)
        })
    }
}

/// The tightest bounds of the LimitRanges applied together.
#[derive(Debug, Default)]
struct Tightest {
    container: Bounds,
    pod: Bounds,
}

impl Tightest {
    fn of<'i>(items: impl Iterator<Item = &'i LimitItem>) -> Tightest {
        let mut tightest = Tightest::default();
        for item in items {
            match item.kind.as_str() {
                "Container" => tightest.container.add(item),
                "Pod" => tightest.pod.add(item),
                _ => {}
            }
        }
        tightest
    }

    /// Whether [`check_limit_range`] finds something for the workload in
    /// at least one of the ranges.
    fn broken_by(&self, workload: &Object, containers: &[AdmittedContainer<'_>]) -> bool {
        let sections = [Section::Requests, Section::Limits];
        let container_breaks = containers.iter().any(|container| {
            sections
                .iter()
                .any(|section| self.container.outside(section.of(&container.effective)))
                || self.container.ratio_exceeded(&container.effective)
        });
        if container_breaks {
            return true;
        }
        if pod_spec_pointer(workload).is_none() {
            return false;
        }
        sections.iter().any(|section| {
            let amounts = pod_amounts(
                containers,
                *section,
                self.pod.min.keys().chain(self.pod.max.keys()),
            );
            self.pod.outside(&amounts)
        })
    }
}

fn check_limit_range(
    workload: &Object,
    containers: &[AdmittedContainer<'_>],
    limit_range: &Object,
    items: &[LimitItem],
    sink: &mut Sink,
) {
    let name = &limit_range.identity.name;
    for item in items {
        match item.kind.as_str() {
            "Container" => {
                for container in containers {
                    let pointer_for = |section: Section, resource: &str| {
                        if section.of(&container.declared).contains_key(resource) {
                            container
                                .container
                                .pointer(&format!("resources/{}/{resource}", section.name()))
                        } else if container.container.node.get("resources").is_some() {
                            container.container.pointer("resources")
                        } else {
                            container.container.anchor()
                        }
                    };
                    let who = container.container.describe();
                    for section in [Section::Requests, Section::Limits] {
                        let amounts = section.of(&container.effective);
                        bounds(
                            item,
                            amounts,
                            name,
                            &who,
                            section,
                            sink,
                            workload,
                            &pointer_for,
                        );
                    }
                    for (resource, ratio) in &item.max_ratio {
                        let (Some(limit), Some(request)) = (
                            container.effective.limits.get(resource),
                            container.effective.requests.get(resource),
                        ) else {
                            continue;
                        };
                        if request.is_zero() || limit.ratio_exceeds(*request, *ratio) {
                            let unit = Unit::of_resource(resource);
                            sink.push(
                                Violation::at_value(
                                    workload,
                                    pointer_for(Section::Limits, resource),
                                    format!(
                                        "{who} limits {resource} to {} for a request of {}, over the maxLimitRequestRatio {} of LimitRange {name}",
                                        limit.display(unit),
                                        request.display(unit),
                                        ratio.display(Unit::Count)
                                    ),
                                )
                                .with_help(format!("raise the {resource} request or lower the limit to at most {} × the request", ratio.display(Unit::Count))),
                            );
                        }
                    }
                }
            }
            "Pod" => {
                let Some(pointer) = pod_spec_pointer(workload) else {
                    continue;
                };
                for section in [Section::Requests, Section::Limits] {
                    let amounts =
                        pod_amounts(containers, section, item.min.keys().chain(item.max.keys()));
                    let pointer_for = |_: Section, _: &str| pointer.to_owned();
                    bounds(
                        item,
                        &amounts,
                        name,
                        "each pod",
                        section,
                        sink,
                        workload,
                        &pointer_for,
                    );
                }
            }
            _ => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn bounds(
    item: &LimitItem,
    amounts: &crate::model::resources::Amounts,
    limit_range: &str,
    who: &str,
    section: Section,
    sink: &mut Sink,
    workload: &Object,
    pointer_for: &dyn Fn(Section, &str) -> String,
) {
    let verb = match section {
        Section::Requests => "requests",
        Section::Limits => "limits",
    };
    for (resource, value) in amounts {
        let unit = Unit::of_resource(resource);
        if let Some(min) = item.min.get(resource).filter(|min| value < *min) {
            sink.push(
                Violation::at_value(
                    workload,
                    pointer_for(section, resource),
                    format!(
                        "{who} {verb} {resource} {}, below the min {} of LimitRange {limit_range}",
                        value.display(unit),
                        min.display(unit)
                    ),
                )
                .with_help(format!(
                    "set {verb}.{resource} to at least {}",
                    min.display(unit)
                )),
            );
        }
        if let Some(max) = item.max.get(resource).filter(|max| value > *max) {
            sink.push(
                Violation::at_value(
                    workload,
                    pointer_for(section, resource),
                    format!(
                        "{who} {verb} {resource} {}, above the max {} of LimitRange {limit_range}",
                        value.display(unit),
                        max.display(unit)
                    ),
                )
                .with_help(format!(
                    "set {verb}.{resource} to at most {}",
                    max.display(unit)
                )),
            );
        }
    }
}

/// The positions of items by the deployment root they are applied from.
fn positions_by_root<'r>(
    roots: impl Iterator<Item = Option<&'r str>>,
) -> HashMap<Option<&'r str>, Vec<usize>> {
    let mut by_root: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
    for (at, root) in roots.enumerate() {
        by_root.entry(root).or_default().push(at);
    }
    by_root
}

/// The items applied together with `cluster`, in their original order:
/// those of its root and those of no root (a rendered chart placed by its
/// namespace goes with every deployment); every item when `cluster` is
/// `None`.
fn applied_with<'i, T>(
    items: &'i [T],
    by_root: &HashMap<Option<&str>, Vec<usize>>,
    cluster: Option<&str>,
) -> Vec<&'i T> {
    let mut picked: Vec<usize> = match cluster {
        None => (0..items.len()).collect(),
        Some(_) => by_root
            .get(&cluster)
            .into_iter()
            .chain(by_root.get(&None))
            .flatten()
            .copied()
            .collect(),
    };
    picked.sort_unstable();
    picked.into_iter().filter_map(|at| items.get(at)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_keys_are_classified() {
        assert_eq!(
            classify("cpu"),
            Some(Limited::Compute(Section::Requests, "cpu"))
        );
        assert_eq!(
            classify("limits.memory"),
            Some(Limited::Compute(Section::Limits, "memory"))
        );
        assert_eq!(classify("pods"), Some(Limited::Pods));
        assert_eq!(
            classify("count/deployments.apps"),
            Some(Limited::Count("deployments", "apps"))
        );
        assert_eq!(
            classify("count/configmaps"),
            Some(Limited::Count("configmaps", ""))
        );
        assert_eq!(classify("requests.storage"), None);
        assert_eq!(classify("requests.nvidia.com/gpu"), None);
    }
}
