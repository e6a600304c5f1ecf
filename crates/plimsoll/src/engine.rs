//! The pipeline: discover → load → classify → document rules → set rules →
//! suppress → report.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use crate::config::Config;
use crate::discover::{discover, Candidate, Input, PathFilter};
use crate::environment::{EnvId, Environments};
use crate::finding::Severity;
use crate::load::{load_slots, Budget, LoadTally, Slot};
use crate::model::{Artifact, Object, StatedDigests};
use crate::report::Report;
use crate::rules::Rule;
use crate::run_limits::{CheckError, InputLimits, Progress};
use crate::schema::{RunSchemas, SchemaCatalog};
use crate::yaml::Limits;

mod classify;
mod context;
mod document_rules;
mod explain;
mod front_door;
mod options;
mod partitioned;
mod pending;
mod report_builder;
mod set_rules;
mod streaming;
#[cfg(test)]
mod test_support;

pub use explain::EnvironmentChoice;
pub use options::{EngineError, EngineOptions};
pub(crate) use pending::{Pending, Place};

use classify::{classify_files, Classified};
use options::RulePolicy;
use pending::pending_of;
use report_builder::ReportBuilder;
use streaming::BATCHING;

/// Stack of each worker thread. Rules recurse over documents and user CEL
/// expressions recurse over their syntax tree; the parser bounds nesting,
/// and this leaves every bounded input ample room (it is only reserved
/// address space until used).
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

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
    whole_input: bool,
    schemas: Arc<SchemaCatalog>,
    /// The worker threads, started by the first check and kept for the
    /// next ones (an editor or a fuzzer checks many small inputs).
    pool: OnceLock<rayon::ThreadPool>,
    /// What building the engine noticed, for the user (see
    /// [`Engine::notes`]).
    notes: Vec<String>,
}

