//! Container resources as Kubernetes admits them: what a container declares,
//! what LimitRange defaults add, and what a whole pod requests.
//!
//! - Defaults are applied in the API server's order: a container's own
//!   limits stand in for its missing requests (pod defaulting), then the
//!   namespace's LimitRange `default` fills missing limits and
//!   `defaultRequest` missing requests (the LimitRanger admission plugin). A
//!   LimitRange item is itself defaulted first: `default` ← `max`,
//!   `defaultRequest` ← `default`, then ← `min`.
//! - A pod's effective request for a resource is the larger of what its
//!   init phase needs (each init container, plus the sidecars started
//!   before it) and what it needs once running (every container plus every
//!   sidecar): the rule of the Kubernetes scheduler and of ResourceQuota.
//!   Sidecars are init containers with `restartPolicy: Always`.
//! - Ephemeral containers cannot declare resources and are left out.

use super::kept_elsewhere::holds_variable;
use std::collections::BTreeMap;

use super::object::Object;
use super::quantity::{Quantity, QuantityError};
use super::workload::{containers, Container};
use crate::yaml::Node;

/// Resource amounts by resource name (`cpu`, `memory`, …).
pub(crate) type Amounts = BTreeMap<String, Quantity>;

/// Requests and limits of one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Requirements {
    /// `resources.requests`.
    pub requests: Amounts,
    /// `resources.limits`.
    pub limits: Amounts,
}

/// A quantity that does not parse, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed {
    /// JSON pointer of the value inside its object.
    pub pointer: String,
    /// Why it does not parse.
    pub error: QuantityError,
}

/// Reads `name: quantity` pairs of a mapping; the malformed ones are
/// returned apart.
pub(crate) fn read_amounts(
    node: Option<&Node>,
    pointer: &str,
    malformed: &mut Vec<Malformed>,
) -> Amounts {
    let mut amounts = Amounts::new();
    for entry in node.and_then(Node::as_map).unwrap_or_default() {
        match Quantity::from_node(&entry.value) {
            Ok(quantity) => {
                amounts.insert(entry.key.to_string(), quantity);
            }
            // `${VAR}` and a Kustomize `$(var)` are substituted before
            // the object is applied: not a quantity yet, nor a malformed
            // one.
            Err(_) if entry.value.as_str().is_some_and(holds_variable) => {}
            Err(error) => {
                let mut at = pointer.to_owned();
                crate::yaml::push_pointer(&mut at, &entry.key);
                malformed.push(Malformed { pointer: at, error });
            }
        }
    }
    amounts
}

/// What a container declares in `resources`.
pub(crate) fn declared(container: &Container<'_>, malformed: &mut Vec<Malformed>) -> Requirements {
    let resources = container.node.get("resources");
    Requirements {
        requests: read_amounts(
            resources.and_then(|r| r.get("requests")),
            &container.pointer("resources/requests"),
            malformed,
        ),
        limits: read_amounts(
            resources.and_then(|r| r.get("limits")),
            &container.pointer("resources/limits"),
            malformed,
        ),
    }
}

/// The container defaults of a namespace's LimitRanges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ContainerDefaults {
    /// Default limits (`default`, else `max`).
    pub limits: Amounts,
    /// Default requests (`defaultRequest`, else `default`, else `min`).
    pub requests: Amounts,
}

/// One item of a LimitRange, after Kubernetes' defaulting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LimitItem {
    /// `type`: `Container`, `Pod`, `PersistentVolumeClaim`.
    pub kind: String,
    /// Index of the item in `spec.limits`.
    pub index: usize,
    /// `min`.
    pub min: Amounts,
    /// `max`.
    pub max: Amounts,
    /// `default` (defaulted from `max`).
    pub default: Amounts,
    /// `defaultRequest` (defaulted from `default`, then `min`).
    pub default_request: Amounts,
    /// `maxLimitRequestRatio`.
    pub max_ratio: Amounts,
}

