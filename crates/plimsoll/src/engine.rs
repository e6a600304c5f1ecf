//! The pipeline: discover → load → classify → document rules → set rules →
//! suppress → report.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{edit_distance, Config, ConfigError, RequireDigest};
use crate::discover::{discover, Input, MissingPath, PathFilter};
use crate::environment::{is_environment_label, EnvId, Environments};
use crate::finding::{
    CheckedFile, Finding, ResourceRef, Severity, Summary, SuppressedBy, SuppressedFinding,
};
use crate::load::{load_all, problem_rule, Budget, FileKind, LoadedFile};
use crate::model::{Artifact, ArtifactId, ArtifactKind, FileId, Identity, Object, ObjectId};
use crate::rules::{
    self, manifest_shape, ArtifactViolation, Check, DocumentContext, ObjectIndex, Rule, SetContext,
    Sink, Target, Violation,
};
use crate::schema::{resolve_version, RunSchemas, SchemaCatalog};
use crate::source::{LineIndex, Position, Span, TextRange};
use crate::suppress::{annotation_suppresses, Directives};
use crate::yaml::{Limits, Node, RawDocument, Value};

/// Stack of each worker thread. Rules recurse over documents and user CEL
/// expressions recurse over their syntax tree; the parser bounds nesting,
/// and this leaves every bounded input ample room (it is only reserved
/// address space until used).
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

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
}

/// Bounds on the size of a run. Every object is kept in memory until the
/// cross-object rules have run (a few KB per document), so an input past
/// these bounds stops the run with [`CheckError::TooLarge`] instead of
/// exhausting the machine's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    /// Most documents read in one run (`--max-documents`).
    pub max_documents: usize,
    /// Most bytes of input read in one run (`--max-input-mb`).
    pub max_input_bytes: u64,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            max_documents: 1_000_000,
            max_input_bytes: 2 * 1024 * 1024 * 1024,
        }
    }
}

/// A progress callback: called with `(files loaded, files to load)` from the
/// worker threads as each file is read and parsed (so it must be cheap).
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Progress(..)")
    }
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

/// Why a check could not run at all (every problem with the input itself is
/// a finding instead).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A path given does not exist.
    #[error(transparent)]
    MissingPath(#[from] MissingPath),
    /// The inputs hold no YAML or JSON file.
    #[error("no input: no .yaml, .yml or .json file found")]
    NoInput,
    /// The worker threads could not be started.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
    /// The input is larger than [`InputLimits`] allow; nothing was checked.
    #[error(
        "the input holds more than {limit} {what}, the limit of one run; \
check it in parts, or raise the limit with {flag}"
    )]
    TooLarge {
        /// `documents` or `MiB`.
        what: &'static str,
        /// The limit that was passed.
        limit: u64,
        /// The command-line flag that raises it.
        flag: &'static str,
    },
}

/// The result of a check: sorted findings and counts.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Findings that were not suppressed, sorted by file, line, column, rule.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
    /// Findings hidden by suppressions or a baseline (counted in
    /// `summary.suppressed`), in the same order as `findings`.
    pub suppressed: Vec<SuppressedFinding>,
    /// Every file checked, in the order of `findings`, with its objects.
    pub files: Vec<CheckedFile>,
    sources: BTreeMap<String, Arc<str>>,
}

impl Report {
    /// The text of a file that has findings (for snippets).
    pub fn source_text(&self, file: &str) -> Option<&str> {
        self.sources.get(file).map(|text| &**text)
    }

    /// Recounts `summary.errors`, `warnings`, `infos` and `suppressed` from
    /// `findings` and `suppressed` (after a baseline moved findings, say).
    pub fn recount(&mut self) {
        let mut summary = Summary {
            files: self.summary.files,
            documents: self.summary.documents,
            suppressed: self.suppressed.len(),
            ..Summary::default()
        };
        for finding in &self.findings {
            summary.count(finding.severity);
        }
        self.summary = summary;
    }

    /// Keeps the text of a file so that renderers can show snippets of it.
    pub fn add_source(&mut self, file: &str, text: Arc<str>) {
        self.sources.entry(file.to_owned()).or_insert(text);
    }

    /// Whether any finding is at or above `threshold` (`None`: never).
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|threshold| self.summary.at_or_above(threshold) > 0)
    }
}

