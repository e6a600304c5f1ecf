//! Workloads: where each kind keeps its pod template, and its containers.

use super::object::{Identity, Object};
use crate::yaml::Node;

/// The kinds whose objects run pods, with the JSON pointer of their pod spec.
const POD_SPEC_POINTERS: &[(&str, &str, &str)] = &[
    ("", "Pod", "/spec"),
    ("apps", "Deployment", "/spec/template/spec"),
    ("apps", "StatefulSet", "/spec/template/spec"),
    ("apps", "DaemonSet", "/spec/template/spec"),
    ("apps", "ReplicaSet", "/spec/template/spec"),
    ("", "ReplicationController", "/spec/template/spec"),
    ("batch", "Job", "/spec/template/spec"),
    ("batch", "CronJob", "/spec/jobTemplate/spec/template/spec"),
    ("argoproj.io", "Rollout", "/spec/template/spec"),
    // Removed API groups still show up in old manifests; they hold pods in
    // the same places.
    ("extensions", "Deployment", "/spec/template/spec"),
    ("extensions", "DaemonSet", "/spec/template/spec"),
    ("extensions", "ReplicaSet", "/spec/template/spec"),
];

/// Labels Kubernetes puts on pods at run time, with the workload kinds
/// whose pods get them (`apps.kubernetes.io/pod-index` only on StatefulSet
/// pods, `job-name` only on Job pods, …). A selector may name them: a
/// Service for one StatefulSet replica selects `statefulset.kubernetes.io/pod-name`.
const RUNTIME_LABELS: &[(&str, &[&str])] = &[
    ("statefulset.kubernetes.io/pod-name", &["StatefulSet"]),
    ("apps.kubernetes.io/pod-index", &["StatefulSet"]),
    ("controller-revision-hash", &["StatefulSet", "DaemonSet"]),
    ("pod-template-generation", &["DaemonSet"]),
    ("pod-template-hash", &["Deployment", "ReplicaSet"]),
    ("rollouts-pod-template-hash", &["Rollout"]),
    ("job-name", &["Job", "CronJob"]),
    ("batch.kubernetes.io/job-name", &["Job", "CronJob"]),
    ("controller-uid", &["Job", "CronJob"]),
    ("batch.kubernetes.io/controller-uid", &["Job", "CronJob"]),
    (
        "batch.kubernetes.io/job-completion-index",
        &["Job", "CronJob"],
    ),
];

/// Whether Kubernetes gives the pods of this workload the label `key` at
/// run time (whatever its template says).
pub(crate) fn gets_runtime_label(workload: &Object, key: &str) -> bool {
    is_workload(workload)
        && RUNTIME_LABELS
            .iter()
            .any(|(label, kinds)| *label == key && kinds.contains(&workload.identity.kind.as_str()))
}

/// Whether `key` is a label Kubernetes sets on some pods at run time.
pub(crate) fn is_runtime_label(key: &str) -> bool {
    RUNTIME_LABELS.iter().any(|(label, _)| *label == key)
}

/// The JSON pointer of a workload's pod labels (`/metadata/labels` of a
/// Pod, `…/template/metadata/labels` of the others), whether or not the
/// template has a `spec`.
pub(crate) fn pod_labels_pointer(object: &Object) -> Option<String> {
    let spec = pod_spec_pointer(object)?;
    let template = spec.strip_suffix("/spec").unwrap_or("");
    Some(format!("{template}/metadata/labels"))
}

/// Each workload kind (whatever its group) with the place of its pod spec,
/// each once.
pub(crate) fn pod_spec_pointers() -> Vec<(&'static str, &'static str)> {
    let mut pointers: Vec<(&'static str, &'static str)> = Vec::new();
    for (_, kind, pointer) in POD_SPEC_POINTERS {
        if !pointers.contains(&(kind, pointer)) {
            pointers.push((kind, pointer));
        }
    }
    pointers
}

/// The container lists of a pod spec.
pub(crate) const CONTAINER_LISTS: [&str; 3] =
    ["containers", "initContainers", "ephemeralContainers"];

/// Whether the object is a workload (runs pods).
pub fn is_workload(object: &Object) -> bool {
    pod_spec_pointer(object).is_some()
}

/// The JSON pointer of a workload's pod spec.
pub(crate) fn pod_spec_pointer(object: &Object) -> Option<&'static str> {
    pod_spec_pointer_of(&object.identity)
}

