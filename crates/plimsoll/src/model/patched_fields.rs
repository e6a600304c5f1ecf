//! Fields that patches write into objects before they are applied, so
//! that a required field an object leaves to a patch is there once it is
//! applied: the schema check does not call it missing, and `flux-source`
//! does not resolve a `sourceRef` in a namespace a patch replaces.
//!
//! Two tools patch:
//! - a Flux Kustomization's `spec.patches` reach the objects it applies.
//!   A parent Kustomization often patches every child Kustomization with
//!   shared defaults (`interval`, `prune`, `decryption`, the namespace of
//!   its `sourceRef`); which files a Kustomization applies is not followed,
//!   so these hold for every object of the input
//!   ([`PatchedFields::of_flux`]). A patch that gives child Kustomizations
//!   patches of their own (a parent that patches `spec.patches` into them)
//!   is read for those too.
//! - a kustomization's `patches`, `patchesStrategicMerge` and
//!   `patchesJson6902` reach the files it builds (the Kustomize graph keeps
//!   them per file: [`PatchedFields::add_patch`]).
//!
//! A patch is read as both tools read it: a strategic-merge patch (a YAML
//! object) sets every path it writes, a JSON 6902 patch (a list of
//! operations) the `path` of each `add` and `replace`. It holds for the
//! objects of its `target` kind (else of its own `kind`); a `target.name`
//! is compared as written, a name with a regular expression's `*` takes
//! every object, and label and annotation selectors are not evaluated
//! (a patch with one is taken to reach every object of its kind).

use std::collections::HashMap;

use super::{Identity, Object};
use crate::yaml::{parse_stream, Limits, Node, Value};

/// Whether a file's text may hold a Flux Kustomization with patches (read
/// ahead of a pass, as the input's CRDs are).
pub(crate) fn may_patch_flux_objects(text: &str) -> bool {
    text.contains("kustomize.toolkit.fluxcd.io") && text.contains("patches")
}

/// How deep patches that give Kustomizations patches are followed (real
/// repositories use one level; a hostile input could nest many).
const MAX_NESTING: usize = 4;

/// The paths that patches write, by the kind of the objects they are
/// patched into.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PatchedFields {
    by_kind: HashMap<String, Vec<PatchedPath>>,
    /// What the Flux `spec.patches` that Kustomize patches give Flux
    /// Kustomizations write into what those apply.
    through_flux: Option<Box<PatchedFields>>,
    /// The objects a kustomization's `$patch: delete` removes from every
    /// build of the file.
    deleted: Vec<Selected>,
}

/// The objects a patch reaches: those its `target` selects, else the one
/// it names by its own `kind` and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Selected {
    /// Only objects of this API group (`None`: of any, as a target that
    /// names no group selects).
    group: Option<String>,
    kind: String,
    /// Only the object of this name (`None`: every object of the kind).
    name: Option<String>,
}

