//! What the tools that build a file change in its objects before they are
//! applied, where every build of the file agrees: the namespace Kustomize
//! sets, and the images that Kustomize, Skaffold or a build script
//! (`build_scripts`) write in.
//!
//! Only what a rule would otherwise misread is taken: a quota that writes
//! no namespace guards the kustomization's namespace, and a base's
//! `image: app:latest` that every overlay retags never reaches a cluster.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use super::kustomize::{directory_of, is_below, text_of};
use super::Candidate;
use crate::model::{ImagePin, PatchedFields, SetImage};
use crate::yaml::{parse_stream, Limits, Node};

/// What the builds of one file change in its objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Built {
    /// The namespace every build gives its objects (and a Namespace object
    /// as its name).
    pub(crate) namespace: Option<String>,
    /// The images every build sets.
    pub(crate) images: Arc<[SetImage]>,
    /// The namespaces of the builds, when each sets one but they differ (a
    /// Component's placeholder Namespace, which every app that includes it
    /// names after itself); empty otherwise.
    pub(crate) namespaces_apart: Vec<String>,
    /// Kustomize reads the file (it is a resource of a build): its YAML is
    /// read as YAML 1.2, where `yes`, `on` and `off` are strings.
    pub(crate) read_by_kustomize: bool,
    /// The directories of the builds that reach the file, each a
    /// kustomization no other one includes, sorted.
    pub(crate) roots: Arc<[String]>,
    /// What the patches of the kustomizations that reach the file write
    /// into its objects.
    pub(crate) patched: Option<Arc<PatchedFields>>,
}

/// The images one tool sets (a Skaffold configuration, a build script), and
/// for which files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ToolImages {
    /// The tool's directory: it sets images of the files below.
    pub(super) directory: String,
    /// Whether only files a kustomization builds get them (`kustomize
    /// edit` changes a kustomization, not the files applied directly).
    pub(super) only_built_by_kustomize: bool,
    pub(super) images: Vec<SetImage>,
}

/// What one kustomization sets on the objects it builds.
#[derive(Debug, Clone, Default)]
pub(super) struct Transforms {
    /// Its `namespace:`.
    pub(super) namespace: Option<String>,
    /// Its `images:` entries that set a tag or a digest, by image name.
    pub(super) images: BTreeMap<String, ImagePin>,
}

impl Transforms {
    /// Reads the transforms of a kustomization.
    pub(super) fn of(kustomization: &Node) -> Transforms {
        let namespace = kustomization
            .get("namespace")
            .and_then(Node::as_str)
            .filter(|namespace| !namespace.is_empty())
            .map(str::to_owned);
        let images = kustomization
            .get("images")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|entry| {
                let name = entry.get("name").and_then(Node::as_str)?;
                let set = |key: &str| {
                    entry
                        .get(key)
                        .and_then(Node::as_str)
                        .is_some_and(|value| !value.is_empty())
                };
                let pin = if set("digest") {
                    ImagePin::Digest
                } else if set("newTag")
                    && entry.get("newTag").and_then(Node::as_str) != Some("latest")
                {
                    ImagePin::Tag
                } else {
                    return None;
                };
                Some((name.to_owned(), pin))
            })
            .collect();
        Transforms { namespace, images }
    }

    /// These transforms under those of a kustomization that builds this one
    /// (`outer`): the outer namespace wins, and an image keeps the stronger
    /// pin of the two.
    fn under(&self, outer: &Way) -> Way {
        let mut images = self.images.clone();
        for (name, pin) in &outer.images {
            let entry = images.entry(name.clone()).or_insert(*pin);
            *entry = (*entry).max(*pin);
        }
        Way {
            namespace: outer.namespace.clone().or_else(|| self.namespace.clone()),
            images,
        }
    }
}

/// The transforms along one way down the Kustomize graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Way {
    namespace: Option<String>,
    images: BTreeMap<String, ImagePin>,
}

