//! Discover: from the paths a user gave to the list of files to read.
//!
//! Directories are walked in parallel with the `ignore` crate, so hidden
//! directories, `.gitignore` (inside a Git repository, as git does) and
//! `.plimsollignore` are honoured. The config file, policy files and
//! `exclude` globs are never read as manifests.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::settings::ConfigError;

mod build_scripts;
mod built;
mod file_kind;
mod kustomize;
mod kustomize_patches;
mod recognise;
mod test_suites;

pub use file_kind::FileKind;

pub(crate) use built::Built;
use kustomize::Role;
use recognise::{is_plainly_not_kubernetes, ChartRoots};

/// One input of a run.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file or directory.
    Path(PathBuf),
    /// Text already in memory (an editor buffer), with the name to report it
    /// under.
    Text {
        /// The name findings use.
        name: String,
        /// The content.
        text: String,
    },
    /// Bytes read elsewhere (stdin): not UTF-8 is an `input-read` finding,
    /// as for a file.
    Bytes {
        /// The name findings use (`-` for stdin).
        name: String,
        /// The content.
        bytes: Vec<u8>,
    },
}

/// A file to read, or one that could not even be listed.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// The path as the user will see it.
    pub display: String,
    pub origin: Origin,
    /// What the file holds, by its name or by what a kustomization says.
    pub kind: FileKind,
    /// What the tools that build the file set on its objects.
    pub built: Option<Arc<Built>>,
    /// Of a kustomization: the env files its `secretGenerator`s read that
    /// are not on disk, hence not committed.
    pub missing_env_files: Vec<String>,
}

impl Candidate {
    fn new(display: String, origin: Origin) -> Candidate {
        let kind = FileKind::of(&display);
        Candidate {
            display,
            origin,
            kind,
            built: None,
            missing_env_files: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Origin {
    File(PathBuf),
    // Shared: a run that reads its files twice keeps them to read again.
    Text(Arc<str>),
    Bytes(Arc<[u8]>),
    /// Listing failed (a symlink loop, a directory that vanished).
    Unlistable(String),
}

/// A path given on the command line does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: no such file or directory", path.display())]
pub struct MissingPath {
    /// The path as given.
    pub path: PathBuf,
}

/// Which walked files are never read as manifests.
pub(crate) struct PathFilter {
    excluded: GlobSet,
    root: Option<PathBuf>,
    /// The config file and the files the options name (the baseline), as
    /// absolute paths.
    never_read: Vec<PathBuf>,
}

impl PathFilter {
    /// Never reads the files `never_globs` match (the config's `exclude`
    /// and `policies`, relative to the config file's directory), the
    /// config file, nor `skip_files`.
    pub(crate) fn new<'g>(
        never_globs: impl IntoIterator<Item = &'g String>,
        config_file: Option<&Path>,
        skip_files: &[PathBuf],
    ) -> Result<PathFilter, ConfigError> {
        let file_of_errors = config_file.map(Path::to_path_buf).unwrap_or_default();
        let mut builder = GlobSetBuilder::new();
        for pattern in never_globs {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|error| ConfigError {
                    file: file_of_errors.clone(),
                    line: 1,
                    column: 1,
                    key: "exclude".to_owned(),
                    message: format!("invalid glob \"{pattern}\": {error}"),
                    more: Vec::new(),
                })?;
            builder.add(glob);
        }
        let excluded = builder.build().map_err(|error| ConfigError {
            file: file_of_errors,
            line: 1,
            column: 1,
            key: "exclude".to_owned(),
            message: format!("invalid glob: {error}"),
            more: Vec::new(),
        })?;
        let root = config_file
            .and_then(Path::parent)
            .map(|root| std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()));
        let never_read = config_file
            .map(Path::to_path_buf)
            .iter()
            .chain(skip_files)
            .map(|path| std::path::absolute(path).unwrap_or_else(|_| path.clone()))
            .collect();
        Ok(PathFilter {
            excluded,
            root,
            never_read,
        })
    }

