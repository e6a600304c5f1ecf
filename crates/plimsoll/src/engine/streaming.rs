//! The streaming run: files are loaded, classified and checked by their
//! document rules a batch at a time, so that memory is bounded by the batch
//! rather than the input. A run split by environment
//! ([`super::partitioned`]) watches it through [`BatchObserver`].

use std::collections::HashMap;
use std::sync::Arc;

use super::classify::{classify_files, flatten_lists, Classified, NamespaceEnvironments};
use super::options::validates_schemas;
use super::pending::pending_of;
use super::report_builder::ReportBuilder;
use super::reported::Reported;
use super::Engine;
use crate::discover::Candidate;
use crate::environment::EnvId;
use crate::load::{load_picked, load_slots, Budget, LoadTally, LoadedFile, Slot};
use crate::model::{Artifact, FileId, Identity, Object, ObjectId, StatedDigests};
use crate::rules::manifest_shape;
use crate::run_limits::CheckError;
use crate::schema::{may_define_crd, RunSchemas};
use crate::yaml::Node;

/// How a streaming run cuts its input into batches.
#[derive(Debug, Clone, Copy)]
pub(super) struct Batching {
    /// How much text is loaded before it is checked: enough that every
    /// worker has files to parse, little enough that a batch's trees (about
    /// three times its text) stay a few tens of MB.
    pub(super) bytes: usize,
    /// How many files are loaded in parallel at a time while a batch fills.
    pub(super) chunk_files: usize,
}

/// The batches of every streaming run but the tests'.
pub(super) const BATCHING: Batching = Batching {
    bytes: 8 * 1024 * 1024,
    chunk_files: 64,
};

/// What a run built on a streaming run learns as it goes; the streaming
/// run tells it about each batch, and about the objects that waited for
/// the input's Namespaces, without knowing what it does with them.
pub(super) trait BatchObserver {
    /// Learns from one batch, whose first file is the run's `first_file`.
    /// Objects without an environment yet come again to
    /// [`BatchObserver::place_waiting`].
    fn note_batch(
        &mut self,
        engine: &Engine,
        first_file: usize,
        objects: &[Object],
        artifacts: &[Artifact],
    );

    /// Learns the environments of the objects that waited, once `labelled`
    /// knows every Namespace of the input.
    fn place_waiting(
        &mut self,
        engine: &Engine,
        waiting: &Waiting,
        labelled: HashMap<String, EnvId>,
    );
}

impl Engine {
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
        inputs: &[crate::discover::Input],
        threads: usize,
        batching: Batching,
    ) -> Result<crate::report::Report, CheckError> {
        let candidates = self.discover(inputs, threads)?;
        Ok(self
            .stream(candidates, batching, None, &Reported::default())?
            .finish_check(self))
    }

    /// The document rules of a streaming run, file batch by file batch;
    /// `plan`, when given, learns about each batch.
    pub(super) fn stream(
        &self,
        candidates: Vec<Candidate>,
        batching: Batching,
        mut plan: Option<&mut (dyn BatchObserver + 'static)>,
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
}

/// The objects of a streaming run that wait for every Namespace of the input
/// to be seen, with the paths and texts of their files.
#[derive(Default)]
pub(super) struct Waiting {
    pub(super) objects: Vec<Object>,
    file_paths: Vec<String>,
    texts: Vec<Option<Arc<str>>>,
    /// The position of each of these files in the run.
    pub(super) run_files: Vec<usize>,
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
    plan: Option<&'a mut (dyn BatchObserver + 'static)>,
    reported: &'a Reported,
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{
        assert_agrees_with_whole, fixture_configs, resource_before_its_crd, testdata,
    };
    use super::*;
    use crate::config::Config;
    use crate::discover::Input;
    use crate::engine::EngineOptions;

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
