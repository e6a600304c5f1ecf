//! Environments: the promotion graph and which environment a document
//! belongs to (SPEC section 3).

use std::collections::HashMap;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::settings::{ConfigError, EnvironmentConfig};

/// The resource naming pattern when `naming.resource` is not set. It lives
/// with environment inference, which reads a resource's environment from
/// its name by this pattern; `naming-convention` and `promote` check names
/// against the same one.
pub(crate) const DEFAULT_RESOURCE_PATTERN: &str = "{service}-{env}";

/// Index of an environment in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnvId(pub usize);

/// One environment.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Its index.
    pub id: EnvId,
    /// The canonical name, reported in findings.
    pub name: String,
    /// The configuration (defaults for the built-in graph).
    pub config: EnvironmentConfig,
    /// Environments it promotes to.
    pub promotes_to: Vec<EnvId>,
}

impl Environment {
    /// Whether `word` is, as a whole, this environment's name or an alias
    /// (case-insensitive).
    pub fn is_called(&self, word: &str) -> bool {
        word.eq_ignore_ascii_case(&self.name)
            || self
                .config
                .aliases
                .iter()
                .any(|alias| word.eq_ignore_ascii_case(alias))
    }

    /// The directory of `path` that names this environment as a whole
    /// segment, nearest the file first (`clusters/eu/prod/api.yaml` →
    /// `clusters/eu/prod`): the root of one deployment of the environment.
    pub fn root_in<'p>(&self, path: &'p str) -> Option<&'p str> {
        let directory = path.rsplit_once('/')?.0;
        let mut end = directory.len();
        for segment in directory.rsplit('/') {
            if self.is_called(segment) {
                return directory.get(..end);
            }
            end = end.saturating_sub(segment.len() + 1);
        }
        None
    }
}

/// The environments of a run and the rules to assign documents to them.
#[derive(Debug, Clone)]
pub struct Environments {
    list: Vec<Environment>,
    /// Per environment (by id), the environments that promote to it, in
    /// configured order: built once, since the matrix and the promotion
    /// rules ask for every environment.
    predecessors: Vec<Vec<EnvId>>,
    /// Lower-cased names and aliases.
    by_name: HashMap<String, EnvId>,
    /// `environments[].paths`, one glob set per environment.
    path_globs: Vec<(EnvId, GlobSet)>,
    /// `environments[].namespaces`.
    by_namespace: HashMap<String, EnvId>,
    /// Where an object's name writes its environment (`naming.resource`).
    resource_names: Place,
    /// Where a namespace's name writes its environment (`naming.namespace`,
    /// else the last token).
    namespace_names: Place,
}

/// Which kind of text an environment is looked for in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// An object's name: at the place `naming.resource` gives `{env}`.
    ResourceName,
    /// A namespace's name: at the place `naming.namespace` gives `{env}`,
    /// else the last token.
    NamespaceName,
    /// Any free text (a label value, an image tag): any token.
    Anywhere,
}

/// Where a name writes its environment, by the naming pattern that builds
/// it: `{service}-{env}` puts it last, `{env}-{service}` first, and a
/// pattern without `{env}` nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The n-th token from the start.
    FromStart(usize),
    /// The n-th token from the end (0: the last).
    FromEnd(usize),
    /// The names do not write the environment.
    Nowhere,
}

impl Place {
    /// The place a naming pattern gives `{env}`. Counted from the start
    /// when only fixed words come before it, else from the end: a
    /// placeholder such as `{service}` may span several tokens.
    pub fn of_pattern(pattern: &str) -> Place {
        let pieces: Vec<&str> = tokens(pattern).collect();
        let Some(at) = pieces.iter().position(|piece| *piece == "{env}") else {
            return Place::Nowhere;
        };
        let before = pieces.get(..at).unwrap_or_default();
        if before.iter().all(|piece| !piece.starts_with('{')) {
            Place::FromStart(at)
        } else {
            Place::FromEnd(pieces.len() - at - 1)
        }
    }
}

/// The graph used when the config has no `environments`.
fn default_graph() -> Vec<EnvironmentConfig> {
    let environment = |name: &str, aliases: &[&str], promotes_to: &[&str]| EnvironmentConfig {
        name: name.to_owned(),
        aliases: aliases.iter().map(|alias| (*alias).to_owned()).collect(),
        promotes_to: promotes_to
            .iter()
            .map(|target| (*target).to_owned())
            .collect(),
        ..EnvironmentConfig::default()
    };
    vec![
        environment("dev", &["development"], &["staging"]),
        environment("staging", &["stage"], &["prod"]),
        environment("prod", &["production", "prd", "live"], &[]),
    ]
}

