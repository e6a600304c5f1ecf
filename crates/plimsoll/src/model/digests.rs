//! The digests a repository itself states for its image tags: an image
//! written with its tag and digest somewhere in the input, a Helm values
//! file's `repository`/`tag`/`digest`, a `component-tags.json` entry. The
//! fix of `image-digest` pins an image by such a digest, and only when the
//! input states exactly one for that tag: plimsoll never guesses and never
//! asks a registry.

use std::collections::{BTreeSet, HashMap};

use super::artifact::{last_segment, values_images};
use super::{containers, Artifact, ArtifactKind, ImageRef, Object};
use crate::yaml::Node;

/// Digests by image repository and tag, and by service name and tag (the
/// keys of `component-tags.json`).
#[derive(Debug, Default)]
pub struct StatedDigests {
    by_image: HashMap<(String, String), BTreeSet<String>>,
    by_service: HashMap<(String, String), BTreeSet<String>>,
}

impl StatedDigests {
    /// What `objects` and `artifacts` state.
    pub fn new<'o>(
        objects: impl IntoIterator<Item = &'o Object>,
        artifacts: &[Artifact],
    ) -> StatedDigests {
        let mut stated = StatedDigests::default();
        for object in objects {
            for container in containers(object) {
                let Some(image) = container.node.get("image").and_then(Node::as_str) else {
                    continue;
                };
                let Some(reference) = ImageRef::parse(image) else {
                    continue;
                };
                if let (Some(tag), Some(digest), None) =
                    (reference.tag, reference.digest, reference.digest_problem())
                {
                    stated.add_image(reference.name, tag, digest);
                }
            }
        }
        for artifact in artifacts {
            match artifact.kind {
                ArtifactKind::HelmValues => {
                    for image in values_images(&artifact.node) {
                        if let (Some(tag), Some(digest)) = (&image.tag, &image.digest) {
                            stated.add_image(&image.repository, tag, digest);
                        }
                    }
                }
                ArtifactKind::ComponentTags => {
                    for entry in artifact.node.as_map().unwrap_or_default() {
                        let field = |key: &str| entry.value.get(key).and_then(Node::as_str);
                        if let (Some(tag), Some(digest)) = (field("tag"), field("digest")) {
                            stated
                                .by_service
                                .entry((entry.key.to_string(), tag.to_owned()))
                                .or_default()
                                .insert(digest.to_owned());
                        }
                    }
                }
            }
        }
        stated
    }

    fn add_image(&mut self, repository: &str, tag: &str, digest: &str) {
        self.by_image
            .entry((repository.to_owned(), tag.to_owned()))
            .or_default()
            .insert(digest.to_owned());
    }

    /// The one digest the input states for `repository:tag`, if exactly
    /// one (a `component-tags.json` entry counts for the repository whose
    /// last segment is its key).
    pub fn of(&self, repository: &str, tag: &str) -> Option<&str> {
        let key = (repository.to_owned(), tag.to_owned());
        let service = (last_segment(repository).to_owned(), tag.to_owned());
        let mut digests = self
            .by_image
            .get(&key)
            .into_iter()
            .chain(self.by_service.get(&service))
            .flatten()
            .collect::<BTreeSet<&String>>()
            .into_iter();
        match (digests.next(), digests.next()) {
            (Some(only), None) => Some(only.as_str()),
            _ => None,
        }
    }
}
