//! `secret-reference`: a workload uses a Secret that nothing in its
//! namespace provides.
//!
//! Uses: `env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`, `secret`
//! volumes, `projected` volume sources, and `imagePullSecrets`, in every
//! container list. A use marked `optional: true` is fine.
//!
//! Providers, in the same namespace and environment (an object without a
//! namespace matches any): a v1 Secret, a SealedSecret (its
//! `spec.template.metadata.name`, else its own name), an ExternalSecret
//! (`spec.target.name`, else its own name), and a cert-manager Certificate
//! (`spec.secretName`), since TLS secrets are made that way; a Job or
//! CronJob whose `command`/`args` name the Secret (certificate generators
//! such as `kube-webhook-certgen create --secret-name=…` make it at install
//! time); plus every name in `secrets.external`. Secrets that Kubernetes or an operator creates
//! without a manifest in the repository belong in `secrets.external`.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::settings::recover::recover;

use std::collections::{HashMap, HashSet};

use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::{containers, is_workload, pod_spec, Object};
use crate::yaml::Node;

/// Secrets provided outside the repository (`secret-reference`,
/// `external-secret`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// Secret names provided outside the repository.
    #[serde(default, deserialize_with = "recover")]
    pub external: Vec<String>,
    /// Known (Cluster)SecretStores.
    #[serde(default, deserialize_with = "recover")]
    pub stores: Vec<String>,
}

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "secret-reference".into(),
            category: Category::Secrets,
            default_severity: Severity::Warning,
            summary: "a workload uses a Secret that no Secret, SealedSecret or ExternalSecret in its namespace provides and secrets.external does not list".into(),
            rationale: "A pod that mounts or reads a missing Secret does not start (CreateContainerConfigError) \
— typically only in the environment where the SealedSecret or ExternalSecret was forgotten or misnamed."
                .into(),
            fix: "Add the SealedSecret or ExternalSecret that creates the Secret to the same namespace, fix the \
name, mark the reference `optional: true` if the pod copes without it, or list Secrets provided outside the \
repository under `secrets.external` in `.plimsoll.yaml`. Also counted as providers: a cert-manager Certificate's \
`secretName`, and a Job or CronJob that names the Secret in its command or arguments (certificate generators \
such as kube-webhook-certgen)."
                .into(),
            bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop-prod\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n          envFrom:\n            - secretRef:\n                name: api-credentials\n".into(),
            good: "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: api-credentials\n  namespace: shop-prod\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: vault-backend}\n  dataFrom:\n    - extract: {key: shop/api}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop-prod\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n          envFrom:\n            - secretRef:\n                name: api-credentials\n".into(),
        },
        check,
    )
    .reading(&[
        "/spec/template/metadata/name",
        "/spec/target/name",
        "/spec/secretName",
        "{pod}/imagePullSecrets",
        "{pod}/volumes/*/name",
        "{pod}/volumes/*/secret",
        "{pod}/volumes/*/projected/sources/*/secret",
        "{container}/name",
        "Job:{container}/command",
        "Job:{container}/args",
        "CronJob:{container}/command",
        "CronJob:{container}/args",
        "{container}/env/*/name",
        "{container}/env/*/valueFrom/secretKeyRef",
        "{container}/envFrom/*/secretRef",
    ])
    .configured_by(&["secrets.external"])
}

/// The name of the Secret an object provides, if it provides one.
fn provided(object: &Object) -> Option<&str> {
    let identity = &object.identity;
    let node = &object.node;
    match (identity.group.as_str(), identity.kind.as_str()) {
        ("", "Secret") => Some(identity.name.as_str()),
        ("bitnami.com", "SealedSecret") => node
            .get_path(&["spec", "template", "metadata", "name"])
            .and_then(Node::as_str)
            .or(Some(identity.name.as_str())),
        ("external-secrets.io", "ExternalSecret") => node
            .get_path(&["spec", "target", "name"])
            .and_then(Node::as_str)
            .or(Some(identity.name.as_str())),
        ("cert-manager.io", "Certificate") => node
            .get_path(&["spec", "secretName"])
            .and_then(Node::as_str),
        _ => None,
    }
}

/// Words of a Job's or CronJob's `command` and `args` (split on `=`, `,`
/// and whitespace): a Job that names a Secret there is taken to create it,
/// as certificate generators do (`kube-webhook-certgen create
/// --secret-name=ingress-nginx-admission`).
fn named_by_job(object: &Object) -> Vec<&str> {
    if object.identity.group != "batch" {
        return Vec::new();
    }
    containers(object)
        .iter()
        .flat_map(|container| {
            ["command", "args"].into_iter().flat_map(move |list| {
                container
                    .node
                    .get(list)
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_str)
            })
        })
        .flat_map(|text| text.split(|c: char| c == '=' || c == ',' || c.is_whitespace()))
        .filter(|word| !word.is_empty() && !word.starts_with('-'))
        .collect()
}

