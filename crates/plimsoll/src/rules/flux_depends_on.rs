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
    .looking_up(is_flux_kustomization)
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
    all.iter().any(|(object, environment)| {
        let Some(environment) = environment else {
            return false;
        };
        depends_on(object).iter().any(|(name, namespace)| {
            let mut targets = all
                .iter()
                .filter(|(other, _)| {
                    other.identity.name == *name
                        && other.identity.namespace.as_deref() == *namespace
                })
                .peekable();
            targets.peek().is_some()
                && targets.all(|(_, other_environment)| {
                    other_environment.is_some_and(|other| other != *environment)
                })
        })
    })
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

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let environments = context.environments;
    let all: Vec<(&Object, Option<EnvId>)> = context
        .all
        .of_kind("Kustomization")
        .filter(|object| is_flux_kustomization(object))
        .map(|object| (object, delivery_environment(object, environments)))
        .collect();
    let chained = chains_environments(&all);
    let one_cluster = |a: &Object, a_env: EnvId, b: &Object, b_env: EnvId| {
        let (a_target, b_target) = (remote_cluster(a), remote_cluster(b));
        if a_target.is_some() || b_target.is_some() {
            return a_target == b_target;
        }
        a.environment == b.environment
            || chained
            || directory(context.file_path(a.file)) == directory(context.file_path(b.file))
            || (in_own_namespace(a, a_env, environments)
                && in_own_namespace(b, b_env, environments))
    };
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
            .iter()
            .filter(|environment| environment.promotes_to.contains(&here))
        {
            let candidates: Vec<&Object> = all
                .iter()
                .filter(|(object, environment)| {
                    *environment == Some(predecessor.id)
                        && one_cluster(kustomization, here, object, predecessor.id)
                })
                .map(|(object, _)| *object)
                .collect();
            let same_base: Vec<&Object> = candidates
                .iter()
                .copied()
                .filter(|object| base_name(&object.identity.name, environments) == base)
                .collect();
            let chosen = match (same_base.as_slice(), candidates.as_slice()) {
                ([first, ..], _) => Some(*first),
                ([], [only]) => Some(*only),
                _ => None,
            };
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