impl Engine {
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
        let candidates = self.discover(inputs, threads)?;
        self.run_candidates(candidates, &Reported::default())
    }

    /// Checks files already discovered, by the run path the rules allow.
    fn run_candidates(
        &self,
        candidates: Vec<Candidate>,
        reported: &Reported,
    ) -> Result<Report, CheckError> {
        if self.whole_input {
            self.check_in_memory(candidates, reported)
        } else if self.streams() {
            Ok(self
                .stream(candidates, BATCHING, None, reported)?
                .finish_check(self))
        } else if self.partitions() {
            self.check_partitioned(candidates, BATCHING, reported)
        } else {
            self.check_in_memory(candidates, reported)
        }
    }

    /// Whether no enabled rule needs every object of the input at once, so
    /// that files can be checked as they load.
    fn streams(&self) -> bool {
        !self
            .rules
            .iter()
            .any(|rule| rule.reads_input() && self.policies.contains_key(rule.id()))
    }

    /// Whether every enabled rule can run one environment at a time, so
    /// that a run needs one environment's objects in memory at once.
    fn partitions(&self) -> bool {
        self.rules
            .iter()
            .filter(|rule| self.policies.contains_key(rule.id()))
            .all(Rule::runs_per_environment)
    }

    /// Loads the whole input, then runs the rules over it.
    #[cfg(test)]
    fn run_in_memory(&self, inputs: &[Input], threads: usize) -> Result<Report, CheckError> {
        let candidates = self.discover(inputs, threads)?;
        self.check_in_memory(candidates, &Reported::default())
    }

    /// [`Engine::run_in_memory`] on files already discovered.
    fn check_in_memory(
        &self,
        candidates: Vec<Candidate>,
        reported: &Reported,
    ) -> Result<Report, CheckError> {
        let mut model = self.load_candidates(candidates)?;
        // Run-wide pre-pass: the CRDs of the input validate its custom
        // resources, whatever file or order they come in.
        let schemas = RunSchemas::new(Arc::clone(&self.schemas), &model.objects);
        let all: Vec<&Object> = model.objects.iter().collect();
        let checked = reported.objects(&all, &model.file_paths);
        let digests = StatedDigests::new(&model.objects, &model.artifacts);
        let violations = self.run_document_rules(&checked, &schemas, Some(&all), &digests);
        let patches: Vec<&Object> = model.patches.iter().collect();
        let patch_findings = self.check_patches(
            &model.patches,
            &reported.objects(&patches, &model.file_paths),
            &schemas,
        );
        model.pending.extend(patch_findings);
        let set_violations = self.run_set_rules(
            &model.objects,
            &model.artifacts,
            (&model.file_paths, &model.texts),
            &self.codeowners(),
            None,
        );
        model.pending.extend(pending_of(violations, &model.objects));
        model
            .pending
            .extend(set_violations.into_pending(&model.objects, &model.artifacts));
        Ok(self.finish_check(model))
    }

    /// Discovers, loads and classifies the inputs: objects with their
    /// environments, release artifacts, and the load findings.
    pub(crate) fn load_model(&self, inputs: &[Input], threads: usize) -> Result<Model, CheckError> {
        let candidates = self.discover(inputs, threads)?;
        self.load_candidates(candidates)
    }

    /// [`Engine::load_model`] on files already discovered.
    fn load_candidates(&self, candidates: Vec<Candidate>) -> Result<Model, CheckError> {
        let budget = Budget::new(self.input_limits);
        let tally = LoadTally::new(self.progress.as_ref(), candidates.len());
        let slots = candidates.into_iter().map(Slot::Unread).collect();
        let mut files = load_slots(slots, &self.limits, &budget, &tally);
        budget.check()?;
        let file_paths: Vec<String> = files.iter().map(|file| file.display.clone()).collect();
        let path_environments = self.path_environments(&file_paths);

        let (classified, documents) = classify_files(&mut files, &path_environments);
        let Classified {
            mut objects,
            artifacts,
            pending,
            patches,
        } = classified;
        self.resolve_environments(&mut objects, &path_environments);
        let texts: Vec<Option<Arc<str>>> = files.iter().map(|file| file.text.clone()).collect();
        Ok(Model {
            objects,
            artifacts,
            patches,
            pending,
            file_paths,
            texts,
            documents,
        })
    }

    /// The files to read; none at all is an error.
    fn discover(&self, inputs: &[Input], threads: usize) -> Result<Vec<Candidate>, CheckError> {
        let candidates = discover(inputs, &self.filter, threads)?;
        if candidates.is_empty() {
            return Err(CheckError::NoInput);
        }
        Ok(candidates)
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
        let pool = match self.pool.get() {
            Some(pool) => pool,
            None => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .stack_size(WORKER_STACK_BYTES)
                    .build()
                    .map_err(|error| CheckError::Threads(error.to_string()))?;
                // Two first checks at once may both build one; one is kept.
                self.pool.get_or_init(|| pool)
            }
        };
        pool.install(|| f(threads))
    }

    /// Suppresses, configures and sorts a model's pending findings (of a
    /// command that runs some rules only, such as `promote`).
    pub(crate) fn finish_model(&self, model: Model) -> Report {
        self.report_of(model).build()
    }

    /// [`Engine::finish_model`] for a check, which runs every enabled rule
    /// and so can tell which suppressions suppressed nothing.
    fn finish_check(&self, model: Model) -> Report {
        self.report_of(model).finish_check(self)
    }

    fn report_of(&self, model: Model) -> ReportBuilder {
        let mut report = ReportBuilder::default();
        report.documents = model.documents;
        report.add_files(&model.file_paths, &model.objects, &model.texts);
        report.add_pending(
            self,
            model.pending,
            &model.objects,
            &model.file_paths,
            &model.texts,
        );
        report
    }
}

/// The files a run reports on: every file, or, in a run with repository
/// context, the changed ones. Document rules run only on the objects of
/// those files, since a document rule's findings are on the object it
/// checks; set rules see every object.
#[derive(Debug, Default)]
pub(crate) struct Reported {
    only: Option<HashSet<String>>,
}

impl Reported {
    /// Only the files with these display paths.
    pub(crate) fn only(files: HashSet<String>) -> Reported {
        Reported { only: Some(files) }
    }

    /// The objects of reported files; `file_paths` names their files.
    fn objects<'o>(&self, objects: &[&'o Object], file_paths: &[String]) -> Vec<&'o Object> {
        let Some(only) = &self.only else {
            return objects.to_vec();
        };
        objects
            .iter()
            .copied()
            .filter(|object| {
                file_paths
                    .get(object.file.0)
                    .is_some_and(|path| only.contains(path))
            })
            .collect()
    }
}

/// A loaded and classified input: what `check`, `promote` and `matrix` work
/// on.
pub(crate) struct Model {
    pub objects: Vec<Object>,
    pub artifacts: Vec<Artifact>,
    /// Kustomize strategic-merge patches (not objects of the run).
    pub patches: Vec<Object>,
    /// Findings so far (load problems; then rule findings).
    pub pending: Vec<Pending>,
    pub file_paths: Vec<String>,
    pub texts: Vec<Option<Arc<str>>>,
    pub documents: usize,
}