/// The items of a LimitRange, and its malformed quantities.
pub(crate) fn limit_items(limit_range: &Object, malformed: &mut Vec<Malformed>) -> Vec<LimitItem> {
    let items = limit_range
        .node
        .pointer("/spec/limits")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let base = format!("/spec/limits/{index}");
            let mut read =
                |key: &str| read_amounts(item.get(key), &format!("{base}/{key}"), malformed);
            let mut parsed = LimitItem {
                kind: item
                    .get("type")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_owned(),
                index,
                min: read("min"),
                max: read("max"),
                default: read("default"),
                default_request: read("defaultRequest"),
                max_ratio: read("maxLimitRequestRatio"),
            };
            if parsed.kind == "Container" {
                for (key, value) in &parsed.max {
                    parsed.default.entry(key.clone()).or_insert(*value);
                }
                for (key, value) in parsed.default.iter().chain(&parsed.min) {
                    parsed.default_request.entry(key.clone()).or_insert(*value);
                }
            }
            parsed
        })
        .collect()
}

impl ContainerDefaults {
    /// The defaults of these LimitRange items (the first item that sets a
    /// resource wins, as the admission plugin applies them in turn).
    pub(crate) fn from_items<'i>(
        items: impl IntoIterator<Item = &'i LimitItem>,
    ) -> ContainerDefaults {
        let mut defaults = ContainerDefaults::default();
        for item in items.into_iter().filter(|item| item.kind == "Container") {
            for (key, value) in &item.default {
                defaults.limits.entry(key.clone()).or_insert(*value);
            }
            for (key, value) in &item.default_request {
                defaults.requests.entry(key.clone()).or_insert(*value);
            }
        }
        defaults
    }
}

/// A container's requirements once admitted: its own limits stand in for
/// missing requests, then LimitRange defaults fill what is still missing.
pub(crate) fn effective(declared: &Requirements, defaults: &ContainerDefaults) -> Requirements {
    let mut requests = declared.requests.clone();
    for (key, value) in &declared.limits {
        requests.entry(key.clone()).or_insert(*value);
    }
    for (key, value) in &defaults.requests {
        requests.entry(key.clone()).or_insert(*value);
    }
    let mut limits = declared.limits.clone();
    for (key, value) in &defaults.limits {
        limits.entry(key.clone()).or_insert(*value);
    }
    Requirements { requests, limits }
}

/// One container of a pod with its effective requirements.
#[derive(Debug, Clone)]
pub(crate) struct AdmittedContainer<'a> {
    /// The container.
    pub container: Container<'a>,
    /// What it declares.
    pub declared: Requirements,
    /// What it gets once LimitRange defaults are applied.
    pub effective: Requirements,
    /// Whether it is a sidecar (an init container with `restartPolicy: Always`).
    pub sidecar: bool,
}

/// The containers of a workload that can declare resources (`containers`
/// and `initContainers`), with LimitRange defaults applied, and the
/// malformed quantities found.
pub(crate) fn admitted<'a>(
    object: &'a Object,
    defaults: &ContainerDefaults,
    malformed: &mut Vec<Malformed>,
) -> Vec<AdmittedContainer<'a>> {
    containers(object)
        .into_iter()
        .filter(|container| container.list != "ephemeralContainers")
        .map(|container| {
            let declared = declared(&container, malformed);
            let effective = effective(&declared, defaults);
            let sidecar = container.list == "initContainers"
                && container.node.get("restartPolicy").and_then(Node::as_str) == Some("Always");
            AdmittedContainer {
                container,
                declared,
                effective,
                sidecar,
            }
        })
        .collect()
}

