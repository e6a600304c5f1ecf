//! The run: one pass over the input, a batch of files at a time, whatever
//! its size. Each file is read and parsed once: its documents are
//! classified, its objects checked by the document rules and reported while
//! the batch is in memory, and then dropped but for what the rules at the
//! end of the pass read ([`Projection`]). Once every file is read, the set
//! rules (and the document rules that look other objects up) run over what
//! was kept, and the files they report on are read again for their lines.
//!
//! Two things about an object can depend on other files, and are settled
//! so that the outcome is the one of [`Engine::run_in_memory`]: the CRDs
//! that validate custom resources (files that may hold one are loaded
//! first), and the environment of an object that neither `--env` nor its
//! path places (such objects wait, whole, until every Namespace has been
//! seen).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::classify::{classify_files, flatten_lists, Classified, NamespaceEnvironments};
use super::document_rules::Lookups;
use super::kept::Kept;
use super::options::validates_schemas;
use super::pending::pending_of;
use super::projection::Projection;
use super::report_builder::ReportBuilder;
use super::reported::Reported;
use super::Engine;
use crate::discover::Candidate;
use crate::load::{load_picked, load_slots, Budget, LoadTally, LoadedFile, Slot};
use crate::model::{may_patch_flux_objects, PatchedFields};
use crate::model::{FileId, Identity, Object, ObjectId, StatedDigests};
use crate::report::Report;
use crate::rules::{manifest_shape, Rule};
use crate::run_limits::CheckError;
use crate::schema::{may_define_crd, RunSchemas};
use crate::yaml::{may_spell, Node};

/// How a pass cuts its input into batches.
#[derive(Debug, Clone, Copy)]
pub(super) struct Batching {
    /// How much text is loaded before it is checked: enough that every
    /// worker has files to parse, little enough that a batch's trees (about
    /// three times its text) stay a few tens of MB, two batches at a time
    /// (the next one loads while this one is checked).
    pub(super) bytes: usize,
    /// How many files are loaded in parallel at a time while a batch fills.
    pub(super) chunk_files: usize,
}

/// The batches of every pass but the tests'.
pub(super) const BATCHING: Batching = Batching {
    bytes: 4 * 1024 * 1024,
    chunk_files: 64,
};

impl Engine {
    /// Checks `inputs` in one pass (see the module documentation).
    #[cfg(test)]
    pub(super) fn run_pass(
        &self,
        inputs: &[crate::discover::Input],
        threads: usize,
        batching: Batching,
    ) -> Result<Report, CheckError> {
        let candidates = self.discover(inputs, threads)?;
        self.pass(candidates, batching, &Reported::default())
    }

