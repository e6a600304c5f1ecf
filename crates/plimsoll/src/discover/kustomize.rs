//! The Kustomize graph: what each kustomization says of the files it names.
//!
//! A repository that uses Kustomize is read the way `kustomize build` reads
//! it. Files named under `resources`, `bases`, `components` and `crds` are
//! manifests; files named as patches are parts of objects, never whole
//! ones; files named by generators, `configurations`, `openapi`,
//! `replacements`, `helmCharts` values and transformer configs are data,
//! and so are the files and directories a generator's or transformer's own
//! configuration names (a PolicyGenerator's `manifests[].path`, KSOPS's
//! `files`): they are the plugin's input, not objects of the repository.
//! Kustomizations and plugin configurations are small, so they are read
//! here, ahead of the load.

use std::collections::{HashMap, HashSet};

use super::built::{built_files, Built, Transforms};
use super::kustomize_patches::{named_patches, patched_files, NamedPatch};
use super::{Candidate, FileKind, Origin};
use crate::model::kustomization::secret_env_files;
use crate::yaml::{parse_stream, Limits, Node};

/// What a kustomization makes of a file it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    /// Data for a generator or a transformer: not read at all.
    Data,
    /// A patch: checked as a patch.
    Patch,
    /// A resource: every document must be a manifest. Wins over the other
    /// roles when two kustomizations disagree.
    Resource,
    /// A resource that a kustomization building it labels with selector
    /// labels (`commonLabels`, `labels` with `includeSelectors: true`):
    /// Kustomize writes its workloads' selectors.
    LabelledResource,
}

/// What the kustomizations among `candidates` say of the files they name,
/// by display path.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    /// The role of every file some kustomization names.
    pub(crate) roles: HashMap<String, Role>,
    /// What every build that reaches a resource file sets on its objects.
    pub(crate) built: HashMap<String, Built>,
    /// The env files that each kustomization's `secretGenerator`s read and
    /// that are not on disk (kept out of Git, made where it is built), by
    /// the kustomization's display path, as the kustomization writes them.
    pub(crate) missing_env_files: HashMap<String, Vec<String>>,
}

/// One kustomization, by what the graph reads of it.
#[derive(Debug, Default)]
struct Build {
    adds_selector_labels: bool,
    /// The resources it names: files, or directories of kustomizations.
    resources: Vec<String>,
    /// What it sets on every object it builds.
    transforms: Transforms,
}

