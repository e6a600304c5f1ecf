//! `external-secret`: an ExternalSecret that cannot produce its Secret.
//!
//! Reported: no `spec.data` and no `spec.dataFrom` (nothing to fetch); no
//! store at all; and a store that is neither in the input nor listed in
//! `secrets.stores`. The store is `spec.secretStoreRef` (kind `SecretStore`
//! by default, or `ClusterSecretStore`) and any `sourceRef.storeRef` of a
//! `data`/`dataFrom` item. A SecretStore must be in the ExternalSecret's
//! namespace (an object without namespace matches any) and environment
//! (any, for an ExternalSecret of no environment, which may be applied
//! beside the stores of any); a ClusterSecretStore is looked up in the
//! whole input, since it usually sits in shared infrastructure outside the
//! environment directories.
//! Items that name a `generatorRef` instead of a store need no store.

use std::collections::{HashMap, HashSet};

use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::Object;
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "external-secret".into(),
            category: Category::Secrets,
            default_severity: Severity::Error,
            summary: "an ExternalSecret has no data/dataFrom, or its store is neither in the input nor in secrets.stores".into(),
            rationale: "An ExternalSecret whose store does not exist never syncs: the Secret is not created and \
every pod that mounts it stays in ContainerCreating. A typo in the store name is invisible until deploy."
                .into(),
            fix: "Name a SecretStore of the same namespace or a ClusterSecretStore that the repository defines, or \
list stores managed elsewhere under `secrets.stores` in `.plimsoll.yaml`; give the ExternalSecret `data` or \
`dataFrom`."
                .into(),
            bad: "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: db-credentials\n  namespace: shop-prod\nspec:\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: vault-backend\n  data:\n    - secretKey: password\n      remoteRef: {key: shop/db, property: password}\n".into(),
            good: "apiVersion: external-secrets.io/v1beta1\nkind: ClusterSecretStore\nmetadata:\n  name: vault-backend\nspec:\n  provider:\n    vault:\n      server: https://vault.example.com\n      path: secret\n---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: db-credentials\n  namespace: shop-prod\nspec:\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: vault-backend\n  data:\n    - secretKey: password\n      remoteRef: {key: shop/db, property: password}\n".into(),
        },
        check,
    )
    .reading(&[
        "/spec/data/*/sourceRef",
        "/spec/dataFrom/*/sourceRef",
        "/spec/secretStoreRef",
    ])
    .configured_by(&["secrets.stores"])
}

fn is_external_secrets(object: &Object, kind: &str) -> bool {
    object.identity.group == "external-secrets.io" && object.identity.kind == kind
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let cluster_stores: HashSet<&str> = context
        .all
        .of_kind("ClusterSecretStore")
        .filter(|store| is_external_secrets(store, "ClusterSecretStore"))
        .map(|store| store.identity.name.as_str())
        .collect();
    // An ExternalSecret of no environment may be applied beside the stores
    // of any: its store is looked up in the whole input.
    let store_index = match context.environment {
        Some(_) => context.index,
        None => context.all,
    };
    let mut stores: HashMap<&str, Vec<Option<&str>>> = HashMap::new();
    for store in store_index
        .of_kind("SecretStore")
        .filter(|store| is_external_secrets(store, "SecretStore"))
    {
        stores
            .entry(store.identity.name.as_str())
            .or_default()
            .push(store.identity.namespace.as_deref());
    }
    let configured = &context.config.secrets.stores;
    for object in context
        .index
        .of_kind("ExternalSecret")
        .filter(|object| is_external_secrets(object, "ExternalSecret"))
    {
        let name = &object.identity.name;
        let spec = object.node.get("spec");
        let items = |key: &str| {
            spec.and_then(|s| s.get(key))
                .and_then(Node::as_seq)
                .unwrap_or_default()
        };
        if items("data").is_empty() && items("dataFrom").is_empty() {
            sink.push(
                Violation::at_key(object, "/spec", format!("ExternalSecret {name} has neither data nor dataFrom"))
                    .with_help("list the keys to fetch under `data`, or a whole remote secret under `dataFrom`"),
            );
        }
        let mut references: Vec<(String, &Node)> = Vec::new();
        if let Some(reference) = spec.and_then(|s| s.get("secretStoreRef")) {
            references.push(("/spec/secretStoreRef".into(), reference));
        }
        let mut items_without_store = false;
        for key in ["data", "dataFrom"] {
            for (at, item) in items(key).iter().enumerate() {
                let source = item.get("sourceRef");
                if let Some(reference) = source.and_then(|s| s.get("storeRef")) {
                    references.push((format!("/spec/{key}/{at}/sourceRef/storeRef"), reference));
                } else if source.and_then(|s| s.get("generatorRef")).is_none() {
                    items_without_store = true;
                }
            }
        }
        if items_without_store && spec.and_then(|s| s.get("secretStoreRef")).is_none() {
            sink.push(
                Violation::at_key(
                    object,
                    "/spec",
                    format!("ExternalSecret {name} names no secret store"),
                )
                .with_help("set `spec.secretStoreRef` to a SecretStore or ClusterSecretStore"),
            );
        }
        for (pointer, reference) in references {
            let Some(store) = reference.get("name").and_then(Node::as_str) else {
                continue;
            };
            let kind = reference
                .get("kind")
                .and_then(Node::as_str)
                .unwrap_or("SecretStore");
            if configured.iter().any(|known| known == store) {
                continue;
            }
            let found = if kind == "ClusterSecretStore" {
                cluster_stores.contains(store)
            } else {
                let namespace = object.identity.namespace.as_deref();
                stores.get(store).is_some_and(|namespaces| {
                    namespaces
                        .iter()
                        .any(|other| namespace.is_none() || other.is_none() || *other == namespace)
                })
            };
            if !found {
                sink.push(
                    Violation::at_value(
                        object,
                        format!("{pointer}/name"),
                        format!("ExternalSecret {name} uses {kind} {store}, which is neither in the input nor in secrets.stores"),
                    )
                    .with_help(format!(
                        "define the {kind}, fix the name, or add `{store}` to secrets.stores if it is managed elsewhere"
                    )),
                );
            }
        }
    }
}