/// How a rule runs in this engine, after configuration.
#[derive(Debug, Clone)]
struct RulePolicy {
    default_severity: Severity,
    severity: Option<Severity>,
    /// Environments the rule is limited to.
    environments: Option<Vec<EnvId>>,
}

/// A configured checker: build it once, check many inputs.
pub struct Engine {
    config: Config,
    rules: Vec<Rule>,
    /// Enabled rules by id.
    policies: HashMap<String, RulePolicy>,
    environments: Environments,
    forced_environment: Option<EnvId>,
    filter: PathFilter,
    jobs: Option<usize>,
    limits: Limits,
    input_limits: InputLimits,
    progress: Option<Progress>,
    schemas: Arc<SchemaCatalog>,
}

impl Engine {
    /// An engine with the built-in rules.
    pub fn new(config: Config, options: EngineOptions) -> Result<Engine, EngineError> {
        Engine::with_rules(config, options, rules::builtin())
    }

    /// An engine with the given rules (the built-in ones plus your own, for
    /// example: `let mut rules = plimsoll::rules::builtin(); rules.push(mine);`).
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
            let selected = options.select.is_empty() || options.select.iter().any(|s| s == id);
            let ignored = options.ignore.iter().any(|s| s == id);
            let configured_off = setting.is_some_and(|setting| !setting.enabled);
            let digest_off = id == "image-digest"
                && config.images.require_digest == RequireDigest::Everywhere(false);
            let schema_off =
                options.no_schema && (id == rules::schema::ID || id == rules::schema_missing::ID);
            if !selected || ignored || configured_off || digest_off || schema_off {
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
        let filter = PathFilter::new(&config, &options.skip_files)?;
        let version = resolve_version(
            options
                .kubernetes_version
                .as_deref()
                .or(config.kubernetes_version.as_deref()),
        )
        .map_err(EngineError::Schema)?;
        let validating = [rules::schema::ID, rules::schema_missing::ID]
            .iter()
            .any(|id| policies.contains_key(*id));
        let schemas = SchemaCatalog::new(version, &options.schema_locations, validating)
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
            schemas: Arc::new(schemas),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every rule the engine knows (enabled or not).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The environment graph.
    pub fn environments(&self) -> &Environments {
        &self.environments
    }

    /// Whether a rule runs in this engine.
    pub fn is_enabled(&self, rule: &str) -> bool {
        self.policies.contains_key(rule)
    }

    /// The severity a finding of an enabled rule gets when the rule does not
    /// choose one itself: the configured override, else the rule default.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        self.policies
            .get(rule)
            .map(|policy| policy.severity.unwrap_or(policy.default_severity))
    }

    /// Checks files, directories and in-memory texts.
    pub fn check(&self, inputs: &[Input]) -> Result<Report, CheckError> {
        self.in_pool(|threads| self.run(inputs, threads))
    }

    fn run(&self, inputs: &[Input], threads: usize) -> Result<Report, CheckError> {
        let mut model = self.load_model(inputs, threads)?;
        // Run-wide pre-pass: the CRDs of the input validate its custom
        // resources, whatever file or order they come in.
        let schemas = RunSchemas::new(Arc::clone(&self.schemas), &model.objects);
        let violations = self.run_document_rules(&model.objects, &schemas);
        let set_violations = self.run_set_rules(
            &model.objects,
            &model.artifacts,
            &model.file_paths,
            &model.texts,
        );
        for (rule, violation) in violations.into_iter().chain(set_violations.objects) {
            if let Some(object) = model.objects.get(violation.object.0) {
                model
                    .pending
                    .push(Pending::from_violation(rule, violation, object));
            }
        }
        for (rule, violation) in set_violations.artifacts {
            if let Some(artifact) = model.artifacts.get(violation.artifact.0) {
                model
                    .pending
                    .push(Pending::from_artifact_violation(rule, violation, artifact));
            }
        }
        Ok(self.finish_model(model))
    }