/// Reads the Kustomize graph of `candidates`.
pub(crate) fn graph(candidates: &[Candidate]) -> Graph {
    let mut roles: HashMap<String, Role> = HashMap::new();
    // Each kustomization, by its directory.
    let mut builds: HashMap<String, Build> = HashMap::new();
    let mut plugins: Vec<PluginConfig> = Vec::new();
    // Files that kustomizations name only in comments.
    let mut commented_out: Vec<String> = Vec::new();
    // Each kustomization's patches, by its directory.
    let mut patches: HashMap<String, Vec<NamedPatch>> = HashMap::new();
    let mut missing_env_files: HashMap<String, Vec<String>> = HashMap::new();
    for candidate in candidates {
        if candidate.kind != FileKind::Kustomization {
            continue;
        }
        let Some(text) = text_of(&candidate.origin) else {
            continue;
        };
        let directory = directory_of(&candidate.display);
        let build = builds.entry(directory.to_owned()).or_default();
        commented_out
            .extend(files_in_comments(&text).filter_map(|reference| join(directory, reference)));
        for document in parse_stream(&text, &Limits::default()) {
            let Some(root) = document.root else {
                continue;
            };
            build.adds_selector_labels |= adds_selector_labels(&root);
            build.transforms = Transforms::of(&root);
            let missing = env_files_not_on_disk(&candidate.origin, &root);
            if !missing.is_empty() {
                missing_env_files
                    .entry(candidate.display.clone())
                    .or_default()
                    .extend(missing);
            }
            let named = named_patches(&root, directory);
            for patch in &named {
                if let NamedPatch::File { path, .. } = patch {
                    roles
                        .entry(path.clone())
                        .and_modify(|seen| *seen = (*seen).max(Role::Patch))
                        .or_insert(Role::Patch);
                }
            }
            if !named.is_empty() {
                patches
                    .entry(directory.to_owned())
                    .or_default()
                    .extend(named);
            }
            plugins.extend(inline_plugins(&root).map(|config| PluginConfig::Inline {
                directory: directory.to_owned(),
                config,
            }));
            plugins.extend(
                plugin_files(&root)
                    .filter_map(|reference| join(directory, reference))
                    .map(PluginConfig::File),
            );
            for (reference, role) in named_files(&root) {
                let Some(path) = join(directory, reference) else {
                    continue;
                };
                if role == Role::Resource {
                    build.resources.push(path.clone());
                }
                roles
                    .entry(path)
                    .and_modify(|seen| *seen = (*seen).max(role))
                    .or_insert(role);
            }
        }
    }
    for path in selector_labelled(&builds) {
        if let Some(role) = roles.get_mut(&path) {
            *role = (*role).max(Role::LabelledResource);
        }
    }
    for path in plugin_inputs(candidates, plugins) {
        roles.entry(path).or_insert(Role::Data);
    }
    for path in left_out(candidates, &builds, &roles) {
        roles.insert(path, Role::Data);
    }
    for path in commented_out {
        if FileKind::of(&path) != FileKind::Kustomization {
            roles.entry(path).or_insert(Role::Data);
        }
    }
    let mut built = built_files(builds.iter().map(|(directory, build)| {
        (
            directory.as_str(),
            &build.transforms,
            build.resources.as_slice(),
        )
    }));
    if !patches.is_empty() {
        let resources: HashMap<String, Vec<String>> = builds
            .into_iter()
            .map(|(directory, build)| (directory, build.resources))
            .collect();
        for (path, fields) in patched_files(&patches, &resources, candidates) {
            if let Some(built) = built.get_mut(&path) {
                built.patched = Some(fields);
            }
        }
    }
    Graph {
        roles,
        built,
        missing_env_files,
    }
}

/// The YAML and JSON files that a kustomization's commented-out list items
/// name (`#- path: patches/webhook_in_widgets.yaml`, `# - extra.yaml`): a
/// file its owner commented out of the build, as kubebuilder's scaffolds
/// leave their optional patches. A file that no kustomization names
/// otherwise is not deployed. (Prose in comments is not read.)
fn files_in_comments(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix('#'))
        .filter(|comment| comment.trim_start().starts_with('-'))
        .flat_map(|comment| {
            comment.split(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '"' | '\''))
        })
        .map(|word| word.trim_start_matches('-'))
        .filter(|word| {
            [".yaml", ".yml", ".json"]
                .iter()
                .any(|extension| word.ends_with(extension))
        })
}

/// The env files that the `secretGenerator`s of a kustomization read from
/// disk and that are not there (kept out of Git, made where it is built);
/// none for a kustomization given in memory.
fn env_files_not_on_disk(origin: &Origin, kustomization: &Node) -> Vec<String> {
    let Origin::File(path) = origin else {
        return Vec::new();
    };
    let folder = path.parent().unwrap_or(path);
    secret_env_files(kustomization)
        .filter(|file| !folder.join(file).exists())
        .map(str::to_owned)
        .collect()
}

/// The YAML files that no kustomization names, where a kustomization
/// decides what is deployed:
/// - beside a kustomization: `kustomize build`, Argo CD and Flux build
///   that directory from its kustomization, so they are not deployed from
///   there (alternatives a guide tells you to swap in, drafts, examples);
/// - in a folder below a kustomization that picks some of the folder's
///   files by name (a vendored release of which the base takes two files):
///   the others are left out of its build.
fn left_out(
    candidates: &[Candidate],
    builds: &HashMap<String, Build>,
    roles: &HashMap<String, Role>,
) -> Vec<String> {
    let picked_from: HashSet<&str> = builds
        .iter()
        .flat_map(|(directory, build)| {
            build
                .resources
                .iter()
                .filter(|resource| !builds.contains_key(resource.as_str()))
                .map(|resource| directory_of(resource))
                .filter(move |folder| *folder != directory && is_below(folder, directory))
        })
        .collect();
    candidates
        .iter()
        .filter(|candidate| candidate.kind == FileKind::Manifests)
        .filter(|candidate| !roles.contains_key(&candidate.display))
        .filter(|candidate| {
            let folder = directory_of(&candidate.display);
            builds.contains_key(folder) || picked_from.contains(folder)
        })
        .map(|candidate| candidate.display.clone())
        .collect()
}

