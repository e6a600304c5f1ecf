//! `.plimsoll.yaml`: the typed configuration and its loader.
//!
//! The file format is the types of this module: serde reads them from the
//! spanned YAML tree (`reader.rs`), so that every mistake names the file,
//! the line and the key, and schemars describes them as the JSON schema
//! shipped in `schemas/`. What serde cannot say alone — a rule id that
//! exists, a promotion graph without cycles — is checked after reading.

mod environments;
mod read_error;
mod reader;
mod recover;
mod schema;
mod sections;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::source::Span;
use crate::yaml::{parse_stream, Limits, ProblemKind};
use reader::Reading;
use recover::recover;

pub use environments::{
    EnvironmentConfig, Replicas, ResourceAmounts, ResourceFloor, SyncMode, SyncSettings,
};
pub(crate) use read_error::edit_distance;
pub use sections::{
    Codeowners, Images, Migrations, Naming, NetworkPolicyConfig, PodSecurityLevel, PullSecret,
    RequireDigest, RuleSetting, Secrets,
};
pub use values::parse_kubernetes_version;

/// The name of the configuration file looked up from the current directory
/// upwards.
pub const CONFIG_FILE_NAME: &str = ".plimsoll.yaml";

/// The whole configuration (`.plimsoll.yaml`). Every key is optional
/// except `environments[].name`. `Config::default()` is what a repository
/// without a config file gets.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(
    title = "plimsoll configuration (.plimsoll.yaml)",
    description = "Every key is optional except environments[].name. Reference: docs/configuration.md."
)]
pub struct Config {
    /// The file the configuration came from, if any.
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// Kubernetes version for schemas and API deprecations, as a string:
    /// "1.31" or "1.31.0".
    #[serde(default, deserialize_with = "values::kubernetes_version")]
    #[schemars(regex(pattern = r"^v?[0-9]+\.[0-9]+(\.[0-9]+)?$"))]
    pub kubernetes_version: Option<String>,
    /// Environments in promotion order; promotesTo defines the graph. Empty
    /// means the default graph, dev → staging → prod.
    #[serde(default, deserialize_with = "recover")]
    pub environments: Vec<EnvironmentConfig>,
    /// The Namespace label key that names the environment. Without it, any
    /// label key `environment` or ending in `/environment` is read.
    #[serde(default, deserialize_with = "recover")]
    pub environment_label: Option<String>,
    /// Naming patterns.
    #[serde(default, deserialize_with = "recover")]
    pub naming: Naming,
    /// Image policy.
    #[serde(default, deserialize_with = "recover")]
    pub images: Images,
    /// Secrets provided outside the repository.
    #[serde(default, deserialize_with = "recover")]
    pub secrets: Secrets,
    /// NetworkPolicy expectations.
    #[serde(default, deserialize_with = "recover")]
    pub network_policy: NetworkPolicyConfig,
    /// The Pod Security Standard `pod-security` holds pods to (default
    /// restricted).
    #[serde(default, deserialize_with = "recover")]
    pub pod_security: PodSecurityLevel,
    /// Services that every environment with workloads must run
    /// (`required-workloads`).
    #[serde(default, deserialize_with = "recover")]
    pub required_workloads: Vec<String>,
    /// Database migration jobs.
    #[serde(default, deserialize_with = "recover")]
    pub migrations: Migrations,
    /// CODEOWNERS protection.
    #[serde(default, deserialize_with = "recover")]
    pub codeowners: Codeowners,
    /// Per-rule severity, `off`, or `{severity, environments}`, by rule id.
    #[serde(default, deserialize_with = "recover::recover_entries")]
    pub rules: BTreeMap<String, RuleSetting>,
    /// Globs of files never read as manifests.
    #[serde(default, deserialize_with = "recover")]
    pub exclude: Vec<String>,
    /// Globs of custom policy files.
    #[serde(default, deserialize_with = "recover")]
    pub policies: Vec<String>,
    /// Where each key is written in the config file.
    #[serde(skip)]
    pub places: ConfigPlaces,
}

/// Where each key of the config file is written, with the file's lines, so
/// that a finding can point at the setting it enforces ("replicas.min
/// configured here"). Keys are written as the config's error messages name
/// them: `environments[2].replicas.min`, `images.requireDigest`.
#[derive(Debug, Clone, Default)]
pub struct ConfigPlaces {
    spans: BTreeMap<String, Span>,
    text: std::sync::Arc<str>,
}

impl ConfigPlaces {
    /// Where `key` (its key and value) is written, if the file writes it.
    pub fn span(&self, key: &str) -> Option<Span> {
        self.spans.get(key).copied()
    }

    /// The text of a line of the config file (1-based), without its break.
    pub fn line(&self, line: u32) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.text.lines().nth(index)
    }
}