/// Where names carry their environment: `naming.resource` and
/// `naming.namespace` of the config, when set.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NamePatterns<'a> {
    pub(crate) resource: Option<&'a str>,
    pub(crate) namespace: Option<&'a str>,
}

impl Environments {
    /// Builds the graph from the config's `environments` (the default graph
    /// when it lists none), with names read at the places the config's
    /// naming patterns give; `config_file` is named in errors.
    /// [`Environments::from_config`] is this for a whole config.
    pub(crate) fn build(
        environments: &[EnvironmentConfig],
        patterns: NamePatterns<'_>,
        config_file: Option<&Path>,
    ) -> Result<Environments, ConfigError> {
        let configs = if environments.is_empty() {
            default_graph()
        } else {
            environments.to_vec()
        };
        let mut by_name = HashMap::new();
        for (at, environment) in configs.iter().enumerate() {
            for name in std::iter::once(&environment.name).chain(&environment.aliases) {
                by_name.insert(name.to_lowercase(), EnvId(at));
            }
        }
        let mut list = Vec::with_capacity(configs.len());
        let mut path_globs = Vec::new();
        let mut by_namespace = HashMap::new();
        for (at, environment) in configs.into_iter().enumerate() {
            let id = EnvId(at);
            if !environment.paths.is_empty() {
                let mut builder = GlobSetBuilder::new();
                for pattern in &environment.paths {
                    builder.add(compile_glob(pattern, config_file, &environment)?);
                }
                let set = builder
                    .build()
                    .map_err(|error| glob_error(config_file, &environment, error))?;
                path_globs.push((id, set));
            }
            for namespace in &environment.namespaces {
                by_namespace.insert(namespace.clone(), id);
            }
            let promotes_to = environment
                .promotes_to
                .iter()
                .filter_map(|target| by_name.get(&target.to_lowercase()).copied())
                .collect();
            list.push(Environment {
                id,
                name: environment.name.clone(),
                config: environment,
                promotes_to,
            });
        }
        let mut predecessors = vec![Vec::new(); list.len()];
        for environment in &list {
            for target in &environment.promotes_to {
                // A target listed twice is one edge; its repeats come
                // one after the other, since each environment is added
                // whole.
                if let Some(before) = predecessors.get_mut(target.0) {
                    if before.last() != Some(&environment.id) {
                        before.push(environment.id);
                    }
                }
            }
        }
        let resource_names =
            Place::of_pattern(patterns.resource.unwrap_or(DEFAULT_RESOURCE_PATTERN));
        let namespace_names = patterns
            .namespace
            .map_or(Place::FromEnd(0), Place::of_pattern);
        Ok(Environments {
            list,
            predecessors,
            by_name,
            path_globs,
            by_namespace,
            resource_names,
            namespace_names,
        })
    }

    /// All environments, in configured order.
    pub fn iter(&self) -> impl Iterator<Item = &Environment> {
        self.list.iter()
    }

    /// The environment with this id.
    pub fn get(&self, id: EnvId) -> Option<&Environment> {
        self.list.get(id.0)
    }

    /// The environments that promote to `id`, in configured order.
    pub fn predecessors(&self, id: EnvId) -> &[EnvId] {
        self.predecessors.get(id.0).map_or(&[], Vec::as_slice)
    }

    /// The environment a name or alias means (case-insensitive).
    pub fn lookup(&self, name: &str) -> Option<EnvId> {
        self.by_name.get(&name.to_lowercase()).copied()
    }

    /// The environment named by a token of `text` (split on `-`, `_`, `.`
    /// and `/`): `production-db` names prod, `reproduce` names nothing, and
    /// neither does a qualified token (`non-prod`, `pre-prod`).
    pub fn named_in(&self, text: &str) -> Option<EnvId> {
        self.written_in(text, Written::Anywhere).map(|(id, _)| id)
    }

    /// The environment an object's name writes at the place
    /// `naming.resource` puts it (`api-gateway-staging` → staging, but
    /// `dev-team` names none under `{service}-{env}`).
    pub fn named_by_resource(&self, name: &str) -> Option<EnvId> {
        self.written_in(name, Written::ResourceName)
            .map(|(id, _)| id)
    }