/// A generator's, transformer's or validator's configuration, as a
/// kustomization names it.
enum PluginConfig {
    /// A file (read when the graph is built).
    File(String),
    /// Written inline, with the directory its paths are relative to.
    Inline { directory: String, config: Node },
}

/// The files that plugin configurations name: their inputs, as data.
fn plugin_inputs(candidates: &[Candidate], plugins: Vec<PluginConfig>) -> Vec<String> {
    if plugins.is_empty() {
        return Vec::new();
    }
    let by_display: HashMap<&str, &Candidate> = candidates
        .iter()
        .map(|candidate| (candidate.display.as_str(), candidate))
        .collect();
    let mut configurations = Vec::new();
    for plugin in plugins {
        let path = match plugin {
            PluginConfig::Inline { directory, config } => {
                configurations.push((directory, config));
                continue;
            }
            PluginConfig::File(path) => path,
        };
        let Some(text) = by_display
            .get(path.as_str())
            .and_then(|c| text_of(&c.origin))
        else {
            continue;
        };
        let directory = directory_of(&path);
        for document in parse_stream(&text, &Limits::default()) {
            configurations.extend(document.root.map(|root| (directory.to_owned(), root)));
        }
    }
    let mut inputs = Vec::new();
    for (directory, configuration) in &configurations {
        let mut named = Vec::new();
        path_values(configuration, false, &mut named);
        for reference in named {
            let Some(path) = join(directory, reference) else {
                continue;
            };
            let inside = format!("{path}/");
            inputs.extend(
                candidates
                    .iter()
                    .filter(|candidate| {
                        candidate.display == path || candidate.display.starts_with(&inside)
                    })
                    .map(|candidate| candidate.display.clone()),
            );
        }
    }
    inputs
}

/// The strings of a plugin configuration that name files or directories:
/// the values of keys such as `path` and `files`, and any value that names
/// a YAML or JSON file. (Other strings, such as names and namespaces, are
/// not read as paths.)
fn path_values<'n>(node: &'n Node, under_path_key: bool, named: &mut Vec<&'n str>) {
    const PATH_KEYS: &[&str] = &[
        "path",
        "paths",
        "file",
        "files",
        "dir",
        "directory",
        "valuesFile",
        "valuesFiles",
    ];
    if let Some(text) = node.as_str() {
        let names_a_file = [".yaml", ".yml", ".json"]
            .iter()
            .any(|extension| text.ends_with(extension));
        if (under_path_key || names_a_file) && !text.contains('\n') {
            named.push(text);
        }
    } else if let Some(entries) = node.as_map() {
        for entry in entries {
            path_values(&entry.value, PATH_KEYS.contains(&entry.key.as_str()), named);
        }
    } else if let Some(items) = node.as_seq() {
        for item in items {
            path_values(item, under_path_key, named);
        }
    }
}

/// The plugin configuration files a kustomization names (`generators`,
/// `transformers`, `validators`).
fn plugin_files(kustomization: &Node) -> impl Iterator<Item = &str> {
    ["generators", "transformers", "validators"]
        .into_iter()
        .flat_map(|key| strings(kustomization.get(key)))
        .filter(|entry| !entry.contains('\n'))
}

/// The plugin configurations a kustomization writes inline, as YAML
/// documents in strings.
fn inline_plugins(kustomization: &Node) -> impl Iterator<Item = Node> + '_ {
    ["generators", "transformers", "validators"]
        .into_iter()
        .flat_map(|key| strings(kustomization.get(key)))
        .filter(|entry| entry.contains('\n'))
        .flat_map(|text| parse_stream(text, &Limits::default()))
        .filter_map(|document| document.root)
}

/// Whether a kustomization adds labels to selectors: `commonLabels`, or
/// `labels` entries with `includeSelectors: true`.
fn adds_selector_labels(kustomization: &Node) -> bool {
    let has_pairs = |node: Option<&Node>| {
        node.and_then(Node::as_map)
            .is_some_and(|pairs| !pairs.is_empty())
    };
    has_pairs(kustomization.get("commonLabels"))
        || items(kustomization.get("labels")).any(|entry| {
            entry.get("includeSelectors").and_then(Node::as_bool) == Some(true)
                && has_pairs(entry.get("pairs"))
        })
}

