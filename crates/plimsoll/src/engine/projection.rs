//! What of an object's tree the rules at the end of a pass read: each such
//! rule declares the paths it reads ([`Rule::reading`]), and the pass keeps,
//! of every object, only those paths — with their spans, so that a finding
//! made on the kept tree points where it would on the whole one.
//!
//! A path may hold for one kind only (`Namespace:/metadata/labels`), and
//! `{pod}`, `{template}` and `{container}` hold for each workload kind at
//! its own place: a Deployment keeps its containers, a ConfigMap nothing of
//! them.

use std::collections::HashMap;

use crate::model::{pod_spec_pointers, CONTAINER_LISTS};
use crate::rules::Rule;
use crate::yaml::{Entry, Node, Value};

/// What every kept object keeps, whatever the rules read: the places
/// findings point at (`apiVersion`, the name, the namespace), and the
/// annotations the report reads to suppress a finding. (Who the object is
/// was read from the whole tree.)
const ALWAYS: &[&str] = &[
    "/apiVersion",
    "/metadata/name",
    "/metadata/namespace",
    "/metadata/annotations/plimsoll.dev~1ignore",
    "/metadata/annotations/plimsoll.dev~1ignore-reason",
];

/// The parts of each object to keep: the paths of its kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Projection {
    /// The paths of every kind.
    common: Paths,
    /// The paths of the kinds some path is declared for, the common ones
    /// included.
    by_kind: HashMap<String, Paths>,
}

impl Projection {
    /// Everything, of every object.
    pub(crate) fn whole() -> Projection {
        Projection {
            common: Paths::whole(),
            by_kind: HashMap::new(),
        }
    }

    /// What `rules` read: the union of their declared paths, or the whole
    /// tree if one of them reads it all (declares nothing, or reads whole
    /// objects of an input that `names` what it names).
    pub(crate) fn of_rules<'r>(
        rules: impl IntoIterator<Item = &'r Rule>,
        names: impl Fn(&str) -> bool,
    ) -> Projection {
        let mut declared: Vec<(Option<String>, String)> = ALWAYS
            .iter()
            .map(|path| (None, (*path).to_owned()))
            .collect();
        for rule in rules {
            let whole = rule.whole_objects_if_input_names().is_some_and(&names);
            match rule.reads() {
                Some(paths) if !whole => {
                    declared.extend(paths.iter().flat_map(|path| expand(path)))
                }
                _ => return Projection::whole(),
            }
        }
        Projection::of_paths(&declared)
    }

    /// The projection of paths, each for one kind or (`None`) every kind.
    fn of_paths(declared: &[(Option<String>, String)]) -> Projection {
        let mut common = Paths::default();
        for (_, path) in declared.iter().filter(|(kind, _)| kind.is_none()) {
            common.add(path);
        }
        let mut by_kind: HashMap<String, Paths> = HashMap::new();
        for (kind, path) in declared {
            if let Some(kind) = kind {
                by_kind
                    .entry(kind.clone())
                    .or_insert_with(|| common.clone())
                    .add(path);
            }
        }
        common.spread_any();
        for paths in by_kind.values_mut() {
            paths.spread_any();
        }
        Projection { common, by_kind }
    }

    /// The kept part of `node`, an object of `kind`.
    pub(crate) fn apply(&self, kind: &str, node: Node) -> Node {
        self.by_kind.get(kind).unwrap_or(&self.common).apply(node)
    }
}

/// The parts of a tree to keep: a tree of keys, each leaf the root of a
/// subtree kept whole.
#[derive(Debug, Clone, Default, PartialEq)]
struct Paths {
    /// Keep the whole subtree here.
    whole: bool,
    /// Keys below, `*` for every item of a sequence and every key of a
    /// mapping (a named key also takes what `*` keeps).
    keys: Vec<(String, Paths)>,
}

/// The key that stands for every item or key.
const ANY: &str = "*";

impl Paths {
    fn whole() -> Paths {
        Paths {
            whole: true,
            keys: Vec::new(),
        }
    }

    /// Adds a path written as a JSON pointer (`/spec/template/metadata`),
    /// `*` for every item or key.
    fn add(&mut self, path: &str) {
        let mut here = self;
        for token in path.split('/').skip(1) {
            if here.whole {
                return;
            }
            let key = token.replace("~1", "/").replace("~0", "~");
            let at = match here.keys.iter().position(|(known, _)| *known == key) {
                Some(at) => at,
                None => {
                    here.keys.push((key, Paths::default()));
                    here.keys.len() - 1
                }
            };
            here = match here.keys.get_mut(at) {
                Some((_, below)) => below,
                None => return,
            };
        }
        here.whole = true;
        here.keys.clear();
    }