    /// The enabled rules that run at the end of a pass.
    fn rules_at_end(&self) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|rule| rule.reads_input() && self.policies.contains_key(rule.id()))
            .collect()
    }

    /// What of each object the rules at the end of a pass read, given
    /// which kinds the input `names`; `None` when no enabled rule runs
    /// there.
    fn projection(&self, names: impl Fn(&str) -> bool) -> Option<Projection> {
        let at_end = self.rules_at_end();
        (!at_end.is_empty()).then(|| Projection::of_rules(at_end, names))
    }

    /// What a pass must know before it starts, from every file's text: the
    /// files that may hold the input's CRDs, loaded (when schemas are
    /// validated), and which of `kinds` the input may name. The other
    /// files are left to be read in their turn.
    fn read_ahead<'k>(
        &self,
        candidates: Vec<Candidate>,
        kinds: &[&'k str],
        budget: &Budget,
    ) -> (Vec<Slot>, Vec<&'k str>) {
        let validates = validates_schemas(&self.rules, &self.policies);
        if !validates && kinds.is_empty() {
            return (
                candidates.into_iter().map(Slot::Unread).collect(),
                Vec::new(),
            );
        }
        let named: Vec<AtomicBool> = kinds.iter().map(|_| AtomicBool::new(false)).collect();
        let picked = |candidate: &Candidate, text: &str| {
            for (kind, seen) in kinds.iter().zip(&named) {
                if may_spell(text, kind) {
                    seen.store(true, Ordering::Relaxed);
                }
            }
            validates
                && (may_define_crd(text)
                    || may_patch_flux_objects(text)
                    || given_flux_patches(candidate, text))
        };
        let slots = load_picked(candidates, &picked, &self.limits, budget);
        let named = kinds
            .iter()
            .zip(&named)
            .filter(|(_, seen)| seen.load(Ordering::Relaxed))
            .map(|(kind, _)| *kind)
            .collect();
        (slots, named)
    }

    /// Checks files already discovered in one pass.
    pub(super) fn pass(
        &self,
        candidates: Vec<Candidate>,
        batching: Batching,
        reported: &Reported,
    ) -> Result<Report, CheckError> {
        let budget = Budget::new(self.input_limits);
        let tally = LoadTally::new(self.progress.as_ref(), candidates.len());
        let at_end = self.rules_at_end();
        let kept_candidates = if at_end.is_empty() {
            Vec::new()
        } else {
            candidates.clone()
        };
        let kinds: Vec<&str> = at_end
            .iter()
            .filter_map(|rule| rule.whole_objects_if_input_names())
            .collect();
        let (slots, named) = self.read_ahead(candidates, &kinds, &budget);
        let mut kept = Kept::new(
            self.projection(|kind| named.contains(&kind)),
            kept_candidates,
            self.source_lines,
        );
        let crds = input_crds(&slots);
        let schemas = RunSchemas::new(Arc::clone(&self.schemas), &crds);
        drop(crds);

        let mut report = ReportBuilder::of(self);
        let mut namespaces = NamespaceEnvironments::default();
        let mut waiting = Waiting::default();
        let mut slots = slots.into_iter();
        let mut first_file = 0;
        let mut first_object = 0;
        let load_batch = |slots: &mut std::vec::IntoIter<Slot>| {
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
            files
        };
        let mut files = load_batch(&mut slots);
        while !files.is_empty() {
            budget.check()?;
            let count = files.len();
            let batch = Batch {
                files,
                first_file,
                first_object,
            };
            let context = BatchContext {
                schemas: &schemas,
                namespaces: &mut namespaces,
                waiting: &mut waiting,
                kept: &mut kept,
                report: &mut report,
                reported,
            };
            // The next batch loads while this one is checked: checking has
            // parts that run on one thread (the report, what is kept).
            let (objects, next) = rayon::join(
                || self.check_batch(batch, context),
                || load_batch(&mut slots),
            );
            first_object += objects;
            first_file += count;
            files = next;
        }

        let labelled = namespaces.labelled();
        for object in &mut waiting.objects {
            object.environment = self.namespace_environment(object, &labelled);
        }
        let waiting_objects: Vec<&Object> = waiting.objects.iter().collect();
        let checked = reported.objects(&waiting_objects, &waiting.file_paths);
        let violations = self.run_document_rules(&checked, &schemas, Lookups::AtEnd);
        let pending = pending_of(violations, &waiting.objects);
        report.add_pending(
            self,
            pending,
            &waiting.objects,
            &waiting.file_paths,
            &waiting.texts,
        );
        let Waiting {
            objects,
            run_files,
            orders,
            ..
        } = waiting;
        kept.add_objects(
            objects,
            |file| run_files.get(file.0).copied().unwrap_or_default(),
            |object| orders.get(object.id.0).copied().unwrap_or_default(),
        );
        self.check_kept(kept, &schemas, reported, &mut report);
        Ok(report.finish_check(self))
    }

    /// Runs the rules at the end of a pass on what it kept.
    fn check_kept(
        &self,
        kept: Kept,
        schemas: &RunSchemas,
        reported: &Reported,
        report: &mut ReportBuilder,
    ) {
        if !kept.keeps() {
            return;
        }
        let input = kept.into_input();
        let all: Vec<&Object> = input.objects.iter().collect();
        let checked = reported.objects(&all, &input.file_paths);
        // What the input states of image digests, for the rules that pin
        // images by them.
        let digests = StatedDigests::new(&input.objects, &input.artifacts);
        let violations = self.run_document_rules(&checked, schemas, Lookups::Only(&all, &digests));
        let mut pending = pending_of(violations, &input.objects);
        let set_violations = self.run_set_rules(
            &input.objects,
            &input.artifacts,
            &input.file_paths,
            &self.codeowners(),
        );
        pending.extend(set_violations.into_pending(&input.objects, &input.artifacts));
        // Findings on files the run does not report on would be dropped
        // with them: they are not placed, which spares reading those files
        // again (a pre-commit run reports on the changed files only).
        pending.retain(|item| {
            input
                .file_paths
                .get(item.file.0)
                .is_some_and(|path| reported.file(path))
        });
        input.place(pending, |pending, texts, masks| {
            report.add_pending_masked(
                self,
                pending,
                &input.objects,
                (&input.file_paths, texts),
                masks,
            );
        });
    }

    /// Checks one batch of a pass, and returns how many objects it has.
    /// Objects that wait for the input's Namespaces move to `waiting`, with
    /// their files' texts.
    fn check_batch(&self, batch: Batch, context: BatchContext<'_>) -> usize {
        let BatchContext {
            schemas,
            namespaces,
            waiting,
            kept,
            report,
            reported,
        } = context;
        let Batch {
            mut files,
            first_file,
            first_object,
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
        report.add_files(&file_paths, &objects, &texts);
        kept.add_files(first_file, &file_paths, &texts, &objects);
        kept.add_artifacts(first_file, artifacts);
        let placed: Vec<&Object> = objects
            .iter()
            .filter(|object| object.environment.is_some())
            .collect();
        let placed = reported.objects(&placed, &file_paths);
        let violations = self.run_document_rules(&placed, schemas, Lookups::AtEnd);
        batch_pending.extend(pending_of(violations, &objects));
        report.add_pending(self, batch_pending, &objects, &file_paths, &texts);
        let count = objects.len();
        let (unplaced, placed): (Vec<Object>, Vec<Object>) = objects
            .into_iter()
            .partition(|object| object.environment.is_none());
        waiting.push_batch(unplaced, first_file, first_object, &file_paths, &texts);
        kept.add_objects(
            placed,
            |file| first_file + file.0,
            |object| first_object + object.id.0,
        );
        count
    }
}

