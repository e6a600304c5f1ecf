//! `dangling-reference`: a Service selects no pod template, or a
//! PodDisruptionBudget selector, HPA target or Ingress backend points at
//! nothing, in the same environment.
//!
//! Resolution runs over every file of one environment (a Namespace in
//! `environments/dev/` and a rendered chart elsewhere are one environment),
//! within the same namespace; an object without `metadata.namespace` (a
//! rendered chart installed with `-n`) matches any namespace. Objects with no
//! environment are judged only when their own directory holds what they
//! point at (a kustomize base, a rendered chart), and resolve against every
//! object without environment: nothing says which of their files are
//! applied together.
//!
//! To stay quiet on partial input (a pre-commit hook given one file, a chart
//! whose pods come from another chart), a reference is only reported when
//! the input holds what it should point at for that namespace: a Service or
//! PodDisruptionBudget when there is at least one pod template there, an HPA
//! target when there is an object of the target kind, an Ingress backend
//! when there is a Service. Pods made by operators from custom resources
//! (Prometheus, Alertmanager, database clusters, …) are invisible here, so
//! a namespace that holds a custom resource whose kind is not known to the
//! rule is not checked for Services and PodDisruptionBudgets.
//! Services without a selector (endpoints managed by hand) and
//! `ExternalName` Services select nothing on purpose and are skipped.
//!
//! A pod template's labels count whatever else the template lacks (a
//! Deployment patch with labels but no `spec` still makes those pods).
//! Labels Kubernetes sets at run time match the pods that would get them,
//! whatever their value: `statefulset.kubernetes.io/pod-name`,
//! `apps.kubernetes.io/pod-index` and `controller-revision-hash` on
//! StatefulSet pods (the last also DaemonSet pods, with
//! `pod-template-generation`), `pod-template-hash` on Deployment and
//! ReplicaSet pods (`rollouts-pod-template-hash` on Argo Rollouts),
//! `job-name`, `controller-uid`, `batch.kubernetes.io/job-name`,
//! `batch.kubernetes.io/controller-uid` and
//! `batch.kubernetes.io/job-completion-index` on Job pods (and a CronJob's).
//! Their values are not compared: they are pod names and hashes the input
//! does not hold.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Category, Rule, RuleMeta, SetContext, Sink, Target, Violation};
use crate::finding::Severity;
use crate::model::workload::{gets_runtime_label, is_runtime_label, pod_labels_pointer};
use crate::model::{is_workload, label_pairs, Object, Requirement, Selector};
use crate::settings::edit_distance;
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "dangling-reference".into(),
            category: Category::Workloads,
            default_severity: Severity::Warning,
            summary: "a Service selects no pod template, or a PDB selector, HPA target or Ingress backend points at nothing".into(),
            rationale: "A Service whose selector matches no pod has no endpoints: clients get connection \
refused, and nothing fails at deploy time. An HPA or PodDisruptionBudget aimed at nothing silently protects \
nothing, and an Ingress backend without its Service answers 503. These are usually a rename done in one file only. References resolve across every file of the environment, \
in the same namespace. A pod template's labels count even when the template has no `spec` (a patch), and labels \
Kubernetes sets at run time (`statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index`, \
`controller-revision-hash`, `pod-template-hash`, `job-name`, `batch.kubernetes.io/job-name`, `controller-uid`, …) \
match the pods of the workloads that get them (pod-name and pod-index: StatefulSets; pod-template-hash: \
Deployments and ReplicaSets; job-name and controller-uid: Jobs), whatever their value. To stay quiet on partial input (one file in a pre-commit hook), a reference is judged only \
when the input holds objects of the kind it points at for that namespace; selectors are not judged in a \
namespace whose pods an operator makes from a custom resource (Prometheus, Alertmanager, …). Objects without \
an environment are judged when their own directory holds such objects."
                .into(),
            fix: "Make the reference match: the Service selector and PDB selector must select the pod template's \
labels, the HPA `scaleTargetRef` must name the workload, the Ingress backend must name a Service of the same \
namespace."
                .into(),
            bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector: {app: api-gateway}\n  ports: [{port: 80, targetPort: 8080}]\n".into(),
            good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector: {app: api}\n  ports: [{port: 80, targetPort: 8080}]\n".into(),
        },
        check,
    )
    .reading(&[
        "{template}/metadata/labels",
        "/spec/type",
        "Service:/spec/selector",
        "PodDisruptionBudget:/spec/selector",
        "/spec/scaleTargetRef",
        "/spec/defaultBackend",
        "/spec/backend",
        "/spec/rules/*/http/paths/*/backend",
    ])
}

