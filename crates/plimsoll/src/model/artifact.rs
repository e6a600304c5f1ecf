//! Release artifacts: documents that are not Kubernetes objects but say which
//! images an environment runs — Helm `values*.yaml` files and a release's
//! `component-tags.json`.
//!
//! The loader recognises them by name (see [`crate::FileKind`]); the engine
//! keeps their parsed trees as [`Artifact`]s, which set rules (through
//! [`crate::rules::SetContext::artifacts`]), `promote` and `matrix` read.

use crate::environment::EnvId;
use crate::model::{FileId, ImageRef};
use crate::yaml::{push_pointer, Node, Value};

/// Index of an artifact in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArtifactId(pub usize);

/// What kind of release artifact a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactKind {
    /// Helm values (`values.yaml`, `values-prod.yaml`).
    HelmValues,
    /// A release's `component-tags.json`.
    ComponentTags,
}

/// One document of a release artifact file.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Its index in the run.
    pub id: ArtifactId,
    /// The file it is in.
    pub file: FileId,
    /// The 0-based index of its document in the file.
    pub document: usize,
    /// What it is.
    pub kind: ArtifactKind,
    /// The document's tree.
    pub node: Node,
    /// Its environment (from its path, or `--env`).
    pub environment: Option<EnvId>,
}

/// An image named by a Helm values file: either one `image:` string, or a
/// map with `repository` and `tag` and/or `digest` keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuesImage {
    /// The nearest enclosing key that is not `image`/`images` (`api` for
    /// `api: {image: …}`), if any.
    pub service_key: Option<String>,
    /// `registry/path`.
    pub repository: String,
    /// The tag, if any.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), if any.
    pub digest: Option<String>,
    /// Pointer of the image: the `image:` string, or the map holding
    /// `repository`.
    pub pointer: String,
    /// Pointer of the tag value, when the image is a map with a `tag` key.
    pub tag_pointer: Option<String>,
    /// Pointer of the digest value, when the image is a map with a `digest` key.
    pub digest_pointer: Option<String>,
}

impl ValuesImage {
    /// The service this image belongs to: its service key, else the last
    /// segment of its repository.
    pub fn service(&self) -> &str {
        self.service_key
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.repository))
    }
}

/// The last `/` segment of a repository (`ghcr.io/acme/api` → `api`).
pub(crate) fn last_segment(repository: &str) -> &str {
    repository.rsplit('/').next().unwrap_or(repository)
}

/// Every image a Helm values tree names, in document order.
pub fn values_images(root: &Node) -> Vec<ValuesImage> {
    let mut found = Vec::new();
    walk(root, &mut String::new(), None, &mut found, 0);
    found
}

/// Deeper than this, values trees are not searched for images.
const MAX_DEPTH: usize = 32;

fn walk(
    node: &Node,
    pointer: &mut String,
    service: Option<&str>,
    found: &mut Vec<ValuesImage>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            if let Some(image) = image_map(node, pointer, service) {
                found.push(image);
                return;
            }
            for entry in entries {
                let length = pointer.len();
                push_pointer(pointer, &entry.key);
                let is_image_key = entry.key == "image" || entry.key == "images";
                if entry.key == "image" {
                    if let Some(text) = entry.value.as_str() {
                        if let Some(image) = image_string(text, pointer, service) {
                            found.push(image);
                        }
                    }
                }
                let inner = if is_image_key {
                    service
                } else {
                    Some(entry.key.as_str())
                };
                walk(&entry.value, pointer, inner, found, depth + 1);
                pointer.truncate(length);
            }
        }
        Value::Seq(items) => {
            for (at, item) in items.iter().enumerate() {
                let length = pointer.len();
                push_pointer(pointer, &at.to_string());
                walk(item, pointer, service, found, depth + 1);
                pointer.truncate(length);
            }
        }
        _ => {}
    }
}

fn image_string(text: &str, pointer: &str, service: Option<&str>) -> Option<ValuesImage> {
    let image = ImageRef::parse(text)?;
    Some(ValuesImage {
        service_key: service.map(str::to_owned),
        repository: image.name.to_owned(),
        tag: image.tag.map(str::to_owned),
        digest: image.digest.map(str::to_owned),
        pointer: pointer.to_owned(),
        tag_pointer: None,
        digest_pointer: None,
    })
}

/// A map with a `repository` string and a `tag` or `digest`.
fn image_map(node: &Node, pointer: &str, service: Option<&str>) -> Option<ValuesImage> {
    let repository = node.get("repository")?.as_str()?;
    let scalar = |key: &str| -> Option<String> {
        let value = node.get(key)?;
        match &value.value {
            Value::String(text) if !text.is_empty() => Some(text.to_string()),
            Value::Int(number) => Some(number.to_string()),
            Value::Float(number) => Some(number.to_string()),
            _ => None,
        }
    };
    let tag = scalar("tag");
    let digest = scalar("digest");
    if tag.is_none() && digest.is_none() {
        return None;
    }
    let child = |key: &str| {
        node.get(key).map(|_| {
            let mut child = pointer.to_owned();
            push_pointer(&mut child, key);
            child
        })
    };
    Some(ValuesImage {
        service_key: service.map(str::to_owned),
        repository: repository.to_owned(),
        tag,
        digest,
        pointer: pointer.to_owned(),
        tag_pointer: child("tag"),
        digest_pointer: child("digest"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Limits};

    fn images(text: &str) -> Vec<ValuesImage> {
        let documents = parse_stream(text, &Limits::default());
        values_images(documents[0].root.as_ref().unwrap())
    }

    #[test]
    fn finds_maps_and_strings_under_service_keys() {
        let found = images(
            "api:\n  image:\n    repository: ghcr.io/acme/api\n    tag: 1.7.3\n    digest: sha256:abc\nweb:\n  image: ghcr.io/acme/web:2.4.0\nimage:\n  repository: ghcr.io/acme/worker\n  tag: \"0.9\"\n",
        );
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].service(), "api");
        assert_eq!(found[0].tag.as_deref(), Some("1.7.3"));
        assert_eq!(found[0].pointer, "/api/image");
        assert_eq!(
            found[0].digest_pointer.as_deref(),
            Some("/api/image/digest")
        );
        assert_eq!(found[1].service(), "web");
        assert_eq!(found[1].pointer, "/web/image");
        assert_eq!(found[2].service(), "worker");
        assert_eq!(found[2].tag.as_deref(), Some("0.9"));
    }
}
