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
//! in the input. Only Kustomizations that sit together are compared (the
//! same environment from their path or namespace, usually none): those in
//! per-environment directories such as `clusters/staging/` and
//! `clusters/production/` run in different clusters, where `dependsOn`
//! cannot reach.

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
reconciles everywhere at once."
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

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let environments = context.environments;
    let all: Vec<(&Object, Option<EnvId>)> = context
        .all
        .of_kind("Kustomization")
        .filter(|object| is_flux_kustomization(object))
        .map(|object| (object, delivery_environment(object, environments)))
        .collect();
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
                        && object.environment == kustomization.environment
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
        let depends: Vec<(&str, Option<&str>)> = kustomization
            .node
            .pointer("/spec/dependsOn")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|item| {
                Some((
                    item.get("name")?.as_str()?,
                    item.get("namespace").and_then(Node::as_str),
                ))
            })
            .collect();
        let satisfied = expected.iter().any(|(wanted, _)| {
            depends.iter().any(|(name, namespace)| {
                *name == wanted.identity.name
                    && namespace.or(own_namespace)
                        == wanted.identity.namespace.as_deref().or(own_namespace)
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
