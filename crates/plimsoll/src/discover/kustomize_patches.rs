//! What a kustomization's patches write into the files it builds.
//!
//! A kustomization patches every object it builds, its bases' included, as
//! `kustomize build` does: a platform repository often keeps the shared
//! defaults of many objects in one patch (every Flux Kustomization's
//! `interval`, `prune` and `sourceRef`; every ImagePolicy's `policy`) and
//! leaves them out of the objects themselves. Each file gets what every
//! kustomization that reaches it patches (see [`PatchedFields`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::kustomize::{join, text_of};
use super::Candidate;
use crate::model::{PatchedFields, Selected};
use crate::yaml::{parse_stream, Limits, Node};

/// One patch a kustomization names, before its text is read.
#[derive(Debug)]
pub(super) enum NamedPatch {
    /// Written in the kustomization (`patch:`, or a YAML document as a
    /// `patchesStrategicMerge` item).
    Inline { text: String, target: Option<Node> },
    /// A file, by display path.
    File { path: String, target: Option<Node> },
}

/// The patches of a kustomization in `directory`: `patches`,
/// `patchesJson6902` (each with its `target`) and `patchesStrategicMerge`.
pub(super) fn named_patches(kustomization: &Node, directory: &str) -> Vec<NamedPatch> {
    let mut named = Vec::new();
    for key in ["patches", "patchesJson6902"] {
        let items = kustomization
            .get(key)
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for item in items {
            let target = item.get("target").cloned();
            if let Some(text) = item.get("patch").and_then(Node::as_str) {
                named.push(NamedPatch::Inline {
                    text: text.to_owned(),
                    target,
                });
            } else if let Some(path) = item
                .get("path")
                .and_then(Node::as_str)
                .and_then(|reference| join(directory, reference))
            {
                named.push(NamedPatch::File { path, target });
            }
        }
    }
    let merges = kustomization
        .get("patchesStrategicMerge")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for entry in merges.iter().filter_map(Node::as_str) {
        if entry.contains('\n') {
            named.push(NamedPatch::Inline {
                text: entry.to_owned(),
                target: None,
            });
        } else if let Some(path) = join(directory, entry) {
            named.push(NamedPatch::File { path, target: None });
        }
    }
    named
}

/// What the patches of each kustomization (by directory) write, by the
/// display path of each file it builds. `resources` gives each
/// kustomization's resources (files, or directories of kustomizations);
/// patch files are read from `candidates`.
pub(super) fn patched_files(
    patches: &HashMap<String, Vec<NamedPatch>>,
    resources: &HashMap<String, Vec<String>>,
    candidates: &[Candidate],
) -> HashMap<String, Arc<PatchedFields>> {
    let by_display: HashMap<&str, &Candidate> = candidates
        .iter()
        .map(|candidate| (candidate.display.as_str(), candidate))
        .collect();
    let mut written: HashMap<&str, PatchedFields> = HashMap::new();
    let mut deleting: HashMap<&str, Vec<Selected>> = HashMap::new();
    for (directory, named) in patches {
        let mut fields = PatchedFields::default();
        for patch in named {
            let (text, target) = match patch {
                NamedPatch::Inline { text, target } => (Some(text.clone()), target),
                NamedPatch::File { path, target } => (
                    by_display
                        .get(path.as_str())
                        .and_then(|candidate| text_of(&candidate.origin)),
                    target,
                ),
            };
            let Some(text) = text else {
                continue;
            };
            // A patch file may hold several patches, one per document.
            for document in parse_stream(&text, &Limits::default()) {
                if let Some(root) = document.root {
                    fields.add_kustomize_patch(&root, target.as_ref());
                }
            }
        }
        let deleted = fields.take_deleted();
        if !deleted.is_empty() {
            deleting.insert(directory.as_str(), deleted);
        }
        if !fields.is_empty() || deleting.contains_key(directory.as_str()) {
            written.insert(directory.as_str(), fields);
        }
    }
    // The patching kustomizations that reach each file.
    let mut reaching: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for directory in written.keys() {
        let mut pending: Vec<&str> = vec![directory];
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        while let Some(path) = pending.pop() {
            if !seen.insert(path) {
                continue;
            }
            match resources.get(path) {
                Some(named) => pending.extend(named.iter().map(String::as_str)),
                None => {
                    reaching.entry(path).or_default().insert(directory);
                }
            }
        }
    }
    // The kustomizations that name each file themselves, when some delete.
    let mut builders: HashMap<&str, Vec<&str>> = HashMap::new();
    if !deleting.is_empty() {
        for (directory, named) in resources {
            for resource in named {
                builders.entry(resource).or_default().push(directory);
            }
        }
    }
    // Files that the same kustomizations reach, with the same deletions,
    // share what they write.
    let mut shared: HashMap<(Vec<&str>, Vec<&Selected>), Arc<PatchedFields>> = HashMap::new();
    reaching
        .into_iter()
        .map(|(path, directories)| {
            let deleted = builders
                .get(path)
                .map(|builders| deleted_by_every_builder(builders, &deleting))
                .unwrap_or_default();
            let directories: Vec<&str> = directories.into_iter().collect();
            let fields = shared.entry((directories, deleted)).or_insert_with_key(
                |(directories, deleted)| {
                    let mut fields = PatchedFields::default();
                    for directory in directories {
                        if let Some(written) = written.get(directory) {
                            fields.extend(written);
                        }
                    }
                    fields.add_deleted(deleted.iter().copied());
                    Arc::new(fields)
                },
            );
            (path.to_owned(), Arc::clone(fields))
        })
        .collect()
}