    /// Discovers, loads and classifies the inputs: objects with their
    /// environments, release artifacts, and the load findings.
    pub(crate) fn load_model(&self, inputs: &[Input], threads: usize) -> Result<Model, CheckError> {
        let candidates = discover(inputs, &self.filter, threads)?;
        if candidates.is_empty() {
            return Err(CheckError::NoInput);
        }
        let budget = Budget::new(self.input_limits);
        let mut files = load_all(candidates, &self.limits, &budget, self.progress.as_ref());
        budget.check()?;
        let file_paths: Vec<String> = files.iter().map(|file| file.display.clone()).collect();
        let path_environments: Vec<Option<EnvId>> = file_paths
            .iter()
            .map(|path| {
                self.forced_environment
                    .or_else(|| self.environments.for_path(path))
            })
            .collect();

        let mut classified = Classified::default();
        let mut documents = 0;
        for (at, file) in files.iter_mut().enumerate() {
            let file_id = FileId(at);
            let environment = path_environments.get(at).copied().flatten();
            documents += classify_file(file_id, file, environment, &mut classified);
        }
        let Classified {
            mut objects,
            artifacts,
            pending,
        } = classified;
        self.resolve_environments(&mut objects, &path_environments);
        let texts: Vec<Option<Arc<str>>> = files.iter().map(|file| file.text.clone()).collect();
        Ok(Model {
            objects,
            artifacts,
            pending,
            file_paths,
            texts,
            documents,
        })
    }

    /// Runs `f` on the engine's worker pool.
    pub(crate) fn in_pool<T: Send>(
        &self,
        f: impl FnOnce(usize) -> Result<T, CheckError> + Send,
    ) -> Result<T, CheckError> {
        let threads = self
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(WORKER_STACK_BYTES)
            .build()
            .map_err(|error| CheckError::Threads(error.to_string()))?;
        pool.install(|| f(threads))
    }

    /// Suppresses, configures and sorts a model's pending findings.
    pub(crate) fn finish_model(&self, model: Model) -> Report {
        self.finish(
            model.pending,
            &model.objects,
            &model.file_paths,
            &model.texts,
            model.documents,
        )
    }

    /// Step 3 of the environment resolution (SPEC section 3), for objects
    /// that neither `--env` nor their path placed.
    fn resolve_environments(&self, objects: &mut [Object], path_environments: &[Option<EnvId>]) {
        let label_key = self.config.environment_label.as_deref();
        let mut labelled: HashMap<String, EnvId> = HashMap::new();
        for object in objects
            .iter()
            .filter(|object| object.identity.is("", "Namespace"))
        {
            let environment = object
                .labels()
                .filter(|(key, _)| is_environment_label(key, label_key))
                .find_map(|(_, value)| {
                    self.environments
                        .lookup(value)
                        .or_else(|| self.environments.named_in(value))
                });
            if let Some(environment) = environment {
                labelled.insert(object.identity.name.clone(), environment);
            }
        }
        // A Namespace that only its path places (`environments/dev/
        // namespace.yaml`) places the objects of that namespace found
        // elsewhere (a rendered chart), unless copies of it sit in the paths
        // of different environments.
        let mut placed: HashMap<&str, Option<EnvId>> = HashMap::new();
        for object in objects
            .iter()
            .filter(|object| object.identity.is("", "Namespace"))
        {
            if let Some(environment) = path_environments.get(object.file.0).copied().flatten() {
                placed
                    .entry(object.identity.name.as_str())
                    .and_modify(|seen| {
                        if *seen != Some(environment) {
                            *seen = None;
                        }
                    })
                    .or_insert(Some(environment));
            }
        }
        for (name, environment) in placed {
            if let Some(environment) = environment {
                labelled.entry(name.to_owned()).or_insert(environment);
            }
        }
        for object in objects.iter_mut() {
            let from_path = path_environments.get(object.file.0).copied().flatten();
            object.environment = from_path.or_else(|| {
                let namespace = if object.identity.is("", "Namespace") {
                    Some(object.identity.name.as_str())
                } else {
                    object.identity.namespace.as_deref()
                };
                namespace
                    .and_then(|namespace| self.environments.for_namespace(namespace, &labelled))
            });
        }
    }

    fn applies(&self, rule: &Rule, environment: Option<EnvId>) -> Option<&RulePolicy> {
        let policy = self.policies.get(rule.id())?;
        match &policy.environments {
            None => Some(policy),
            Some(allowed) => environment.filter(|e| allowed.contains(e)).map(|_| policy),
        }
    }

