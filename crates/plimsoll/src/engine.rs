//! The pipeline: discover → load → classify → document rules → set rules →
//! suppress → report.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use crate::config::Config;
use crate::discover::{discover, Candidate, Input, PathFilter};
use crate::environment::{EnvId, Environments};
use crate::finding::Severity;
use crate::load::{load_picked, load_slots, Budget, LoadTally, LoadedFile, Slot};
use crate::model::{Artifact, FileId, Identity, Object, ObjectId, StatedDigests};
use crate::report::Report;
use crate::rules::{manifest_shape, Rule};
use crate::run_limits::{CheckError, InputLimits, Progress};
use crate::schema::{may_define_crd, RunSchemas, SchemaCatalog};
use crate::yaml::{Limits, Node};

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

pub use explain::EnvironmentChoice;
pub use options::{EngineError, EngineOptions};
pub(crate) use pending::{Pending, Place};

use classify::{classify_files, flatten_lists, Classified, NamespaceEnvironments};
use options::{validates_schemas, RulePolicy};
use partitioned::Plan;
use pending::pending_of;
use report_builder::ReportBuilder;

/// Stack of each worker thread. Rules recurse over documents and user CEL
/// expressions recurse over their syntax tree; the parser bounds nesting,
/// and this leaves every bounded input ample room (it is only reserved
/// address space until used).
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// How a streaming run cuts its input into batches.
#[derive(Debug, Clone, Copy)]
struct Batching {
    /// How much text is loaded before it is checked: enough that every
    /// worker has files to parse, little enough that a batch's trees (about
    /// three times its text) stay a few tens of MB.
    bytes: usize,
    /// How many files are loaded in parallel at a time while a batch fills.
    chunk_files: usize,
}