    /// Merges what `*` keeps into each named key beside it, so that a key
    /// is looked up once.
    fn spread_any(&mut self) {
        if let Some(any) = self.below(ANY).cloned() {
            for (key, below) in &mut self.keys {
                if key != ANY {
                    below.merge(&any);
                }
            }
        }
        for (_, below) in &mut self.keys {
            below.spread_any();
        }
    }

    fn merge(&mut self, other: &Paths) {
        if self.whole || other.whole {
            *self = Paths::whole();
            return;
        }
        for (key, theirs) in &other.keys {
            match self.keys.iter_mut().find(|(known, _)| known == key) {
                Some((_, mine)) => mine.merge(theirs),
                None => self.keys.push((key.clone(), theirs.clone())),
            }
        }
    }

    fn below(&self, key: &str) -> Option<&Paths> {
        self.keys
            .iter()
            .find(|(known, _)| known == key)
            .or_else(|| self.keys.iter().find(|(known, _)| known == ANY))
            .map(|(_, below)| below)
    }

    /// The kept part of `node`: mappings keep the entries of kept keys,
    /// sequences every item (an item nothing of which is kept becomes a
    /// null, so that the others keep their positions), scalars themselves.
    fn apply(&self, node: Node) -> Node {
        if self.whole {
            return node;
        }
        let Node { value, span } = node;
        let value = match value {
            Value::Map(entries) => Value::Map(
                entries
                    .into_vec()
                    .into_iter()
                    .filter_map(|entry| {
                        let below = self.below(&entry.key)?;
                        Some(Entry {
                            value: below.apply(entry.value),
                            ..entry
                        })
                    })
                    .collect(),
            ),
            Value::Seq(items) => match self.below(ANY) {
                Some(below) => Value::Seq(
                    items
                        .into_vec()
                        .into_iter()
                        .map(|item| below.apply(item))
                        .collect(),
                ),
                None => Value::Seq(
                    items
                        .iter()
                        .map(|item| Node {
                            value: Value::Null,
                            span: item.span,
                        })
                        .collect(),
                ),
            },
            scalar => scalar,
        };
        Node { value, span }
    }
}