/// One use of a Secret: the JSON pointer of its name, the name, and what
/// uses it.
struct Use<'a> {
    pointer: String,
    name: &'a str,
    what: String,
}

fn is_optional(node: &Node) -> bool {
    node.get("optional").and_then(Node::as_bool) == Some(true)
}

fn uses(object: &Object) -> Vec<Use<'_>> {
    let mut out = Vec::new();
    let Some((spec_pointer, spec)) = pod_spec(object) else {
        return out;
    };
    let mut found: Vec<(String, Option<&Node>, String)> = Vec::new();
    for (at, item) in spec
        .get("imagePullSecrets")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        found.push((
            format!("{spec_pointer}/imagePullSecrets/{at}/name"),
            item.get("name"),
            "imagePullSecrets".into(),
        ));
    }
    for (at, volume) in spec
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let volume_name = volume.get("name").and_then(Node::as_str).unwrap_or("");
        if let Some(secret) = volume.get("secret").filter(|s| !is_optional(s)) {
            found.push((
                format!("{spec_pointer}/volumes/{at}/secret/secretName"),
                secret.get("secretName"),
                format!("volume {volume_name}"),
            ));
        }
        let sources = volume
            .get_path(&["projected", "sources"])
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for (source_at, source) in sources.iter().enumerate() {
            if let Some(secret) = source.get("secret").filter(|s| !is_optional(s)) {
                found.push((
                    format!(
                        "{spec_pointer}/volumes/{at}/projected/sources/{source_at}/secret/name"
                    ),
                    secret.get("name"),
                    format!("volume {volume_name}"),
                ));
            }
        }
    }
    for container in containers(object) {
        let container_name = container.describe();
        for (at, variable) in container
            .node
            .get("env")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(reference) = variable
                .get_path(&["valueFrom", "secretKeyRef"])
                .filter(|r| !is_optional(r))
            {
                let variable_name = variable.get("name").and_then(Node::as_str).unwrap_or("");
                found.push((
                    container.pointer(&format!("env/{at}/valueFrom/secretKeyRef/name")),
                    reference.get("name"),
                    format!("env {variable_name} of {container_name}"),
                ));
            }
        }
        for (at, source) in container
            .node
            .get("envFrom")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(reference) = source.get("secretRef").filter(|r| !is_optional(r)) {
                found.push((
                    container.pointer(&format!("envFrom/{at}/secretRef/name")),
                    reference.get("name"),
                    format!("envFrom of {container_name}"),
                ));
            }
        }
    }
    for (pointer, node, what) in found {
        if let Some(name) = node.and_then(Node::as_str).filter(|n| !n.is_empty()) {
            out.push(Use {
                pointer,
                name,
                what,
            });
        }
    }
    out
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let mut providers: HashMap<&str, Vec<Option<&str>>> = HashMap::new();
    for object in context.index.all() {
        let namespace = object.identity.namespace.as_deref();
        if let Some(name) = provided(object) {
            providers.entry(name).or_default().push(namespace);
        }
        for name in named_by_job(object) {
            providers.entry(name).or_default().push(namespace);
        }
    }
    let external: HashSet<&str> = context
        .config
        .secrets
        .external
        .iter()
        .map(String::as_str)
        .collect();
    for object in context.index.all().iter().filter(|o| is_workload(o)) {
        let namespace = object.identity.namespace.as_deref();
        for reference in uses(object) {
            if external.contains(reference.name) {
                continue;
            }
            let found = providers.get(reference.name).is_some_and(|namespaces| {
                namespaces
                    .iter()
                    .any(|other| namespace.is_none() || other.is_none() || *other == namespace)
            });
            if !found {
                sink.push(
                    Violation::at_value(
                        object,
                        reference.pointer,
                        format!(
                            "{} uses Secret {}, which nothing in {} provides",
                            reference.what,
                            reference.name,
                            namespace.map_or("this environment".to_owned(), |n| format!("namespace {n}"))
                        ),
                    )
                    .with_help(format!(
                        "add a SealedSecret or ExternalSecret named {} to the namespace, mark the reference optional, or list it in secrets.external",
                        reference.name
                    )),
                );
            }
        }
    }
}