/// The files that a kustomization adding selector labels builds, through
/// the directories of other kustomizations it names.
fn selector_labelled(builds: &HashMap<String, Build>) -> HashSet<String> {
    let mut labelled = HashSet::new();
    let mut visited = HashSet::new();
    let mut pending: Vec<&String> = builds
        .values()
        .filter(|build| build.adds_selector_labels)
        .flat_map(|build| &build.resources)
        .collect();
    while let Some(path) = pending.pop() {
        if !visited.insert(path) {
            continue;
        }
        match builds.get(path) {
            Some(build) => pending.extend(&build.resources),
            None => {
                labelled.insert(path.clone());
            }
        }
    }
    labelled
}

pub(super) fn text_of(origin: &Origin) -> Option<String> {
    match origin {
        Origin::File(path) => std::fs::read_to_string(path).ok(),
        Origin::Text(text) => Some(text.to_string()),
        Origin::Bytes(bytes) => std::str::from_utf8(bytes).ok().map(str::to_owned),
        Origin::Unlistable(_) => None,
    }
}

/// The files a kustomization names, with what it makes of each (its
/// patch files: [`named_patches`]).
fn named_files(kustomization: &Node) -> Vec<(&str, Role)> {
    let mut named = Vec::new();
    for key in ["resources", "bases", "components", "crds"] {
        named.extend(strings(kustomization.get(key)).map(|path| (path, Role::Resource)));
    }
    for generator in ["configMapGenerator", "secretGenerator"] {
        for item in items(kustomization.get(generator)) {
            for key in ["files", "envs"] {
                named.extend(
                    strings(item.get(key))
                        // `key=path` names the data key and the file.
                        .map(|entry| entry.rsplit_once('=').map_or(entry, |(_, path)| path))
                        .map(|path| (path, Role::Data)),
                );
            }
            if let Some(path) = item.get("env").and_then(Node::as_str) {
                named.push((path, Role::Data));
            }
        }
    }
    for key in ["configurations", "transformers", "generators", "validators"] {
        named.extend(
            strings(kustomization.get(key))
                .filter(|entry| !entry.contains('\n'))
                .map(|path| (path, Role::Data)),
        );
    }
    if let Some(path) = kustomization
        .get("openapi")
        .and_then(|openapi| openapi.get("path"))
        .and_then(Node::as_str)
    {
        named.push((path, Role::Data));
    }
    named.extend(items(kustomization.get("replacements")).filter_map(|item| {
        let path = item.get("path")?.as_str()?;
        Some((path, Role::Data))
    }));
    for chart in items(kustomization.get("helmCharts")) {
        if let Some(path) = chart.get("valuesFile").and_then(Node::as_str) {
            named.push((path, Role::Data));
        }
        named.extend(strings(chart.get("additionalValuesFiles")).map(|path| (path, Role::Data)));
    }
    named
}

/// The string items of a sequence.
fn strings(node: Option<&Node>) -> impl Iterator<Item = &str> {
    items(node).filter_map(Node::as_str)
}

/// The items of a sequence (none when it is not one).
fn items(node: Option<&Node>) -> impl Iterator<Item = &Node> {
    node.and_then(Node::as_seq).unwrap_or_default().iter()
}

/// The directory of a display path (`""` at the top).
pub(super) fn directory_of(display: &str) -> &str {
    display
        .rsplit_once('/')
        .map_or("", |(directory, _)| directory)
}