/// Groups whose custom resources are known not to create pods.
const PODLESS_GROUPS: &[&str] = &[
    "argoproj.io",
    "bitnami.com",
    "cert-manager.io",
    "acme.cert-manager.io",
    "external-secrets.io",
    "gateway.networking.k8s.io",
    "networking.istio.io",
    "security.istio.io",
    "policy.linkerd.io",
    "traefik.io",
    "traefik.containo.us",
    "keda.sh",
];

/// Whether an object may make pods the rule cannot see: a custom resource
/// of an API group not known to be pod-less (the Prometheus operator's
/// Prometheus and Alertmanager are, its ServiceMonitors are not).
fn may_create_hidden_pods(object: &Object) -> bool {
    let identity = &object.identity;
    let group = identity.group.as_str();
    if !group.contains('.') || group.ends_with(".k8s.io") {
        // Built-in API groups (`apps`, `batch`, `rbac.authorization.k8s.io`…).
        return false;
    }
    if group.ends_with(".toolkit.fluxcd.io") {
        return false;
    }
    if group == "monitoring.coreos.com" {
        return matches!(
            identity.kind.as_str(),
            "Prometheus" | "Alertmanager" | "ThanosRuler" | "PrometheusAgent"
        );
    }
    !PODLESS_GROUPS.contains(&group)
}

