//! `deprecated-api`: the object uses an API version that Kubernetes has
//! deprecated or removed.
//!
//! The table covers the removals and deprecations of built-in APIs from
//! Kubernetes 1.16 to the newest bundled version (1.37), from the upstream
//! deprecation guide; the removals since 1.30 are also cross-checked
//! against the bundled schemas by a test (a removed API is absent from that
//! version's bundle and present in the one before).
//!
//! Severity: error when removed in `kubernetesVersion` (or earlier), warning
//! when only deprecated; nothing before the deprecation. Alpha APIs are
//! not listed: they carry no deprecation promise.

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;

pub(crate) const ID: &str = "deprecated-api";

/// One deprecated API: (group, version), its kinds, when it was deprecated
/// and removed (minor versions of 1.x), and what replaces it.
pub(crate) struct Deprecation {
    pub(crate) group: &'static str,
    pub(crate) version: &'static str,
    pub(crate) kinds: &'static [&'static str],
    pub(crate) deprecated: u32,
    pub(crate) removed: Option<u32>,
    pub(crate) replacement: &'static str,
}

const fn api(
    group: &'static str,
    version: &'static str,
    kinds: &'static [&'static str],
    deprecated: u32,
    removed: Option<u32>,
    replacement: &'static str,
) -> Deprecation {
    Deprecation {
        group,
        version,
        kinds,
        deprecated,
        removed,
        replacement,
    }
}

