//! `duplicate-resource`: two objects with the same group, kind, namespace and
//! name in one environment.
//!
//! Only one of them can exist in the cluster; whichever is applied last wins.
//! The finding points at the later copy, with the first as a related place.
//!
//! What "applied together" means: when a directory names the environment
//! (`clusters/eu/prod/…`), objects are compared within that directory, so two
//! clusters of one environment may hold the same object. When only the
//! namespace gives the environment, objects are compared within one
//! directory: two Kustomize overlays or two rendered streams of one
//! environment are often alternatives (`production` and `production-fwi`),
//! not one deployment. Objects with no environment are compared within
//! their own file only: nothing says which files are applied together, and
//! repositories are full of alternative examples that reuse a name.
//! Namespace-less objects of a Config Sync hierarchical repository with
//! different `configmanagement.gke.io/namespace-selector` annotations land
//! in different namespaces, and are not duplicates. Two copies that only
//! different Kustomize builds apply (each build a kustomization no other
//! includes, as each cluster's folder of an environment is: synced by an
//! Argo CD Application or Flux Kustomization of its own) are in different
//! deployments; copies that one build applies, or that no kustomization
//! builds, are compared as above.

use std::collections::HashMap;

use super::{Category, Rule, RuleMeta, SetContext, Sink, Target, Violation};
use crate::finding::Severity;
use crate::model::{FileId, Object};

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "duplicate-resource".into(),
            category: Category::Parsing,
            default_severity: Severity::Error,
            summary: "two objects with the same group, kind, namespace and name in one environment".into(),
            rationale: "The cluster holds one object per group, kind, namespace and name: the copy applied last \
silently replaces the other, and which one that is depends on file order. `apps/v1` and `apps/v1beta1` \
Deployments are the same object. Copies are compared within what is applied together: the directory that \
names the environment, and one Kustomize build (two clusters' folders that each build on their own may hold \
the same object)."
                .into(),
            fix: "Delete one copy, or rename it if both are needed.".into(),
            bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata: {LOG_LEVEL: info}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata: {LOG_LEVEL: debug}\n".into(),
            good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata: {LOG_LEVEL: info}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: worker-config\ndata: {LOG_LEVEL: debug}\n".into(),
        },
        check,
    )
    .reading(&["/metadata/annotations/configmanagement.gke.io~1namespace-selector"])
}

/// Config Sync's annotation that applies a namespace-less object of a
/// hierarchical repository to the namespaces a selector picks: two objects
/// with different selectors land in different namespaces.
const NAMESPACE_SELECTOR: &str = "configmanagement.gke.io/namespace-selector";

/// What makes two objects the same one: group, kind, namespace, name,
/// where they are applied together, and the Config Sync namespace selector.
type Key<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    Scope<'a>,
    Option<&'a str>,
);

/// Where two objects count as applied together.
#[derive(PartialEq, Eq, Hash)]
enum Scope<'a> {
    /// The directory that names the environment, or the object's own
    /// directory when none does.
    Root(&'a str),
    /// One file.
    File(FileId),
}

/// Whether two copies may be applied together: some build applies both,
/// or one of them is applied by no kustomization (nothing says apart).
fn applied_together(first: &Object, later: &Object) -> bool {
    let (a, b) = (&first.build_roots, &later.build_roots);
    a.is_empty() || b.is_empty() || a.iter().any(|root| b.binary_search(root).is_ok())
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    // Per key, the copies seen that no earlier copy is applied with.
    let mut first_seen: HashMap<Key<'_>, Vec<&Object>> = HashMap::new();
    for object in context.index.all() {
        let identity = &object.identity;
        let path = context.file_path(object.file);
        let scope =
            match context.environment {
                Some(environment) => Scope::Root(environment.root_in(path).unwrap_or_else(|| {
                    path.rsplit_once('/').map_or("", |(directory, _)| directory)
                })),
                None => Scope::File(object.file),
            };
        let key = (
            identity.group.as_str(),
            identity.kind.as_str(),
            identity.namespace.as_deref(),
            identity.name.as_str(),
            scope,
            object
                .node
                .get_path(&["metadata", "annotations", NAMESPACE_SELECTOR])
                .and_then(crate::yaml::Node::as_str),
        );
        let copies = first_seen.entry(key).or_default();
        match copies
            .iter()
            .find(|first| applied_together(first, object))
            .copied()
        {
            None => copies.push(object),
            Some(first) => {
                sink.push(
                    Violation::at_value(
                        object,
                        "/metadata/name",
                        format!("{} is defined twice", identity.to_ref()),
                    )
                    .with_related(
                        first,
                        Target::Value("/metadata/name".to_owned()),
                        "the first copy",
                    )
                    .with_help("delete one copy, or rename it"),
                );
            }
        }
    }
}