/// The deletions that hold for a file: those that every kustomization
/// naming the file itself (`builders`) makes. A kustomization that builds
/// the file through a base does not count, since the base may be deployed
/// on its own too (an environment's folder that another one builds on).
fn deleted_by_every_builder<'d>(
    builders: &[&str],
    deleting: &'d HashMap<&'d str, Vec<Selected>>,
) -> Vec<&'d Selected> {
    let Some((first, others)) = builders.split_first() else {
        return Vec::new();
    };
    let Some(first) = deleting.get(*first) else {
        return Vec::new();
    };
    first
        .iter()
        .filter(|selected| {
            others.iter().all(|other| {
                deleting
                    .get(*other)
                    .is_some_and(|deleted| deleted.contains(selected))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::Origin;
    use crate::model::patched_fields::identity;
    use crate::yaml::first_tree;

    fn candidate(display: &str, text: &str) -> Candidate {
        Candidate::new(display.to_owned(), Origin::Text(Arc::from(text)))
    }

    const CLUSTER: &str = "resources: [../../apps/web]
patches:
  - path: ../../defaults.yaml
    target: {kind: Kustomization, annotationSelector: defaults != off}
patchesJson6902:
  - target: {group: image.toolkit.fluxcd.io, kind: ImagePolicy, name: web}
    patch: '[{op: add, path: /spec/policy, value: {semver: {range: 1.x}}}]'
";

    const DEFAULTS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: defaults}
spec:
  interval: 10m
  sourceRef: {kind: GitRepository, name: config}
";

    fn patched() -> HashMap<String, Arc<PatchedFields>> {
        let candidates = [candidate("defaults.yaml", DEFAULTS)];
        let patches = HashMap::from([(
            "clusters/prod".to_owned(),
            named_patches(&first_tree(CLUSTER), "clusters/prod"),
        )]);
        let resources = HashMap::from([
            ("clusters/prod".to_owned(), vec!["apps/web".to_owned()]),
            ("apps/web".to_owned(), vec!["apps/web/app.yaml".to_owned()]),
        ]);
        patched_files(&patches, &resources, &candidates)
    }

    #[test]
    fn a_kustomizations_patches_reach_the_files_of_its_bases() {
        let patched = patched();
        let fields = patched.get("apps/web/app.yaml").expect("reached");
        let flux = identity("kustomize.toolkit.fluxcd.io", "Kustomization", "web");
        assert!(fields.sets(&flux, "/spec/interval"));
        assert!(fields.sets(&flux, "/spec/sourceRef"));
        assert!(!fields.sets(&flux, "/spec/prune"));
        let policy = |name| identity("image.toolkit.fluxcd.io", "ImagePolicy", name);
        assert!(fields.sets(&policy("web"), "/spec/policy"));
        assert!(!fields.sets(&policy("api"), "/spec/policy"));
    }

    #[test]
    fn files_no_patching_kustomization_builds_get_nothing() {
        let patched = patched();
        assert_eq!(patched.len(), 1);
        assert!(!patched.contains_key("defaults.yaml"));
    }

    #[test]
    fn strategic_merge_entries_are_files_or_inline_documents() {
        let kustomization = first_tree(
            "patchesStrategicMerge:\n  - replicas.yaml\n  - |\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: web}\n",
        );
        let named = named_patches(&kustomization, "overlays/prod");
        assert!(matches!(&named[..], [
            NamedPatch::File { path, target: None },
            NamedPatch::Inline { target: None, .. },
        ] if path == "overlays/prod/replicas.yaml"));
    }

    const DELETES_SECRET: &str = "resources: [install.yaml]
patches:
  - patch: |
      $patch: delete
      apiVersion: v1
      kind: Secret
      metadata: {name: upstream-credentials}
";

    /// Whether the Secret of `vendor/install.yaml` is deleted, given the
    /// kustomizations (directory, text, resources) of a repository.
    fn deletes_in(kustomizations: &[(&str, &str, &str)]) -> bool {
        let mut patches = HashMap::new();
        let mut resources = HashMap::new();
        for (directory, text, named) in kustomizations {
            let named_patches = named_patches(&first_tree(text), directory);
            if !named_patches.is_empty() {
                patches.insert((*directory).to_owned(), named_patches);
            }
            resources.insert((*directory).to_owned(), vec![(*named).to_owned()]);
        }
        let patched = patched_files(&patches, &resources, &[]);
        let secret = identity("", "Secret", "upstream-credentials");
        patched
            .get("vendor/install.yaml")
            .is_some_and(|fields| fields.deletes(&secret))
    }

    #[test]
    fn an_object_the_kustomization_naming_its_file_deletes_is_deleted() {
        assert!(deletes_in(&[
            ("vendor", DELETES_SECRET, "vendor/install.yaml"),
            ("clusters/a", "resources: [../../vendor]\n", "vendor"),
        ]));
    }

    #[test]
    fn an_object_one_kustomization_naming_its_file_keeps_is_not_deleted() {
        assert!(!deletes_in(&[
            ("clusters/a", DELETES_SECRET, "vendor/install.yaml"),
            (
                "clusters/b",
                "resources: [../../vendor/install.yaml]\n",
                "vendor/install.yaml"
            ),
        ]));
    }

    #[test]
    fn an_object_deleted_only_above_its_base_is_not_deleted() {
        // The base may be deployed on its own, with the Secret.
        assert!(!deletes_in(&[
            (
                "vendor",
                "resources: [install.yaml]\n",
                "vendor/install.yaml"
            ),
            ("clusters/a", DELETES_SECRET, "vendor"),
        ]));
    }
}