/// A declared path with its kind and placeholders spelled out, as (kind,
/// path) pairs: `Kind:/path` holds for that kind only; `{pod}` is the pod
/// spec of each workload kind (`/spec` of a Pod, `/spec/template/spec` of a
/// Deployment, …), `{template}` the pod template holding it (`` for a Pod,
/// whose labels are its own), `{container}` every container of every list
/// of `{pod}`. A placeholder after `Kind:` holds for that kind only.
fn expand(declared: &str) -> Vec<(Option<String>, String)> {
    let (only, path) = match declared.split_once(':') {
        Some((kind, path)) if !declared.starts_with(['/', '{']) => (Some(kind), path),
        _ => (None, declared),
    };
    if !path.starts_with('{') {
        return vec![(only.map(str::to_owned), path.to_owned())];
    }
    let mut expanded = Vec::new();
    for (kind, pod) in pod_spec_pointers() {
        if only.is_some_and(|only| only != kind) {
            continue;
        }
        let template = pod.strip_suffix("/spec").unwrap_or("");
        let paths: Vec<String> = if let Some(rest) = path.strip_prefix("{container}") {
            CONTAINER_LISTS
                .iter()
                .map(|list| format!("{pod}/{list}/*{rest}"))
                .collect()
        } else if let Some(rest) = path.strip_prefix("{pod}") {
            vec![format!("{pod}{rest}")]
        } else if let Some(rest) = path.strip_prefix("{template}") {
            vec![format!("{template}{rest}")]
        } else {
            Vec::new()
        };
        expanded.extend(paths.into_iter().map(|path| (Some(kind.to_owned()), path)));
    }
    expanded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::first_tree as tree;

    fn projection(paths: &[&str]) -> Paths {
        let mut projection = Paths::default();
        for path in paths {
            projection.add(path);
        }
        projection.spread_any();
        projection
    }

    #[test]
    fn keeps_the_declared_paths_with_their_spans() {
        let text = "metadata:\n  name: web\n  labels: {app: web}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x\n        env: [{name: A, value: b}]\n";
        let whole = tree(text);
        let kept = projection(&["/metadata", "/spec/template/spec/containers/*/image"])
            .apply(whole.clone());
        assert_eq!(kept.get("metadata"), whole.get("metadata"));
        assert!(kept.get_path(&["spec", "replicas"]).is_none());
        let pointer = "/spec/template/spec/containers/0/image";
        assert_eq!(kept.pointer(pointer), whole.pointer(pointer));
        assert_eq!(kept.locate(pointer), whole.locate(pointer));
        assert!(kept
            .pointer("/spec/template/spec/containers/0/env")
            .is_none());
    }

    #[test]
    fn items_keep_their_positions() {
        let whole = tree("items:\n- a\n- {b: 1, c: 2}\n");
        let kept = projection(&["/items/*/c"]).apply(whole.clone());
        assert_eq!(kept.pointer("/items/1/c"), whole.pointer("/items/1/c"));
        assert!(kept.pointer("/items/1/b").is_none());
        assert_eq!(kept.pointer("/items/0"), whole.pointer("/items/0"));
        let none = projection(&["/other"]).apply(whole.clone());
        assert!(none.get("items").is_none());
        let nulls = projection(&["/items"]).apply(whole.clone());
        assert_eq!(nulls, whole);
    }

    #[test]
    fn a_named_key_also_keeps_what_any_key_keeps() {
        let whole = tree("a: {x: 1, y: 2}\nb: {x: 3, y: 4}\n");
        let kept = projection(&["/*/x", "/a/y"]).apply(whole.clone());
        assert_eq!(kept.pointer("/a/x"), whole.pointer("/a/x"));
        assert_eq!(kept.pointer("/a/y"), whole.pointer("/a/y"));
        assert_eq!(kept.pointer("/b/x"), whole.pointer("/b/x"));
        assert!(kept.pointer("/b/y").is_none());
    }

    #[test]
    fn placeholders_name_each_workload_kind_at_its_place() {
        let pods = expand("{pod}/volumes");
        let of = |kind: &str| -> Vec<String> {
            pods.iter()
                .filter(|(of, _)| of.as_deref() == Some(kind))
                .map(|(_, path)| path.clone())
                .collect()
        };
        assert_eq!(of("Deployment"), ["/spec/template/spec/volumes"]);
        assert_eq!(
            of("CronJob"),
            ["/spec/jobTemplate/spec/template/spec/volumes"]
        );
        assert_eq!(of("Pod"), ["/spec/volumes"]);
        assert!(of("ConfigMap").is_empty());
        let containers = expand("{container}/image");
        assert!(containers.contains(&(
            Some("Pod".to_owned()),
            "/spec/initContainers/*/image".to_owned()
        )));
        assert_eq!(containers.len(), pods.len() * 3);
        assert!(expand("{template}/metadata/labels")
            .contains(&(Some("Pod".to_owned()), "/metadata/labels".to_owned())));
        let jobs = expand("Job:{container}/env");
        assert_eq!(jobs.len(), 3);
        assert!(jobs.iter().all(|(kind, _)| kind.as_deref() == Some("Job")));
        assert_eq!(
            expand("Namespace:/metadata/labels"),
            [(Some("Namespace".to_owned()), "/metadata/labels".to_owned())]
        );
    }

    #[test]
    fn every_declared_path_of_the_builtin_rules_is_well_formed() {
        let mut declared = 0;
        for rule in crate::rules::builtin() {
            for path in rule.reads().unwrap_or_default() {
                let expanded = expand(path);
                assert!(!expanded.is_empty(), "{}: {path} names no kind", rule.id());
                for (_, pointer) in expanded {
                    assert!(
                        pointer.starts_with('/') && !pointer.contains(['{', '}', ':']),
                        "{}: {path} reads {pointer}",
                        rule.id()
                    );
                }
                declared += 1;
            }
        }
        assert!(declared > 50, "{declared}");
    }

    #[test]
    fn a_path_of_one_kind_is_kept_for_that_kind_only() {
        let whole = tree("metadata: {name: a, labels: {x: y}}\n");
        let projection = Projection::of_paths(&[
            (None, "/metadata/name".to_owned()),
            (Some("Namespace".to_owned()), "/metadata/labels".to_owned()),
        ]);
        assert_eq!(projection.apply("Namespace", whole.clone()), whole);
        let kept = projection.apply("ConfigMap", whole.clone());
        assert!(kept.pointer("/metadata/labels").is_none());
        assert_eq!(
            kept.pointer("/metadata/name"),
            whole.pointer("/metadata/name")
        );
    }

    #[test]
    fn keys_with_slashes_are_escaped_as_in_pointers() {
        let whole = tree("metadata:\n  annotations:\n    a.io/b: x\n    c: y\n");
        let kept = projection(&["/metadata/annotations/a.io~1b"]).apply(whole.clone());
        assert_eq!(
            kept.pointer("/metadata/annotations/a.io~1b"),
            whole.pointer("/metadata/annotations/a.io~1b")
        );
        assert!(kept.pointer("/metadata/annotations/c").is_none());
    }

    #[test]
    fn a_shorter_path_keeps_the_whole_subtree() {
        let whole = tree("spec: {a: {b: 1, c: 2}}\n");
        let kept = projection(&["/spec/a/b", "/spec"]).apply(whole.clone());
        assert_eq!(kept, whole);
        assert_eq!(projection(&[]).apply(whole.clone()).as_map(), Some(&[][..]));
    }
}
