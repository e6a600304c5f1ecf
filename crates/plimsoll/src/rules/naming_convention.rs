//! `naming-convention`: a namespaced object of environment E is not named by
//! `naming.resource`, its namespace does not fit `naming.namespace`, or its
//! Helm release does not name E.
//!
//! Patterns are written with placeholders: `{env}` must be E's name or one
//! of its aliases (`api-production` fits `{service}-{env}` in prod);
//! `{service}`, `{project}` and any other placeholder stand for a non-empty
//! run of characters; everything else is literal. A resource name may add
//! `-<component>` after a pattern that ends in `{env}` (`api-prod-db`,
//! `api-prod-headless`), as charts name the parts of one release; Helm
//! release names themselves must fit exactly. `naming.resource`
//! defaults to `{service}-{env}`; `{env}-{service}` works the same way.
//! `naming.namespace` has no default: namespaces are checked only when it
//! is set (the object's `metadata.namespace`, and Namespace objects' names).
//!
//! The Helm release of an object (label `app.kubernetes.io/instance`, or
//! `meta.helm.sh/release-name` as annotation or label) must fit the resource
//! pattern too, so with the default pattern it ends in the environment:
//! installing `meetinity-staging` into prod is how staging config reaches
//! prod.
//!
//! Skipped, since their names are not chosen per service and environment:
//! - objects without an environment;
//! - cluster-scoped kinds (Namespace — except for `naming.namespace` —,
//!   PersistentVolume, StorageClass, CRDs, webhook configurations,
//!   PriorityClass, IngressClass, RuntimeClass, and every `Cluster*` kind);
//! - per-namespace infrastructure: ResourceQuota, LimitRange,
//!   NetworkPolicy, Role, RoleBinding, Endpoints, EndpointSlice, Lease,
//!   Event;
//! - delivery objects (Argo CD Application, ApplicationSet, AppProject and
//!   every `*.toolkit.fluxcd.io` kind: sources, Kustomizations,
//!   HelmReleases, notifications, every `*.fluxcd.io` kind), which live in
//!   `argocd` or `flux-system` and are named after what they deliver; they
//!   are exempt from both patterns;
//! - build-tool configuration that is not applied to the cluster
//!   (kustomize's `apiVersion: builtin` transformers,
//!   `kustomize.config.k8s.io`, `config.kubernetes.io`).

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::environment::{Environment, DEFAULT_RESOURCE_PATTERN};
use crate::finding::Severity;
use crate::model::{
    is_build_config, is_cluster_scoped, is_delivery, is_namespace_infrastructure, Object,
};
use crate::settings::recover::recover;
use crate::settings::values;

/// Resource and namespace name patterns (`naming-convention`), with
/// `{service}`, `{env}` and `{project}` placeholders.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Naming {
    /// Resource name pattern, e.g. "{service}-{env}" or "{env}-{service}";
    /// "{service}-{env}" when unset. It may leave out {env}: the same names
    /// in every environment, one cluster per environment.
    #[serde(default, deserialize_with = "recover")]
    pub resource: Option<String>,
    /// Namespace name pattern, e.g. "{project}-{env}"; not checked when
    /// unset.
    #[serde(default, deserialize_with = "values::namespace_pattern")]
    #[schemars(regex(pattern = r"\{env\}"))]
    pub namespace: Option<String>,
}

