//! Custom policies: rules written in CEL (SPEC section 8).
//!
//! The files named by the config's `policies:` globs hold `kind: Policy`
//! documents (plimsoll's own format), and ValidatingAdmissionPolicy and
//! ValidatingAdmissionPolicyBinding objects. [`load`] reads and validates
//! them (unknown keys, duplicate or invalid ids, expressions that do not
//! compile are a [`ConfigError`] naming the file, the line and the place
//! inside the expression) and turns every policy rule into an ordinary
//! [`Rule`] of category `custom`, which `rules:`, `--select`, `--ignore` and
//! the suppression comments handle like a built-in one.
//!
//! Expressions are evaluated by the `expr` module under a cost limit; an expression
//! that fails on one object (a missing field, a wrong type, the cost limit)
//! is a finding on that object, never a crash.

pub(crate) mod admission;
mod custom;
pub(crate) mod expr;
mod select;

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSetBuilder};

use crate::config::{Config, ConfigError};
use crate::rules::Rule;
use crate::source::{SourceLines, TextRange};
use crate::yaml::{parse_stream, Limits, Node, ProblemKind};

/// The rules of the policy files, and notes about what is not evaluated.
#[derive(Debug, Default)]
pub struct Policies {
    /// One rule per policy rule or ValidatingAdmissionPolicy, in file order.
    pub rules: Vec<Rule>,
    /// Things worth telling once (a glob that matches no file, a feature of
    /// an admission policy that is not evaluated offline), as
    /// `file:line: text`.
    pub notes: Vec<String>,
}

/// Loads the policy files named by `config.policies` (globs relative to the
/// config file's directory).
pub fn load(config: &Config) -> Result<Policies, ConfigError> {
    let root = config.root().unwrap_or_else(|| Path::new("."));
    let mut policies = Policies::default();
    let mut loader = custom::Loader::new(config)?;
    for pattern in &config.policies {
        let files = matching_files(root, pattern).map_err(|message| ConfigError {
            file: config.path.clone().unwrap_or_default(),
            line: 1,
            column: 1,
            key: "policies".to_owned(),
            message,
            more: Vec::new(),
        })?;
        if files.is_empty() {
            policies.notes.push(format!(
                "{}: policies: \"{pattern}\" matches no file",
                config
                    .path
                    .as_deref()
                    .unwrap_or(Path::new(".plimsoll.yaml"))
                    .display()
            ));
        }
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|error| ConfigError {
                file: file.clone(),
                line: 1,
                column: 1,
                key: String::new(),
                message: format!("cannot read the policy file: {error}"),
                more: Vec::new(),
            })?;
            loader.add_file(&text, &PolicyFile::new(&file, &text))?;
        }
    }
    let (rules, notes) = loader.finish()?;
    policies.rules = rules;
    policies.notes.extend(notes);
    Ok(policies)
}

/// Reads policies from text, as if it were the only policy file (for tests
/// and embedding tools).
pub fn from_yaml(config: &Config, text: &str, file: &Path) -> Result<Policies, ConfigError> {
    let mut loader = custom::Loader::new(config)?;
    loader.add_file(text, &PolicyFile::new(file, text))?;
    let (rules, notes) = loader.finish()?;
    Ok(Policies { rules, notes })
}

/// Files under `root` matching a glob, sorted.
fn matching_files(root: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let glob = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|error| format!("invalid glob \"{pattern}\": {error}"))?;
    let set = GlobSetBuilder::new()
        .add(glob)
        .build()
        .map_err(|error| format!("invalid glob \"{pattern}\": {error}"))?;
    // Walk from the longest directory prefix without glob characters.
    let literal: Vec<&str> = pattern
        .split('/')
        .take_while(|part| !part.contains(['*', '?', '[', '{']))
        .collect();
    let start = root.join(literal.join("/"));
    if start.is_file() {
        return Ok(vec![start]);
    }
    let mut files = Vec::new();
    if !start.is_dir() {
        return Ok(files);
    }
    let walker = ignore::WalkBuilder::new(&start)
        .standard_filters(false)
        .follow_links(false)
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|kind| kind.is_file()) {
            continue;
        }
        // Relative patterns match paths under the config's directory,
        // absolute ones the whole path.
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let relative = relative.to_string_lossy().replace('\\', "/");
        if set.is_match(&relative) {
            files.push(entry.path().to_path_buf());
        }
    }
    files.sort();
    Ok(files)
}

/// Parses a policy file into its documents' roots; YAML problems are errors.
fn documents(text: &str, file: &PolicyFile<'_>) -> Result<Vec<Node>, ConfigError> {
    let documents = parse_stream(text, &Limits::default());
    if let Some(problem) = documents.iter().flat_map(|doc| &doc.problems).next() {
        let what = match problem.kind {
            ProblemKind::Syntax => "invalid YAML",
            ProblemKind::DuplicateKey => "duplicate key",
        };
        return Err(error_at(
            file,
            problem.span,
            "",
            format!("{what}: {}", problem.message),
        ));
    }
    Ok(documents.into_iter().filter_map(|doc| doc.root).collect())
}

/// A policy file being read: its path, and its lines for error positions.
pub(crate) struct PolicyFile<'a> {
    pub path: &'a Path,
    pub lines: SourceLines<'a>,
}