/// Built-in API deprecations and removals, 1.16 to 1.37.
pub(crate) const TABLE: &[Deprecation] = &[
    // Removed in 1.16.
    api("extensions", "v1beta1", &["Deployment", "DaemonSet", "ReplicaSet"], 9, Some(16), "apps/v1"),
    api("apps", "v1beta1", &["Deployment", "StatefulSet", "ControllerRevision"], 9, Some(16), "apps/v1"),
    api("apps", "v1beta2", &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"], 9, Some(16), "apps/v1"),
    api("extensions", "v1beta1", &["NetworkPolicy"], 9, Some(16), "networking.k8s.io/v1"),
    api("extensions", "v1beta1", &["PodSecurityPolicy"], 11, Some(16), "policy/v1beta1 (itself removed in 1.25: use Pod Security Admission)"),
    // Removed in 1.22.
    api("admissionregistration.k8s.io", "v1beta1", &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"], 16, Some(22), "admissionregistration.k8s.io/v1"),
    api("apiextensions.k8s.io", "v1beta1", &["CustomResourceDefinition"], 16, Some(22), "apiextensions.k8s.io/v1"),
    api("apiregistration.k8s.io", "v1beta1", &["APIService"], 19, Some(22), "apiregistration.k8s.io/v1"),
    api("authentication.k8s.io", "v1beta1", &["TokenReview"], 19, Some(22), "authentication.k8s.io/v1"),
    api("authorization.k8s.io", "v1beta1", &["SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview"], 19, Some(22), "authorization.k8s.io/v1"),
    api("certificates.k8s.io", "v1beta1", &["CertificateSigningRequest"], 19, Some(22), "certificates.k8s.io/v1"),
    api("coordination.k8s.io", "v1beta1", &["Lease"], 19, Some(22), "coordination.k8s.io/v1"),
    api("extensions", "v1beta1", &["Ingress"], 14, Some(22), "networking.k8s.io/v1"),
    api("networking.k8s.io", "v1beta1", &["Ingress", "IngressClass"], 19, Some(22), "networking.k8s.io/v1"),
    api("rbac.authorization.k8s.io", "v1beta1", &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"], 17, Some(22), "rbac.authorization.k8s.io/v1"),
    api("rbac.authorization.k8s.io", "v1alpha1", &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"], 17, Some(22), "rbac.authorization.k8s.io/v1"),
    api("scheduling.k8s.io", "v1beta1", &["PriorityClass"], 14, Some(22), "scheduling.k8s.io/v1"),
    api("storage.k8s.io", "v1beta1", &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"], 19, Some(22), "storage.k8s.io/v1"),
    // Removed in 1.25.
    api("batch", "v1beta1", &["CronJob"], 21, Some(25), "batch/v1"),
    api("discovery.k8s.io", "v1beta1", &["EndpointSlice"], 21, Some(25), "discovery.k8s.io/v1"),
    api("events.k8s.io", "v1beta1", &["Event"], 19, Some(25), "events.k8s.io/v1"),
    api("autoscaling", "v2beta1", &["HorizontalPodAutoscaler"], 22, Some(25), "autoscaling/v2"),
    api("policy", "v1beta1", &["PodDisruptionBudget"], 21, Some(25), "policy/v1"),
    api("policy", "v1beta1", &["PodSecurityPolicy"], 21, Some(25), "Pod Security Admission (namespace labels pod-security.kubernetes.io/*); no API replaces it"),
    api("node.k8s.io", "v1beta1", &["RuntimeClass"], 20, Some(25), "node.k8s.io/v1"),
    // Removed in 1.26 and 1.27.
    api("flowcontrol.apiserver.k8s.io", "v1beta1", &["FlowSchema", "PriorityLevelConfiguration"], 23, Some(26), "flowcontrol.apiserver.k8s.io/v1"),
    api("autoscaling", "v2beta2", &["HorizontalPodAutoscaler"], 23, Some(26), "autoscaling/v2"),
    api("storage.k8s.io", "v1beta1", &["CSIStorageCapacity"], 24, Some(27), "storage.k8s.io/v1"),
    // Removed in 1.29 and later.
    api("flowcontrol.apiserver.k8s.io", "v1beta2", &["FlowSchema", "PriorityLevelConfiguration"], 26, Some(29), "flowcontrol.apiserver.k8s.io/v1"),
    api("flowcontrol.apiserver.k8s.io", "v1beta3", &["FlowSchema", "PriorityLevelConfiguration"], 29, Some(32), "flowcontrol.apiserver.k8s.io/v1"),
    api("authentication.k8s.io", "v1beta1", &["SelfSubjectReview"], 28, Some(33), "authentication.k8s.io/v1"),
    api("admissionregistration.k8s.io", "v1beta1", &["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"], 30, Some(34), "admissionregistration.k8s.io/v1"),
    api("networking.k8s.io", "v1beta1", &["IPAddress", "ServiceCIDR"], 33, Some(37), "networking.k8s.io/v1"),
    api("storage.k8s.io", "v1beta1", &["VolumeAttributesClass"], 34, Some(37), "storage.k8s.io/v1"),
    // Deprecated, still served.
    api("", "v1", &["ComponentStatus"], 19, None, "nothing: query the components' health endpoints"),
    api("", "v1", &["Endpoints"], 33, None, "discovery.k8s.io/v1 EndpointSlice"),
];

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: ID.into(),
            category: Category::Parsing,
            default_severity: Severity::Error,
            summary: "the apiVersion is removed (error) or deprecated (warning) in kubernetesVersion".into(),
            rationale: "A removed API version is refused by the API server: the deploy fails, often during a \
cluster upgrade when nobody expects it. A deprecated one will be removed; moving early is cheap."
                .into(),
            fix: "Move the object to the replacement API version named in the message (check the changed fields \
in the Kubernetes deprecation guide), or set `kubernetesVersion` to your cluster's version."
                .into(),
            bad: "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: api}\n".into(),
            good: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: api}\n".into(),
        },
        check,
    )
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    let identity = &object.identity;
    let (major, minor) = context.schemas.kubernetes_version();
    if major != 1 {
        return;
    }
    let Some(entry) = TABLE.iter().find(|entry| {
        entry.group == identity.group
            && entry.version == identity.version
            && entry.kinds.contains(&identity.kind.as_str())
    }) else {
        return;
    };
    let help = format!("use {}", entry.replacement);
    match entry.removed {
        Some(removed) if minor >= removed => sink.push(
            Violation::at_value(
                object,
                "/apiVersion",
                format!(
                    "{} {} was removed in Kubernetes 1.{removed} (checking against 1.{minor}); use {}",
                    identity.api_version, identity.kind, entry.replacement
                ),
            )
            .with_help(help)
            .with_severity(Severity::Error),
        ),
        _ if minor >= entry.deprecated => {
            let removal = entry
                .removed
                .map(|removed| format!(", removed in 1.{removed}"))
                .unwrap_or_default();
            sink.push(
                Violation::at_value(
                    object,
                    "/apiVersion",
                    format!(
                        "{} {} is deprecated since Kubernetes 1.{}{removal}; use {}",
                        identity.api_version, identity.kind, entry.deprecated, entry.replacement
                    ),
                )
                .with_help(help)
                .with_severity(Severity::Warning),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{kubernetes_versions, Lookup, SchemaCatalog};

    /// Every removal in a bundled version: absent from that version's
    /// schemas, present in the version before.
    #[test]
    fn removals_agree_with_the_bundled_schemas() {
        let bundled: Vec<u32> = kubernetes_versions().map(|(_, minor)| minor).collect();
        let first = bundled.first().copied().unwrap();
        for entry in TABLE {
            let Some(removed) = entry.removed else {
                continue;
            };
            let api_version = if entry.group.is_empty() {
                entry.version.to_owned()
            } else {
                format!("{}/{}", entry.group, entry.version)
            };
            for kind in entry.kinds {
                let has = |minor: u32| {
                    let catalog = SchemaCatalog::new((1, minor), &[], true).unwrap();
                    matches!(catalog.lookup(&api_version, kind), Lookup::Found(_))
                };
                if removed <= first {
                    assert!(!has(first), "{api_version} {kind} is in 1.{first}");
                } else {
                    assert!(!has(removed), "{api_version} {kind} is in 1.{removed}");
                    assert!(
                        has(removed - 1),
                        "{api_version} {kind} not in 1.{}",
                        removed - 1
                    );
                }
            }
        }
    }
}