    /// Whether `path` (as walked) must not be read.
    pub(crate) fn excludes(&self, path: &Path) -> bool {
        let display = normalize(path);
        if self.excluded.is_match(&display) {
            return true;
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if self.never_read.contains(&absolute) {
            return true;
        }
        match self
            .root
            .as_deref()
            .and_then(|root| absolute.strip_prefix(root).ok())
        {
            Some(relative) => self.excluded.is_match(normalize(relative)),
            None => false,
        }
    }
}

/// A path as text with `/` separators and no leading `./`.
pub(crate) fn normalize(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut trimmed = text.as_str();
    while let Some(rest) = trimmed.strip_prefix("./") {
        trimmed = rest;
    }
    trimmed.to_owned()
}

fn is_manifest_extension(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Lists the files of every input, sorted by display path, without
/// duplicates.
pub(crate) fn discover(
    inputs: &[Input],
    filter: &PathFilter,
    threads: usize,
) -> Result<Vec<Candidate>, MissingPath> {
    let mut candidates = Vec::new();
    let mut scripts = Vec::new();
    for input in inputs {
        match input {
            Input::Text { name, text } => candidates.push(Candidate::new(
                name.clone(),
                Origin::Text(Arc::from(text.as_str())),
            )),
            // Bytes come from a pipe: a rendered stream, where every
            // document is meant as a manifest.
            Input::Bytes { name, bytes } => {
                let mut candidate =
                    Candidate::new(name.clone(), Origin::Bytes(Arc::from(bytes.as_slice())));
                if candidate.kind == FileKind::Manifests {
                    candidate.kind = FileKind::Resources {
                        selectors_by_kustomize: false,
                    };
                }
                candidates.push(candidate);
            }
            Input::Path(path) => match std::fs::metadata(path) {
                Ok(metadata) if metadata.is_dir() => {
                    walk(path, filter, threads, &mut candidates, &mut scripts)
                }
                Ok(_) => {
                    candidates.push(Candidate::new(normalize(path), Origin::File(path.clone())))
                }
                // A dangling symlink or a symlink loop exists but cannot be
                // followed: that is a finding on the file, not a usage error.
                Err(error) if path.symlink_metadata().is_ok() => candidates.push(Candidate::new(
                    normalize(path),
                    Origin::Unlistable(error.to_string()),
                )),
                Err(_) => return Err(MissingPath { path: path.clone() }),
            },
        }
    }
    candidates.sort_by(|a, b| a.display.cmp(&b.display));
    candidates.dedup_by(|a, b| a.display == b.display);
    let kustomize::Graph {
        roles,
        mut built,
        mut missing_env_files,
    } = kustomize::graph(&candidates);
    let mut set_by_tools = built::skaffold_images(&candidates);
    set_by_tools.extend(scripts.iter().filter_map(|(display, path)| {
        let text = std::fs::read_to_string(path).ok()?;
        build_scripts::images_set(display, &text)
    }));
    let assertions = test_suites::assertion_files(&candidates);
    let charts = ChartRoots::of(&candidates);
    candidates.retain_mut(|candidate| {
        let by_kustomize = built.remove(candidate.display.as_str());
        candidate.missing_env_files = missing_env_files
            .remove(candidate.display.as_str())
            .unwrap_or_default();
        candidate.built =
            built::with_tools(by_kustomize, &candidate.display, &set_by_tools).map(Arc::new);
        if assertions.contains(&candidate.display) {
            return false;
        }
        match roles.get(candidate.display.as_str()) {
            Some(Role::Data) => false,
            Some(role @ (Role::Resource | Role::LabelledResource)) => {
                candidate.kind = FileKind::Resources {
                    selectors_by_kustomize: *role == Role::LabelledResource,
                };
                true
            }
            Some(Role::Patch) => {
                candidate.kind = FileKind::Patch;
                true
            }
            None => !is_plainly_not_kubernetes(&candidate.display) && !charts.hides(candidate),
        }
    });
    Ok(candidates)
}

/// Walks `root`: its manifest files (and those it cannot list) into `out`,
/// its build scripts into `scripts`, by display path.
fn walk(
    root: &Path,
    filter: &PathFilter,
    threads: usize,
    out: &mut Vec<Candidate>,
    scripts: &mut Vec<(String, PathBuf)>,
) {
    let found = Mutex::new(Vec::new());
    let found_scripts: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    // Symbolic links followed on the way (to directories or files).
    let links: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    // Go's vendored modules (a `vendor/` directory with `modules.txt`).
    let vendored: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(true)
        .add_custom_ignore_filename(".plimsollignore")
        .follow_links(true)
        .threads(threads)
        .build_parallel();
    walker.run(|| {
        let found = &found;
        let found_scripts = &found_scripts;
        let links = &links;
        let vendored = &vendored;
        Box::new(move |entry| {
            let candidate = match entry {
                Ok(entry) => {
                    let path = entry.path();
                    if entry.path_is_symlink() {
                        if let Ok(mut links) = links.lock() {
                            links.push(path.to_path_buf());
                        }
                    }
                    if let Some(vendor) = go_vendor_directory(path) {
                        if let Ok(mut vendored) = vendored.lock() {
                            vendored.push(vendor.to_path_buf());
                        }
                    }
                    let is_file = entry.file_type().is_some_and(|kind| !kind.is_dir());
                    // Test inputs by Go's convention (the go tool ignores a
                    // `testdata` directory): fixtures tests apply to
                    // throw-away clusters or feed to code. A walk that
                    // starts inside one still reads it.
                    if !is_file && entry.depth() > 0 && entry.file_name() == "testdata" {
                        return ignore::WalkState::Skip;
                    }
                    let is_script = is_file && build_scripts::is_build_script(path);
                    if is_script && !filter.excludes(path) {
                        if let Ok(mut scripts) = found_scripts.lock() {
                            scripts.push((normalize(path), path.to_path_buf()));
                        }
                    }
                    if !is_file || !is_manifest_extension(path) || filter.excludes(path) {
                        return ignore::WalkState::Continue;
                    }
                    Candidate::new(normalize(path), Origin::File(path.to_path_buf()))
                }
                Err(error) => {
                    let path = error_path(&error);
                    // A link that loops back to a folder above it, or that
                    // leads nowhere, under a name no manifest has (a
                    // dotfiles folder, a library's import path): nothing
                    // of the input is lost, and nothing to report.
                    let is_link = |path: &Path| {
                        path.symlink_metadata()
                            .is_ok_and(|metadata| metadata.file_type().is_symlink())
                    };
                    if path
                        .as_deref()
                        .is_some_and(|path| is_link(path) && !is_manifest_extension(path))
                    {
                        return ignore::WalkState::Continue;
                    }
                    let display = path.map_or_else(|| normalize(root), |path| normalize(&path));
                    Candidate::new(display, Origin::Unlistable(error.to_string()))
                }
            };
            if let Ok(mut found) = found.lock() {
                found.push(candidate);
            }
            ignore::WalkState::Continue
        })
    });
    let links = links.into_inner().unwrap_or_default();
    let vendored = vendored.into_inner().unwrap_or_default();
    let mut found_scripts = found_scripts.into_inner().unwrap_or_default();
    found_scripts.retain(|(_, path)| !vendored.iter().any(|vendor| path.starts_with(vendor)));
    // In walk order, which threads make uneven: sorted, runs agree.
    found_scripts.sort();
    scripts.extend(found_scripts);
    if let Ok(mut found) = found.into_inner() {
        found.retain(|candidate| match &candidate.origin {
            Origin::File(path) => !vendored.iter().any(|vendor| path.starts_with(vendor)),
            _ => true,
        });
        out.extend(without_linked_copies(root, found, &links));
    }
}

/// The directory of Go's vendored modules that `path` marks, when it is a
/// `vendor/modules.txt`: the vendored modules' YAML is their test data and
/// examples, which this repository does not deploy.
fn go_vendor_directory(path: &Path) -> Option<&Path> {
    let vendor = path.parent()?;
    (path.file_name()? == "modules.txt" && vendor.file_name()? == "vendor").then_some(vendor)
}

/// The files walked, but for those reached through a symbolic link that
/// are also reached another way: a directory linked into the tree (shared
/// documentation, a chart linked into several places) is read once, at its
/// own path, so its findings are not repeated at every link. A file that
/// only a link reaches stays, under the first path that reaches it.
fn without_linked_copies(root: &Path, found: Vec<Candidate>, links: &[PathBuf]) -> Vec<Candidate> {
    if links.is_empty() {
        return found;
    }
    let through_link = |candidate: &Candidate| match &candidate.origin {
        Origin::File(path) => links.iter().any(|link| path.starts_with(link)),
        _ => false,
    };
    let (mut linked, direct): (Vec<Candidate>, Vec<Candidate>) =
        found.into_iter().partition(through_link);
    let Ok(real_root) = root.canonicalize() else {
        return direct.into_iter().chain(linked).collect();
    };
    let direct_paths: std::collections::HashSet<PathBuf> = direct
        .iter()
        .filter_map(|candidate| match &candidate.origin {
            Origin::File(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    linked.sort_by(|a, b| a.display.cmp(&b.display));
    let mut seen = std::collections::HashSet::new();
    linked.retain(|candidate| {
        let Origin::File(path) = &candidate.origin else {
            return true;
        };
        let Ok(real) = path.canonicalize() else {
            return true;
        };
        let also_direct = real
            .strip_prefix(&real_root)
            .is_ok_and(|inside| direct_paths.contains(&root.join(inside)));
        !also_direct && seen.insert(real)
    });
    direct.into_iter().chain(linked).collect()
}

/// The path an `ignore` error is about, when it says.
fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}