    /// The environment a namespace's name writes at the place
    /// `naming.namespace` puts it, else its last token.
    pub fn named_by_namespace(&self, namespace: &str) -> Option<EnvId> {
        self.written_in(namespace, Written::NamespaceName)
            .map(|(id, _)| id)
    }

    /// The environment `text` names where `written` says to look, with the
    /// token that names it.
    pub fn written_in<'t>(&self, text: &'t str, written: Written) -> Option<(EnvId, &'t str)> {
        let tokens: Vec<&str> = tokens(text).collect();
        let place = match written {
            Written::ResourceName => self.resource_names,
            Written::NamespaceName => self.namespace_names,
            Written::Anywhere => {
                return (0..tokens.len()).find_map(|at| self.named_at_token(&tokens, at));
            }
        };
        let at = match place {
            Place::FromStart(at) => at,
            Place::FromEnd(back) => tokens.len().checked_sub(back + 1)?,
            Place::Nowhere => return None,
        };
        self.named_at_token(&tokens, at)
    }

    /// The environment the token at `at` names, unless the token before
    /// qualifies it (`non-prod`, `pre-prod`, `not-prod`).
    fn named_at_token<'t>(&self, tokens: &[&'t str], at: usize) -> Option<(EnvId, &'t str)> {
        let qualified = at
            .checked_sub(1)
            .and_then(|before| tokens.get(before))
            .is_some_and(|before| QUALIFIERS.iter().any(|q| before.eq_ignore_ascii_case(q)));
        if qualified {
            return None;
        }
        let token = tokens.get(at)?;
        Some((self.lookup(token)?, token))
    }

    /// Step 2 of the resolution: `environments[].paths`, else a directory
    /// segment that is an environment's name or alias as a whole (nearest
    /// the file first), else a file stem that is one or names one as Helm
    /// values do (`values-prod`, `prod-values`, `values.prod`).
    pub fn for_path(&self, path: &str) -> Option<EnvId> {
        self.placed_by_path(path).map(|(id, _)| id)
    }

    /// [`Environments::for_path`], with what placed the path.
    pub fn placed_by_path(&self, path: &str) -> Option<(EnvId, Placement)> {
        let path = path.strip_prefix("./").unwrap_or(path);
        if let Some((id, _)) = self.path_globs.iter().find(|(_, set)| set.is_match(path)) {
            return Some((*id, Placement::PathGlob));
        }
        let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let file_name = segments.pop()?;
        let stem = file_name
            .rsplit_once('.')
            .map_or(file_name, |(stem, _)| stem);
        if let Some((id, segment)) = segments
            .iter()
            .rev()
            .find_map(|segment| Some((self.lookup(segment)?, segment)))
        {
            return Some((id, Placement::Directory((*segment).to_owned())));
        }
        let named = stem
            .strip_prefix("values-")
            .or_else(|| stem.strip_prefix("values."))
            .or_else(|| stem.strip_suffix("-values"))
            .unwrap_or(stem);
        Some((self.lookup(named)?, Placement::FileStem(stem.to_owned())))
    }

    /// Step 3 of the resolution for one namespace: the config's
    /// `namespaces`, else the Namespace object's environment label (looked up
    /// in `labelled`), else its name at the place `naming.namespace` puts
    /// the environment (the last token by default: `shop-prod`).
    pub fn for_namespace(
        &self,
        namespace: &str,
        labelled: &HashMap<String, EnvId>,
    ) -> Option<EnvId> {
        self.placed_by_namespace(namespace, labelled)
            .map(|(id, _)| id)
    }

    /// [`Environments::for_namespace`], with what placed the namespace.
    pub fn placed_by_namespace(
        &self,
        namespace: &str,
        labelled: &HashMap<String, EnvId>,
    ) -> Option<(EnvId, Placement)> {
        let placement = |how: fn(String) -> Placement| how(namespace.to_owned());
        if let Some(id) = self.by_namespace.get(namespace) {
            return Some((*id, placement(Placement::ListedNamespace)));
        }
        if let Some(id) = labelled.get(namespace) {
            return Some((*id, placement(Placement::NamespaceLabel)));
        }
        let id = self.named_by_namespace(namespace)?;
        Some((id, placement(Placement::NamespaceName)))
    }
}