    fn run_document_rules<'r>(
        &'r self,
        objects: &[Object],
        schemas: &RunSchemas,
    ) -> Vec<(&'r Rule, Violation)> {
        let all = ObjectIndex::new(objects.iter().collect());
        objects
            .par_iter()
            .flat_map_iter(|object| {
                let environment = object.environment.and_then(|id| self.environments.get(id));
                let context = DocumentContext {
                    object,
                    environment,
                    environments: &self.environments,
                    config: &self.config,
                    schemas,
                    all: &all,
                };
                let mut found = Vec::new();
                for rule in &self.rules {
                    let Check::Document(check) = &rule.check else {
                        continue;
                    };
                    if self.applies(rule, object.environment).is_none() {
                        continue;
                    }
                    let mut sink = Sink::default();
                    let outcome = catch_unwind(AssertUnwindSafe(|| check(&context, &mut sink)));
                    match outcome {
                        Ok(()) => {
                            found.extend(sink.into_violations().into_iter().map(|v| (rule, v)))
                        }
                        Err(panic) => found.push((rule, internal_error(rule, object, &panic))),
                    }
                }
                found
            })
            .collect()
    }

    fn run_set_rules<'r>(
        &'r self,
        objects: &[Object],
        artifacts: &[Artifact],
        file_paths: &[String],
        file_texts: &[Option<Arc<str>>],
    ) -> SetViolations<'r> {
        let mut groups: BTreeMap<Option<EnvId>, Vec<&Object>> = BTreeMap::new();
        for object in objects {
            groups.entry(object.environment).or_default().push(object);
        }
        // An environment with only release artifacts is checked too.
        for artifact in artifacts {
            groups.entry(artifact.environment).or_default();
        }
        let all = ObjectIndex::new(objects.iter().collect());
        let indexes: Vec<(Option<EnvId>, ObjectIndex<'_>)> = groups
            .into_iter()
            .map(|(environment, members)| (environment, ObjectIndex::new(members)))
            .collect();
        let set_rules: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|rule| matches!(rule.check, Check::Set(_)))
            .collect();
        let work: Vec<(&Rule, &(Option<EnvId>, ObjectIndex<'_>))> = indexes
            .iter()
            .flat_map(|group| set_rules.iter().map(move |rule| (*rule, group)))
            .filter(|(rule, (environment, _))| self.applies(rule, *environment).is_some())
            .collect();
        let results: Vec<SetViolations<'r>> = work
            .into_par_iter()
            .map(|(rule, (environment, index))| {
                let Check::Set(check) = &rule.check else {
                    return SetViolations::default();
                };
                let context = SetContext {
                    environment: environment.and_then(|id| self.environments.get(id)),
                    index,
                    all: &all,
                    environments: &self.environments,
                    config: &self.config,
                    artifacts,
                    file_paths,
                    file_texts,
                };
                let mut sink = Sink::default();
                match catch_unwind(AssertUnwindSafe(|| check(&context, &mut sink))) {
                    Ok(()) => {
                        let (found, about_artifacts) = sink.into_parts();
                        SetViolations {
                            objects: found.into_iter().map(|v| (rule, v)).collect(),
                            artifacts: about_artifacts.into_iter().map(|v| (rule, v)).collect(),
                        }
                    }
                    Err(panic) => SetViolations {
                        objects: index
                            .all()
                            .first()
                            .map(|object| vec![(rule, internal_error(rule, object, &panic))])
                            .unwrap_or_default(),
                        artifacts: Vec::new(),
                    },
                }
            })
            .collect();
        let mut all = SetViolations::default();
        for result in results {
            all.objects.extend(result.objects);
            all.artifacts.extend(result.artifacts);
        }
        all
    }

    fn finish(
        &self,
        pending: Vec<Pending>,
        objects: &[Object],
        file_paths: &[String],
        texts: &[Option<Arc<str>>],
        documents: usize,
    ) -> Report {
        let mut summary = Summary {
            files: file_paths.len(),
            documents,
            ..Summary::default()
        };
        let mut directives: HashMap<FileId, Directives> = HashMap::new();
        let mut line_indexes: HashMap<FileId, LineIndex> = HashMap::new();
        let mut findings = Vec::with_capacity(pending.len());
        let mut suppressed = Vec::new();
        let mut sources = BTreeMap::new();
        for item in pending {
            // A finding reported under another id is configured by the rule
            // that reported it.
            let governing = item.reporter.as_ref().unwrap_or(&item.rule);
            let Some(policy) = self.policies.get(governing.as_ref()) else {
                continue;
            };
            if let Some(allowed) = &policy.environments {
                if !item.environment.is_some_and(|e| allowed.contains(&e)) {
                    continue;
                }
            }
            let text = texts.get(item.file.0).cloned().flatten();
            let span = match text.as_deref() {
                Some(text) => line_indexes
                    .entry(item.file)
                    .or_insert_with(|| LineIndex::new(text))
                    .span(text, item.span),
                None => Span::point(Position::START),
            };
            let file_directives = directives
                .entry(item.file)
                .or_insert_with(|| text.as_deref().map(Directives::parse).unwrap_or_default());
            let by_annotation = item
                .object
                .and_then(|id| objects.get(id.0))
                .is_some_and(|object| annotation_suppresses(object, &item.rule));
            let suppressed_by = if by_annotation {
                Some(SuppressedBy::Annotation)
            } else if file_directives.suppresses(&item.rule, span.start.line) {
                Some(SuppressedBy::Comment)
            } else {
                None
            };
            let severity = policy
                .severity
                .or(item.severity)
                .unwrap_or(policy.default_severity);
            let file = file_paths.get(item.file.0).cloned().unwrap_or_default();
            if suppressed_by.is_none() {
                summary.count(severity);
                if let Some(text) = text {
                    sources.entry(file.clone()).or_insert(text);
                }
            }
            let finding = Finding {
                rule: item.rule,
                severity,
                message: item.message,
                help: item.help,
                file,
                span,
                document: item.document,
                source: item.source.map(|source| source.to_string()),
                resource: item.resource,
                environment: item
                    .environment
                    .and_then(|id| self.environments.get(id))
                    .map(|environment| environment.name.clone()),
                path: item.path.filter(|path| !path.is_empty()),
            };
            match suppressed_by {
                Some(by) => suppressed.push(SuppressedFinding { finding, by }),
                None => findings.push(finding),
            }
        }
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        suppressed.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
        summary.suppressed = suppressed.len();
        let mut files: Vec<CheckedFile> = file_paths
            .iter()
            .map(|path| CheckedFile {
                path: path.clone(),
                resources: Vec::new(),
            })
            .collect();
        for object in objects {
            if let Some(file) = files.get_mut(object.file.0) {
                file.resources.push(object.identity.to_ref());
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Report {
            findings,
            summary,
            suppressed,
            files,
            sources,
        }
    }
}

/// A finding before suppression and configuration.
pub(crate) struct Pending {
    rule: Cow<'static, str>,
    /// The rule that reported it, when it reports under another id.
    reporter: Option<Cow<'static, str>>,
    /// The severity the rule asked for (else the rule default applies).
    severity: Option<Severity>,
    file: FileId,
    document: usize,
    /// Where in the file (resolved to lines and columns when the report is
    /// made, for the few places that have findings).
    span: TextRange,
    message: String,
    help: Option<String>,
    source: Option<Arc<str>>,
    resource: Option<ResourceRef>,
    pub(crate) environment: Option<EnvId>,
    path: Option<String>,
    object: Option<ObjectId>,
}

impl Pending {
    fn load(
        rule: &'static str,
        file: FileId,
        document: usize,
        span: TextRange,
        message: String,
    ) -> Pending {
        Pending {
            rule: Cow::Borrowed(rule),
            reporter: None,
            severity: None,
            file,
            document,
            span,
            message,
            help: None,
            source: None,
            resource: None,
            environment: None,
            path: None,
            object: None,
        }
    }

    fn from_violation(rule: &Rule, violation: Violation, object: &Object) -> Pending {
        let (span, pointer) = match &violation.target {
            Target::Value(pointer) => (object.node.locate(pointer).span, Some(pointer.clone())),
            Target::Key(pointer) => (
                object
                    .node
                    .key_span(pointer)
                    .unwrap_or_else(|| object.node.locate(pointer).span),
                Some(pointer.clone()),
            ),
            Target::Span(span) => (*span, None),
        };
        let (id, reporter) = match violation.rule {
            Some(id) => (id, Some(rule.meta.id.clone())),
            None => (rule.meta.id.clone(), None),
        };
        Pending {
            rule: id,
            reporter,
            severity: Some(violation.severity.unwrap_or(rule.meta.default_severity)),
            file: object.file,
            document: object.document,
            span,
            message: violation.message,
            help: violation.help,
            source: object.source.clone(),
            resource: Some(object.identity.to_ref()),
            environment: object.environment,
            path: pointer.map(|pointer| format!("{}{pointer}", object.pointer_prefix)),
            object: Some(object.id),
        }
    }
}

impl Pending {
    fn from_artifact_violation(
        rule: &Rule,
        violation: ArtifactViolation,
        artifact: &Artifact,
    ) -> Pending {
        Pending {
            rule: rule.meta.id.clone(),
            severity: Some(violation.severity.unwrap_or(rule.meta.default_severity)),
            file: artifact.file,
            document: artifact.document,
            span: artifact.node.locate(&violation.pointer).span,
            message: violation.message,
            help: violation.help,
            source: None,
            resource: None,
            environment: artifact.environment,
            path: Some(violation.pointer),
            object: None,
            reporter: None,
        }
    }

    /// A finding of a command that has no document to point at.
    pub(crate) fn nowhere(rule: &Rule, message: String, help: Option<String>) -> Pending {
        Pending {
            rule: rule.meta.id.clone(),
            severity: None,
            // No file: reported with an empty file name at 1:1.
            file: FileId(usize::MAX),
            document: 0,
            span: TextRange::default(),
            message,
            help,
            source: None,
            resource: None,
            environment: None,
            path: None,
            object: None,
            reporter: None,
        }
    }

    /// A finding of a command (such as `promote`) rather than of a rule
    /// check.
    pub(crate) fn at(
        rule: &Rule,
        severity: Option<Severity>,
        place: Place<'_>,
        message: String,
        help: Option<String>,
    ) -> Pending {
        match place {
            Place::Object(object, pointer) => {
                let violation = Violation::at_value(object, pointer, message);
                let violation = match help {
                    Some(help) => violation.with_help(help),
                    None => violation,
                };
                let violation = match severity {
                    Some(severity) => violation.with_severity(severity),
                    None => violation,
                };
                Pending::from_violation(rule, violation, object)
            }
            Place::Artifact(artifact, pointer) => {
                let mut violation = ArtifactViolation::at_value(artifact, pointer, message);
                violation.help = help;
                violation.severity = severity;
                Pending::from_artifact_violation(rule, violation, artifact)
            }
        }
    }
}

/// Where a command's finding points.
pub(crate) enum Place<'a> {
    /// The value at a pointer of an object.
    Object(&'a Object, &'a str),
    /// The value at a pointer of a release artifact.
    Artifact(&'a Artifact, &'a str),
}

/// What set rules reported.
#[derive(Default)]
struct SetViolations<'r> {
    objects: Vec<(&'r Rule, Violation)>,
    artifacts: Vec<(&'r Rule, ArtifactViolation)>,
}

/// A loaded and classified input: what `check`, `promote` and `matrix` work
/// on.
pub(crate) struct Model {
    pub objects: Vec<Object>,
    pub artifacts: Vec<Artifact>,
    /// Findings so far (load problems; then rule findings).
    pub pending: Vec<Pending>,
    pub file_paths: Vec<String>,
    pub texts: Vec<Option<Arc<str>>>,
    pub documents: usize,
}

/// What classification produces.
#[derive(Default)]
struct Classified {
    objects: Vec<Object>,
    artifacts: Vec<Artifact>,
    pending: Vec<Pending>,
}

fn internal_error(
    rule: &Rule,
    object: &Object,
    panic: &Box<dyn std::any::Any + Send>,
) -> Violation {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned());
    Violation::at_value(
        object,
        "",
        format!(
            "internal error in rule {} while checking this object: {detail}",
            rule.id()
        ),
    )
    .with_severity(Severity::Error)
    .with_help("this is a bug in plimsoll; please report it with the document that triggers it")
}

fn suggestion(id: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|candidate| (edit_distance(id, candidate), candidate))
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| format!(" (did you mean `{candidate}`?)"))
        .unwrap_or_default()
}