impl Selected {
    fn of(patch: &Node, target: Option<&Node>) -> Option<Selected> {
        let text_of = |node: Option<&Node>, key: &str| {
            node.and_then(|node| node.get(key))
                .and_then(Node::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let (group, kind) = match text_of(target, "kind") {
            Some(kind) => (text_of(target, "group"), kind),
            None => {
                let kind = text_of(Some(patch), "kind")?;
                let group = text_of(Some(patch), "apiVersion").map(|version| {
                    version
                        .rsplit_once('/')
                        .map_or(String::new(), |(group, _)| group.to_owned())
                });
                (group, kind)
            }
        };
        let name = match target {
            Some(_) => text_of(target, "name"),
            None => text_of(patch.get("metadata"), "name"),
        }
        .filter(|name| !name.contains('*'));
        Some(Selected { group, kind, name })
    }

    fn selects(&self, identity: &Identity) -> bool {
        self.kind == identity.kind
            && self
                .group
                .as_deref()
                .is_none_or(|group| group == identity.group)
            && self
                .name
                .as_deref()
                .is_none_or(|name| name == identity.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PatchedPath {
    /// The objects the patch reaches.
    selected: Selected,
    /// A JSON pointer (`/spec/interval`).
    pointer: String,
}

impl PatchedFields {
    /// What the Flux Kustomizations among `objects` patch.
    pub(crate) fn of_flux<'o>(objects: impl IntoIterator<Item = &'o Object>) -> PatchedFields {
        PatchedFields::of_flux_kustomizations(
            objects
                .into_iter()
                .filter(|object| {
                    object
                        .identity
                        .is("kustomize.toolkit.fluxcd.io", "Kustomization")
                })
                .map(|object| (&object.node, object.patched_by_build.as_deref())),
        )
    }

    /// What the Flux Kustomizations `kustomizations` patch, each with what
    /// the Kustomize build of its file patches into it.
    fn of_flux_kustomizations<'n>(
        kustomizations: impl Iterator<Item = (&'n Node, Option<&'n PatchedFields>)>,
    ) -> PatchedFields {
        let mut fields = PatchedFields::default();
        for (kustomization, patched_by_build) in kustomizations {
            let patches = kustomization
                .get_path(&["spec", "patches"])
                .and_then(Node::as_seq)
                .unwrap_or_default();
            for item in patches {
                fields.add_flux_item(item, 0);
            }
            if let Some(given) = patched_by_build.and_then(|built| built.through_flux.as_deref()) {
                fields.extend(given);
            }
        }
        fields
    }

    /// Whether no patch writes or deletes anything.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_kind.is_empty() && self.deleted.is_empty()
    }

    /// Whether a `$patch: delete` removes the object `identity` names.
    pub(crate) fn deletes(&self, identity: &Identity) -> bool {
        self.deleted.iter().any(|deleted| deleted.selects(identity))
    }

    /// Takes out the deletions, which hold for a file only when every
    /// build of it deletes (see `discover::kustomize_patches`).
    pub(crate) fn take_deleted(&mut self) -> Vec<Selected> {
        std::mem::take(&mut self.deleted)
    }

    /// Adds deletions that every build of a file makes.
    pub(crate) fn add_deleted<'s>(&mut self, deleted: impl IntoIterator<Item = &'s Selected>) {
        for selected in deleted {
            if !self.deleted.contains(selected) {
                self.deleted.push(selected.clone());
            }
        }
    }

    /// Whether Flux Kustomizations patched with these fields get patches
    /// of their own to apply.
    pub(crate) fn gives_flux_patches(&self) -> bool {
        self.through_flux.is_some()
    }

    /// Adds what `other` writes (not what it deletes: a deletion holds for
    /// a file only as [`PatchedFields::add_deleted`] adds it).
    pub(crate) fn extend(&mut self, other: &PatchedFields) {
        for (kind, paths) in &other.by_kind {
            let known = self.by_kind.entry(kind.clone()).or_default();
            for path in paths {
                if !known.contains(path) {
                    known.push(path.clone());
                }
            }
        }
        if let Some(given) = &other.through_flux {
            self.through_flux
                .get_or_insert_with(Box::default)
                .extend(given);
        }
    }

    /// Adds what one patch of a kustomization writes into the objects it
    /// builds; a patch that gives Flux Kustomizations `spec.patches` is
    /// read for what those write into the objects they apply.
    pub(crate) fn add_kustomize_patch(&mut self, patch: &Node, target: Option<&Node>) {
        if patch.get("$patch").and_then(Node::as_str) == Some("delete") {
            // Only a named object: a delete that selects a whole kind is
            // rare, and too broad to take on trust.
            if let Some(selected) = Selected::of(patch, target).filter(|s| s.name.is_some()) {
                self.deleted.push(selected);
            }
            return;
        }
        if self.add_patch(patch, target).as_deref() != Some("Kustomization") {
            return;
        }
        let given = patch
            .get_path(&["spec", "patches"])
            .and_then(Node::as_seq)
            .unwrap_or_default();
        if given.is_empty() {
            return;
        }
        let through_flux = self.through_flux.get_or_insert_with(Box::default);
        for item in given {
            through_flux.add_flux_item(item, 1);
        }
    }

    /// Whether a patch writes `pointer` into the object `identity` names.
    pub(crate) fn sets(&self, identity: &Identity, pointer: &str) -> bool {
        self.by_kind.get(&identity.kind).is_some_and(|paths| {
            paths
                .iter()
                .any(|path| path.pointer == pointer && path.selected.selects(identity))
        })
    }

    /// Adds what one item of `spec.patches` writes; `depth` counts the
    /// patches it sits in.
    fn add_flux_item(&mut self, item: &Node, depth: usize) {
        let Some(text) = item.get("patch").and_then(Node::as_str) else {
            return;
        };
        let Some(patch) = parse_stream(text, &Limits::default())
            .into_iter()
            .find_map(|document| document.root)
        else {
            return;
        };
        let Some(kind) = self.add_patch(&patch, item.get("target")) else {
            return;
        };
        // A patch that gives the Kustomizations it reaches patches of their
        // own: those reach what the children apply.
        if kind == "Kustomization" && depth < MAX_NESTING {
            for inner in patch
                .get_path(&["spec", "patches"])
                .and_then(Node::as_seq)
                .unwrap_or_default()
            {
                self.add_flux_item(inner, depth + 1);
            }
        }
    }

    /// Adds what `patch` writes into the objects `target` selects (without
    /// one, the object the patch names by its own `kind` and name), and
    /// returns the kind it patches; `None` when it names none.
    fn add_patch(&mut self, patch: &Node, target: Option<&Node>) -> Option<String> {
        let selected = Selected::of(patch, target)?;
        let mut pointers = Vec::new();
        match &patch.value {
            Value::Seq(operations) => {
                for operation in operations.iter() {
                    let op = operation.get("op").and_then(Node::as_str);
                    if let (Some("add" | "replace"), Some(path)) =
                        (op, operation.get("path").and_then(Node::as_str))
                    {
                        pointers.push(path.to_owned());
                    }
                }
            }
            Value::Map(_) => written_paths(patch, String::new(), &mut pointers),
            _ => {}
        }
        let kind = selected.kind.clone();
        self.by_kind
            .entry(kind.clone())
            .or_default()
            .extend(pointers.into_iter().map(|pointer| PatchedPath {
                selected: selected.clone(),
                pointer,
            }));
        Some(kind)
    }
}

/// Every path a strategic-merge patch writes: each key of its mappings
/// (a list is written whole).
fn written_paths(node: &Node, pointer: String, out: &mut Vec<String>) {
    let Some(entries) = node.as_map() else {
        return;
    };
    for entry in entries {
        let key = entry.key.replace('~', "~0").replace('/', "~1");
        let path = format!("{pointer}/{key}");
        written_paths(&entry.value, path.clone(), out);
        out.push(path);
    }
}

/// An identity of `kind` in `group`'s `v1`, for tests.
#[cfg(test)]
pub(crate) fn identity(group: &str, kind: &str, name: &str) -> Identity {
    Identity {
        api_version: format!("{group}/v1"),
        group: group.to_owned(),
        version: "v1".to_owned(),
        kind: kind.to_owned(),
        namespace: None,
        name: name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::first_tree;

    const PARENT: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 1h
  prune: true
  path: ./apps
  sourceRef: {kind: GitRepository, name: flux-system}
  patches:
    - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization, labelSelector: 'defaults!=off'}
      patch: |
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: _}
        spec:
          interval: 30m
          prune: true
    - target: {kind: Kustomization}
      patch: |
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: _}
        spec:
          patches:
            - target: {kind: OCIRepository}
              patch: |
                apiVersion: source.toolkit.fluxcd.io/v1
                kind: OCIRepository
                metadata: {name: _}
                spec: {interval: 1h}
    - target: {kind: HelmRelease, name: web}
      patch: |
        - {op: add, path: /spec/interval, value: 15m}
        - {op: remove, path: /spec/suspend}
