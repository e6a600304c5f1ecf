//! Kubernetes objects found in the input: identity and common metadata.

use std::sync::Arc;

use super::image::{ImagePin, SetImage};
use super::PatchedFields;
use crate::environment::EnvId;
use crate::finding::ResourceRef;
use crate::yaml::{Node, Value};

/// Index of an object in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId(pub usize);

/// Index of a file in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// Who an object is: API group and version, kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    /// `apps/v1`.
    pub api_version: String,
    /// `apps` (empty for the core group).
    pub group: String,
    /// `v1`.
    pub version: String,
    /// `Deployment`.
    pub kind: String,
    /// The namespace, when the object names one.
    pub namespace: Option<String>,
    /// `metadata.name`, else `metadata.generateName`.
    pub name: String,
}

impl Identity {
    /// The namespace whose environment is the object's: a Namespace's own
    /// name, else the namespace the object is in.
    pub fn environment_namespace(&self) -> Option<&str> {
        if self.is("", "Namespace") {
            Some(self.name.as_str())
        } else {
            self.namespace.as_deref()
        }
    }

    /// Reads the identity of a manifest; `None` unless `apiVersion`, `kind`
    /// and a name are non-empty strings.
    pub fn of(node: &Node) -> Option<Identity> {
        let metadata = node.get("metadata");
        let name = non_empty(metadata.and_then(|m| m.get("name")))
            .or_else(|| non_empty(metadata.and_then(|m| m.get("generateName"))))?;
        let namespace = non_empty(metadata.and_then(|m| m.get("namespace"))).map(str::to_owned);
        Identity::of_type(node, namespace, name.to_owned())
    }

    /// Who a Kustomize strategic-merge patch patches: its apiVersion and
    /// kind; its name may be left to the kustomization's `target`.
    pub fn of_patch(node: &Node) -> Option<Identity> {
        Identity::of(node).or_else(|| Identity::of_type(node, None, String::new()))
    }

    /// The identity with `node`'s `apiVersion` and `kind` (both non-empty
    /// strings) and the given namespace and name.
    fn of_type(node: &Node, namespace: Option<String>, name: String) -> Option<Identity> {
        let api_version = non_empty(node.get("apiVersion"))?;
        let kind = non_empty(node.get("kind"))?;
        let (group, version) = match api_version.rsplit_once('/') {
            Some((group, version)) => (group.to_owned(), version.to_owned()),
            None => (String::new(), api_version.to_owned()),
        };
        Some(Identity {
            api_version: api_version.to_owned(),
            group,
            version,
            kind: kind.to_owned(),
            namespace,
            name,
        })
    }

    /// The reference used in findings.
    pub fn to_ref(&self) -> ResourceRef {
        ResourceRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// Whether this is `group`/`kind` (`""` for the core group).
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }
}

fn non_empty(node: Option<&Node>) -> Option<&str> {
    node.and_then(Node::as_str).filter(|text| !text.is_empty())
}

/// A Kubernetes object of the input, with where it came from.
#[derive(Debug, Clone)]
pub struct Object {
    /// Its index in the run.
    pub id: ObjectId,
    /// The file it is in.
    pub file: FileId,
    /// The 0-based index of its document in the file.
    pub document: usize,
    /// JSON pointer of the object inside its document: `""`, or
    /// `/items/3` for an item of a `List`.
    pub pointer_prefix: String,
    /// The object's tree.
    pub node: Node,
    /// The Helm template it was rendered from.
    pub source: Option<Arc<str>>,
    /// Who it is.
    pub identity: Identity,
    /// Its environment, once resolved.
    pub environment: Option<EnvId>,
    /// A kustomization that builds its file adds selector labels
    /// (`commonLabels`): Kustomize writes its selector.
    pub selector_by_kustomize: bool,
    /// The images that every build of its file sets (Kustomize `images:`,
    /// Skaffold artifacts): what the file writes of them is replaced.
    pub images_set_by_build: Arc<[SetImage]>,
    /// The kustomizations whose builds apply its file, by directory, each
    /// one that no other kustomization includes (sorted; empty when no
    /// kustomization builds the file): each is applied on its own.
    pub build_roots: Arc<[String]>,
    /// What the patches of the kustomizations that build its file write
    /// into it.
    pub(crate) patched_by_build: Option<Arc<PatchedFields>>,
}

impl Object {
    /// What the builds of its file pin of the image named `name` (without
    /// tag or digest), if they set it.
    pub fn image_pinned_by_build(&self, name: &str) -> Option<ImagePin> {
        self.images_set_by_build
            .iter()
            .find(|image| image.name == name)
            .map(|image| image.pin)
    }

    /// Whether a patch of a kustomization that builds its file writes the
    /// field at `pointer`.
    pub(crate) fn patched_by_build_at(&self, pointer: &str) -> bool {
        self.patched_by_build
            .as_ref()
            .is_some_and(|patched| patched.sets(&self.identity, pointer))
    }

    /// `metadata.labels[key]`.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.node
            .get_path(&["metadata", "labels", key])
            .and_then(Node::as_str)
    }

    /// `metadata.annotations[key]`, as text (annotations are strings, but a
    /// number written without quotes is read as its text too).
    pub fn annotation(&self, key: &str) -> Option<String> {
        let node = self.node.get_path(&["metadata", "annotations", key])?;
        match &node.value {
            Value::String(text) => Some(text.to_string()),
            Value::Int(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Float(number) => Some(number.to_string()),
            _ => None,
        }
    }

    /// `metadata.labels` as (key, value) pairs of strings.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.node
            .get_path(&["metadata", "labels"])
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|entry| Some((entry.key.as_str(), entry.value.as_str()?)))
    }
}