/// The objects of a pass that wait for every Namespace of the input to be
/// seen, with the paths and texts of their files.
#[derive(Default)]
struct Waiting {
    objects: Vec<Object>,
    file_paths: Vec<String>,
    texts: Vec<Option<Arc<str>>>,
    /// The position of each of these files in the run.
    run_files: Vec<usize>,
    /// The place of each object in run order.
    orders: Vec<usize>,
}

impl Waiting {
    /// Moves the objects of one batch here; `file_paths` and `texts` are
    /// the batch's, which the objects' file ids point into, and the batch's
    /// first file and object are the run's `first_file` and `first_object`.
    fn push_batch(
        &mut self,
        objects: Vec<Object>,
        first_file: usize,
        first_object: usize,
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
            self.orders.push(first_object + object.id.0);
            self.objects.push(Object {
                id: ObjectId(self.objects.len()),
                file: FileId(at),
                ..object
            });
        }
    }
}

/// The files of one batch of a pass; the first is the run's `first_file`,
/// and its first object the run's `first_object`.
struct Batch {
    files: Vec<LoadedFile>,
    first_file: usize,
    first_object: usize,
}

/// What checking a batch adds to.
struct BatchContext<'a> {
    schemas: &'a RunSchemas,
    namespaces: &'a mut NamespaceEnvironments,
    waiting: &'a mut Waiting,
    kept: &'a mut Kept,
    report: &'a mut ReportBuilder,
    reported: &'a Reported,
}

/// Whether a file may hold Flux Kustomizations that the Kustomize build of
/// the file gives `spec.patches` (read ahead as those with patches of
/// their own are).
fn given_flux_patches(candidate: &Candidate, text: &str) -> bool {
    candidate
        .built
        .as_ref()
        .and_then(|built| built.patched.as_deref())
        .is_some_and(PatchedFields::gives_flux_patches)
        && text.contains("kustomize.toolkit.fluxcd.io")
}