impl<'a> PolicyFile<'a> {
    fn new(path: &'a Path, text: &'a str) -> PolicyFile<'a> {
        PolicyFile {
            path,
            lines: SourceLines::new(text),
        }
    }

    /// The 1-based line where `range` starts.
    pub(crate) fn line(&self, range: TextRange) -> u32 {
        self.lines.start(range).line
    }
}

fn error_at(
    file: &PolicyFile<'_>,
    range: TextRange,
    key: &str,
    message: impl Into<String>,
) -> ConfigError {
    let at = file.lines.start(range);
    ConfigError {
        file: file.path.to_path_buf(),
        line: at.line,
        column: at.column,
        key: key.to_owned(),
        message: message.into(),
        more: Vec::new(),
    }
}

/// Whether `id` is a valid rule id: kebab-case letters, digits, `-` and
/// `.` (ValidatingAdmissionPolicy names are DNS subdomains), 1 to 253
/// characters, starting and ending with a letter or digit.
fn valid_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    !id.is_empty()
        && id.len() <= 253
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
}

/// A JSON pointer (`/spec/replicas`) or a field path
/// (`spec.containers[0].image`, with an optional leading dot) as a JSON
/// pointer.
fn to_pointer(path: &str) -> Option<String> {
    if path.is_empty() || path.starts_with('/') {
        return Some(path.to_owned());
    }
    let mut pointer = String::new();
    let mut rest = path.strip_prefix('.').unwrap_or(path);
    let mut expect_name = true;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            // [0], ['key'] or ["key"]
            let (token, after) = match inner.chars().next()? {
                quote @ ('\'' | '"') => {
                    let body = inner.get(1..)?;
                    let close = body.find(quote)?;
                    (
                        body.get(..close)?,
                        body.get(close + 1..)?.strip_prefix(']')?,
                    )
                }
                _ => {
                    let close = inner.find(']')?;
                    (inner.get(..close)?, inner.get(close + 1..)?)
                }
            };
            if token.is_empty() {
                return None;
            }
            crate::yaml::push_pointer(&mut pointer, token);
            rest = after;
            expect_name = false;
        } else if let Some(after) = rest.strip_prefix('.') {
            if expect_name {
                return None;
            }
            rest = after;
            expect_name = true;
        } else {
            if !expect_name {
                return None;
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let (name, after) = rest.split_at(end);
            crate::yaml::push_pointer(&mut pointer, name);
            rest = after;
            expect_name = false;
        }
    }
    (!expect_name || pointer.is_empty()).then_some(pointer)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{matching_files, to_pointer, valid_id};

    #[test]
    fn globs_are_relative_to_the_config_or_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let policies = dir.path().join("policies");
        std::fs::create_dir_all(policies.join("deep")).unwrap();
        for name in ["a.yaml", "b.yml", "deep/c.yaml"] {
            std::fs::write(policies.join(name), "").unwrap();
        }
        let names = |files: Vec<std::path::PathBuf>| -> Vec<String> {
            files
                .iter()
                .map(|file| {
                    file.strip_prefix(dir.path())
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/")
                })
                .collect()
        };
        assert_eq!(
            names(matching_files(dir.path(), "policies/*.yaml").unwrap()),
            ["policies/a.yaml"]
        );
        assert_eq!(
            names(matching_files(dir.path(), "policies/**/*.yaml").unwrap()),
            ["policies/a.yaml", "policies/deep/c.yaml"]
        );
        assert_eq!(
            names(matching_files(dir.path(), "policies/b.yml").unwrap()),
            ["policies/b.yml"]
        );
        let absolute = format!("{}/*.yaml", policies.display()).replace('\\', "/");
        assert_eq!(
            names(matching_files(Path::new("elsewhere"), &absolute).unwrap()),
            ["policies/a.yaml"]
        );
        assert!(matching_files(dir.path(), "missing/*.yaml")
            .unwrap()
            .is_empty());
        assert!(matching_files(dir.path(), "policies/[.yaml").is_err());
    }

    #[test]
    fn field_paths_become_pointers() {
        assert_eq!(
            to_pointer("/spec/replicas").as_deref(),
            Some("/spec/replicas")
        );
        assert_eq!(
            to_pointer("spec.replicas").as_deref(),
            Some("/spec/replicas")
        );
        assert_eq!(
            to_pointer(".spec.template.spec.containers[0].image").as_deref(),
            Some("/spec/template/spec/containers/0/image")
        );
        assert_eq!(
            to_pointer("metadata.labels['app.kubernetes.io/name']").as_deref(),
            Some("/metadata/labels/app.kubernetes.io~1name")
        );
        assert_eq!(to_pointer("spec..x"), None);
        assert_eq!(to_pointer("spec."), None);
        assert_eq!(to_pointer("spec[0"), None);
    }

    #[test]
    fn ids_are_kebab_case() {
        assert!(valid_id("prod-three-replicas"));
        assert!(valid_id("require-labels.acme.io"));
        assert!(!valid_id("Prod"));
        assert!(!valid_id("-x"));
        assert!(!valid_id("a b"));
        assert!(!valid_id(""));
    }
}
