//! `flux-depends-on`: a Flux Kustomization of environment E does not
//! `dependsOn` the Kustomization of the environment that promotes to E.
//!
//! Kustomizations of all environments usually sit together in
//! `clusters/<name>/` and the `flux-system` namespace, so a Kustomization's
//! environment is its own, else the one a token of its name or
//! `spec.targetNamespace` names. The predecessor's Kustomization is looked
//! up across the whole input: among the Kustomizations of a predecessor,
//! the one with the same name once environment tokens are removed
//! (`myapp-staging` ↔ `myapp-dev`), else the only one. With several
//! predecessors (fan-in: `uat1|uat2|uat3 → staging`), depending on one of
//! them is enough. Nothing is reported when no predecessor Kustomization is
//! in the input.
//!
//! `dependsOn` reaches only Kustomizations of the same cluster, so only two
//! that run in one cluster are compared. They do when
//! - they sit in the same directory, or the same environment from their
//!   path (usually none: `clusters/main/`);
//! - their namespaces are their environments' own (`dev`, `staging`,
//!   `prod`, or a namespace the config or a `-<env>` suffix gives the
//!   environment): one cluster with a namespace per environment, as a
//!   branch-per-environment setup has even under `clusters/<env>/`;
//! - any Kustomization of the input depends on one of another environment:
//!   the repository chains its environments in one cluster.
//!
//! A Kustomization with `spec.kubeConfig` applies to the remote cluster its
//! kubeconfig Secret names (a hub deploying to spokes; the Secret is in the
//! Kustomization's namespace): it runs in one cluster with another only
//! when both name the same Secret.
//!
//! They do not otherwise: Kustomizations in `flux-system` under
//! per-environment directories such as `clusters/staging/` and
//! `clusters/production/` run in different clusters.

use std::collections::HashMap;

use super::delivery::{delivery_environment, is_flux_kustomization};
use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::environment::{EnvId, Environments};
use crate::finding::Severity;
use crate::model::Object;
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "flux-depends-on".into(),
            category: Category::Delivery,
            default_severity: Severity::Error,
            summary: "a Flux Kustomization of environment E does not dependsOn the Kustomization of E's predecessor".into(),
            rationale: "`dependsOn` makes Flux wait until the previous environment is ready before it applies \
the next one: staging waits for a healthy dev, prod for a healthy staging. Without it, a broken change \
reconciles everywhere at once. `dependsOn` only reaches the same cluster, so two Kustomizations are compared \
when they run in one: they sit in the same directory, their namespaces are their environments' own (`dev`, \
`staging`, `prod`, as in a branch-per-environment setup even under `clusters/<env>/`), or some Kustomization of \
the input already depends on another environment's. Kustomizations in `flux-system` under per-environment \
cluster directories are not compared."
                .into(),
            fix: "Add `dependsOn: [{name: <predecessor Kustomization>}]` to the Kustomization's spec."
                .into(),
            bad: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: myapp-dev\n  namespace: flux-system\nspec:\n  interval: 1m\n  path: ./overlays/dev\n  prune: true\n  sourceRef: {kind: GitRepository, name: myapp-dev}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: myapp-staging\n  namespace: flux-system\nspec:\n  interval: 1m\n  path: ./overlays/staging\n  prune: true\n  sourceRef: {kind: GitRepository, name: myapp-staging}\n".into(),
            good: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: myapp-dev\n  namespace: flux-system\nspec:\n  interval: 1m\n  path: ./overlays/dev\n  prune: true\n  sourceRef: {kind: GitRepository, name: myapp-dev}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: myapp-staging\n  namespace: flux-system\nspec:\n  interval: 1m\n  path: ./overlays/staging\n  prune: true\n  sourceRef: {kind: GitRepository, name: myapp-staging}\n  dependsOn:\n    - name: myapp-dev\n".into(),
        },
        check,
    )
    .reading(&[
        "/spec/dependsOn",
        "/spec/kubeConfig/secretRef/name",
        "/spec/targetNamespace",
        "/spec/destination/namespace",
    ])
}

/// A name without the tokens that name an environment
/// (`myapp-staging` → `myapp`).
fn base_name(name: &str, environments: &Environments) -> String {
    name.split(['-', '_', '.'])
        .filter(|token| !token.is_empty() && environments.lookup(token).is_none())
        .collect::<Vec<_>>()
        .join("-")
}

/// `a/b/` of `a/b/file.yaml` (empty at the top).
fn directory(path: &str) -> &str {
    path.rfind('/')
        .map_or("", |slash| path.get(..=slash).unwrap_or(""))
}

/// Whether a Kustomization's namespace is its environment's own.
fn in_own_namespace(object: &Object, environment: EnvId, environments: &Environments) -> bool {
    object
        .identity
        .namespace
        .as_deref()
        .is_some_and(|namespace| {
            environments
                .lookup(namespace)
                .or_else(|| environments.for_namespace(namespace, &HashMap::new()))
                == Some(environment)
        })
}