/// The CustomResourceDefinitions and the Flux Kustomizations among the
/// files loaded ahead of a pass (copies: the files are checked later in
/// their turn), for the schemas of the run.
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
            let may_hold = root.get("kind").and_then(Node::as_str).is_some_and(|kind| {
                kind == "CustomResourceDefinition"
                    || kind == "Kustomization"
                    || kind.ends_with("List")
            });
            if !may_hold {
                continue;
            }
            for (prefix, node) in flatten_lists(root.clone(), String::new()) {
                // As classification would: only well-formed objects count.
                let Some(identity) = Identity::of(&node) else {
                    continue;
                };
                let wanted = identity.is("apiextensions.k8s.io", "CustomResourceDefinition")
                    || identity.is("kustomize.toolkit.fluxcd.io", "Kustomization");
                if !wanted || !manifest_shape::problems(&node).is_empty() {
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
                    images_set_by_build: Default::default(),
                    build_roots: Default::default(),
                    patched_by_build: file.built.as_ref().and_then(|built| built.patched.clone()),
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

    /// [`assert_agrees_with_whole`] for a pass, with every rule the config
    /// enables (and the one for the input's admission policies).
    fn assert_pass_agrees(config: Config, environment: Option<&str>, inputs: &[Input]) -> usize {
        let options = EngineOptions {
            environment: environment.map(str::to_owned),
            jobs: Some(2),
            ..EngineOptions::default()
        };
        let engine = Engine::new(config, options).unwrap();
        assert_agrees_with_whole(&engine, inputs, Engine::run_pass)
    }

    /// The report of `inputs` with every rule and no config.
    fn check_by_default(inputs: &[Input]) -> Report {
        Engine::new(Config::default(), EngineOptions::default())
            .unwrap()
            .check(inputs)
            .unwrap()
    }

    #[test]
    fn a_pass_reports_what_a_run_in_memory_reports() {
        // Every fixture at once: CRDs that validate custom resources in
        // other files, environments from paths and from Namespaces.
        let everything = [Input::Path(testdata())];
        assert!(assert_pass_agrees(Config::default(), None, &everything) > 100);
        assert!(assert_pass_agrees(Config::default(), Some("prod"), &everything) > 100);
    }

    #[test]
    fn a_pass_agrees_under_each_fixture_config() {
        let configs = fixture_configs();
        let mut with_findings = 0;
        for (at, path) in configs.iter().enumerate() {
            let config = Config::load(path).unwrap();
            let root = path.parent().unwrap().to_path_buf();
            let mut runs = vec![vec![Input::Path(root.clone())]];
            // Every config on its own folder, and one in seven on every
            // fixture at once as well: all of testdata/ under each config
            // would be a minute of each CI run.
            if at % 7 == 0 {
                runs.push(vec![Input::Path(root), Input::Path(testdata())]);
            }
            for inputs in &runs {
                with_findings += usize::from(assert_pass_agrees(config.clone(), None, inputs) > 0);
            }
        }
        assert!(with_findings >= 30, "{with_findings}");
    }

    #[test]
    fn a_pass_agrees_on_texts_in_memory() {
        let inputs = resource_before_its_crd();
        assert!(assert_pass_agrees(Config::default(), None, &inputs) > 0);
    }

    #[test]
    fn a_pass_finds_a_crd_whose_kind_is_escaped() {
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
        assert!(assert_pass_agrees(Config::default(), None, &inputs) > 0);
    }

    #[test]
    fn a_policy_with_parameters_in_another_environment_finds_them() {
        // The parameter is a ConfigMap of dev; the policy, with no
        // environment, binds it for a Deployment of prod.
        let case = testdata().join("policies/cases/vap-params");
        let text = |name: &str| std::fs::read_to_string(case.join(name)).unwrap();
        let fail = text("fail.yaml");
        let (params, deployment) = fail.split_once("---\n").unwrap();
        let inputs = [
            ("envs/dev/params.yaml", params.to_owned()),
            ("shared/policy.yaml", text("policies/vap.yaml")),
            ("envs/prod/app.yaml", deployment.to_owned()),
        ]
        .map(|(name, text)| Input::Text {
            name: name.to_owned(),
            text,
        });
        assert!(assert_pass_agrees(Config::default(), None, &inputs) > 0);
        let report = check_by_default(&inputs);
        assert!(
            report
                .findings
                .iter()
                .any(|finding| finding.message.contains("exceed the ceiling of 5")),
            "{:#?}",
            report.findings
        );
    }

    #[test]
    fn a_namespace_keeps_the_labels_its_policies_select_it_by() {
        // The default policy lets the namespace in by a label of the
        // Namespace object, which the pass must keep for the end.
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: shop}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: shop}}\n  egress:\n  - to:\n    - namespaceSelector: {}\n    ports: [{port: 53, protocol: UDP}]\n";
        let inputs = [Input::Text {
            name: "envs/prod/shop.yaml".to_owned(),
            text: text.to_owned(),
        }];
        assert_pass_agrees(Config::default(), None, &inputs);
        let report = check_by_default(&inputs);
        assert!(
            report
                .findings
                .iter()
                .all(|finding| !finding.message.contains("from the namespace itself")),
            "{:#?}",
            report.findings
        );
    }

    #[test]
    fn a_run_without_cross_object_rules_keeps_nothing() {
        let options = EngineOptions {
            select: vec!["probes".to_owned(), "schema".to_owned()],
            ..EngineOptions::default()
        };
        let engine = Engine::new(Config::default(), options).unwrap();
        assert_eq!(engine.projection(|_| true), None);
        let every_rule = Engine::new(Config::default(), EngineOptions::default()).unwrap();
        let projection = every_rule.projection(|_| false).unwrap();
        assert_ne!(projection, Projection::whole());
        assert_eq!(every_rule.projection(|_| true), Some(Projection::whole()));
    }
}