fn same_namespace(a: &Object, b: &Object) -> bool {
    match (&a.identity.namespace, &b.identity.namespace) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// The labels of a workload's pods, whether or not its template has a
/// `spec`.
fn template_labels(object: &Object) -> Vec<(&str, &str)> {
    pod_labels_pointer(object)
        .map(|pointer| label_pairs(object.node.pointer(&pointer)))
        .unwrap_or_default()
}

/// Whether a workload's pods satisfy a selector, counting the labels
/// Kubernetes gives them at run time (present, with a value the input
/// cannot know).
fn selects_pods_of(selector: &Selector, workload: &Object, labels: &[(&str, &str)]) -> bool {
    selector.requirements.iter().all(|requirement| {
        if gets_runtime_label(workload, requirement.key()) {
            !matches!(requirement, Requirement::DoesNotExist(_))
        } else {
            requirement.matches(labels)
        }
    })
}

/// Pod templates of one environment, indexed so that each selector is
/// resolved without scanning every workload.
struct Pods<'a> {
    workloads: Vec<(&'a Object, Vec<(&'a str, &'a str)>)>,
    by_label: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// Positions of the templates of each namespace (`None`: without one).
    by_namespace: HashMap<Option<&'a str>, Vec<usize>>,
    /// Namespaces with custom resources that may create pods.
    hidden: HashSet<Option<&'a str>>,
}

impl<'a> Pods<'a> {
    fn new(all: &[&'a Object]) -> Pods<'a> {
        let workloads: Vec<(&Object, Vec<(&str, &str)>)> = all
            .iter()
            .filter(|object| is_workload(object))
            .map(|object| (*object, template_labels(object)))
            .collect();
        let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (at, (_, labels)) in workloads.iter().enumerate() {
            for label in labels {
                by_label.entry(*label).or_default().push(at);
            }
        }
        let mut by_namespace: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
        for (at, (object, _)) in workloads.iter().enumerate() {
            by_namespace
                .entry(object.identity.namespace.as_deref())
                .or_default()
                .push(at);
        }
        let hidden = all
            .iter()
            .filter(|object| may_create_hidden_pods(object))
            .map(|object| object.identity.namespace.as_deref())
            .collect();
        Pods {
            workloads,
            by_label,
            by_namespace,
            hidden,
        }
    }

    /// Whether the input holds this object's pods: some pod template
    /// shares its namespace, and no custom resource there may make pods.
    fn checkable(&self, object: &Object) -> bool {
        let namespace = object.identity.namespace.as_deref();
        let has_pods = match namespace {
            Some(_) => {
                self.by_namespace.contains_key(&namespace) || self.by_namespace.contains_key(&None)
            }
            None => !self.by_namespace.is_empty(),
        };
        let hidden = match namespace {
            Some(_) => self.hidden.contains(&namespace) || self.hidden.contains(&None),
            None => !self.hidden.is_empty(),
        };
        has_pods && !hidden
    }

    /// The pod templates a selector was compared with that carry some of its
    /// label keys — those of the object's namespace, most keys shared first
    /// — for the finding to show what was looked at.
    fn nearest_templates(&self, object: &Object, selector: &Selector) -> Vec<&'a Object> {
        let keys: Vec<&str> = selector.requirements.iter().map(Requirement::key).collect();
        let mut scored: Vec<(usize, &'a Object)> = self
            .workloads
            .iter()
            .filter(|(workload, _)| same_namespace(object, workload))
            .map(|(workload, labels)| {
                let shared = labels.iter().filter(|(key, _)| keys.contains(key)).count();
                (shared, *workload)
            })
            .filter(|(shared, _)| *shared > 0)
            .collect();
        scored.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.identity.name.cmp(&b.1.identity.name))
        });
        scored
            .into_iter()
            .take(SHOWN_CANDIDATES)
            .map(|(_, workload)| workload)
            .collect()
    }

    /// Positions of the templates that carry the label `key: value`.
    fn with_label<'s>(&'s self, key: &'s str, value: &'s str) -> &'s [usize] {
        self.by_label
            .get(&(key, value))
            .map_or(&[][..], Vec::as_slice)
    }

    fn selects_something(&self, object: &Object, selector: &Selector) -> bool {
        let matches = |at: &usize| {
            self.workloads.get(*at).is_some_and(|(workload, labels)| {
                same_namespace(object, workload) && selects_pods_of(selector, workload, labels)
            })
        };
        // Narrow by the rarest label the template must carry (a run-time
        // label is in no template): narrowing by the first one, when every
        // pod of a namespace shares it, tested each selector against the
        // whole namespace.
        // An `In` with several values narrows to the templates of any of
        // them.
        let narrowed = selector
            .requirements
            .iter()
            .filter_map(|requirement| match requirement {
                Requirement::In(key, values) if !is_runtime_label(key) => Some(
                    values
                        .iter()
                        .map(|value| self.with_label(key, value))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .min_by_key(|lists| lists.iter().map(|list| list.len()).sum::<usize>());
        if let Some(lists) = narrowed {
            return lists.into_iter().flatten().any(matches);
        }
        // Otherwise only the templates of the object's namespace (and
        // those without one) can match: not every template of the
        // environment.
        match object.identity.namespace.as_deref() {
            Some(namespace) => [Some(namespace), None]
                .iter()
                .filter_map(|key| self.by_namespace.get(key))
                .flatten()
                .any(matches),
            None => (0..self.workloads.len()).any(|at| matches(&at)),
        }
    }
}

/// What a set of objects offers to resolve references against.
struct Refs<'a> {
    pods: Pods<'a>,
    names: Names<'a>,
    services: HashMap<Option<&'a str>, HashSet<&'a str>>,
    /// The Services themselves, to show the nearest ones in a finding.
    service_objects: Vec<&'a Object>,
}

impl<'a> Refs<'a> {
    fn new(all: &[&'a Object]) -> Refs<'a> {
        let mut names: Names<'_> = HashMap::new();
        let mut services: HashMap<Option<&str>, HashSet<&str>> = HashMap::new();
        let mut service_objects = Vec::new();
        for object in all {
            let namespace = object.identity.namespace.as_deref();
            if is_workload(object) {
                names
                    .entry((object.identity.kind.as_str(), namespace))
                    .or_default()
                    .insert(object.identity.name.as_str());
            }
            if object.identity.is("", "Service") {
                services
                    .entry(namespace)
                    .or_default()
                    .insert(object.identity.name.as_str());
                service_objects.push(*object);
            }
        }
        Refs {
            pods: Pods::new(all),
            names,
            services,
            service_objects,
        }
    }

    /// Names of workloads of `kind` that share a namespace with `object`.
    fn workload_names(&self, object: &Object, kind: &str) -> Vec<&HashSet<&'a str>> {
        let namespace = object.identity.namespace.as_deref();
        self.names
            .iter()
            .filter(|((other_kind, other), _)| {
                *other_kind == kind
                    && (namespace.is_none() || other.is_none() || *other == namespace)
            })
            .map(|(_, names)| names)
            .collect()
    }

    /// Names of Services that share a namespace with `object`.
    fn service_names(&self, object: &Object) -> Vec<&HashSet<&'a str>> {
        let namespace = object.identity.namespace.as_deref();
        self.services
            .iter()
            .filter(|(other, _)| namespace.is_none() || other.is_none() || **other == namespace)
            .map(|(_, names)| names)
            .collect()
    }
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let everything = Refs::new(context.index.all());
    if context.environment.is_some() {
        check_group(
            context.index.all(),
            &everything,
            &everything,
            "this environment",
            sink,
        );
        return;
    }
    // Without an environment nothing says which files are applied together.
    // A reference is checked only when its own directory (a kustomize base,
    // a rendered chart) holds objects of the kind it points at, and it
    // resolves against every object without environment, so an example
    // that builds on a sibling directory is not reported.
    let mut by_directory: BTreeMap<&str, Vec<&Object>> = BTreeMap::new();
    for object in context.index.all() {
        let path = context.file_path(object.file);
        let directory = path.rsplit_once('/').map_or("", |(directory, _)| directory);
        by_directory.entry(directory).or_default().push(object);
    }
    for objects in by_directory.values() {
        let local = Refs::new(objects);
        check_group(objects, &everything, &local, "the input", sink);
    }
}

/// Checks the references of `objects`: `local` decides whether a reference
/// can be judged at all, `global` resolves it.
fn check_group(
    objects: &[&Object],
    global: &Refs<'_>,
    local: &Refs<'_>,
    scope: &str,
    sink: &mut Sink,
) {
    for object in objects {
        let identity = &object.identity;
        match (identity.group.as_str(), identity.kind.as_str()) {
            ("", "Service") => check_service(object, global, local, scope, sink),
            ("policy", "PodDisruptionBudget") => check_budget(object, global, local, scope, sink),
            ("autoscaling", "HorizontalPodAutoscaler") => {
                check_autoscaler(object, global, local, scope, sink)
            }
            ("networking.k8s.io" | "extensions", "Ingress") => {
                check_ingress(object, global, local, scope, sink)
            }
            _ => {}
        }
    }
}

fn check_service(
    object: &Object,
    global: &Refs<'_>,
    local: &Refs<'_>,
    scope: &str,
    sink: &mut Sink,
) {
    let spec = object.node.get("spec");
    if spec.and_then(|s| s.get("type")).and_then(Node::as_str) == Some("ExternalName") {
        return;
    }
    if let Some(Ok(selector)) = spec.and_then(|s| s.get("selector")).map(Selector::from_map) {
        check_selects_pods(object, &selector, global, local, scope, sink);
    }
}

fn check_budget(
    object: &Object,
    global: &Refs<'_>,
    local: &Refs<'_>,
    scope: &str,
    sink: &mut Sink,
) {
    if let Some(Ok(selector)) = object
        .node
        .get_path(&["spec", "selector"])
        .map(Selector::from_label_selector)
    {
        check_selects_pods(object, &selector, global, local, scope, sink);
    }
}

/// Reports a Service or PodDisruptionBudget whose (non-empty) selector
/// selects no pod template, when its pods can be judged here.
fn check_selects_pods(
    object: &Object,
    selector: &Selector,
    global: &Refs<'_>,
    local: &Refs<'_>,
    scope: &str,
    sink: &mut Sink,
) {
    if selector.is_empty() || !local.pods.checkable(object) {
        return;
    }
    if !global.pods.selects_something(object, selector) {
        let mut violation = Violation::at_value(
            object,
            "/spec/selector",
            format!(
                "{} {} selects no pod template in {scope}",
                object.identity.kind, object.identity.name
            ),
        )
        .with_help("make the selector match the labels of the workload's pod template");
        // What was looked at nearby: the objects that decide whether the
        // reference is judged (its directory, without an environment), not
        // every object of an unrelated project in the same input.
        for workload in local.pods.nearest_templates(object, selector) {
            if let Some(pointer) = pod_labels_pointer(workload) {
                violation = violation.with_related(
                    workload,
                    Target::Value(pointer),
                    format!(
                        "the pod template of {} {} does not match",
                        workload.identity.kind, workload.identity.name
                    ),
                );
            }
        }
        sink.push(violation);
    }
}

/// How many of the objects a reference was compared with a finding shows.
const SHOWN_CANDIDATES: usize = 3;

/// Adds, as related places, the objects of the kind a reference looked for
/// whose names are nearest the name it gives ("api-prod is here").
fn with_nearest_names<'o>(
    mut violation: Violation,
    name: &str,
    candidates: impl Iterator<Item = &'o Object>,
) -> Violation {
    let mut near: Vec<(usize, &Object)> = candidates
        .map(|candidate| (edit_distance(name, &candidate.identity.name), candidate))
        .collect();
    near.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.identity.name.cmp(&b.1.identity.name))
    });
    for (_, candidate) in near.into_iter().take(SHOWN_CANDIDATES) {
        violation = violation.with_related(
            candidate,
            Target::Value("/metadata/name".to_owned()),
            format!(
                "{} {} is here",
                candidate.identity.kind, candidate.identity.name
            ),
        );
    }
    violation
}