/// The `dependsOn` entries of a Kustomization: (name, namespace, defaulting
/// to its own).
fn depends_on(object: &Object) -> Vec<(&str, Option<&str>)> {
    let own_namespace = object.identity.namespace.as_deref();
    object
        .node
        .pointer("/spec/dependsOn")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| {
            Some((
                item.get("name")?.as_str()?,
                item.get("namespace")
                    .and_then(Node::as_str)
                    .or(own_namespace),
            ))
        })
        .collect()
}

/// Whether some Kustomization depends on one of another environment: every
/// Kustomization its `dependsOn` entry can mean is of another environment
/// (per-cluster copies `flux-system/infra` in `clusters/staging/` and
/// `clusters/prod/` each depend on their own).
fn chains_environments(all: &[(&Object, Option<EnvId>)]) -> bool {
    // The environments of the Kustomizations of each name, to look an
    // entry up instead of going through every Kustomization for it.
    let mut named: HashMap<(&str, Option<&str>), Vec<Option<EnvId>>> = HashMap::new();
    for (object, environment) in all {
        named
            .entry((
                object.identity.name.as_str(),
                object.identity.namespace.as_deref(),
            ))
            .or_default()
            .push(*environment);
    }
    all.iter().any(|(object, environment)| {
        let Some(environment) = environment else {
            return false;
        };
        depends_on(object).iter().any(|target| {
            named.get(target).is_some_and(|targets| {
                targets
                    .iter()
                    .all(|other| other.is_some_and(|other| other != *environment))
            })
        })
    })
}

/// The one Kustomization the lists hold (counting one listed twice once),
/// if they hold exactly one. Two distinct ones are among the first two of
/// some list or the first of two lists, so the lists are never read whole.
fn only_one<'a>(lists: &[&[&'a Object]]) -> Option<&'a Object> {
    let mut found: Option<&'a Object> = None;
    for object in lists.iter().flat_map(|list| list.iter().take(2)) {
        match found {
            Some(first) if first.id != object.id => return None,
            Some(_) => {}
            None => found = Some(object),
        }
    }
    found
}

/// The Secret holding the kubeconfig of the remote cluster a Kustomization
/// applies to (`spec.kubeConfig.secretRef.name`, in the Kustomization's own
/// namespace), if it applies to one.
fn remote_cluster(kustomization: &Object) -> Option<(Option<&str>, &str)> {
    let secret = kustomization
        .node
        .get_path(&["spec", "kubeConfig", "secretRef", "name"])
        .and_then(Node::as_str)?;
    Some((kustomization.identity.namespace.as_deref(), secret))
}

/// Where two Kustomizations run, to tell whether they run in one cluster
/// (see the module docs).
struct Placing<'c, 'a> {
    context: &'c SetContext<'a>,
    /// Some Kustomization depends on one of another environment.
    chained: bool,
}

impl<'c> Placing<'c, '_> {
    fn one_cluster(&self, a: &Object, a_env: EnvId, b: &Object, b_env: EnvId) -> bool {
        let (a_target, b_target) = (remote_cluster(a), remote_cluster(b));
        if a_target.is_some() || b_target.is_some() {
            return a_target == b_target;
        }
        let environments = self.context.environments;
        a.environment == b.environment
            || self.chained
            || self.directory(a) == self.directory(b)
            || (in_own_namespace(a, a_env, environments)
                && in_own_namespace(b, b_env, environments))
    }

    fn directory(&self, object: &Object) -> &'c str {
        directory(self.context.file_path(object.file))
    }
}

/// The Kustomizations of one environment, indexed by each way two
/// Kustomizations run in one cluster, so that a Kustomization finds its
/// predecessor's without being compared with each of them: comparing
/// every one with every one grew with the square of the applications.
#[derive(Default)]
struct OfEnvironment<'a> {
    /// Those applying to the cluster they run in, in input order.
    local: Vec<&'a Object>,
    /// By the kubeconfig Secret of the remote cluster they apply to.
    by_remote: HashMap<(Option<&'a str>, &'a str), Vec<&'a Object>>,
    /// Local ones by the environment of their path or namespace.
    by_placement: HashMap<Option<EnvId>, Vec<&'a Object>>,
    /// Local ones by directory.
    by_directory: HashMap<&'a str, Vec<&'a Object>>,
    /// Local ones in their environment's own namespace.
    own_namespace: Vec<&'a Object>,
    /// All, by name without environment tokens.
    by_base: HashMap<String, Vec<&'a Object>>,
}

