//! `flux-source`: a Flux GitRepository of environment E does not track E's
//! `branch`, or a Kustomization's `sourceRef` is not in the input while
//! sources are.
//!
//! The GitRepository's environment is its own, else the one a token of its
//! name names; it is checked only when that environment has a `branch` in
//! `.plimsoll.yaml`. A `sourceRef` resolves across the whole input, by kind,
//! name and namespace (the Kustomization's own when omitted, any when a
//! Flux Kustomization of the input patches one in); it is checked
//! only when the input defines sources of the referenced kind (otherwise
//! they are managed elsewhere — bootstrap, an ExternalArtifact generator).
//! The source `flux-system` of namespace `flux-system` is always found:
//! `flux bootstrap` (or the Terraform provider) creates it as a
//! GitRepository, the Flux Operator's FluxInstance as the source kind of its
//! `spec.sync`, and a repository kept for bootstrapping holds only its
//! placeholder.

use super::delivery::{delivery_environment, is_flux_kustomization, is_flux_source};
use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::PatchedFields;
use crate::settings::edit_distance;
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "flux-source".into(),
            category: Category::Delivery,
            default_severity: Severity::Error,
            summary: "a GitRepository of environment E does not track E's branch, or a Kustomization's sourceRef is not in the input".into(),
            rationale: "In branch-based promotion the branch is the gate: prod deploys what was merged into \
`prod`. A prod GitRepository that tracks `dev` ships unreviewed changes; a Kustomization whose source does not \
exist never reconciles."
                .into(),
            fix: "Set `spec.ref.branch` to the environment's `branch` from `.plimsoll.yaml`, and point `sourceRef` \
at a GitRepository (or OCIRepository, Bucket) that the repository defines."
                .into(),
            bad: "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: myapp-dev\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: https://github.com/acme/myapp\n  ref: {branch: dev}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: myapp-dev\n  namespace: flux-system\nspec:\n  interval: 1m\n  path: ./overlays/dev\n  prune: true\n  sourceRef: {kind: GitRepository, name: myapp}\n".into(),
            good: "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: myapp-dev\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: https://github.com/acme/myapp\n  ref: {branch: dev}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: myapp-dev\n  namespace: flux-system\nspec:\n  interval: 1m\n  path: ./overlays/dev\n  prune: true\n  sourceRef: {kind: GitRepository, name: myapp-dev}\n".into(),
        },
        check,
    )
    .reading(&[
        "/spec/ref/branch",
        "/spec/sourceRef",
        "Kustomization:/spec/patches",
        "/spec/targetNamespace",
        "/spec/destination/namespace",
    ])
    .configured_by(&["environments[].branch"])
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    for repository in context
        .index
        .of_kind("GitRepository")
        .filter(|object| is_flux_source(object))
    {
        let Some(environment) = delivery_environment(repository, context.environments)
            .and_then(|id| context.environments.get(id))
        else {
            continue;
        };
        let Some(branch) = environment.config.branch.as_deref() else {
            continue;
        };
        let tracked = repository
            .node
            .pointer("/spec/ref/branch")
            .and_then(Node::as_str);
        if tracked == Some(branch) {
            continue;
        }
        let (pointer, what) = match tracked {
            Some(other) => ("/spec/ref/branch", format!("tracks branch `{other}`")),
            None => ("/spec/ref", "tracks no branch".to_owned()),
        };
        sink.push(
            Violation::at_value(
                repository,
                pointer,
                format!(
                    "GitRepository `{}` of {} {what}, but {}'s branch is `{branch}`",
                    repository.identity.name, environment.name, environment.name
                ),
            )
            .with_help(format!("set `spec.ref.branch: {branch}`")),
        );
    }
    let sources: Vec<(&str, &str, Option<&str>)> = context
        .all
        .all()
        .iter()
        .filter(|object| is_flux_source(object))
        .map(|object| {
            (
                object.identity.kind.as_str(),
                object.identity.name.as_str(),
                object.identity.namespace.as_deref(),
            )
        })
        .collect();
    if sources.is_empty() {
        return;
    }
    // A parent that patches the namespace of its children's sourceRef
    // decides where they look, whatever namespace they are in.
    // Read only for a reference that writes no namespace.
    let patched = std::cell::OnceCell::new();
    // Only references to a kind the input defines are resolved: an
    // ExternalArtifact or OCIRepository made elsewhere is not "missing".
    for kustomization in context
        .index
        .of_kind("Kustomization")
        .filter(|object| is_flux_kustomization(object))
    {
        let Some(reference) = kustomization.node.pointer("/spec/sourceRef") else {
            continue;
        };
        let kind = reference
            .get("kind")
            .and_then(Node::as_str)
            .unwrap_or("GitRepository");
        let Some(name) = reference.get("name").and_then(Node::as_str) else {
            continue;
        };
        let written = reference.get("namespace").and_then(Node::as_str);
        let namespace_patched = written.is_none()
            && patched
                .get_or_init(|| PatchedFields::of_flux(context.all.of_kind("Kustomization")))
                .sets(&kustomization.identity, "/spec/sourceRef/namespace");
        let namespace = if namespace_patched {
            None
        } else {
            written.or(kustomization.identity.namespace.as_deref())
        };
        let found = sources
            .iter()
            .any(|(source_kind, source_name, source_namespace)| {
                *source_kind == kind
                    && *source_name == name
                    && (source_namespace.is_none()
                        || namespace.is_none()
                        || *source_namespace == namespace)
            });
        let kind_defined = sources
            .iter()
            .any(|(source_kind, _, _)| *source_kind == kind);
        if found || !kind_defined || is_bootstrap_source(kind, name, namespace) {
            continue;
        }
        // The same source in another namespace: the reference misses only
        // by its namespace, which the message says.
        let mut elsewhere: Vec<String> = sources
            .iter()
            .filter(|(source_kind, source_name, _)| *source_kind == kind && *source_name == name)
            .filter_map(|(_, _, source_namespace)| source_namespace.map(|ns| format!("`{ns}`")))
            .collect();
        elsewhere.sort();
        elsewhere.dedup();
        if let (Some(namespace), false) = (namespace, elsewhere.is_empty()) {
            sink.push(
                Violation::at_value(
                    kustomization,
                    "/spec/sourceRef/name",
                    format!(
                        "Kustomization `{}` reads {kind} `{name}` in namespace `{namespace}`, where the input has none (it has one in {})",
                        kustomization.identity.name,
                        elsewhere.join(", ")
                    ),
                )
                .with_help("set `sourceRef.namespace` to the source's namespace"),
            );
            continue;
        }
        let mut known: Vec<&str> = sources
            .iter()
            .filter(|(source_kind, _, _)| *source_kind == kind)
            .map(|(_, source_name, _)| *source_name)
            .collect();
        known.sort_unstable();
        known.dedup();
        // The names nearest the one written first, a few of them: a home
        // lab defines dozens of sources.
        known.sort_by_key(|known| edit_distance(name, known));
        let shown: Vec<String> = known
            .iter()
            .take(SHOWN_SOURCES)
            .map(|known| format!("`{known}`"))
            .collect();
        let more = known.len().saturating_sub(SHOWN_SOURCES);
        let hint = match (shown.is_empty(), more) {
            (true, _) => format!("the input has no {kind}"),
            (false, 0) => format!("{kind} objects in the input: {}", shown.join(", ")),
            (false, more) => format!(
                "{kind} objects in the input: {} and {more} more",
                shown.join(", ")
            ),
        };
        sink.push(
            Violation::at_value(
                kustomization,
                "/spec/sourceRef/name",
                format!(
                    "Kustomization `{}` reads {kind} `{name}`, which is not in the input ({hint})",
                    kustomization.identity.name
                ),
            )
            .with_help("point sourceRef at a source defined in the repository, or add the source"),
        );
    }
}

/// How many of the input's sources of the kind a finding names, nearest
/// first.
const SHOWN_SOURCES: usize = 3;

/// The source that bootstrapping creates and keeps in sync with the
/// repository itself, `flux-system` in `flux-system`: a GitRepository for
/// `flux bootstrap`, any source kind for the Flux Operator's FluxInstance
/// (`spec.sync.kind`: GitRepository, OCIRepository or Bucket, named after
/// its namespace).
fn is_bootstrap_source(kind: &str, name: &str, namespace: Option<&str>) -> bool {
    matches!(kind, "GitRepository" | "OCIRepository" | "Bucket")
        && name == "flux-system"
        && namespace == Some("flux-system")
}