/// Object names by kind and namespace, for scale targets.
type Names<'a> = HashMap<(&'a str, Option<&'a str>), HashSet<&'a str>>;

fn check_autoscaler(
    object: &Object,
    global: &Refs<'_>,
    local: &Refs<'_>,
    scope: &str,
    sink: &mut Sink,
) {
    let Some(target) = object.node.get_path(&["spec", "scaleTargetRef"]) else {
        return;
    };
    let (Some(kind), Some(name)) = (
        target.get("kind").and_then(Node::as_str),
        target.get("name").and_then(Node::as_str),
    ) else {
        return;
    };
    if local.workload_names(object, kind).is_empty() {
        // Nothing of that kind here for this namespace: the target is
        // managed elsewhere (or this is a partial run).
        return;
    }
    let candidates = global.workload_names(object, kind);
    if !candidates.iter().any(|names| names.contains(name)) {
        let workloads = local
            .pods
            .workloads
            .iter()
            .map(|(workload, _)| *workload)
            .filter(|workload| workload.identity.kind == kind && same_namespace(object, workload));
        let violation = Violation::at_value(
            object,
            "/spec/scaleTargetRef/name",
            format!(
                "HorizontalPodAutoscaler {} targets {kind} {name}, which is not in {scope}",
                object.identity.name
            ),
        )
        .with_help(format!("name an existing {kind} in scaleTargetRef"));
        sink.push(with_nearest_names(violation, name, workloads));
    }
}