/// The keys that carry a Helm release name.
const RELEASE_LABEL: &str = "app.kubernetes.io/instance";
const RELEASE_ANNOTATION: &str = "meta.helm.sh/release-name";

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "naming-convention".into(),
            category: Category::Naming,
            default_severity: Severity::Error,
            summary: "a namespaced object is not named by naming.resource (default {service}-{env}), its namespace does not fit naming.namespace, or its Helm release does not name its environment".into(),
            rationale: "When every name carries its environment, a manifest copied to the wrong overlay, a \
release installed with the wrong values, or a dashboard query for `api-prod` is caught at a glance, and quotas \
and alerts keyed on the suffix keep working. The check is skipped for cluster-scoped kinds, per-namespace \
infrastructure (ResourceQuota, LimitRange, NetworkPolicy, Role, RoleBinding, Endpoints, EndpointSlice, Lease, \
Event), delivery objects (Argo CD Applications, ApplicationSets and AppProjects, every Flux kind) and \
kustomize transformer configs, whose names are not chosen per service and environment."
                .into(),
            fix: "Rename the object (and its Helm release) to fit the pattern, e.g. `api-gateway-prod` for \
`{service}-{env}` or `prod-api-gateway` for `{env}-{service}`; an alias of the environment (`api-production`) \
fits too, and so does a component after the environment (`api-gateway-prod-db`). Set `naming.resource` (and `naming.namespace`) in `.plimsoll.yaml` to your convention."
                .into(),
            bad: "apiVersion: v1\nkind: Service\nmetadata:\n  name: api-gateway\n  namespace: shop-prod\nspec:\n  selector: {app: api-gateway}\n  ports: [{port: 80}]\n".into(),
            good: "apiVersion: v1\nkind: Service\nmetadata:\n  name: api-gateway-prod\n  namespace: shop-prod\nspec:\n  selector: {app: api-gateway}\n  ports: [{port: 80}]\n".into(),
        },
        check,
    )
    .convention()
    .configured_by(&["naming.resource", "naming.namespace"])
}

/// A piece of a naming pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'p> {
    Literal(&'p str),
    Env,
    Any,
}

fn pieces(pattern: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let placeholder = rest
            .find('{')
            .and_then(|open| Some((open, open + rest.get(open..)?.find('}')?)));
        match placeholder {
            Some((open, close)) => {
                if let Some(literal) = rest.get(..open).filter(|l| !l.is_empty()) {
                    out.push(Piece::Literal(literal));
                }
                out.push(match rest.get(open + 1..close) {
                    Some("env") => Piece::Env,
                    _ => Piece::Any,
                });
                rest = rest.get(close + 1..).unwrap_or("");
            }
            None => {
                out.push(Piece::Literal(rest));
                rest = "";
            }
        }
    }
    out
}

/// Whether `name` fits `pattern` with `{env}` standing for one of `envs`.
pub(crate) fn fits(pattern: &str, name: &str, envs: &[&str]) -> bool {
    matches(&pieces(pattern), name, envs)
}

/// Whether a resource name fits: the pattern, or, when the pattern ends in
/// `{env}`, the pattern followed by `-<component>` (`api-prod-db`,
/// `api-prod-headless`: the parts Helm charts add to a release's name).
pub(crate) fn fits_resource(pattern: &str, name: &str, envs: &[&str]) -> bool {
    if fits(pattern, name, envs) {
        return true;
    }
    let mut with_component = pieces(pattern);
    if with_component.last() != Some(&Piece::Env) {
        return false;
    }
    with_component.push(Piece::Literal("-"));
    with_component.push(Piece::Any);
    matches(&with_component, name, envs)
}

fn matches(pieces: &[Piece<'_>], name: &str, envs: &[&str]) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return name.is_empty();
    };
    match first {
        Piece::Literal(literal) => name
            .strip_prefix(literal)
            .is_some_and(|after| matches(rest, after, envs)),
        Piece::Env => envs.iter().any(|env| {
            name.get(..env.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(env))
                && name
                    .get(env.len()..)
                    .is_some_and(|after| matches(rest, after, envs))
        }),
        Piece::Any => name
            .char_indices()
            .skip(1)
            .map(|(at, _)| at)
            .chain(std::iter::once(name.len()))
            .filter(|at| *at > 0)
            .any(|at| {
                name.get(at..)
                    .is_some_and(|after| matches(rest, after, envs))
            }),
    }
}

