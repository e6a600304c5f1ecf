//! Building an engine: the options chosen outside the config file, and how
//! they and the config decide which rules run, where and at what severity
//! (a [`RulePolicy`] per enabled rule).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::Engine;
use crate::config::{Config, ConfigError};
use crate::discover::PathFilter;
use crate::environment::{EnvId, Environments};
use crate::finding::Severity;
use crate::rules::{self, Rule};
use crate::run_limits::{InputLimits, Progress};
use crate::schema::{resolve_version, SchemaCatalog};
use crate::source::Span;
use crate::yaml::Limits;

/// Choices made on the command line (or by an embedding tool) rather than in
/// the config file.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Run only these rules (empty: all enabled rules).
    pub select: Vec<String>,
    /// Never run these rules.
    pub ignore: Vec<String>,
    /// Put every document in this environment (`--env`).
    pub environment: Option<String>,
    /// Worker threads (default: one per core).
    pub jobs: Option<usize>,
    /// Parser limits.
    pub limits: Limits,
    /// Bounds on the whole run (documents and bytes read).
    pub input_limits: InputLimits,
    /// Kubernetes version for schemas and deprecations (`--kubernetes-version`;
    /// overrides the config's `kubernetesVersion`; default: newest bundled).
    pub kubernetes_version: Option<String>,
    /// `--schema-location`s: folders, files or kubeconform path templates.
    pub schema_locations: Vec<String>,
    /// `--no-schema`: turn off the `schema` and `schema-missing` rules.
    pub no_schema: bool,
    /// Files never read as manifests, wherever the walk meets them (the
    /// baseline file, say).
    pub skip_files: Vec<std::path::PathBuf>,
    /// Told how many files have loaded, out of how many, as loading goes.
    pub progress: Option<Progress>,
    /// Hold the whole input at once, whatever its size, so that the fixes
    /// that depend on all of it are offered (an image pinned by a digest
    /// stated in another file): what `check --fix` wants. Without it, a
    /// run that checks its files as they load offers none of those.
    pub whole_input: bool,
    /// Keep no line of the input for snippets: the report's
    /// [`Report::source_line`](crate::Report::source_line) is then empty,
    /// and the human format draws findings without their lines. For a run
    /// rendered only in formats that show no snippet (JSON, SARIF, …),
    /// which saves the lines' memory and the masking of their secrets.
    pub skip_source_lines: bool,
}

/// Why an engine could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `--select` or `--ignore` names a rule that does not exist.
    #[error("unknown rule `{id}` in {option}{hint}")]
    UnknownRule {
        /// The id as given.
        id: String,
        /// Which option named it.
        option: &'static str,
        /// A suggestion, if one is close.
        hint: String,
    },
    /// `--env` names an environment the graph does not know.
    #[error("unknown environment `{name}`; known environments: {known}")]
    UnknownEnvironment {
        /// The name as given.
        name: String,
        /// The environments the graph has.
        known: String,
    },
    /// Two rules share an id.
    #[error("two rules have the id `{0}`")]
    DuplicateRule(String),
    /// The Kubernetes version or a schema location is unusable.
    #[error("{0}")]
    Schema(String),
}

/// How a rule runs in this engine, after configuration.
#[derive(Debug, Clone)]
pub(super) struct RulePolicy {
    pub(super) default_severity: Severity,
    pub(super) severity: Option<Severity>,
    /// Environments the rule is limited to.
    pub(super) environments: Option<Vec<EnvId>>,
}

