//! `required-workloads`: a service listed in `requiredWorkloads` has no
//! Deployment in an environment that has workloads.
//!
//! The Deployment is looked up by `naming.resource` (default
//! `{service}-{env}`), where `{env}` is the environment's name or any of its
//! aliases (`api-production` counts for prod) and `{project}` (or any other
//! placeholder) stands for any text. A StatefulSet or an Argo Rollout of
//! that name counts too, since services move between those kinds. An
//! environment with no workload at all (only namespace files, say) is not
//! checked, nor are documents with no environment. The finding points at
//! the environment's first Namespace object, else at its first document.

use std::collections::HashSet;

use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::environment::Environment;
use crate::finding::Severity;
use crate::model::is_workload;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "required-workloads".into(),
            category: Category::Workloads,
            default_severity: Severity::Error,
            summary: "a service in requiredWorkloads has no Deployment (named by naming.resource) in an environment that has workloads".into(),
            rationale: "Promotion guides list the services an environment must run (the Deployments the pipeline \
waits for). A rendered environment that silently lost one (a values file that disabled it, a renamed \
release) deploys fine and breaks at runtime."
                .into(),
            fix: "Render the missing service into the environment, named by `naming.resource` (\
`<service>-<env>` by default), or remove it from `requiredWorkloads`. The example assumes \
`requiredWorkloads: [api, worker]`."
                .into(),
            bad: r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
".into(),
            good: r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker-prod
  namespace: shop-prod
".into(),
        },
        check,
    )
    .reading(&[])
    .convention()
    .configured_by(&["requiredWorkloads", "naming.resource"])
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let required = context.config.required_workloads;
    let Some(environment) = context.environment else {
        return;
    };
    if required.is_empty() || !context.index.all().iter().any(|o| is_workload(o)) {
        return;
    }
    let names: HashSet<&str> = context
        .index
        .all()
        .iter()
        .filter(|object| {
            let identity = &object.identity;
            identity.is("apps", "Deployment")
                || identity.is("apps", "StatefulSet")
                || identity.is("extensions", "Deployment")
                || identity.is("argoproj.io", "Rollout")
        })
        .map(|object| object.identity.name.as_str())
        .collect();
    let pattern = context
        .config
        .naming
        .resource
        .as_deref()
        .unwrap_or("{service}-{env}");
    let anchor = context
        .index
        .of_kind("Namespace")
        .find(|namespace| namespace.identity.is("", "Namespace"))
        .or_else(|| context.index.all().first().copied());
    let Some(anchor) = anchor else {
        return;
    };
    for service in required {
        let found = names
            .iter()
            .any(|name| matches_pattern(pattern, service, environment, name));
        if !found {
            let expected = pattern
                .replace("{service}", service)
                .replace("{env}", &environment.name);
            sink.push(
                Violation::at_value(
                    anchor,
                    "/metadata/name",
                    format!(
                        "environment {} has no Deployment for required service {service} (expected {expected})",
                        environment.name
                    ),
                )
                .with_help(format!(
                    "render a Deployment named {expected} into {}, or remove {service} from `requiredWorkloads`",
                    environment.name
                )),
            );
        }
    }
}

/// Whether `name` fits the naming pattern for `service` in `environment`.
fn matches_pattern(pattern: &str, service: &str, environment: &Environment, name: &str) -> bool {
    let Some(open) = pattern.find('{') else {
        return pattern == name;
    };
    let Some(close) = pattern
        .get(open..)
        .and_then(|rest| rest.find('}'))
        .map(|at| at + open)
    else {
        return pattern == name;
    };
    let (Some(literal), Some(placeholder), Some(rest)) = (
        pattern.get(..open),
        pattern.get(open + 1..close),
        pattern.get(close + 1..),
    ) else {
        return false;
    };
    let Some(after_literal) = name.strip_prefix(literal) else {
        return false;
    };
    let mut candidates: Vec<&str> = match placeholder {
        "service" => vec![service],
        "env" => std::iter::once(environment.name.as_str())
            .chain(environment.config.aliases.iter().map(String::as_str))
            .collect(),
        _ => {
            // A wildcard: any non-empty prefix of what is left.
            return after_literal
                .char_indices()
                .skip(1)
                .map(|(at, _)| at)
                .chain(std::iter::once(after_literal.len()))
                .filter(|at| *at > 0)
                .any(|at| {
                    after_literal
                        .get(at..)
                        .is_some_and(|tail| matches_pattern(rest, service, environment, tail))
                });
        }
    };
    candidates.retain(|candidate| !candidate.is_empty());
    candidates.iter().any(|candidate| {
        after_literal
            .get(..candidate.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(candidate))
            && after_literal
                .get(candidate.len()..)
                .is_some_and(|tail| matches_pattern(rest, service, environment, tail))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::EnvId;
    use crate::settings::EnvironmentConfig;

    #[test]
    fn names_fit_patterns_with_aliases_and_wildcards() {
        let prod = Environment {
            id: EnvId(0),
            name: "prod".into(),
            config: EnvironmentConfig {
                name: "prod".into(),
                aliases: vec!["production".into()],
                ..EnvironmentConfig::default()
            },
            promotes_to: Vec::new(),
        };
        let fits = |pattern, name| matches_pattern(pattern, "api", &prod, name);
        assert!(fits("{service}-{env}", "api-prod"));
        assert!(fits("{service}-{env}", "api-production"));
        assert!(!fits("{service}-{env}", "api-staging"));
        assert!(!fits("{service}-{env}", "api-gateway-prod"));
        assert!(fits("{env}-{service}", "prod-api"));
        assert!(fits("{project}-{service}-{env}", "shop-eu-api-prod"));
        assert!(!fits("{project}-{service}-{env}", "-api-prod"));
        assert!(fits("{service}", "api"));
    }
}