const BATCHING: Batching = Batching {
    bytes: 8 * 1024 * 1024,
    chunk_files: 64,
};

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

    /// Checks the input a batch of files at a time: each batch is loaded,
    /// checked and reported, and its objects dropped, before the next one
    /// is read, so memory is bounded by the batch rather than the input.
    ///
    /// Two things about an object can depend on other files, and are
    /// settled so that the outcome is the one of [`Engine::run_in_memory`]:
    /// the CRDs that validate custom resources (files that may hold one are
    /// loaded first), and the environment of an object that neither `--env`
    /// nor its path places (such objects wait until every Namespace has been
    /// seen).
    #[cfg(test)]
    fn run_streaming(
        &self,
        inputs: &[Input],
        threads: usize,
        batching: Batching,
    ) -> Result<Report, CheckError> {
        let candidates = self.discover(inputs, threads)?;
        Ok(self
            .stream(candidates, batching, None, &Reported::default())?
            .finish_check(self))
    }

    /// The document rules of a streaming run, file batch by file batch;
    /// `plan`, when given, learns where each environment's objects are.
    fn stream(
        &self,
        candidates: Vec<Candidate>,
        batching: Batching,
        mut plan: Option<&mut Plan>,
        reported: &Reported,
    ) -> Result<ReportBuilder, CheckError> {
        let budget = Budget::new(self.input_limits);
        let tally = LoadTally::new(self.progress.as_ref(), candidates.len());
        let slots = if validates_schemas(&self.rules, &self.policies) {
            load_picked(candidates, may_define_crd, &self.limits, &budget)
        } else {
            candidates.into_iter().map(Slot::Unread).collect()
        };
        let crds = input_crds(&slots);
        let schemas = RunSchemas::new(Arc::clone(&self.schemas), &crds);
        drop(crds);

        let mut report = ReportBuilder::default();
        let mut namespaces = NamespaceEnvironments::default();
        let mut waiting = Waiting::default();
        let mut slots = slots.into_iter().peekable();
        let mut first_file = 0;
        while slots.peek().is_some() {
            let mut files = Vec::new();
            let mut bytes = 0;
            while bytes < batching.bytes {
                let chunk: Vec<Slot> = slots.by_ref().take(batching.chunk_files).collect();
                if chunk.is_empty() {
                    break;
                }
                let loaded = load_slots(chunk, &self.limits, &budget, &tally);
                bytes += loaded
                    .iter()
                    .map(|file| file.text.as_deref().map_or(0, str::len))
                    .sum::<usize>();
                files.extend(loaded);
            }
            budget.check()?;
            let count = files.len();
            let batch = Batch { files, first_file };
            let context = BatchContext {
                schemas: &schemas,
                namespaces: &mut namespaces,
                waiting: &mut waiting,
                report: &mut report,
                plan: plan.as_deref_mut(),
                reported,
            };
            self.check_batch(batch, context);
            first_file += count;
        }

        let labelled = namespaces.labelled();
        for object in &mut waiting.objects {
            object.environment = self.namespace_environment(object, &labelled);
        }
        if let Some(plan) = plan {
            plan.place_waiting(self, &waiting, labelled);
        }
        let waiting_objects: Vec<&Object> = waiting.objects.iter().collect();
        let checked = reported.objects(&waiting_objects, &waiting.file_paths);
        let violations =
            self.run_document_rules(&checked, &schemas, None, &StatedDigests::default());
        let pending = pending_of(violations, &waiting.objects);
        report.add_pending(
            self,
            pending,
            &waiting.objects,
            &waiting.file_paths,
            &waiting.texts,
        );
        Ok(report)
    }

    /// Checks one batch of a streaming run. Objects that wait for the
    /// input's Namespaces move to `waiting`, with their files' texts.
    fn check_batch(&self, batch: Batch, context: BatchContext<'_>) {
        let BatchContext {
            schemas,
            namespaces,
            waiting,
            report,
            plan,
            reported,
        } = context;
        let Batch {
            mut files,
            first_file,
        } = batch;
        let file_paths: Vec<String> = files.iter().map(|file| file.display.clone()).collect();
        let path_environments = self.path_environments(&file_paths);
        let (classified, documents) = classify_files(&mut files, &path_environments);
        report.documents += documents;
        let texts: Vec<Option<Arc<str>>> = files.into_iter().map(|file| file.text).collect();
        let Classified {
            objects,
            pending: mut batch_pending,
            artifacts,
            patches,
        } = classified;
        let patch_refs: Vec<&Object> = patches.iter().collect();
        batch_pending.extend(self.check_patches(
            &patches,
            &reported.objects(&patch_refs, &file_paths),
            schemas,
        ));
        for object in &objects {
            namespaces.add(self, object);
        }
        if let Some(plan) = plan {
            plan.note_batch(self, first_file, &objects, &artifacts);
        }
        report.add_files(&file_paths, &objects, &texts);
        let placed: Vec<&Object> = objects
            .iter()
            .filter(|object| object.environment.is_some())
            .collect();
        let placed = reported.objects(&placed, &file_paths);
        let violations = self.run_document_rules(&placed, schemas, None, &StatedDigests::default());
        batch_pending.extend(pending_of(violations, &objects));
        report.add_pending(self, batch_pending, &objects, &file_paths, &texts);
        let (unplaced, checked): (Vec<Object>, Vec<Object>) = objects
            .into_iter()
            .partition(|object| object.environment.is_none());
        waiting.push_batch(unplaced, first_file, &file_paths, &texts);
        // Freeing a batch's trees takes a while; the workers do it while
        // the next batch loads.
        rayon::spawn(move || drop((checked, texts)));
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

/// The objects of a streaming run that wait for every Namespace of the input
/// to be seen, with the paths and texts of their files.
#[derive(Default)]
struct Waiting {
    objects: Vec<Object>,
    file_paths: Vec<String>,
    texts: Vec<Option<Arc<str>>>,
    /// The position of each of these files in the run.
    run_files: Vec<usize>,
}

impl Waiting {
    /// Moves the objects of one batch here; `file_paths` and `texts` are
    /// the batch's, which the objects' file ids point into, and the batch's
    /// first file is the run's `first_file`.
    fn push_batch(
        &mut self,
        objects: Vec<Object>,
        first_file: usize,
        file_paths: &[String],
        texts: &[Option<Arc<str>>],
    ) {
        // A batch's objects come file by file: (batch file, position here).
        let mut last_file: Option<(FileId, usize)> = None;
        for object in objects {
            let at = match last_file {
                Some((file, at)) if file == object.file => at,
                _ => {
                    let at = self.file_paths.len();
                    self.file_paths
                        .push(file_paths.get(object.file.0).cloned().unwrap_or_default());
                    self.texts.push(texts.get(object.file.0).cloned().flatten());
                    self.run_files.push(first_file + object.file.0);
                    last_file = Some((object.file, at));
                    at
                }
            };
            self.objects.push(Object {
                id: ObjectId(self.objects.len()),
                file: FileId(at),
                ..object
            });
        }
    }
}

/// The files of one batch of a streaming run; the first is the run's
/// `first_file`.
struct Batch {
    files: Vec<LoadedFile>,
    first_file: usize,
}

/// What checking a batch adds to.
struct BatchContext<'a> {
    schemas: &'a RunSchemas,
    namespaces: &'a mut NamespaceEnvironments,
    waiting: &'a mut Waiting,
    report: &'a mut ReportBuilder,
    plan: Option<&'a mut Plan>,
    reported: &'a Reported,
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

/// The CustomResourceDefinitions among the files loaded ahead of a
/// streaming run (copies: the files are checked later in their turn).
fn input_crds(slots: &[Slot]) -> Vec<Object> {
    let mut crds = Vec::new();
    for (at, slot) in slots.iter().enumerate() {
        let Slot::Loaded(file) = slot else {
            continue;
        };
        if !file.kind.holds_manifests() {
            continue;
        }
        for document in &file.documents {
            let Some(root) = &document.root else {
                continue;
            };
            let may_hold = root
                .get("kind")
                .and_then(Node::as_str)
                .is_some_and(|kind| kind == "CustomResourceDefinition" || kind.ends_with("List"));
            if !may_hold {
                continue;
            }
            for (prefix, node) in flatten_lists(root.clone(), String::new()) {
                // As classification would: only well-formed objects count.
                let Some(identity) = Identity::of(&node) else {
                    continue;
                };
                if identity.kind != "CustomResourceDefinition"
                    || !manifest_shape::problems(&node).is_empty()
                {
                    continue;
                }
                crds.push(Object {
                    id: ObjectId(crds.len()),
                    file: FileId(at),
                    document: document.index,
                    pointer_prefix: prefix,
                    node,
                    source: None,
                    identity,
                    environment: None,
                    selector_by_kustomize: false,
                });
            }
        }
    }
    crds
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

#[cfg(test)]
mod streaming_tests {
    use std::path::{Path, PathBuf};

    use super::*;

    pub(super) fn testdata() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
    }

    /// Every `.plimsoll.yaml` under `testdata/`, in path order.
    pub(super) fn fixture_configs() -> Vec<PathBuf> {
        let mut configs = Vec::new();
        let mut folders = vec![testdata()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path
                    .file_name()
                    .is_some_and(|name| name == ".plimsoll.yaml")
                {
                    configs.push(path);
                }
            }
        }
        configs.sort();
        assert!(configs.len() >= 10, "{configs:?}");
        configs
    }

    /// Two texts in memory: a custom resource, then the CRD that validates
    /// it.
    pub(super) fn resource_before_its_crd() -> Vec<Input> {
        let folder = testdata().join("rules/schema/fail-crd-in-input");
        ["backup.yaml", "crd.yaml"]
            .iter()
            .map(|name| Input::Text {
                name: (*name).to_owned(),
                text: std::fs::read_to_string(folder.join(name)).unwrap(),
            })
            .collect()
    }

    /// The rules a streaming run can have: all but those that read the
    /// whole input.
    fn streaming_rules(config: &Config) -> Vec<String> {
        let engine = Engine::new(config.clone(), EngineOptions::default()).unwrap();
        engine
            .rules()
            .iter()
            .filter(|rule| !rule.reads_input())
            .map(|rule| rule.id().to_owned())
            .collect()
    }

    /// [`assert_agrees_with_whole`] for a streaming run, with the rules it
    /// can have.
    fn assert_streaming_agrees(
        config: Config,
        environment: Option<&str>,
        inputs: &[Input],
    ) -> usize {
        let options = EngineOptions {
            select: streaming_rules(&config),
            environment: environment.map(str::to_owned),
            jobs: Some(2),
            ..EngineOptions::default()
        };
        let engine = Engine::new(config, options).unwrap();
        assert!(engine.streams());
        assert_agrees_with_whole(&engine, inputs, Engine::run_streaming)
    }

    /// A run that checks `inputs`, cut into batches as told.
    pub(super) type Run = fn(&Engine, &[Input], usize, Batching) -> Result<Report, CheckError>;

    /// Checks `inputs` in memory, and with `run` one file per batch; the two
    /// reports must be the same, snippets included. Returns how many
    /// findings they have.
    pub(super) fn assert_agrees_with_whole(engine: &Engine, inputs: &[Input], run: Run) -> usize {
        let whole = engine
            .in_pool(|threads| engine.run_in_memory(inputs, threads))
            .unwrap();
        let one_file_at_a_time = Batching {
            bytes: 1,
            chunk_files: 1,
        };
        let mut whole = whole;
        let other = engine
            .in_pool(|threads| run(engine, inputs, threads, one_file_at_a_time))
            .unwrap();
        // Fixes that depend on the whole input (digest pins) are offered
        // only by a run that holds it; everything else must agree.
        for (held, streamed) in whole.findings.iter_mut().zip(&other.findings) {
            if held.rule == "image-digest" && streamed.fix.is_none() {
                held.fix = None;
            }
        }
        assert_eq!(format!("{whole:#?}"), format!("{other:#?}"));
        whole.findings.len()
    }

    #[test]
    fn streaming_reports_what_a_run_in_memory_reports() {
        // Every fixture at once: CRDs that validate custom resources in
        // other files, environments from paths and from Namespaces.
        let everything = [Input::Path(testdata())];
        assert!(assert_streaming_agrees(Config::default(), None, &everything) > 100);
        assert!(assert_streaming_agrees(Config::default(), Some("prod"), &everything) > 100);
    }

    #[test]
    fn streaming_agrees_under_each_fixture_config() {
        let configs = fixture_configs();
        let mut with_findings = 0;
        for path in configs {
            let config = Config::load(&path).unwrap();
            let root = path.parent().unwrap().to_path_buf();
            if assert_streaming_agrees(config, None, &[Input::Path(root)]) > 0 {
                with_findings += 1;
            }
        }
        assert!(with_findings >= 5, "{with_findings}");
    }

    #[test]
    fn streaming_agrees_on_texts_in_memory() {
        let inputs = resource_before_its_crd();
        assert!(assert_streaming_agrees(Config::default(), None, &inputs) > 0);
    }

    #[test]
    fn streaming_finds_a_crd_whose_kind_is_escaped() {
        let folder = testdata().join("rules/schema/fail-crd-in-input");
        let crd = std::fs::read_to_string(folder.join("crd.yaml"))
            .unwrap()
            .replace(
                "kind: CustomResourceDefinition",
                "kind: \"CustomResource\\x44efinition\"",
            );
        assert!(!crd.contains("CustomResourceDefinition"));
        let inputs = [
            Input::Text {
                name: "backup.yaml".to_owned(),
                text: std::fs::read_to_string(folder.join("backup.yaml")).unwrap(),
            },
            Input::Text {
                name: "crd.yaml".to_owned(),
                text: crd,
            },
        ];
        assert!(assert_streaming_agrees(Config::default(), None, &inputs) > 0);
    }
}