/// Whether the file at `display` is below `directory` (`""`: the walked
/// tree's top, below which every file is).
pub(super) fn is_below(display: &str, directory: &str) -> bool {
    directory.is_empty()
        || display
            .strip_prefix(directory)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `reference` resolved against the kustomization's directory, lexically
/// (`overlays/prod` + `../../base/app.yaml` → `base/app.yaml`); `None` for
/// remote references and paths that climb above the walked tree.
pub(super) fn join(directory: &str, reference: &str) -> Option<String> {
    let reference = reference.trim();
    let remote = reference.contains("://")
        || reference.starts_with("github.com/")
        || reference.starts_with("git@")
        || reference.contains("?ref=");
    if remote || reference.is_empty() {
        return None;
    }
    let mut segments: Vec<&str> = if reference.starts_with('/') {
        Vec::new()
    } else {
        directory.split('/').filter(|s| !s.is_empty()).collect()
    };
    // An absolute directory keeps its leading `/`.
    let absolute = directory.starts_with('/') || reference.starts_with('/');
    for segment in reference.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                // `..` beyond the start of a relative display path leaves
                // the walked tree: nothing there to classify.
                segments.pop()?;
            }
            segment => segments.push(segment),
        }
    }
    let joined = segments.join("/");
    Some(if absolute {
        format!("/{joined}")
    } else {
        joined
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(display: &str, text: &str) -> Candidate {
        Candidate::new(display.to_owned(), Origin::Text(text.into()))
    }

    #[test]
    fn a_plugin_configuration_names_its_inputs() {
        let kustomization = "generators: [generator.yaml]\ntransformers:\n  - |-\n    kind: Inline\n    files: [./inline-input.yaml]\n";
        let generator = "\
kind: PolicyGenerator
metadata: {name: shop}
policyDefaults: {namespace: policies}
policies:
  - manifests:
      - path: templates/
      - path: extra.yaml
";
        let candidates = vec![
            candidate("p/kustomization.yaml", kustomization),
            candidate("p/generator.yaml", generator),
            candidate("p/templates/a.yaml", ""),
            candidate("p/templates/deep/b.yaml", ""),
            candidate("p/extra.yaml", ""),
            candidate("p/inline-input.yaml", ""),
            // A directory that a name in the configuration happens to match.
            candidate("p/policies/real.yaml", ""),
        ];
        let roles = graph(&candidates).roles;
        for data in [
            "p/generator.yaml",
            "p/templates/a.yaml",
            "p/templates/deep/b.yaml",
            "p/extra.yaml",
            "p/inline-input.yaml",
        ] {
            assert_eq!(roles.get(data), Some(&Role::Data), "{data}");
        }
        assert_eq!(roles.get("p/policies/real.yaml"), None);
    }

    #[test]
    fn paths_are_joined_lexically() {
        assert_eq!(
            join("overlays/prod", "../../base/app.yaml").as_deref(),
            Some("base/app.yaml")
        );
        assert_eq!(join("a", "./b/c.yaml").as_deref(), Some("a/b/c.yaml"));
        assert_eq!(join("", "x.yaml").as_deref(), Some("x.yaml"));
        assert_eq!(
            join("/repo/a", "../b.yaml").as_deref(),
            Some("/repo/b.yaml")
        );
        assert_eq!(join("a", "../../b.yaml"), None);
        assert_eq!(join("a", "https://github.com/org/repo//base?ref=v1"), None);
    }

    #[test]
    fn a_kustomization_gives_its_files_their_roles() {
        let kustomization = "\
resources: [deployment.yaml, ../base]
patchesStrategicMerge:
  - replicas.yaml
  - |-
    apiVersion: apps/v1
    kind: Deployment
patches:
  - path: probes.yaml
  - patch: |-
      - op: remove
patchesJson6902:
  - target: {kind: Deployment, name: api}
    path: json-patch.yaml
configMapGenerator:
  - name: settings
    files: [app.properties, nginx=conf/nginx.conf]
    envs: [settings.env]
secretGenerator:
  - name: creds
    env: creds.env
configurations: [name-reference.yaml]
replacements:
  - path: replacement.yaml
openapi:
  path: schema.json
helmCharts:
  - name: app
    valuesFile: chart-values.yaml
";
        let candidates = vec![candidate("overlays/prod/kustomization.yaml", kustomization)];
        let roles = graph(&candidates).roles;
        let role = |path: &str| roles.get(path).copied();
        assert_eq!(role("overlays/prod/deployment.yaml"), Some(Role::Resource));
        assert_eq!(role("overlays/prod/replicas.yaml"), Some(Role::Patch));
        assert_eq!(role("overlays/prod/probes.yaml"), Some(Role::Patch));
        assert_eq!(role("overlays/prod/json-patch.yaml"), Some(Role::Patch));
        for data in [
            "app.properties",
            "conf/nginx.conf",
            "settings.env",
            "creds.env",
            "name-reference.yaml",
            "replacement.yaml",
            "schema.json",
            "chart-values.yaml",
        ] {
            assert_eq!(
                role(&format!("overlays/prod/{data}")),
                Some(Role::Data),
                "{data}"
            );
        }
        assert_eq!(roles.len(), 13);
    }

    #[test]
    fn resources_an_overlay_labels_through_its_bases_are_known() {
        let candidates = vec![
            candidate("base/kustomization.yaml", "resources: [app.yaml]\n"),
            candidate(
                "clusters/east/kustomization.yaml",
                "resources: [../../base/]\ncommonLabels: {cluster: east}\n",
            ),
            candidate("plain/kustomization.yaml", "resources: [job.yaml]\nlabels:\n  - pairs: {team: a}\n"),
            candidate(
                "selected/kustomization.yaml",
                "resources: [cron.yaml]\nlabels:\n  - pairs: {team: a}\n    includeSelectors: true\n",
            ),
        ];
        let roles = graph(&candidates).roles;
        assert_eq!(roles.get("base/app.yaml"), Some(&Role::LabelledResource));
        assert_eq!(roles.get("plain/job.yaml"), Some(&Role::Resource));
        assert_eq!(
            roles.get("selected/cron.yaml"),
            Some(&Role::LabelledResource)
        );
    }

    #[test]
    fn a_resource_of_one_kustomization_stays_one_when_another_patches_it() {
        let candidates = vec![
            candidate("base/kustomization.yaml", "resources: [app.yaml]\n"),
            candidate(
                "overlays/dev/kustomization.yaml",
                "resources: [../../base]\npatches: [{path: ../../base/app.yaml}]\n",
            ),
        ];
        assert_eq!(
            graph(&candidates).roles.get("base/app.yaml"),
            Some(&Role::Resource)
        );
    }

    #[test]
    fn the_outermost_namespace_of_every_build_places_a_file() {
        let candidates = vec![
            candidate(
                "base/kustomization.yaml",
                "namespace: base\nresources: [app.yaml]\n",
            ),
            candidate(
                "overlays/live/kustomization.yaml",
                "namespace: live\nresources: [../../base]\n",
            ),
            candidate(
                "own/kustomization.yaml",
                "namespace: own\nresources: [job.yaml]\n",
            ),
            candidate("shared/kustomization.yaml", "resources: [quota.yaml]\n"),
            candidate(
                "a/kustomization.yaml",
                "namespace: a\nresources: [../shared]\n",
            ),
            candidate(
                "b/kustomization.yaml",
                "namespace: b\nresources: [../shared]\n",
            ),
            candidate("plain/kustomization.yaml", "resources: [cron.yaml]\n"),
        ];
        let built = graph(&candidates).built;
        let namespace = |path: &str| built.get(path).and_then(|built| built.namespace.as_deref());
        // The overlay's transformer runs after the base's.
        assert_eq!(namespace("base/app.yaml"), Some("live"));
        assert_eq!(namespace("own/job.yaml"), Some("own"));
        // Two builds disagree: the file keeps what it writes.
        assert_eq!(namespace("shared/quota.yaml"), None);
        assert_eq!(namespace("plain/cron.yaml"), None);
    }

    #[test]
    fn only_commented_out_list_items_leave_files_out() {
        let kustomization = "\
# Create your own kustomization.yaml beside extra.yaml to use this base.
resources: [app.yaml]
patches:
#- path: patches/webhook.yaml
# - optional.yaml
";
        let named: Vec<&str> = files_in_comments(kustomization).collect();
        assert_eq!(named, ["patches/webhook.yaml", "optional.yaml"]);
        let candidates = vec![
            candidate("base/kustomization.yaml", kustomization),
            candidate("base/patches/webhook.yaml", ""),
        ];
        let roles = graph(&candidates).roles;
        assert_eq!(roles.get("base/patches/webhook.yaml"), Some(&Role::Data));
        assert_eq!(roles.get("base/extra.yaml"), None);
        assert_eq!(roles.get("base/kustomization.yaml"), None);
    }
}