impl<'a> OfEnvironment<'a> {
    fn add(&mut self, object: &'a Object, environment: EnvId, placing: &Placing<'a, '_>) {
        let environments = placing.context.environments;
        self.by_base
            .entry(base_name(&object.identity.name, environments))
            .or_default()
            .push(object);
        if let Some(remote) = remote_cluster(object) {
            self.by_remote.entry(remote).or_default().push(object);
            return;
        }
        self.local.push(object);
        self.by_placement
            .entry(object.environment)
            .or_default()
            .push(object);
        self.by_directory
            .entry(placing.directory(object))
            .or_default()
            .push(object);
        if in_own_namespace(object, environment, environments) {
            self.own_namespace.push(object);
        }
    }

    /// Lists that together hold exactly the Kustomizations running in one
    /// cluster with `kustomization` of environment `here` (some may be in
    /// several lists).
    fn in_cluster_with<'s>(
        &'s self,
        kustomization: &'a Object,
        here: EnvId,
        placing: &Placing<'a, '_>,
    ) -> Vec<&'s [&'a Object]> {
        let list = |found: Option<&'s Vec<&'a Object>>| found.map_or(&[][..], Vec::as_slice);
        if let Some(remote) = remote_cluster(kustomization) {
            return vec![list(self.by_remote.get(&remote))];
        }
        if placing.chained {
            return vec![&self.local];
        }
        let mut lists = vec![
            list(self.by_placement.get(&kustomization.environment)),
            list(self.by_directory.get(placing.directory(kustomization))),
        ];
        if in_own_namespace(kustomization, here, placing.context.environments) {
            lists.push(&self.own_namespace);
        }
        lists
    }
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let environments = context.environments;
    let all: Vec<(&Object, Option<EnvId>)> = context
        .all
        .of_kind("Kustomization")
        .filter(|object| is_flux_kustomization(object))
        .map(|object| (object, delivery_environment(object, environments)))
        .collect();
    let placing = Placing {
        context,
        chained: chains_environments(&all),
    };
    let mut by_environment: HashMap<EnvId, OfEnvironment<'_>> = HashMap::new();
    for (object, environment) in &all {
        if let Some(environment) = environment {
            by_environment
                .entry(*environment)
                .or_default()
                .add(object, *environment, &placing);
        }
    }
    for kustomization in context
        .index
        .of_kind("Kustomization")
        .filter(|object| is_flux_kustomization(object))
    {
        let Some(here) = delivery_environment(kustomization, environments) else {
            continue;
        };
        let base = base_name(&kustomization.identity.name, environments);
        let mut expected: Vec<(&Object, &str)> = Vec::new();
        for predecessor in environments
            .predecessors(here)
            .iter()
            .filter_map(|id| environments.get(*id))
        {
            let Some(theirs) = by_environment.get(&predecessor.id) else {
                continue;
            };
            // The first of the same name that runs in one cluster with
            // this one, else the only one that does.
            let same_base = theirs
                .by_base
                .get(&base)
                .into_iter()
                .flatten()
                .copied()
                .find(|object| placing.one_cluster(kustomization, here, object, predecessor.id));
            let chosen = same_base
                .or_else(|| only_one(&theirs.in_cluster_with(kustomization, here, &placing)));
            if let Some(chosen) = chosen {
                expected.push((chosen, predecessor.name.as_str()));
            }
        }
        if expected.is_empty() {
            continue;
        }
        let own_namespace = kustomization.identity.namespace.as_deref();
        let depends = depends_on(kustomization);
        let satisfied = expected.iter().any(|(wanted, _)| {
            depends.iter().any(|(name, namespace)| {
                *name == wanted.identity.name
                    && *namespace == wanted.identity.namespace.as_deref().or(own_namespace)
            })
        });
        if satisfied {
            continue;
        }
        let here_name = environments
            .get(here)
            .map_or("", |environment| environment.name.as_str());
        let listed: Vec<String> = expected
            .iter()
            .map(|(object, environment)| format!("`{}` ({environment})", object.identity.name))
            .collect();
        let pointer = if kustomization.node.pointer("/spec/dependsOn").is_some() {
            "/spec/dependsOn"
        } else {
            "/spec"
        };
        let first = expected
            .first()
            .map_or("", |(object, _)| object.identity.name.as_str());
        sink.push(
            Violation::at_key(
                kustomization,
                pointer,
                format!(
                    "Kustomization `{}` ({here_name}) does not depend on {}, {} promote{} to {here_name}",
                    kustomization.identity.name,
                    if listed.len() == 1 {
                        listed.join("")
                    } else {
                        format!("any of {}", listed.join(", "))
                    },
                    if listed.len() == 1 { "whose environment" } else { "whose environments" },
                    if listed.len() == 1 { "s" } else { "" },
                ),
            )
            .with_help(format!(
                "add `dependsOn: [{{name: {first}}}]` so {here_name} waits until the environment before it is ready"
            )),
        );
    }
}