fn names_of(environment: &Environment) -> Vec<&str> {
    std::iter::once(environment.name.as_str())
        .chain(environment.config.aliases.iter().map(String::as_str))
        .collect()
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let Some(environment) = context.environment else {
        return;
    };
    let object = context.object;
    let identity = &object.identity;
    if is_delivery(identity) || is_build_config(identity) {
        return;
    }
    let envs = names_of(environment);
    let naming = &context.config.naming;
    if identity.is("", "Namespace") {
        if let Some(pattern) = &naming.namespace {
            if !fits(pattern, &identity.name, &envs) {
                sink.push(
                    mismatch(
                        object,
                        "/metadata/name",
                        "Namespace",
                        &identity.name,
                        pattern,
                        environment,
                    )
                    .configured_at("naming.namespace", "naming.namespace configured here"),
                );
            }
        }
        return;
    }
    if is_cluster_scoped(identity) {
        return;
    }
    if let (Some(pattern), Some(namespace)) = (&naming.namespace, &identity.namespace) {
        if !fits(pattern, namespace, &envs) {
            sink.push(
                mismatch(
                    object,
                    "/metadata/namespace",
                    "namespace",
                    namespace,
                    pattern,
                    environment,
                )
                .configured_at("naming.namespace", "naming.namespace configured here"),
            );
        }
    }
    if is_namespace_infrastructure(identity) {
        return;
    }
    let pattern = naming
        .resource
        .as_deref()
        .unwrap_or(DEFAULT_RESOURCE_PATTERN);
    // generateName is a prefix: the suffix Kubernetes adds is not ours to check.
    let generated = object.node.get_path(&["metadata", "name"]).is_none();
    if !generated && !fits_resource(pattern, &identity.name, &envs) {
        sink.push(
            mismatch(
                object,
                "/metadata/name",
                "name",
                &identity.name,
                pattern,
                environment,
            )
            .configured_at("naming.resource", "naming.resource configured here"),
        );
    }
    for (field, key) in [
        ("labels", RELEASE_LABEL),
        ("labels", RELEASE_ANNOTATION),
        ("annotations", RELEASE_ANNOTATION),
    ] {
        let Some(release) = object
            .node
            .get_path(&["metadata", field, key])
            .and_then(|node| node.as_str())
        else {
            continue;
        };
        if !fits(pattern, release, &envs) {
            sink.push(
                Violation::at_value(
                    object,
                    crate::yaml::pointer_of(["metadata", field, key]),
                    format!(
                        "Helm release {release} (`{key}`) does not fit `{pattern}` for environment {}",
                        environment.name
                    ),
                )
                .with_help(format!(
                    "install the release under a name that fits `{pattern}`, such as {}",
                    example(pattern, release, environment)
                ))
                .configured_at("naming.resource", "naming.resource configured here"),
            );
        }
    }
}

fn mismatch(
    object: &Object,
    pointer: &str,
    what: &str,
    name: &str,
    pattern: &str,
    environment: &Environment,
) -> Violation {
    Violation::at_value(
        object,
        pointer,
        format!(
            "{what} {name} does not fit `{pattern}` for environment {}",
            environment.name
        ),
    )
    .with_help(format!(
        "rename it to fit `{pattern}`, such as {}",
        example(pattern, name, environment)
    ))
}