/// The pod-level amount of one resource: the larger of the init phase's
/// peak and the running phase's sum (see the module docs).
pub(crate) fn pod_amount(
    containers: &[AdmittedContainer<'_>],
    pick: impl Fn(&Requirements) -> Option<Quantity>,
) -> Quantity {
    let mut sidecars = Quantity::ZERO;
    let mut init_peak = Quantity::ZERO;
    let mut running = Quantity::ZERO;
    for admitted in containers {
        let amount = pick(&admitted.effective).unwrap_or_default();
        if admitted.container.list == "initContainers" {
            if admitted.sidecar {
                sidecars = sidecars.saturating_add(amount);
                init_peak = init_peak.max(sidecars);
            } else {
                init_peak = init_peak.max(sidecars.saturating_add(amount));
            }
        } else {
            running = running.saturating_add(amount);
        }
    }
    init_peak.max(running.saturating_add(sidecars))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileId, Identity, ObjectId};
    use crate::yaml;

    fn object(text: &str) -> Object {
        let node = yaml::parse_stream(text, &yaml::Limits::default())
            .remove(0)
            .root
            .unwrap();
        Object {
            id: ObjectId(0),
            file: FileId(0),
            document: 0,
            pointer_prefix: String::new(),
            identity: Identity::of(&node).unwrap(),
            node,
            source: None,
            environment: None,
            selector_by_kustomize: false,
            images_set_by_build: Default::default(),
            build_roots: Default::default(),
            patched_by_build: None,
        }
    }

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap()
    }

    const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - name: migrate
      resources: {requests: {cpu: '2'}}
    - name: proxy
      restartPolicy: Always
      resources: {requests: {cpu: 300m}}
    - name: warm
      resources: {requests: {cpu: 1500m}}
  containers:
    - name: app
      resources: {requests: {cpu: 500m}, limits: {memory: 1Gi}}
    - name: worker
      resources: {requests: {cpu: 250m, memory: 64Mi}}
";

    #[test]
    fn pod_requests_follow_the_sidecar_rule() {
        let pod = object(POD);
        let mut malformed = Vec::new();
        let admitted = admitted(&pod, &ContainerDefaults::default(), &mut malformed);
        assert!(malformed.is_empty());
        let cpu = pod_amount(&admitted, |r| r.requests.get("cpu").copied());
        // init: max(2, 300m + 1500m) = 2; running: 500m + 250m + 300m.
        assert_eq!(cpu, q("2"));
        let memory = pod_amount(&admitted, |r| r.requests.get("memory").copied());
        // The app's limit stands in for its request.
        assert_eq!(memory, q("1Gi").saturating_add(q("64Mi")));
    }

    #[test]
    fn limit_range_defaults_are_applied_in_the_api_server_order() {
        let limit_range = object(
            "apiVersion: v1
kind: LimitRange
metadata: {name: l}
spec:
  limits:
    - type: Container
      max: {cpu: '4', memory: 2Gi}
      default: {memory: 512Mi}
      min: {cpu: 50m}
      defaultRequest: {memory: 256Mi}
",
        );
        let mut malformed = Vec::new();
        let items = limit_items(&limit_range, &mut malformed);
        let defaults = ContainerDefaults::from_items(&items);
        assert_eq!(defaults.limits.get("cpu"), Some(&q("4")));
        assert_eq!(defaults.limits.get("memory"), Some(&q("512Mi")));
        assert_eq!(defaults.requests.get("cpu"), Some(&q("4")));
        assert_eq!(defaults.requests.get("memory"), Some(&q("256Mi")));
        let declared = Requirements {
            requests: Amounts::new(),
            limits: [("cpu".to_owned(), q("1"))].into(),
        };
        let admitted = effective(&declared, &defaults);
        // The container's own limit wins over defaultRequest.
        assert_eq!(admitted.requests.get("cpu"), Some(&q("1")));
        assert_eq!(admitted.requests.get("memory"), Some(&q("256Mi")));
        assert_eq!(admitted.limits.get("memory"), Some(&q("512Mi")));
    }

    #[test]
    fn malformed_quantities_are_located() {
        let pod = object(
            "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      resources: {requests: {cpu: 1 core, memory: 64MB}}
",
        );
        let mut malformed = Vec::new();
        admitted(&pod, &ContainerDefaults::default(), &mut malformed);
        let pointers: Vec<&str> = malformed.iter().map(|m| m.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/spec/containers/0/resources/requests/cpu",
                "/spec/containers/0/resources/requests/memory"
            ]
        );
    }
}