/// What placed a document in its environment (SPEC section 3), for
/// `plimsoll check --explain-env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// `--env`.
    Forced,
    /// An `environments[].paths` glob.
    PathGlob,
    /// A directory segment that is the environment's name or an alias.
    Directory(String),
    /// The file stem (`prod`, `values-prod`).
    FileStem(String),
    /// The namespace, listed in `environments[].namespaces`.
    ListedNamespace(String),
    /// The namespace's Namespace object, by its environment label.
    NamespaceLabel(String),
    /// The namespace's name, at the place `naming.namespace` puts the
    /// environment.
    NamespaceName(String),
}

impl std::fmt::Display for Placement {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Placement::Forced => write!(formatter, "--env"),
            Placement::PathGlob => write!(formatter, "a glob of environments[].paths"),
            Placement::Directory(segment) => write!(formatter, "directory `{segment}/`"),
            Placement::FileStem(stem) => write!(formatter, "file name `{stem}`"),
            Placement::ListedNamespace(namespace) => {
                write!(
                    formatter,
                    "namespace {namespace}, listed in environments[].namespaces"
                )
            }
            Placement::NamespaceLabel(namespace) => {
                write!(
                    formatter,
                    "namespace {namespace}, by its Namespace's environment label"
                )
            }
            Placement::NamespaceName(namespace) => {
                write!(formatter, "namespace {namespace}, by its name")
            }
        }
    }
}

/// Words that, before an environment's name, say "not that environment".
const QUALIFIERS: &[&str] = &["non", "pre", "not"];

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(['-', '_', '.', '/'])
        .filter(|token| !token.is_empty())
}

fn compile_glob(
    pattern: &str,
    config_file: Option<&Path>,
    environment: &EnvironmentConfig,
) -> Result<Glob, ConfigError> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|error| glob_error(config_file, environment, error))
}

fn glob_error(
    config_file: Option<&Path>,
    environment: &EnvironmentConfig,
    error: globset::Error,
) -> ConfigError {
    ConfigError {
        file: config_file.map(Path::to_path_buf).unwrap_or_default(),
        line: environment.span.start.line,
        column: environment.span.start.column,
        key: format!("environments.{}.paths", environment.name),
        message: format!("invalid glob: {error}"),
        more: Vec::new(),
    }
}

/// Whether a label key names the environment: the configured key, else any
/// key `environment` or ending in `/environment`.
pub fn is_environment_label(key: &str, configured: Option<&str>) -> bool {
    match configured {
        Some(configured) => key == configured,
        None => key == "environment" || key.ends_with("/environment"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_environments() -> Environments {
        Environments::build(&[], NamePatterns::default(), None).unwrap()
    }

    fn name_of(environments: &Environments, id: Option<EnvId>) -> Option<String> {
        id.and_then(|id| environments.get(id))
            .map(|e| e.name.clone())
    }

    #[test]
    fn paths_name_environments_by_token() {
        let environments = default_environments();
        let cases = [
            ("envs/prod/api.yaml", Some("prod")),
            ("overlays/production/kustomization.yaml", Some("prod")),
            ("helm/values-dev.yaml", Some("dev")),
            ("apps/reproduce/x.yaml", None),
            ("./k8s/stage/a.yml", Some("staging")),
            ("cluster-003/live/api.yaml", Some("prod")),
            ("manifests/deployment.yaml", None),
        ];
        for (path, expected) in cases {
            assert_eq!(
                name_of(&environments, environments.for_path(path)).as_deref(),
                expected,
                "{path}"
            );
        }
    }

    #[test]
    fn environment_roots_are_the_nearest_directory_naming_them() {
        let environments = default_environments();
        let prod = environments
            .get(environments.lookup("prod").unwrap())
            .unwrap();
        assert_eq!(
            prod.root_in("clusters/eu/production/apps/api.yaml"),
            Some("clusters/eu/production")
        );
        assert_eq!(prod.root_in("prod/api.yaml"), Some("prod"));
        assert_eq!(prod.root_in("helm/values-prod.yaml"), None);
        assert_eq!(prod.root_in("api.yaml"), None);
    }

    #[test]
    fn namespaces_name_environments_by_suffix() {
        let environments = default_environments();
        let labelled = HashMap::new();
        assert_eq!(
            name_of(
                &environments,
                environments.for_namespace("meetinity-prod", &labelled)
            )
            .as_deref(),
            Some("prod")
        );
        assert_eq!(environments.for_namespace("production-db", &labelled), None);
        assert_eq!(
            name_of(&environments, environments.named_in("production-db")).as_deref(),
            Some("prod")
        );
    }
}
