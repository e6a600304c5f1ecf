//! `.plimsoll.yaml`: the typed configuration and its loader.
//!
//! The file format is the types of this module: serde reads them from the
//! spanned YAML tree (`reader.rs`), so that every mistake names the file,
//! the line and the key, and schemars describes them as the JSON schema
//! shipped in `schemas/`. What serde cannot say alone — a rule id that
//! exists, a promotion graph without cycles — is checked after reading.

mod environments;
mod reader;
mod schema;
mod sections;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::environment::{Environments, NamePatterns};
use crate::rules::RuleConfig;
use crate::settings::{recover::recover, values};
use crate::yaml::{parse_stream, Limits, ProblemKind};
use reader::Reading;

pub use crate::rules::codeowners::Codeowners;
pub use crate::rules::image_digest::{Images, RequireDigest};
pub use crate::rules::image_pull_secret::PullSecret;
pub use crate::rules::namespace_network_policy::NetworkPolicyConfig;
pub use crate::rules::naming_convention::Naming;
pub use crate::rules::pod_security::PodSecurityLevel;
pub use crate::rules::secret_reference::Secrets;
pub use crate::rules::sync_wave::Migrations;
pub use crate::settings::{
    parse_kubernetes_version, ConfigError, ConfigPlaces, EnvironmentConfig, Replicas,
    ResourceAmounts, ResourceFloor, SyncMode, SyncSettings,
};
pub use sections::RuleSetting;

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
    #[serde(
        default,
        deserialize_with = "crate::settings::recover::recover_entries"
    )]
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

impl Config {
    /// What the rules read of the configuration: their sections, and where
    /// each key is written.
    pub fn rule_config(&self) -> RuleConfig<'_> {
        RuleConfig {
            environments: &self.environments,
            environment_label: self.environment_label.as_deref(),
            naming: &self.naming,
            images: &self.images,
            secrets: &self.secrets,
            network_policy: &self.network_policy,
            pod_security: self.pod_security,
            required_workloads: &self.required_workloads,
            migrations: &self.migrations,
            codeowners: &self.codeowners,
            places: &self.places,
        }
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
        config.places = ConfigPlaces::new(entries, text);
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

impl Environments {
    /// Builds the graph of a config (the default graph, dev → staging →
    /// prod, when it has no environments).
    pub fn from_config(config: &Config) -> Result<Environments, ConfigError> {
        let patterns = NamePatterns {
            resource: config.naming.resource.as_deref(),
            namespace: config.naming.namespace.as_deref(),
        };
        Environments::build(&config.environments, patterns, config.path.as_deref())
    }
}