/// The JSON pointer of the pod spec of objects of `identity`'s kind.
fn pod_spec_pointer_of(identity: &Identity) -> Option<&'static str> {
    POD_SPEC_POINTERS
        .iter()
        .find(|(group, kind, _)| identity.group == *group && identity.kind == *kind)
        .map(|(_, _, pointer)| *pointer)
}

/// A workload's pod spec, with its pointer.
pub fn pod_spec(object: &Object) -> Option<(&'static str, &Node)> {
    let pointer = pod_spec_pointer(object)?;
    object.node.pointer(pointer).map(|node| (pointer, node))
}

/// One container of a pod spec.
#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    /// The container's tree.
    pub node: &'a Node,
    /// Which list it is in (`containers`, `initContainers`,
    /// `ephemeralContainers`).
    pub list: &'static str,
    /// Its index in that list.
    pub index: usize,
    /// The pod spec's pointer.
    pub pod_spec_pointer: &'static str,
}

impl Container<'_> {
    /// `name`, or `""`.
    pub fn name(&self) -> &str {
        self.node.get("name").and_then(Node::as_str).unwrap_or("")
    }

    /// How messages name the container: `container api`; one without a
    /// `name` (a fragment, a patch, an invalid manifest) by its 1-based
    /// position in its list, `container #2`, or `container #1 of
    /// initContainers` outside `containers`.
    pub fn describe(&self) -> String {
        match self.node.get("name").and_then(Node::as_str) {
            Some(name) if !name.is_empty() => format!("container {name}"),
            _ if self.list == "containers" => format!("container #{}", self.index + 1),
            _ => format!("container #{} of {}", self.index + 1, self.list),
        }
    }

    /// The JSON pointer a finding about the whole container points at: its
    /// `name`, or the list item itself when it has none.
    pub fn anchor(&self) -> String {
        if self.node.get("name").is_some() {
            self.pointer("name")
        } else {
            format!("{}/{}/{}", self.pod_spec_pointer, self.list, self.index)
        }
    }

    /// The JSON pointer of a field of this container (`"image"` →
    /// `/spec/template/spec/containers/0/image`).
    pub fn pointer(&self, field: &str) -> String {
        format!(
            "{}/{}/{}/{field}",
            self.pod_spec_pointer, self.list, self.index
        )
    }
}

/// Every container of a workload: `containers`, `initContainers` and
/// `ephemeralContainers`.
pub fn containers(object: &Object) -> Vec<Container<'_>> {
    let Some((pod_spec_pointer, spec)) = pod_spec(object) else {
        return Vec::new();
    };
    CONTAINER_LISTS
        .iter()
        .filter_map(|list| Some((*list, spec.get(list)?.as_seq()?)))
        .flat_map(|(list, items)| {
            items
                .iter()
                .enumerate()
                .map(move |(index, node)| Container {
                    node,
                    list,
                    index,
                    pod_spec_pointer,
                })
        })
        .collect()
}

/// Whether a document is part of a workload, as a strategic-merge patch
/// writes one: an object of a workload kind that writes its pod template
/// (labels, affinity, a container's `env`) but no container with an image,
/// which no workload runs without, nor the selector of its pods. (An
/// object that writes no pod template at all is left whole: a manifest cut
/// short.)
pub(crate) fn is_workload_fragment(root: &Node) -> bool {
    // Without a name it is no patch either (a Kustomize patch file names
    // the object it patches), but a manifest missing its metadata.
    let Some(pointer) = Identity::of(root).as_ref().and_then(pod_spec_pointer_of) else {
        return false;
    };
    let template = pointer.strip_suffix("/spec").unwrap_or(pointer);
    if root.pointer(template).is_none() || root.get_path(&["spec", "selector"]).is_some() {
        return false;
    }
    let containers = root
        .pointer(pointer)
        .and_then(|pod_spec| pod_spec.get("containers"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    containers
        .iter()
        .all(|container| container.get("image").is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::first_tree;

    #[test]
    fn a_workload_without_a_container_image_is_a_fragment() {
        let fragment = |text: &str| is_workload_fragment(&first_tree(text));
        assert!(fragment(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata:\n      labels: {team: a}\n"
        ));
        assert!(fragment(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env: [{name: A, value: b}]\n"
        ));
        assert!(!fragment(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: web, image: 'web:1.0'}\n"
        ));
        assert!(!fragment(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
        ));
        assert!(!fragment(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n"
        ));
        assert!(!fragment(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n"
        ));
        assert!(!fragment(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: b}\n"
        ));
    }
}