/// What every build that reaches each resource file sets, by display path,
/// given each kustomization's directory with its transforms and resources
/// (files, or directories of kustomizations). The builds start at the
/// kustomizations no other names; along one way down, an overlay's
/// transforms run after its bases', so they win.
pub(super) fn built_files<'b>(
    builds: impl Iterator<Item = (&'b str, &'b Transforms, &'b [String])>,
) -> HashMap<String, Built> {
    let builds: HashMap<&str, (&Transforms, &[String])> = builds
        .map(|(directory, transforms, resources)| (directory, (transforms, resources)))
        .collect();
    let named: HashSet<&str> = builds
        .values()
        .flat_map(|(_, resources)| resources.iter().map(String::as_str))
        .collect();
    let mut pending: Vec<(&str, Way, &str)> = builds
        .keys()
        .filter(|directory| !named.contains(*directory))
        .map(|directory| (*directory, Way::default(), *directory))
        .collect();
    let mut visited: HashSet<(&str, Way, &str)> = HashSet::new();
    let mut reached: HashMap<&str, (Vec<Way>, BTreeSet<&str>)> = HashMap::new();
    while let Some((path, outer, root)) = pending.pop() {
        if !visited.insert((path, outer.clone(), root)) {
            continue;
        }
        match builds.get(path) {
            Some((transforms, resources)) => {
                let way = transforms.under(&outer);
                pending.extend(
                    resources
                        .iter()
                        .map(|resource| (resource.as_str(), way.clone(), root)),
                );
            }
            None => {
                let (ways, roots) = reached.entry(path).or_default();
                if !ways.contains(&outer) {
                    ways.push(outer);
                }
                roots.insert(root);
            }
        }
    }
    // Every file reached is read by Kustomize, whatever its builds set.
    reached
        .into_iter()
        .map(|(path, (ways, roots))| {
            let built = Built {
                roots: roots.into_iter().map(str::to_owned).collect(),
                ..agreed(&ways)
            };
            (path.to_owned(), built)
        })
        .collect()
}

/// What all `ways` to a file set: a namespace when they all set the same
/// one, and each image that all of them set, with the weakest pin; a file
/// some way reaches is read by Kustomize.
fn agreed(ways: &[Way]) -> Built {
    let Some((first, rest)) = ways.split_first() else {
        return Built::default();
    };
    let namespace = first.namespace.clone().filter(|namespace| {
        rest.iter()
            .all(|way| way.namespace.as_ref() == Some(namespace))
    });
    let images: Vec<SetImage> = first
        .images
        .iter()
        .filter_map(|(name, pin)| {
            let mut pin = *pin;
            for way in rest {
                pin = pin.min(*way.images.get(name)?);
            }
            Some(SetImage {
                name: name.clone(),
                pin,
            })
        })
        .collect();
    let mut namespaces_apart: Vec<String> = Vec::new();
    if namespace.is_none() {
        for way in ways {
            match &way.namespace {
                Some(namespace) => namespaces_apart.push(namespace.clone()),
                None => {
                    namespaces_apart.clear();
                    break;
                }
            }
        }
        namespaces_apart.sort();
        namespaces_apart.dedup();
    }
    Built {
        namespace,
        images: images.into(),
        namespaces_apart,
        read_by_kustomize: true,
        roots: Arc::default(),
        patched: None,
    }
}

/// The images that the Skaffold configurations among `candidates` build
/// (`build.artifacts[].image`, in profiles too), with the directory each
/// configuration deploys from. Skaffold writes each built image into the
/// manifests it deploys as `name:tag@digest`, so the bare name a manifest
/// writes (`image: frontend`) is never what runs.
pub(super) fn skaffold_images(candidates: &[Candidate]) -> Vec<ToolImages> {
    candidates
        .iter()
        .filter(|candidate| {
            let name = candidate
                .display
                .rsplit('/')
                .next()
                .unwrap_or(&candidate.display);
            matches!(name, "skaffold.yaml" | "skaffold.yml")
        })
        .filter_map(|candidate| {
            let text = text_of(&candidate.origin)?;
            let mut images = Vec::new();
            for document in parse_stream(&text, &Limits::default()) {
                let Some(root) = document.root else {
                    continue;
                };
                let is_skaffold = root
                    .get("apiVersion")
                    .and_then(Node::as_str)
                    .is_some_and(|version| version.starts_with("skaffold/"));
                if !is_skaffold {
                    continue;
                }
                let profiles = root
                    .get("profiles")
                    .and_then(Node::as_seq)
                    .unwrap_or_default();
                for build in std::iter::once(&root)
                    .chain(profiles)
                    .filter_map(|config| config.get("build"))
                {
                    let artifacts = build
                        .get("artifacts")
                        .and_then(Node::as_seq)
                        .unwrap_or_default();
                    images.extend(
                        artifacts
                            .iter()
                            .filter_map(|artifact| artifact.get("image")?.as_str())
                            .map(|name| SetImage {
                                name: name.to_owned(),
                                pin: ImagePin::Digest,
                            }),
                    );
                }
            }
            (!images.is_empty()).then(|| ToolImages {
                directory: directory_of(&candidate.display).to_owned(),
                only_built_by_kustomize: false,
                images,
            })
        })
        .collect()
}