fn config_error(config: &Config, span: Span, key: &str, message: String) -> ConfigError {
    ConfigError {
        file: config.path.clone().unwrap_or_default(),
        line: span.start.line,
        column: span.start.column,
        key: key.to_owned(),
        message,
    }
}

/// Turns a file's documents into objects and load findings; returns the
/// number of non-empty documents.
fn classify_file(
    file_id: FileId,
    file: &mut LoadedFile,
    environment: Option<EnvId>,
    classified: &mut Classified,
) -> usize {
    if let Some(note) = file.note.take() {
        let mut item = Pending::load(note.rule, file_id, 0, TextRange::default(), note.message);
        item.help = note.help;
        item.environment = environment;
        classified.pending.push(item);
    }
    let raw_documents = std::mem::take(&mut file.documents);
    let kind = match file.kind {
        FileKind::Manifests => Holds::Objects,
        FileKind::HelmValues => Holds::Artifact(ArtifactKind::HelmValues),
        FileKind::ComponentTags => Holds::Artifact(ArtifactKind::ComponentTags),
        FileKind::HelmChart | FileKind::Kustomization => Holds::Nothing,
    };
    let mut non_empty = 0;
    for document in raw_documents {
        if document.root.is_some() || !document.problems.is_empty() {
            non_empty += 1;
        }
        classify_document(file_id, document, kind, environment, classified);
    }
    non_empty
}