impl Engine {
    /// An engine with exactly the given rules, and none of the config's
    /// policies: for a tool that chooses every rule itself. To check as
    /// `plimsoll check` does, use [`Engine::new`] or
    /// [`Engine::with_extra_rules`].
    pub fn with_rules(
        config: Config,
        options: EngineOptions,
        rules: Vec<Rule>,
    ) -> Result<Engine, EngineError> {
        let mut ids: Vec<&str> = rules.iter().map(Rule::id).collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|pair| pair.first() == pair.get(1)) {
            return Err(EngineError::DuplicateRule(
                pair.first().copied().unwrap_or_default().to_owned(),
            ));
        }
        let environments = Environments::from_config(&config)?;
        for (option, list) in [("--select", &options.select), ("--ignore", &options.ignore)] {
            for id in list {
                if !ids.contains(&id.as_str()) {
                    return Err(EngineError::UnknownRule {
                        id: id.clone(),
                        option,
                        hint: suggestion(id, &ids),
                    });
                }
            }
        }
        for (id, setting) in &config.rules {
            if !ids.contains(&id.as_str()) {
                return Err(config_error(
                    &config,
                    setting.span,
                    &format!("rules.{id}"),
                    format!("unknown rule `{id}`{}", suggestion(id, &ids)),
                )
                .into());
            }
        }
        let mut policies = HashMap::new();
        for rule in &rules {
            let id = rule.id();
            let setting = config.rules.get(id);
            let named = options.select.iter().any(|s| s == id);
            let selected = options.select.is_empty() || named;
            // Without a config file nobody chose a convention to enforce.
            let unchosen_convention = rule.is_convention() && config.path.is_none() && !named;
            let ignored = options.ignore.iter().any(|s| s == id);
            let configured_off = setting.is_some_and(|setting| !setting.enabled);
            let off_by_setting = rule.is_off_in(&config.rule_config());
            let schema_off = options.no_schema && rule.validates_schemas();
            if !selected
                || ignored
                || configured_off
                || off_by_setting
                || schema_off
                || unchosen_convention
            {
                continue;
            }
            let environments = match setting.filter(|setting| !setting.environments.is_empty()) {
                None => None,
                Some(setting) => Some(
                    setting
                        .environments
                        .iter()
                        .map(|name| {
                            environments.lookup(name).ok_or_else(|| {
                                config_error(
                                    &config,
                                    setting.span,
                                    &format!("rules.{id}.environments"),
                                    format!("unknown environment `{name}`"),
                                )
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            };
            policies.insert(
                id.to_owned(),
                RulePolicy {
                    default_severity: rule.meta.default_severity,
                    severity: setting.and_then(|setting| setting.severity),
                    environments,
                },
            );
        }
        let forced_environment = match &options.environment {
            None => None,
            Some(name) => Some(environments.lookup(name).ok_or_else(|| {
                EngineError::UnknownEnvironment {
                    name: name.clone(),
                    known: environments
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })?),
        };
        let filter = PathFilter::new(
            config.exclude.iter().chain(&config.policies),
            config.path.as_deref(),
            &options.skip_files,
        )?;
        let version = resolve_version(
            options
                .kubernetes_version
                .as_deref()
                .or(config.kubernetes_version.as_deref()),
        )
        .map_err(EngineError::Schema)?;
        let schemas = SchemaCatalog::new(
            version,
            &options.schema_locations,
            validates_schemas(&rules, &policies),
        )
        .map_err(EngineError::Schema)?;
        Ok(Engine {
            config,
            rules,
            policies,
            environments,
            forced_environment,
            filter,
            jobs: options.jobs,
            limits: options.limits,
            input_limits: options.input_limits,
            progress: options.progress,
            whole_input: options.whole_input,
            source_lines: !options.skip_source_lines,
            schemas: Arc::new(schemas),
            pool: OnceLock::new(),
            notes: Vec::new(),
        })
    }

    /// The policy of `rule` when it runs on an object of `environment`;
    /// `None` when it is off, or limited to other environments.
    pub(super) fn applies(&self, rule: &Rule, environment: Option<EnvId>) -> Option<&RulePolicy> {
        let policy = self.policies.get(rule.id())?;
        match &policy.environments {
            None => Some(policy),
            Some(allowed) => environment.filter(|e| allowed.contains(e)).map(|_| policy),
        }
    }
}

/// Whether an enabled rule validates objects against schemas.
pub(super) fn validates_schemas(rules: &[Rule], policies: &HashMap<String, RulePolicy>) -> bool {
    rules
        .iter()
        .any(|rule| rule.validates_schemas() && policies.contains_key(rule.id()))
}

/// ` (did you mean …?)` after an unknown rule id, when a known one is close.
pub(super) fn suggestion(id: &str, known: &[&str]) -> String {
    rules::closest_id(id, known.iter().copied())
        .map(|candidate| format!(" (did you mean `{candidate}`?)"))
        .unwrap_or_default()
}

/// An error in the config file, at `key`.
fn config_error(config: &Config, span: Span, key: &str, message: String) -> ConfigError {
    ConfigError {
        file: config.path.clone().unwrap_or_default(),
        line: span.start.line,
        column: span.start.column,
        key: key.to_owned(),
        message,
        more: Vec::new(),
    }
}