";

    #[test]
    fn strategic_merge_patches_set_every_path_they_write() {
        let fields =
            PatchedFields::of_flux_kustomizations(std::iter::once((&first_tree(PARENT), None)));
        let child = identity("kustomize.toolkit.fluxcd.io", "Kustomization", "n8n");
        assert!(fields.sets(&child, "/spec/interval"));
        assert!(fields.sets(&child, "/spec/prune"));
        assert!(!fields.sets(&child, "/spec/sourceRef"));
        let other_kind = identity("kustomize.toolkit.fluxcd.io", "Other", "n8n");
        assert!(!fields.sets(&other_kind, "/spec/interval"));
    }

    #[test]
    fn patches_given_to_child_kustomizations_reach_what_they_apply() {
        let fields =
            PatchedFields::of_flux_kustomizations(std::iter::once((&first_tree(PARENT), None)));
        let chart = identity("source.toolkit.fluxcd.io", "OCIRepository", "atuin");
        assert!(fields.sets(&chart, "/spec/interval"));
        assert!(!fields.sets(&chart, "/spec/url"));
    }

    #[test]
    fn json_patches_set_what_they_add_to_the_objects_they_name() {
        let fields =
            PatchedFields::of_flux_kustomizations(std::iter::once((&first_tree(PARENT), None)));
        let release = |name| identity("helm.toolkit.fluxcd.io", "HelmRelease", name);
        assert!(fields.sets(&release("web"), "/spec/interval"));
        assert!(!fields.sets(&release("api"), "/spec/interval"));
        assert!(!fields.sets(&release("web"), "/spec/suspend"));
    }
}