/// The pattern filled in with the name as the service (and project).
fn example(pattern: &str, name: &str, environment: &Environment) -> String {
    let mut out = String::new();
    for piece in pieces(pattern) {
        match piece {
            Piece::Literal(literal) => out.push_str(literal),
            Piece::Env => out.push_str(&environment.name),
            Piece::Any => out.push_str(name),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: &[&str] = &["prod", "production", "live"];

    #[test]
    fn service_env_and_env_service_patterns() {
        assert!(fits("{service}-{env}", "api-gateway-prod", PROD));
        assert!(fits("{service}-{env}", "api-gateway-production", PROD));
        assert!(!fits("{service}-{env}", "api-gateway", PROD));
        assert!(!fits("{service}-{env}", "api-gateway-staging", PROD));
        assert!(!fits("{service}-{env}", "-prod", PROD));
        assert!(!fits("{service}-{env}", "api-prodx", PROD));
        assert!(fits("{env}-{service}", "prod-api", PROD));
        assert!(fits("{env}-{service}", "live-api-gateway", PROD));
        assert!(!fits("{env}-{service}", "api-prod", PROD));
        assert!(fits("{project}-{env}", "meetinity-prod", PROD));
        assert!(fits("app-{service}", "app-x", PROD));
        assert!(!fits("app-{service}", "app-", PROD));
    }

    #[test]
    fn resources_may_add_a_component_after_the_environment() {
        assert!(fits_resource("{service}-{env}", "api-prod-db", PROD));
        assert!(fits_resource("{service}-{env}", "api-prod", PROD));
        assert!(!fits_resource("{service}-{env}", "api-db", PROD));
        assert!(!fits_resource("{service}-{env}", "prod-api", PROD));
        assert!(!fits_resource("{service}-{env}", "api-prod-", PROD));
        assert!(fits_resource("{env}-{service}", "prod-api-db", PROD));
        assert!(!fits("{service}-{env}", "api-prod-db", PROD));
    }

    fn messages(config: &str, files: &[(&str, &str)]) -> Vec<String> {
        let config =
            crate::Config::from_yaml(config, std::path::Path::new(".plimsoll.yaml")).unwrap();
        let options = crate::EngineOptions {
            select: vec!["naming-convention".into()],
            ..crate::EngineOptions::default()
        };
        let engine = crate::Engine::new(config, options).unwrap();
        let inputs: Vec<crate::Input> = files
            .iter()
            .map(|(name, text)| crate::Input::Text {
                name: (*name).into(),
                text: (*text).into(),
            })
            .collect();
        engine
            .check(&inputs)
            .unwrap()
            .findings
            .into_iter()
            .map(|finding| {
                format!(
                    "{}:{} {}",
                    finding.file, finding.span.start.line, finding.message
                )
            })
            .collect()
    }

    #[test]
    fn env_first_and_namespace_patterns_come_from_the_config() {
        let config = "naming:\n  resource: \"{env}-{service}\"\n  namespace: \"{project}-{env}\"\n";
        let manifests = "\
apiVersion: v1
kind: Namespace
metadata:
  name: live-shop
---
apiVersion: v1
kind: Service
metadata:
  name: production-api
  namespace: shop-live
  labels:
    app.kubernetes.io/instance: prod-shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-prod
  namespace: shop
  annotations:
    meta.helm.sh/release-name: shop-prod
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: shop
  namespace: argocd
";
        assert_eq!(
            messages(config, &[("envs/prod/all.yaml", manifests)]),
            vec![
                "envs/prod/all.yaml:4 Namespace live-shop does not fit `{project}-{env}` for environment prod",
                "envs/prod/all.yaml:17 name api-prod does not fit `{env}-{service}` for environment prod",
                "envs/prod/all.yaml:18 namespace shop does not fit `{project}-{env}` for environment prod",
                "envs/prod/all.yaml:20 Helm release shop-prod (`meta.helm.sh/release-name`) does not fit `{env}-{service}` for environment prod",
            ]
        );
    }

    #[test]
    fn objects_without_environment_are_not_checked() {
        let manifest = "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec: {}\n";
        assert!(messages("{}", &[("manifests/api.yaml", manifest)]).is_empty());
    }

    #[test]
    fn patterns_are_split_into_pieces() {
        assert_eq!(
            pieces("{service}-{env}"),
            vec![Piece::Any, Piece::Literal("-"), Piece::Env]
        );
        assert_eq!(pieces("x{unclosed"), vec![Piece::Literal("x{unclosed")]);
    }
}
