//! `namespace-quota`: a Namespace has no ResourceQuota in the input.
//!
//! Runs per environment over every file of it, so a Namespace in
//! `infra/environments/dev/namespace.yaml` and a ResourceQuota of its
//! namespace elsewhere in dev meet; a ResourceQuota that nothing places in
//! an environment (a rendered chart in a folder that names none) counts for
//! the Namespace of every environment. In a Config Sync hierarchical
//! repository, a ResourceQuota without a namespace in a folder of the
//! `namespaces/` tree is inherited by every Namespace below that folder. A ResourceQuota belongs to a Namespace when its
//! `metadata.namespace` is the Namespace's name and it is applied with it:
//! when the environment is rendered into several directories
//! (`clusters/eu/prod`, `clusters/us/prod`), each directory's Namespace
//! needs its own (see `rules::deployment`).
//!
//! Decisions: the namespaces Kubernetes creates itself (`default`,
//! `kube-system`, `kube-public`, `kube-node-lease`) are skipped; a repository
//! that declares them does so to label them, not to run workloads. The
//! finding points at the Namespace's name.

use super::{deployment, Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::Object;

/// Namespaces the cluster creates; guardrails are not asked of them.
pub(crate) const SYSTEM_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "namespace-quota".into(),
            category: Category::Namespaces,
            default_severity: Severity::Error,
            summary: "a Namespace has no ResourceQuota".into(),
            rationale: "Without a ResourceQuota one team's runaway rollout, HPA or leaked Job can take every node \
of the cluster, and nothing tells anyone until other namespaces stop scheduling. A quota per namespace makes \
capacity an explicit, reviewed number."
                .into(),
            fix: "Add a ResourceQuota with `metadata.namespace` set to the namespace, next to the Namespace \
(`requests.cpu`, `requests.memory`, `limits.cpu`, `limits.memory`, `pods`), sized for the environment."
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
kind: ResourceQuota
metadata:
  name: compute
  namespace: shop-prod
spec:
  hard:
    requests.cpu: '8'
    requests.memory: 16Gi
".into(),
        },
        check,
    )
    .reading(&[])
}

/// The folder of a file in a Config Sync hierarchical repository's
/// `namespaces/` tree (`…/namespaces/online/quota.yaml` → `…/namespaces/online`):
/// a namespace-scoped object there without a namespace is copied by Config
/// Sync into every namespace below that folder.
fn abstract_namespace_folder(path: &str) -> Option<&str> {
    let (folder, _) = path.rsplit_once('/')?;
    folder
        .split('/')
        .any(|segment| segment == "namespaces")
        .then_some(folder)
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    require_per_namespace(context, sink, "ResourceQuota", |name| {
        format!("add a ResourceQuota with `namespace: {name}` (requests/limits for cpu and memory, pods)")
    });
}

/// The Namespaces of the context that guardrails apply to: core-group
/// Namespaces other than those Kubernetes creates itself.
pub(crate) fn guarded_namespaces<'a>(
    context: &SetContext<'a>,
) -> impl Iterator<Item = &'a Object> + 'a {
    context.index.of_kind("Namespace").filter(|namespace| {
        namespace.identity.is("", "Namespace")
            && !SYSTEM_NAMESPACES.contains(&namespace.identity.name.as_str())
    })
}

/// Reports every guarded Namespace with no core-group object of `kind`
/// applied with it (`namespace-quota`, `namespace-limitrange`); `help`
/// gets the namespace's name.
pub(crate) fn require_per_namespace(
    context: &SetContext<'_>,
    sink: &mut Sink,
    kind: &str,
    help: impl Fn(&str) -> String,
) {
    // A guard that nothing places (a rendered chart's, in a folder that
    // names no environment) may be the one applied with the Namespace.
    let unplaced = context
        .environment
        .is_some()
        .then(|| {
            context
                .all
                .of_kind(kind)
                .filter(|object| object.environment.is_none())
        })
        .into_iter()
        .flatten();
    let candidates = deployment::ByDeployment::new(
        context,
        context
            .index
            .of_kind(kind)
            .chain(unplaced)
            .filter(|object| object.identity.is("", kind)),
    );
    let inherited: Vec<&str> = context
        .all
        .of_kind(kind)
        .filter(|object| object.identity.is("", kind) && object.identity.namespace.is_none())
        .filter_map(|object| abstract_namespace_folder(context.file_path(object.file)))
        .collect();
    for namespace in guarded_namespaces(context) {
        let name = namespace.identity.name.as_str();
        let root = deployment::root(context, namespace);
        let namespace_path = context.file_path(namespace.file);
        let inherits = inherited
            .iter()
            .any(|folder| namespace_path.starts_with(&format!("{folder}/")));
        if !inherits && candidates.applied_with(name, root).next().is_none() {
            sink.push(
                Violation::at_value(
                    namespace,
                    "/metadata/name",
                    format!("namespace {name} has no {kind}"),
                )
                .with_help(help(name)),
            );
        }
    }
}