/// Adds the images that tools set (Skaffold's artifacts, build scripts'
/// `kustomize edit set image` and Tilt builds) to what is built of the
/// manifests under each tool's directory.
pub(super) fn with_tools(
    built: Option<Built>,
    display: &str,
    set_by_tools: &[ToolImages],
) -> Option<Built> {
    let read_by_kustomize = built.as_ref().is_some_and(|built| built.read_by_kustomize);
    let mut images: Vec<SetImage> = set_by_tools
        .iter()
        .filter(|tool| is_below(display, &tool.directory))
        .filter(|tool| read_by_kustomize || !tool.only_built_by_kustomize)
        .flat_map(|tool| tool.images.iter().cloned())
        .collect();
    if images.is_empty() {
        return built;
    }
    let mut built = built.unwrap_or_default();
    images.extend(built.images.iter().cloned());
    // The strongest pin of each name first, and only it kept.
    images.sort_by(|a, b| a.name.cmp(&b.name).then(b.pin.cmp(&a.pin)));
    images.dedup_by(|later, earlier| later.name == earlier.name);
    built.images = images.into();
    Some(built)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::first_tree;

    fn way(namespace: Option<&str>, images: &[(&str, ImagePin)]) -> Way {
        Way {
            namespace: namespace.map(str::to_owned),
            images: images
                .iter()
                .map(|(name, pin)| ((*name).to_owned(), *pin))
                .collect(),
        }
    }

    #[test]
    fn only_entries_that_set_a_tag_or_a_digest_pin_an_image() {
        let kustomization = first_tree(
            "images:\n  - {name: a, digest: 'sha256:00'}\n  - {name: b, newTag: '1.0'}\n  - {name: c, newTag: latest}\n  - {name: d, newName: e}\n",
        );
        let transforms = Transforms::of(&kustomization);
        let pins: Vec<(&str, ImagePin)> = transforms
            .images
            .iter()
            .map(|(name, pin)| (name.as_str(), *pin))
            .collect();
        assert_eq!(pins, [("a", ImagePin::Digest), ("b", ImagePin::Tag)]);
    }

    #[test]
    fn a_file_knows_the_top_builds_that_reach_it() {
        let none = Transforms::default();
        let resources =
            |list: &[&str]| -> Vec<String> { list.iter().map(|item| (*item).to_owned()).collect() };
        let (a, b, base) = (
            resources(&["prod/base", "prod/a/cm.yaml"]),
            resources(&["prod/base", "prod/b/cm.yaml"]),
            resources(&["prod/base/ns.yaml"]),
        );
        let built = built_files(
            [
                ("prod/a", &none, a.as_slice()),
                ("prod/b", &none, b.as_slice()),
                ("prod/base", &none, base.as_slice()),
            ]
            .into_iter(),
        );
        let roots = |file: &str| built.get(file).map(|built| built.roots.to_vec());
        assert_eq!(roots("prod/a/cm.yaml"), Some(vec!["prod/a".to_owned()]));
        assert_eq!(roots("prod/b/cm.yaml"), Some(vec!["prod/b".to_owned()]));
        assert_eq!(
            roots("prod/base/ns.yaml"),
            Some(vec!["prod/a".to_owned(), "prod/b".to_owned()])
        );
    }

    #[test]
    fn every_way_to_a_file_must_set_what_it_keeps() {
        let built = agreed(&[
            way(
                Some("shop"),
                &[("a", ImagePin::Digest), ("b", ImagePin::Digest)],
            ),
            way(Some("shop"), &[("a", ImagePin::Tag)]),
        ]);
        assert_eq!(built.namespace.as_deref(), Some("shop"));
        assert_eq!(
            built.images.as_ref(),
            [SetImage {
                name: "a".to_owned(),
                pin: ImagePin::Tag
            }]
        );
        let apart = agreed(&[way(Some("prod"), &[]), way(Some("dev"), &[])]);
        assert_eq!(apart.namespace, None);
        assert_eq!(apart.namespaces_apart, ["dev", "prod"]);
        let partly = agreed(&[way(Some("dev"), &[]), way(None, &[])]);
        assert_eq!(
            partly,
            Built {
                read_by_kustomize: true,
                ..Built::default()
            }
        );
    }

    fn tool(directory: &str, only_built_by_kustomize: bool, name: &str) -> ToolImages {
        ToolImages {
            directory: directory.to_owned(),
            only_built_by_kustomize,
            images: vec![SetImage {
                name: name.to_owned(),
                pin: ImagePin::Digest,
            }],
        }
    }

    #[test]
    fn a_tool_sets_the_images_of_the_manifests_under_its_directory() {
        let skaffold = [tool("shop", false, "storefront")];
        let set = |display: &str| with_tools(None, display, &skaffold);
        assert!(set("shop/k8s/deployment.yaml").is_some_and(|built| built.images.len() == 1));
        assert_eq!(set("shopping/deployment.yaml"), None);
        assert_eq!(set("other/deployment.yaml"), None);
    }

    #[test]
    fn a_kustomize_edit_sets_images_only_where_kustomize_builds() {
        let makefile = [tool("", true, "controller")];
        assert_eq!(
            with_tools(None, "config/manager/manager.yaml", &makefile),
            None
        );
        let built = Built {
            read_by_kustomize: true,
            ..Built::default()
        };
        let set = with_tools(Some(built), "config/manager/manager.yaml", &makefile);
        assert!(set.is_some_and(|built| built.images.len() == 1));
    }
}