impl Config {
    /// The key of an environment's entry in the config file
    /// (`environments[2]`), when the file lists it.
    pub fn environment_key(&self, name: &str) -> Option<String> {
        self.environments
            .iter()
            .position(|environment| environment.name == name)
            .map(|at| format!("environments[{at}]"))
    }
}

/// A configuration mistake, with where it is — and the file's other
/// mistakes found in the same read, so that one run shows them all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.lines())]
pub struct ConfigError {
    /// The config or policy file.
    pub file: PathBuf,
    /// 1-based line (1 when the file could not be read at all).
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The dotted key path (`environments[1].promotesTo`), or empty.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// The file's other mistakes, in file order (empty for most errors).
    pub more: Vec<ConfigError>,
}

impl ConfigError {
    /// `file:line:column: key: message`, one line per mistake.
    fn lines(&self) -> String {
        std::iter::once(self)
            .chain(&self.more)
            .map(|error| {
                let key = if error.key.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", error.key)
                };
                format!(
                    "{}:{}:{}: {key}{}",
                    error.file.display(),
                    error.line,
                    error.column,
                    error.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Config {
    /// Parses configuration text; `path` is used in error messages. Every
    /// mistake of the file is in the error (see [`ConfigError::more`]).
    pub fn from_yaml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let reading = Reading::new(path, text);
        let documents = parse_stream(text, &Limits::default());
        if let Some(problem) = documents.iter().flat_map(|doc| &doc.problems).next() {
            let what = match problem.kind {
                ProblemKind::Syntax => "invalid YAML",
                ProblemKind::DuplicateKey => "duplicate key",
            };
            let span = reading.span(problem.span);
            return Err(reading.mistake(span, "", format!("{what}: {}", problem.message)));
        }
        let mut roots = documents.into_iter().filter_map(|doc| doc.root);
        let Some(root) = roots.next() else {
            return Ok(Config {
                path: Some(path.to_path_buf()),
                ..Config::default()
            });
        };
        if let Some(extra) = roots.next() {
            let span = reading.span(extra.span);
            return Err(reading.mistake(
                span,
                "",
                "the config file must hold a single YAML document",
            ));
        }
        let mut config: Config = reading.read(&root);
        environments::place(&reading, &mut config.environments);
        if let Err(mistake) = environments::validate_environments(&reading, &config.environments) {
            reading.note_error(mistake);
        }
        let entries = reading.take_entries();
        for (id, setting) in &mut config.rules {
            if let Some(span) = entries.get(&format!("rules.{id}")) {
                setting.span = *span;
            }
        }
        let mut mistakes = reading.take_mistakes().into_iter();
        if let Some(mut first) = mistakes.next() {
            first.more = mistakes.collect();
            return Err(first);
        }
        config.path = Some(path.to_path_buf());
        config.places = ConfigPlaces {
            spans: entries,
            text: text.into(),
        };
        Ok(config)
    }

    /// The JSON schema of the file, generated from these types (the one in
    /// `schemas/plimsoll-config.schema.json` is tested to be this).
    pub fn json_schema() -> serde_json::Value {
        schema::generate()
    }

    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError {
            file: path.to_path_buf(),
            line: 1,
            column: 1,
            key: String::new(),
            message: format!("cannot read the config file: {error}"),
            more: Vec::new(),
        })?;
        Config::from_yaml(&text, path)
    }

    /// The nearest `.plimsoll.yaml` in `start` or a directory above it.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .map(|dir| dir.join(CONFIG_FILE_NAME))
            .find(|candidate| candidate.is_file())
    }

    /// The config for a check of `paths`, found as `plimsoll check` finds
    /// it: `explicit` when given; else the nearest `.plimsoll.yaml` upwards
    /// from the first path (a file's own directory); else upwards from the
    /// current directory; else the defaults. `-` (stdin) is passed over.
    pub fn for_paths(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Config, ConfigError> {
        let found = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => {
                let start = paths
                    .iter()
                    .find(|path| path.as_os_str() != "-")
                    .map(|path| {
                        // Relative stays relative, so that findings name the
                        // config as the user would.
                        if path.is_dir() {
                            path.clone()
                        } else {
                            path.parent().map(Path::to_path_buf).unwrap_or_default()
                        }
                    });
                start
                    .and_then(|start| Config::discover(&start))
                    .or_else(|| {
                        std::env::current_dir()
                            .ok()
                            .and_then(|cwd| Config::discover(&cwd))
                    })
            }
        };
        match found {
            Some(path) => Config::load(&path),
            None => Ok(Config::default()),
        }
    }

    /// The directory the config file is in: globs in it are relative to it.
    pub fn root(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}

/// The starter configuration `plimsoll init` writes: every section present,
/// commented, and loading cleanly.
pub const STARTER_CONFIG: &str = include_str!("starter.plimsoll.yaml");
