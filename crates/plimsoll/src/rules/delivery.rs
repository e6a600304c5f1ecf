//! Helpers shared by the delivery rules (Argo CD, Helm hooks, Flux): which
//! Jobs are database migrations, hook annotations, sync waves, and which
//! environment a delivery object deploys to.

use crate::environment::{EnvId, Environments};
use crate::model::{containers, Object};
use crate::yaml::Node;

/// Words that make a Job a database migration.
const MIGRATION_WORDS: [&str; 5] = ["migrat", "goose", "flyway", "liquibase", "alembic"];

/// The Argo CD sync-wave annotation.
pub(crate) const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// The Argo CD hook annotation.
pub(crate) const ARGO_HOOK: &str = "argocd.argoproj.io/hook";
/// The Helm hook annotation (Argo CD maps it to its own hooks).
pub(crate) const HELM_HOOK: &str = "helm.sh/hook";

/// Whether a Job is a database migration: its name, a label, or a command or
/// argument of its containers mentions migrate/migration, goose, flyway,
/// liquibase or alembic. A Kubernetes storage version migration (stored
/// custom resources rewritten to a CRD's new storage version, after the
/// CRDs are installed) is not one.
pub(crate) fn is_migration_job(object: &Object) -> bool {
    if !object.identity.is("batch", "Job") || is_storage_version_migration(object) {
        return false;
    }
    let mentions = |text: &str| {
        let lower = text.to_lowercase();
        MIGRATION_WORDS.iter().any(|word| lower.contains(word))
    };
    mentions(&object.identity.name)
        || object
            .labels()
            .any(|(key, value)| mentions(key) || mentions(value))
        || containers(object).iter().any(|container| {
            ["command", "args"].iter().any(|field| {
                container
                    .node
                    .get(field)
                    .and_then(Node::as_seq)
                    .is_some_and(|items| items.iter().filter_map(Node::as_str).any(mentions))
            })
        })
}

/// Whether a Job migrates the storage version of custom resources: its
/// name, a label or an image says `storage-version-migration` or
/// `storageversion` (Knative's post-install Jobs, the kube-storage-version
/// migrator).
fn is_storage_version_migration(object: &Object) -> bool {
    let says = |text: &str| {
        let lower = text.to_lowercase();
        lower.contains("storage-version-migrat") || lower.contains("storageversion")
    };
    says(&object.identity.name)
        || object.labels().any(|(_, value)| says(value))
        || containers(object)
            .iter()
            .filter_map(|container| container.node.get("image").and_then(Node::as_str))
            .any(says)
}

/// The comma-separated items of an annotation.
pub(crate) fn annotation_items(object: &Object, key: &str) -> Vec<String> {
    object
        .annotation(key)
        .map(|value| {
            value
                .split(',')
                .map(|item| item.trim().to_owned())
                .filter(|item| !item.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The object's sync wave: `Ok(None)` without the annotation, `Err(text)`
/// when it is not an integer.
pub(crate) fn sync_wave(object: &Object) -> Result<Option<i64>, String> {
    match object.annotation(SYNC_WAVE) {
        None => Ok(None),
        Some(text) => text.trim().parse().map(Some).map_err(|_| text),
    }
}

/// The pointer of an annotation's value.
pub(crate) fn annotation_pointer(key: &str) -> String {
    crate::yaml::pointer_of(["metadata", "annotations", key])
}

/// The environment a delivery object deploys to: its own (path, namespace),
/// else the environment its name writes (at the place `naming.resource`
/// gives it), else the one its target namespace's name writes (`spec.targetNamespace`, `spec.destination.namespace`).
pub(crate) fn delivery_environment(object: &Object, environments: &Environments) -> Option<EnvId> {
    object
        .environment
        .or_else(|| environments.named_by_resource(&object.identity.name))
        .or_else(|| {
            ["/spec/targetNamespace", "/spec/destination/namespace"]
                .iter()
                .filter_map(|pointer| object.node.pointer(pointer).and_then(Node::as_str))
                .find_map(|namespace| environments.named_by_namespace(namespace))
        })
}

/// Whether an object belongs to a Flux toolkit API group.
pub(crate) fn is_flux(object: &Object) -> bool {
    object.identity.group.ends_with(".toolkit.fluxcd.io")
}

/// Whether an object is a Flux Kustomization.
pub(crate) fn is_flux_kustomization(object: &Object) -> bool {
    object
        .identity
        .is("kustomize.toolkit.fluxcd.io", "Kustomization")
}

/// Whether an object is a Flux source (GitRepository, OCIRepository, Bucket,
/// HelmRepository, HelmChart).
pub(crate) fn is_flux_source(object: &Object) -> bool {
    object.identity.group == "source.toolkit.fluxcd.io"
}