/// What a file's documents become.
#[derive(Debug, Clone, Copy)]
enum Holds {
    Objects,
    Artifact(ArtifactKind),
    Nothing,
}

fn classify_document(
    file_id: FileId,
    document: RawDocument,
    holds: Holds,
    environment: Option<EnvId>,
    classified: &mut Classified,
) {
    let source: Option<Arc<str>> = document.source.as_deref().map(Arc::from);
    let identity = document.root.as_ref().and_then(Identity::of);
    for problem in &document.problems {
        let mut item = Pending::load(
            problem_rule(problem.kind),
            file_id,
            document.index,
            problem.span,
            problem.message.clone(),
        );
        item.source = source.clone();
        item.resource = identity.as_ref().map(Identity::to_ref);
        item.environment = environment;
        classified.pending.push(item);
    }
    let Some(root) = document.root else {
        return;
    };
    let artifact_kind = match holds {
        Holds::Objects => None,
        Holds::Artifact(kind) => Some(kind),
        Holds::Nothing => return,
    };
    if let Some(kind) = artifact_kind {
        classified.artifacts.push(Artifact {
            id: ArtifactId(classified.artifacts.len()),
            file: file_id,
            document: document.index,
            kind,
            node: root,
            environment,
        });
        return;
    }
    let objects = &mut classified.objects;
    let pending = &mut classified.pending;
    let mut place = |node: Node, prefix: String| {
        let shape_problems = manifest_shape::problems(&node);
        match Identity::of(&node) {
            Some(identity) if shape_problems.is_empty() => objects.push(Object {
                id: ObjectId(objects.len()),
                file: file_id,
                document: document.index,
                pointer_prefix: prefix,
                node,
                source: source.clone(),
                identity,
                environment,
            }),
            _ => {
                // One finding per object, naming everything that is missing.
                let pointer = shape_problems
                    .first()
                    .map(|(pointer, _)| pointer.clone())
                    .unwrap_or_default();
                let message = shape_problems
                    .into_iter()
                    .map(|(_, message)| message)
                    .collect::<Vec<_>>()
                    .join("; ");
                let span = if pointer.is_empty() {
                    first_key_span(&node)
                } else {
                    node.locate(&pointer).span
                };
                let mut item =
                    Pending::load(manifest_shape::ID, file_id, document.index, span, message);
                item.source = source.clone();
                item.environment = environment;
                item.path = Some(format!("{prefix}{pointer}"));
                pending.push(item);
            }
        }
    };
    for (prefix, node) in flatten_lists(root, String::new()) {
        place(node, prefix);
    }
}

