//! `environment-mismatch`: an object of environment E names another known
//! environment in its name, namespace, environment label or an image tag.
//!
//! Names are matched by token (split on `-`, `_`, `.`, `/`), never by
//! substring, and every alias counts, but only where an environment is
//! written: an object's name at the place `naming.resource` gives `{env}`
//! (the last token for `{service}-{env}`), a namespace's at the place
//! `naming.namespace` gives it (else its last token), any token of a label
//! value or image tag. A token qualified by `non`, `pre` or `not`
//! (`non-prod`) names nothing. Under `envs/prod/`, `api-gateway-staging`,
//! namespace `shop-stage`, label `environment: development` and image
//! `api:1.4.0-staging` are reported; `reproduce`, a ServiceAccount
//! `dev-team`, namespace `payments-preprod` and `api:1.4.0` are not. Delivery objects (Argo CD
//! Applications and AppProjects, Flux kinds) are skipped: a Flux
//! Kustomization of one cluster legitimately names the environments it
//! deploys or depends on. Kustomize transformer configs (`apiVersion:
//! builtin`) are not cluster objects and are skipped too. A cert-manager
//! ACME issuer's name (`letsencrypt-prod` in a staging cluster) names the
//! certificate authority's server it uses, so it is not read.

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::environment::{is_environment_label, Environment, Environments, Written};
use crate::finding::Severity;
use crate::model::{containers, is_build_config, is_delivery, ImageRef, Object};
use crate::yaml::pointer_of;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "environment-mismatch".into(),
            category: Category::Naming,
            default_severity: Severity::Error,
            summary: "an object of environment E names another environment in its name, namespace, environment label or image tag".into(),
            rationale: "A manifest copied from the staging overlay into prod keeps staging's name, namespace or \
image: it then deploys staging's build into prod, or prod's object into the staging namespace. The name is the \
cheapest place to catch it."
                .into(),
            fix: "Replace the other environment's name with this one's (`api-gateway-staging` under `envs/prod/` \
becomes `api-gateway-prod`), or move the file to the environment it belongs to."
                .into(),
            bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-gateway-staging\n  namespace: shop-prod\nspec:\n  selector:\n    matchLabels: {app: api-gateway}\n  template:\n    metadata:\n      labels: {app: api-gateway}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n".into(),
            good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-gateway-prod\n  namespace: shop-prod\nspec:\n  selector:\n    matchLabels: {app: api-gateway}\n  template:\n    metadata:\n      labels: {app: api-gateway}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n".into(),
        },
        check,
    )
    .configured_by(&["environmentLabel"])
}

/// The other environment `text` names where `written` says to look, with
/// the token that names it.
fn other_named<'t>(
    text: &'t str,
    written: Written,
    environment: &Environment,
    environments: &'t Environments,
) -> Option<(&'t str, &'t Environment)> {
    let (id, token) = environments.written_in(text, written)?;
    (id != environment.id)
        .then(|| environments.get(id))
        .flatten()
        .map(|other| (token, other))
}

/// Whether the object is a cert-manager ACME issuer, whose name says which
/// of the certificate authority's servers it uses (`letsencrypt-staging`
/// and `letsencrypt-prod` sit side by side in every cluster), not the
/// cluster's environment.
fn names_its_acme_server(object: &Object) -> bool {
    (object.identity.is("cert-manager.io", "ClusterIssuer")
        || object.identity.is("cert-manager.io", "Issuer"))
        && object.node.get_path(&["spec", "acme"]).is_some()
}

/// A name without its last label when it is written as a domain name
/// (`brokers.eventing.knative.dev`, a CRD's plural and API group): the
/// top-level domain `.dev` is no environment.
fn without_top_level_domain(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(rest, _)| rest)
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let Some(environment) = context.environment else {
        return;
    };
    let object = context.object;
    if is_delivery(&object.identity) || is_build_config(&object.identity) {
        return;
    }
    let environments = context.environments;
    let mut report = |pointer: String, what: String, token: &str, other: &Environment| {
        sink.push(
            Violation::at_value(
                object,
                pointer,
                format!(
                    "{what} names environment {} (`{token}`), but this object is in {}",
                    other.name, environment.name
                ),
            )
            .with_help(format!(
                "use {}'s name here, or move the object to {}'s files",
                environment.name, other.name
            )),
        );
    };
    if object.node.get_path(&["metadata", "name"]).is_some() && !names_its_acme_server(object) {
        if let Some((token, other)) = other_named(
            without_top_level_domain(&object.identity.name),
            Written::ResourceName,
            environment,
            environments,
        ) {
            report(
                "/metadata/name".into(),
                format!("name {}", object.identity.name),
                token,
                other,
            );
        }
    }
    if let Some(namespace) = &object.identity.namespace {
        if let Some((token, other)) =
            other_named(namespace, Written::NamespaceName, environment, environments)
        {
            report(
                "/metadata/namespace".into(),
                format!("namespace {namespace}"),
                token,
                other,
            );
        }
    }
    let configured = context.config.environment_label;
    for (key, value) in object.labels() {
        if !is_environment_label(key, configured) {
            continue;
        }
        if let Some((token, other)) =
            other_named(value, Written::Anywhere, environment, environments)
        {
            report(
                pointer_of(["metadata", "labels", key]),
                format!("label `{key}`"),
                token,
                other,
            );
        }
    }
    for container in containers(object) {
        let Some(image) = container.node.get("image").and_then(|node| node.as_str()) else {
            continue;
        };
        let Some(tag) = ImageRef::parse(image).and_then(|reference| reference.tag) else {
            continue;
        };
        if let Some((token, other)) = other_named(tag, Written::Anywhere, environment, environments)
        {
            report(
                container.pointer("image"),
                format!("the tag of image {image}"),
                token,
                other,
            );
        }
    }
}
