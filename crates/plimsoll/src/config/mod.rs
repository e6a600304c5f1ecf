//! `.plimsoll.yaml`: the typed configuration and its loader.
//!
//! Every key of the file format is parsed here, with the line of every
//! mistake: an unknown key, a wrong type or an unknown rule id is a
//! [`ConfigError`] that names the file, the line and the key.

mod parse;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::finding::Severity;
use crate::source::Span;

pub(crate) use parse::edit_distance;
pub use parse::{parse_kubernetes_version, KNOWN_KEYS};

/// The name of the configuration file looked up from the current directory
/// upwards.
pub const CONFIG_FILE_NAME: &str = ".plimsoll.yaml";

/// The whole configuration. `Config::default()` is what a repository without
/// a config file gets.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file the configuration came from, if any.
    pub path: Option<PathBuf>,
    /// Kubernetes version for schemas and deprecations (`"1.31"`).
    pub kubernetes_version: Option<String>,
    /// Environments, in order. Empty means the default graph
    /// (dev → staging → prod).
    pub environments: Vec<EnvironmentConfig>,
    /// The Namespace label that names the environment. Without it, any label
    /// key `environment` or ending in `/environment` is read.
    pub environment_label: Option<String>,
    /// Naming patterns.
    pub naming: Naming,
    /// Image policy.
    pub images: Images,
    /// Secrets provided outside the repository.
    pub secrets: Secrets,
    /// NetworkPolicy expectations.
    pub network_policy: NetworkPolicyConfig,
    /// The Pod Security Standard `pod-security` holds pods to.
    pub pod_security: PodSecurityLevel,
    /// Services that every environment with workloads must run.
    pub required_workloads: Vec<String>,
    /// Database migration jobs.
    pub migrations: Migrations,
    /// CODEOWNERS protection.
    pub codeowners: Codeowners,
    /// Per-rule severity overrides, `off`, and environment restrictions.
    pub rules: BTreeMap<String, RuleSetting>,
    /// Globs of files never read as manifests.
    pub exclude: Vec<String>,
    /// Globs of custom policy files.
    pub policies: Vec<String>,
    /// Where each key is written in the config file.
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

/// One environment of the promotion graph.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentConfig {
    /// Canonical name (`prod`).
    pub name: String,
    /// Other names that mean this environment (`production`, `live`).
    pub aliases: Vec<String>,
    /// Globs of paths that belong to this environment.
    pub paths: Vec<String>,
    /// Namespaces that belong to this environment.
    pub namespaces: Vec<String>,
    /// Environments this one promotes to.
    pub promotes_to: Vec<String>,
    /// Where `promotesTo` is written in the config file, when it is.
    pub promotes_to_span: Option<Span>,
    /// The Git branch Flux or Argo CD track for this environment.
    pub branch: Option<String>,
    /// Replica floor.
    pub replicas: Replicas,
    /// Resource floor per container.
    pub resources: ResourceFloor,
    /// Delivery sync settings.
    pub sync: SyncSettings,
    /// Where `name` is written in the config file.
    pub span: Span,
}

/// `replicas:` of an environment.
#[derive(Debug, Clone, Default)]
pub struct Replicas {
    /// Fewest replicas a Deployment or StatefulSet may run.
    pub min: Option<u32>,
}

/// `resources:` of an environment: quantities kept as written.
#[derive(Debug, Clone, Default)]
pub struct ResourceFloor {
    /// Minimum requests.
    pub requests: ResourceAmounts,
    /// Minimum limits.
    pub limits: ResourceAmounts,
}

/// A cpu/memory pair of quantities as written (`100m`, `64Mi`).
#[derive(Debug, Clone, Default)]
pub struct ResourceAmounts {
    /// CPU quantity.
    pub cpu: Option<String>,
    /// Memory quantity.
    pub memory: Option<String>,
}

/// `sync:` of an environment.
#[derive(Debug, Clone, Default)]
pub struct SyncSettings {
    /// Automatic or manual sync.
    pub mode: Option<SyncMode>,
    /// Reconciliation interval (a Go duration such as `1m`).
    pub interval: Option<String>,
    /// Reconciliation timeout (a Go duration).
    pub timeout: Option<String>,
}

/// A level of the Kubernetes Pod Security Standards (`podSecurity:`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PodSecurityLevel {
    /// Blocks the known privilege escalations (host namespaces, privileged,
    /// hostPath, dangerous capabilities, …).
    Baseline,
    /// Baseline plus current hardening practice (non-root, no privilege
    /// escalation, seccomp, `drop: [ALL]`, restricted volume types).
    #[default]
    Restricted,
}

/// How an environment is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Changes are applied automatically.
    Auto,
    /// A person starts every sync.
    Manual,
}

/// `naming:` patterns, with `{service}`, `{env}` and `{project}` placeholders.
#[derive(Debug, Clone, Default)]
pub struct Naming {
    /// Resource name pattern; `{service}-{env}` when unset.
    pub resource: Option<String>,
    /// Namespace name pattern; not checked when unset.
    pub namespace: Option<String>,
}

/// `images:` policy.
#[derive(Debug, Clone, Default)]
pub struct Images {
    /// Where digests are required.
    pub require_digest: RequireDigest,
    /// Registry prefixes images must come from (empty: any).
    pub allowed_registries: Vec<String>,
    /// Registries whose images need a pull secret.
    pub pull_secrets: Vec<PullSecret>,
}

/// `images.requireDigest`: everywhere, nowhere, or in some environments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequireDigest {
    /// `true` (the default) or `false`.
    Everywhere(bool),
    /// Only in these environments.
    Environments(Vec<String>),
}

impl Default for RequireDigest {
    fn default() -> Self {
        RequireDigest::Everywhere(true)
    }
}

/// A registry and the pull secret its images need.
#[derive(Debug, Clone, Default)]
pub struct PullSecret {
    /// Registry host or prefix.
    pub registry: String,
    /// Name of the image pull secret.
    pub secret: String,
}

/// `secrets:`.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Secret names provided outside the repository.
    pub external: Vec<String>,
    /// Known (Cluster)SecretStores.
    pub stores: Vec<String>,
}

/// `networkPolicy:`.
#[derive(Debug, Clone, Default)]
pub struct NetworkPolicyConfig {
    /// `key=value` label of namespaces allowed to send ingress traffic.
    pub ingress_namespace_label: Option<String>,
    /// Whether the default policy must allow DNS egress.
    pub require_dns_egress: Option<bool>,
}

/// `migrations:`.
#[derive(Debug, Clone, Default)]
pub struct Migrations {
    /// Migrations that must run in strictly increasing sync waves.
    pub wave_order: Vec<String>,
    /// Largest `backoffLimit` a migration Job may have.
    pub max_backoff_limit: Option<i64>,
}

/// `codeowners:`.
#[derive(Debug, Clone, Default)]
pub struct Codeowners {
    /// Paths that must have an owner.
    pub protect: Vec<String>,
}

/// A rule's entry under `rules:`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSetting {
    /// Whether the rule runs.
    pub enabled: bool,
    /// Severity override.
    pub severity: Option<Severity>,
    /// Environments the rule is limited to (empty: all).
    pub environments: Vec<String>,
    /// Where the rule id is written in the config file.
    pub span: Span,
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
    /// Parses configuration text; `path` is used in error messages.
    pub fn from_yaml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config = parse::parse_config(text, path)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
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

    /// The directory the config file is in: globs in it are relative to it.
    pub fn root(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}

/// The starter configuration `plimsoll init` writes: every section present,
/// commented, and loading cleanly.
pub const STARTER_CONFIG: &str = include_str!("starter.plimsoll.yaml");