/// A document's objects: the document itself, or the items of a `List`
/// (and of Lists inside it), each with its JSON pointer prefix.
fn flatten_lists(node: Node, prefix: String) -> Vec<(String, Node)> {
    match list_items(node) {
        Err(node) => vec![(prefix, node)],
        Ok(items) => items
            .into_iter()
            .enumerate()
            .flat_map(|(at, item)| flatten_lists(item, format!("{prefix}/items/{at}")))
            .collect(),
    }
}

/// The items of a `List` (or `*List`) object; the node itself otherwise.
fn list_items(root: Node) -> Result<Vec<Node>, Node> {
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|kind| kind.ends_with("List"))
        && root
            .get("items")
            .is_some_and(|items| items.as_seq().is_some() || items.is_null());
    if !is_list {
        return Err(root);
    }
    let Value::Map(entries) = root.value else {
        return Err(root);
    };
    Ok(entries
        .into_vec()
        .into_iter()
        .find(|entry| entry.key == "items")
        .and_then(|entry| match entry.value.value {
            Value::Seq(items) => Some(items.into_vec()),
            _ => None,
        })
        .unwrap_or_default())
}

fn first_key_span(node: &Node) -> TextRange {
    node.as_map()
        .and_then(|entries| entries.first())
        .map_or(TextRange::point(node.span.start), |entry| entry.key_span)
}
