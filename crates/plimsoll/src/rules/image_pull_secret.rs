//! `image-pull-secret`: an image from a registry listed in
//! `images.pullSecrets` is pulled without that secret.
//!
//! Off unless `images.pullSecrets` is configured. A pod has the secret when
//! its own `imagePullSecrets` names it, or when its ServiceAccount
//! (`serviceAccountName`, else `default`) does: Kubernetes adds a service
//! account's `imagePullSecrets` to every pod that runs as it. The
//! ServiceAccount is looked up by name and namespace in the whole input
//! (it often sits in a shared file outside the environment directories);
//! an object without a namespace matches a ServiceAccount in any namespace.
//! Registries match as in `image-registry` (prefix at a component
//! boundary, Docker Hub short names expanded).

use schemars::JsonSchema;
use serde::Deserialize;

use std::collections::{BTreeSet, HashMap};

use super::image_registry::matches_any;
use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::{containers, is_workload, pod_spec, ImageRef, Object};
use crate::yaml::Node;

/// A registry and the pull secret its images need.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PullSecret {
    /// Registry host or prefix.
    pub registry: String,
    /// Name of the image pull secret.
    pub secret: String,
}

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "image-pull-secret".into(),
            category: Category::Images,
            default_severity: Severity::Error,
            summary: "an image from a registry in images.pullSecrets is pulled without that pull secret".into(),
            rationale: "A private registry refuses anonymous pulls: the pod stays in ImagePullBackOff and the \
rollout stalls, often only in the environment where the secret was forgotten."
                .into(),
            fix: "Add the secret to the pod's `imagePullSecrets`, or to the `imagePullSecrets` of the \
ServiceAccount the pod runs as. (The examples assume `pullSecrets: [{registry: ghcr.io, secret: ghcr-pull-secret}]`.)"
                .into(),
            bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: ghcr.io/acme/api:1.4.0\n".into(),
            good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  imagePullSecrets:\n    - name: ghcr-pull-secret\n  containers:\n    - name: api\n      image: ghcr.io/acme/api:1.4.0\n".into(),
        },
        check,
    )
    .reading(&[
        "/imagePullSecrets",
        "{pod}/imagePullSecrets",
        "{pod}/serviceAccountName",
        "{pod}/serviceAccount",
        "{container}/image",
    ])
    .configured_by(&["images.pullSecrets"])
}

fn secret_names(list: Option<&Node>) -> impl Iterator<Item = &str> {
    list.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| item.get("name").and_then(Node::as_str))
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let rules = &context.config.images.pull_secrets;
    if rules.is_empty() {
        return;
    }
    let mut accounts: HashMap<&str, Vec<&Object>> = HashMap::new();
    for account in context.all.of_kind("ServiceAccount") {
        if account.identity.group.is_empty() {
            accounts
                .entry(account.identity.name.as_str())
                .or_default()
                .push(account);
        }
    }
    for object in context.index.all().iter().filter(|o| is_workload(o)) {
        let Some((_, spec)) = pod_spec(object) else {
            continue;
        };
        let mut available: BTreeSet<&str> = secret_names(spec.get("imagePullSecrets")).collect();
        let account = spec
            .get("serviceAccountName")
            .or_else(|| spec.get("serviceAccount"))
            .and_then(Node::as_str)
            .unwrap_or("default");
        let namespace = object.identity.namespace.as_deref();
        for service_account in accounts.get(account).into_iter().flatten() {
            let same_namespace = namespace.is_none()
                || service_account.identity.namespace.is_none()
                || service_account.identity.namespace.as_deref() == namespace;
            if same_namespace {
                available.extend(secret_names(service_account.node.get("imagePullSecrets")));
            }
        }
        for container in containers(object) {
            let Some(image) = container.node.get("image").and_then(Node::as_str) else {
                continue;
            };
            let Some(reference) = ImageRef::parse(image) else {
                continue;
            };
            for rule in rules {
                if available.contains(rule.secret.as_str())
                    || !matches_any(&reference, std::slice::from_ref(&rule.registry))
                {
                    continue;
                }
                sink.push(
                    Violation::at_value(
                        object,
                        container.pointer("image"),
                        format!(
                            "image {image} is pulled from {} without the pull secret {} (neither the pod nor its ServiceAccount {account} names it)",
                            rule.registry, rule.secret
                        ),
                    )
                    .with_help(format!(
                        "add `imagePullSecrets: [{{name: {}}}]` to the pod spec or to ServiceAccount {account}",
                        rule.secret
                    )),
                );
            }
        }
    }
}
