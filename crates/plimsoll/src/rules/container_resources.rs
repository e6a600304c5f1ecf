//! `container-resources`: a container lacks cpu/memory requests or limits,
//! is below its environment's `resources` floor, or writes a malformed
//! quantity.
//!
//! Checked: `containers` and `initContainers` of every workload
//! (ephemeral containers cannot declare resources). A value the API server
//! fills in counts as set: a container's own limit stands in for its
//! missing request, and a LimitRange of the namespace (anywhere in the
//! environment's files) supplies `default` and `defaultRequest` — see
//! `model::resources`. One finding per container lists everything it
//! lacks, at its `resources` (else its `name`, else the container item;
//! a container without a name is called by its position, `container #2`). The floor
//! (`environments[].resources.requests|limits.cpu|memory`) is compared to
//! the admitted value. A quantity that does not parse (`1 core`, `512MB`)
//! is an error finding at the value, whatever the rule's severity: the API
//! server rejects it.

use std::collections::HashMap;

use super::{Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::kept_elsewhere::holds_variable;
use crate::model::resources::{admitted, limit_items, ContainerDefaults, Requirements};
use crate::model::{is_workload, Object, Quantity, Unit};
use crate::settings::ResourceAmounts;
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "container-resources".into(),
            category: Category::Workloads,
            default_severity: Severity::Warning,
            summary: "a container lacks cpu/memory requests or limits, or is below the environment's resources floor".into(),
            rationale: "The scheduler places pods by their requests: a container without them lands on full \
nodes and is the first evicted under pressure. Without limits one container can starve its neighbours of \
CPU or take a node's memory. Both are also what a ResourceQuota counts. What the API server fills in counts \
as set: a limit alone counts as the request (Kubernetes copies it there), and a LimitRange of the namespace \
supplies its `default` and `defaultRequest`."
                .into(),
            fix: "Set `resources.requests` and `resources.limits` for cpu and memory on every container (or give \
the namespace a LimitRange with `default` and `defaultRequest`), at least the environment's \
`resources` floor."
                .into(),
            bad: r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.0
          resources:
            requests: {cpu: 250m}
".into(),
            good: r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.0
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {cpu: '1', memory: 512Mi}
".into(),
        },
        check,
    )
    .reading(&[
        "LimitRange:/spec/limits",
        "{container}/name",
        "{container}/resources",
        "{container}/restartPolicy",
    ])
    .configured_by(&["environments[].resources.requests.cpu", "environments[].resources.requests.memory", "environments[].resources.limits.cpu", "environments[].resources.limits.memory"])
}

const CHECKED: [(&str, &str); 4] = [
    ("requests", "cpu"),
    ("requests", "memory"),
    ("limits", "cpu"),
    ("limits", "memory"),
];

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let mut defaults_by_namespace: HashMap<Option<&str>, ContainerDefaults> = HashMap::new();
    for limit_range in context
        .index
        .of_kind("LimitRange")
        .filter(|object| object.identity.is("", "LimitRange"))
    {
        let items = limit_items(limit_range, &mut Vec::new());
        let found = ContainerDefaults::from_items(&items);
        let defaults = defaults_by_namespace
            .entry(limit_range.identity.namespace.as_deref())
            .or_default();
        for (key, value) in found.limits {
            defaults.limits.entry(key).or_insert(value);
        }
        for (key, value) in found.requests {
            defaults.requests.entry(key).or_insert(value);
        }
    }
    let floor = context
        .environment
        .map(|environment| &environment.config.resources);
    let no_defaults = ContainerDefaults::default();
    for workload in context
        .index
        .all()
        .iter()
        .copied()
        .filter(|o| is_workload(o))
    {
        let defaults = defaults_by_namespace
            .get(&workload.identity.namespace.as_deref())
            .unwrap_or(&no_defaults);
        let mut malformed = Vec::new();
        let containers = admitted(workload, defaults, &mut malformed);
        for bad in &malformed {
            sink.push(
                Violation::at_value(workload, bad.pointer.clone(), bad.error.to_string())
                    .with_severity(Severity::Error)
                    .with_help("write a Kubernetes quantity: `500m` or `0.5` cores, `256Mi` or `1Gi` of memory"),
            );
        }
        for container in &containers {
            let resources_pointer = container.container.pointer("resources");
            let missing: Vec<String> = CHECKED
                .iter()
                .filter(|(section, resource)| {
                    let value_pointer = format!("{resources_pointer}/{section}/{resource}");
                    !malformed.iter().any(|m| m.pointer == value_pointer)
                        && pick(&container.effective, section, resource).is_none()
                        && !filled_in_later(container.container.node, section, resource)
                })
                .map(|(section, resource)| format!("{section}.{resource}"))
                .collect();
            if !missing.is_empty() {
                let target = if container.container.node.get("resources").is_some() {
                    resources_pointer.clone()
                } else {
                    container.container.anchor()
                };
                sink.push(
                    Violation::at_value(
                        workload,
                        target,
                        format!(
                            "{} has no {}",
                            container.container.describe(),
                            missing.join(", ")
                        ),
                    )
                    .with_help("set resources.requests and resources.limits for cpu and memory"),
                );
            }
            if let (Some(environment), Some(floor)) = (context.environment, floor) {
                check_floor(workload, container, &environment.name, floor, sink);
            }
        }
    }
}

fn pick(requirements: &Requirements, section: &str, resource: &str) -> Option<Quantity> {
    let amounts = if section == "requests" {
        &requirements.requests
    } else {
        &requirements.limits
    };
    amounts.get(resource).copied()
}

fn check_floor(
    workload: &Object,
    container: &crate::model::resources::AdmittedContainer<'_>,
    environment: &str,
    floor: &crate::settings::ResourceFloor,
    sink: &mut Sink,
) {
    let sections: [(&str, &ResourceAmounts); 2] =
        [("requests", &floor.requests), ("limits", &floor.limits)];
    for (section, amounts) in sections {
        for (resource, minimum) in [("cpu", &amounts.cpu), ("memory", &amounts.memory)] {
            let Some(minimum) = minimum
                .as_deref()
                .and_then(|text| Quantity::parse(text).ok())
            else {
                continue;
            };
            let Some(value) = pick(&container.effective, section, resource) else {
                continue;
            };
            if value >= minimum {
                continue;
            }
            let declared = pick(&container.declared, section, resource).is_some();
            let pointer = if declared {
                container
                    .container
                    .pointer(&format!("resources/{section}/{resource}"))
            } else {
                container.container.pointer("resources")
            };
            let unit = Unit::of_resource(resource);
            sink.push(
                Violation::at_value(
                    workload,
                    pointer,
                    format!(
                        "{} {section} {resource} {}, below the {environment} floor of {}",
                        container.container.describe(),
                        value.display(unit),
                        minimum.display(unit)
                    ),
                )
                .with_help(format!(
                    "set resources.{section}.{resource} to at least {}",
                    minimum.display(unit)
                )),
            );
        }
    }
}

/// Whether a container writes an amount as a value filled in before it is
/// applied (`${CPU}`, a Kustomize `$(cpu_limit)`): it is set, with a value
/// not known yet.
fn filled_in_later(container: &Node, section: &str, resource: &str) -> bool {
    container
        .get_path(&["resources", section, resource])
        .and_then(Node::as_str)
        .is_some_and(holds_variable)
}