fn check_ingress(
    object: &Object,
    global: &Refs<'_>,
    local: &Refs<'_>,
    scope: &str,
    sink: &mut Sink,
) {
    if local.service_names(object).is_empty() {
        return;
    }
    let candidates = global.service_names(object);
    let known = |name: &str| candidates.iter().any(|names| names.contains(name));
    let Some(spec) = object.node.get("spec") else {
        return;
    };
    let mut backends: Vec<(String, &Node)> = Vec::new();
    for key in ["defaultBackend", "backend"] {
        if let Some(backend) = spec.get(key) {
            backends.push((format!("/spec/{key}"), backend));
        }
    }
    for (rule_at, rule) in spec
        .get("rules")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let paths = rule
            .get_path(&["http", "paths"])
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for (path_at, path) in paths.iter().enumerate() {
            if let Some(backend) = path.get("backend") {
                backends.push((
                    format!("/spec/rules/{rule_at}/http/paths/{path_at}/backend"),
                    backend,
                ));
            }
        }
    }
    for (pointer, backend) in backends {
        let (name, name_pointer) = match backend
            .get_path(&["service", "name"])
            .and_then(Node::as_str)
        {
            Some(name) => (name, format!("{pointer}/service/name")),
            None => match backend.get("serviceName").and_then(Node::as_str) {
                Some(name) => (name, format!("{pointer}/serviceName")),
                None => continue,
            },
        };
        if !known(name) {
            let services = local
                .service_objects
                .iter()
                .copied()
                .filter(|service| same_namespace(object, service));
            let violation = Violation::at_value(
                object,
                name_pointer,
                format!(
                    "Ingress {} routes to Service {name}, which is not in {scope}",
                    object.identity.name
                ),
            )
            .with_help("name a Service of the Ingress's namespace");
            sink.push(with_nearest_names(violation, name, services));
        }
    }
}
