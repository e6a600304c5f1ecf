//! Groups of kinds that rules treat alike: cluster-scoped kinds, delivery
//! objects, and per-namespace infrastructure; and the resource name of a
//! kind.

use super::object::Identity;

/// Built-in and common add-on kinds that are not namespaced.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "CustomResourceDefinition",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "PodSecurityPolicy",
    "CertificateSigningRequest",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ComponentStatus",
    "GatewayClass",
];

/// Whether objects of this kind are cluster-scoped: the built-in
/// cluster-scoped kinds, and any kind whose name starts with `Cluster`
/// (ClusterRole, ClusterIssuer, ClusterSecretStore, ClusterPolicy, …), the
/// convention every operator follows.
pub fn is_cluster_scoped(identity: &Identity) -> bool {
    identity.kind.starts_with("Cluster") || CLUSTER_SCOPED.contains(&identity.kind.as_str())
}

/// Whether the object belongs to the delivery machinery rather than to an
/// application: Argo CD Applications, ApplicationSets and AppProjects, Flux
/// sources, Kustomizations, HelmReleases, image automation,
/// notifications and every other `*.fluxcd.io` kind. They live in `argocd` or `flux-system` and are often
/// named after what they deploy.
pub fn is_delivery(identity: &Identity) -> bool {
    let group = identity.group.as_str();
    (group == "argoproj.io"
        && matches!(
            identity.kind.as_str(),
            "Application" | "ApplicationSet" | "AppProject"
        ))
        || group.ends_with(".fluxcd.io")
}

/// Whether the document configures a build tool rather than describing a
/// cluster object: kustomize's built-in transformers (`apiVersion:
/// builtin`), `kustomize.config.k8s.io` and KRM function configs
/// (`config.kubernetes.io`).
pub fn is_build_config(identity: &Identity) -> bool {
    identity.api_version == "builtin"
        || identity.group == "kustomize.config.k8s.io"
        || identity.group == "config.kubernetes.io"
        || identity.group.ends_with(".config.kubernetes.io")
}

/// Whether the object is per-namespace plumbing that is not named after a
/// service: quotas, limit ranges, network policies, RBAC roles and
/// bindings, endpoints and leases.
pub fn is_namespace_infrastructure(identity: &Identity) -> bool {
    matches!(
        (identity.group.as_str(), identity.kind.as_str()),
        ("", "ResourceQuota")
            | ("", "LimitRange")
            | ("", "Endpoints")
            | ("", "Event")
            | ("networking.k8s.io", "NetworkPolicy")
            | ("rbac.authorization.k8s.io", "Role")
            | ("rbac.authorization.k8s.io", "RoleBinding")
            | ("discovery.k8s.io", "EndpointSlice")
            | ("coordination.k8s.io", "Lease")
    )
}

/// The lowercase plural resource name of a kind, as the API server names
/// it (`Deployment` → `deployments`, `NetworkPolicy` → `networkpolicies`,
/// `Ingress` → `ingresses`, `Gateway` → `gateways`, `Endpoints` stays).
/// Resource quotas (`count/deployments.apps`) and admission policies'
/// `resources` name kinds this way.
pub(crate) fn resource_plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    match lower.as_str() {
        "endpoints" => lower,
        _ if lower.ends_with("ss")
            || lower.ends_with('x')
            || lower.ends_with("ch")
            || lower.ends_with("sh") =>
        {
            format!("{lower}es")
        }
        _ if lower.ends_with('y')
            && !lower.ends_with("ay")
            && !lower.ends_with("ey")
            && !lower.ends_with("oy") =>
        {
            format!("{}ies", lower.trim_end_matches('y'))
        }
        _ if lower.ends_with('s') => format!("{lower}es"),
        _ => format!("{lower}s"),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn kinds_name_their_resources_as_the_api_server_does() {
        for (kind, resource) in [
            ("Deployment", "deployments"),
            ("NetworkPolicy", "networkpolicies"),
            ("Ingress", "ingresses"),
            ("Gateway", "gateways"),
            ("Endpoints", "endpoints"),
            ("Mesh", "meshes"),
            ("Prefix", "prefixes"),
        ] {
            assert_eq!(super::resource_plural(kind), resource);
        }
    }
    use super::*;

    fn identity(api_version: &str, kind: &str) -> Identity {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        Identity {
            api_version: api_version.into(),
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            namespace: None,
            name: "x".into(),
        }
    }

    #[test]
    fn kinds_are_grouped() {
        assert!(is_cluster_scoped(&identity(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole"
        )));
        assert!(is_cluster_scoped(&identity(
            "cert-manager.io/v1",
            "ClusterIssuer"
        )));
        assert!(is_cluster_scoped(&identity("v1", "Namespace")));
        assert!(!is_cluster_scoped(&identity("apps/v1", "Deployment")));
        assert!(is_delivery(&identity(
            "argoproj.io/v1alpha1",
            "Application"
        )));
        assert!(!is_delivery(&identity("argoproj.io/v1alpha1", "Rollout")));
        assert!(is_delivery(&identity(
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization"
        )));
        assert!(is_delivery(&identity(
            "source.toolkit.fluxcd.io/v1",
            "GitRepository"
        )));
        assert!(!is_delivery(&identity(
            "kustomize.config.k8s.io/v1beta1",
            "Kustomization"
        )));
        assert!(is_namespace_infrastructure(&identity(
            "v1",
            "ResourceQuota"
        )));
        assert!(!is_namespace_infrastructure(&identity("v1", "Service")));
    }
}
