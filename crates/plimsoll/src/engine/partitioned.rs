//! Runs that check one environment at a time.
//!
//! When every enabled set rule declares what it looks up outside its own
//! environment ([`Rule::looking_up`](crate::rules::Rule::looking_up)), a
//! run needs no more than one environment's objects in memory at once. The
//! document rules run as in a streaming run, batch by batch, which also
//! tells where each environment's objects are. The set rules then run
//! environment by environment, on the files that hold its objects, read a
//! second time, and on copies of the objects they look up, kept from the
//! first read.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use super::classify::{classify_files, Classified};
use super::pending::Pending;
use super::report_builder::ReportBuilder;
use super::reported::Reported;
use super::streaming::{BatchObserver, Batching, Waiting};
use super::Engine;
use crate::discover::{Candidate, Origin};
use crate::environment::EnvId;
use crate::load::{empty_file, load_slots, Budget, LoadTally, Slot};
use crate::model::{Artifact, CodeownersFile, FileId, Object, ObjectId};
use crate::policy::admission::names_param_kind;
use crate::report::Report;
use crate::run_limits::{CheckError, InputLimits};
use crate::source::TextRange;

/// What the first read of a partitioned run learns: where each
/// environment's objects are, and the objects looked up across
/// environments.
struct Plan {
    /// Every file of the run, to read again.
    candidates: Vec<Candidate>,
    /// By the file's position in the run.
    files: Vec<FilePlan>,
    /// Copies of the objects some set rule looks up, in run order; their
    /// `file` is the position of their file in the run.
    looked_up: Vec<Object>,
    /// The environments of the input's namespaces, once every file is read.
    labelled: HashMap<String, EnvId>,
    /// Whether a looked-up ValidatingAdmissionPolicy of the input takes
    /// parameters, which may be objects of any kind.
    takes_params: bool,
}

/// What one file holds.
#[derive(Debug, Clone, Default)]
struct FilePlan {
    /// The environments of its objects.
    environments: Vec<Option<EnvId>>,
    /// The environments of its release artifacts. A file with one is read
    /// for every environment: rules see every artifact of the run.
    artifacts: Vec<Option<EnvId>>,
}

impl Plan {
    fn new(candidates: Vec<Candidate>) -> Plan {
        Plan {
            files: vec![FilePlan::default(); candidates.len()],
            candidates,
            looked_up: Vec::new(),
            labelled: HashMap::new(),
            takes_params: false,
        }
    }

    fn place(&mut self, run_file: usize, environment: Option<EnvId>) {
        if let Some(file) = self.files.get_mut(run_file) {
            add_once(&mut file.environments, environment);
        }
    }

    /// Every environment with objects or release artifacts, in the order
    /// an in-memory run checks them.
    fn environments(&self) -> BTreeSet<Option<EnvId>> {
        self.files
            .iter()
            .flat_map(|file| file.environments.iter().chain(&file.artifacts))
            .copied()
            .collect()
    }
}

/// A plan learns, from the streaming run that reads the input first,
/// where each environment's objects are.
impl BatchObserver for Plan {
    fn note_batch(
        &mut self,
        engine: &Engine,
        first_file: usize,
        objects: &[Object],
        artifacts: &[Artifact],
    ) {
        for object in objects {
            let run_file = first_file + object.file.0;
            if object.environment.is_some() {
                self.place(run_file, object.environment);
            }
            if engine.looks_up(object) {
                self.takes_params |= names_param_kind(object);
                self.looked_up.push(Object {
                    file: FileId(run_file),
                    ..object.clone()
                });
            }
        }
        for artifact in artifacts {
            if let Some(file) = self.files.get_mut(first_file + artifact.file.0) {
                add_once(&mut file.artifacts, artifact.environment);
            }
        }
    }

    fn place_waiting(
        &mut self,
        engine: &Engine,
        waiting: &Waiting,
        labelled: HashMap<String, EnvId>,
    ) {
        for object in &waiting.objects {
            if let Some(&run_file) = waiting.run_files.get(object.file.0) {
                self.place(run_file, object.environment);
            }
        }
        for object in &mut self.looked_up {
            if object.environment.is_none() {
                object.environment = engine.namespace_environment(object, &labelled);
            }
        }
        self.labelled = labelled;
    }
}

/// The size of the input, as its files' metadata gives it.
fn input_bytes(candidates: &[Candidate]) -> u64 {
    candidates
        .par_iter()
        .map(|candidate| match &candidate.origin {
            Origin::File(path) => std::fs::metadata(path).map_or(0, |metadata| metadata.len()),
            Origin::Text(text) => text.len() as u64,
            Origin::Bytes(bytes) => bytes.len() as u64,
            Origin::Unlistable(_) => 0,
        })
        .sum()
}

fn add_once(environments: &mut Vec<Option<EnvId>>, environment: Option<EnvId>) {
    if !environments.contains(&environment) {
        environments.push(environment);
    }
}

impl Engine {
    /// Checks the input's documents as they load, then its environments one
    /// at a time (see the module documentation).
    #[cfg(test)]
    pub(super) fn run_partitioned(
        &self,
        inputs: &[crate::discover::Input],
        threads: usize,
        batching: Batching,
    ) -> Result<Report, CheckError> {
        let candidates = self.discover(inputs, threads)?;
        self.check_partitioned(candidates, batching, &Reported::default())
    }

    /// [`Engine::run_partitioned`] on files already discovered.
    pub(super) fn check_partitioned(
        &self,
        candidates: Vec<Candidate>,
        batching: Batching,
        reported: &Reported,
    ) -> Result<Report, CheckError> {
        if input_bytes(&candidates) < self.input_limits.hold_whole_below_bytes {
            return self.check_in_memory(candidates, reported);
        }
        let mut plan = Plan::new(candidates.clone());
        let mut report = self.stream(candidates, batching, Some(&mut plan), reported)?;
        if plan.takes_params {
            return self.check_in_memory(plan.candidates, reported);
        }
        let mut gone = BTreeSet::new();
        let codeowners = self.codeowners();
        for environment in plan.environments() {
            self.check_environment(&plan, environment, &codeowners, &mut report, &mut gone);
        }
        Ok(report.finish_check(self))
    }

    /// Whether an enabled set rule looks `object` up across environments.
    fn looks_up(&self, object: &Object) -> bool {
        self.rules
            .iter()
            .any(|rule| rule.looks_up(object) && self.policies.contains_key(rule.id()))
    }

    /// Runs the set rules on one environment: its files are read again,
    /// with the release artifacts, and the looked-up objects of other files
    /// join them in run order. A file that can no longer be read is
    /// reported, once: `gone` holds those already reported.
    fn check_environment(
        &self,
        plan: &Plan,
        environment: Option<EnvId>,
        codeowners: &CodeownersFile,
        report: &mut ReportBuilder,
        gone: &mut BTreeSet<usize>,
    ) {
        let reread: Vec<bool> = plan
            .files
            .iter()
            .map(|file| file.environments.contains(&environment) || !file.artifacts.is_empty())
            .collect();
        let mut needed = reread.clone();
        for object in &plan.looked_up {
            if let Some(needed) = needed.get_mut(object.file.0) {
                *needed = true;
            }
        }
        let run_files: Vec<usize> = needed
            .iter()
            .enumerate()
            .filter_map(|(at, needed)| needed.then_some(at))
            .collect();
        let slots: Vec<Slot> = run_files
            .iter()
            .filter_map(|&at| {
                let candidate = plan.candidates.get(at)?;
                Some(if reread.get(at).copied().unwrap_or(false) {
                    Slot::Unread(candidate.clone())
                } else {
                    Slot::Loaded(empty_file(candidate.display.clone(), candidate.kind))
                })
            })
            .collect();
        // The first read already enforced the input's limits.
        let budget = Budget::new(InputLimits {
            max_documents: usize::MAX,
            max_input_bytes: u64::MAX,
            ..self.input_limits
        });
        let mut files = load_slots(slots, &self.limits, &budget, &LoadTally::new(None, 0));
        let file_paths: Vec<String> = files.iter().map(|file| file.display.clone()).collect();
        let path_environments = self.path_environments(&file_paths);
        let mut pending = Vec::new();
        for ((at, file), run_file) in files.iter_mut().enumerate().zip(&run_files) {
            // The first read of the file succeeded, or it would not be here.
            if let Some(note) = file.note.take() {
                if gone.insert(*run_file) {
                    let message = format!(
                        "the file changed during the run, and its cross-object rules did not run: {}",
                        note.message
                    );
                    let mut item =
                        Pending::load(note.rule, FileId(at), 0, TextRange::default(), message);
                    item.environment = path_environments.get(at).copied().flatten();
                    pending.push(item);
                }
            }
        }
        let (classified, _) = classify_files(&mut files, &path_environments);
        let texts: Vec<Option<Arc<str>>> = files.into_iter().map(|file| file.text).collect();
        let Classified {
            objects: read,
            artifacts,
            ..
        } = classified;

        let mut objects = Vec::with_capacity(read.len());
        let mut read = read.into_iter().peekable();
        let mut looked_up = plan.looked_up.iter().peekable();
        for (at, &run_file) in run_files.iter().enumerate() {
            while looked_up
                .next_if(|object| object.file.0 < run_file)
                .is_some()
            {}
            if reread.get(run_file).copied().unwrap_or(false) {
                let from_path = path_environments.get(at).copied().flatten();
                while let Some(mut object) = read.next_if(|object| object.file.0 == at) {
                    object.environment =
                        from_path.or_else(|| self.namespace_environment(&object, &plan.labelled));
                    objects.push(object);
                }
            } else {
                while let Some(object) = looked_up.next_if(|object| object.file.0 == run_file) {
                    objects.push(Object {
                        file: FileId(at),
                        ..object.clone()
                    });
                }
            }
        }
        for (at, object) in objects.iter_mut().enumerate() {
            object.id = ObjectId(at);
        }
        let violations = self.run_set_rules(
            &objects,
            &artifacts,
            (&file_paths, &texts),
            codeowners,
            Some(environment),
        );
        pending.extend(violations.into_pending(&objects, &artifacts));
        report.add_pending(self, pending, &objects, &file_paths, &texts);
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::config::Config;
    use crate::discover::discover;
    use crate::discover::Input;
    use crate::engine::test_support::{
        assert_agrees_with_whole, fixture_configs, resource_before_its_crd, testdata,
    };
    use crate::engine::EngineOptions;
    use crate::finding::Severity;
    use crate::rules::{Category, Rule, RuleMeta};

    /// An engine as the command line makes it: the built-in rules and the
    /// config's policies, with the rule for admission policies of the input.
    fn engine(config: Config, options: EngineOptions) -> Engine {
        Engine::new(config, options).unwrap()
    }

    /// [`assert_agrees_with_whole`] for a run split by environment, however
    /// small `inputs` are; `None` when the config has a rule that needs the
    /// whole input.
    fn assert_partitioned_agrees(
        config: Config,
        environment: Option<&str>,
        inputs: &[Input],
    ) -> Option<usize> {
        let options = EngineOptions {
            environment: environment.map(str::to_owned),
            jobs: Some(2),
            input_limits: split_always(),
            ..EngineOptions::default()
        };
        let engine = engine(config, options);
        if !engine.partitions() {
            return None;
        }
        Some(assert_agrees_with_whole(
            &engine,
            inputs,
            Engine::run_partitioned,
        ))
    }

    /// Limits under which any input, however small, is split by
    /// environment.
    fn split_always() -> InputLimits {
        InputLimits {
            hold_whole_below_bytes: 0,
            ..InputLimits::default()
        }
    }

    #[test]
    fn every_builtin_rule_runs_per_environment() {
        let engine = engine(Config::default(), EngineOptions::default());
        assert!(engine.partitions());
        assert!(!engine.streams());
    }

    #[test]
    fn a_rule_that_reads_the_whole_input_keeps_it() {
        let meta = |id: &'static str| RuleMeta {
            id: Cow::Borrowed(id),
            category: Category::Custom,
            default_severity: Severity::Info,
            summary: Cow::Borrowed(""),
            rationale: Cow::Borrowed(""),
            fix: Cow::Borrowed(""),
            bad: Cow::Borrowed(""),
            good: Cow::Borrowed(""),
        };
        let partitions = |extra: Rule| {
            let mut rules = crate::rules::builtin();
            rules.push(extra);
            Engine::with_rules(Config::default(), EngineOptions::default(), rules)
                .unwrap()
                .partitions()
        };
        assert!(!partitions(Rule::set(meta("undeclared"), |_, _| {})));
        assert!(!partitions(
            Rule::document(meta("reading"), |_, _| {}).reading_input()
        ));
        assert!(!partitions(
            Rule::document(meta("looking"), |_, _| {}).looking_up(|_| true)
        ));
        assert!(partitions(
            Rule::set(meta("declared"), |_, _| {}).within_environment()
        ));
        assert!(partitions(Rule::document(meta("own"), |_, _| {})));
    }

    #[test]
    fn the_size_of_the_input_decides_whether_it_is_held_whole() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("a.yaml"), "kind: Foo\n").unwrap();
        let filter = crate::discover::PathFilter::new(&[], None, &[]).unwrap();
        let inputs = [
            Input::Path(folder.path().into()),
            Input::Text {
                name: "b.yaml".to_owned(),
                text: "kind: Bar\n".to_owned(),
            },
        ];
        let candidates = discover(&inputs, &filter, 1).unwrap();
        assert_eq!(input_bytes(&candidates), 20);
    }

    #[test]
    fn partitioned_reports_what_a_run_in_memory_reports() {
        let everything = [Input::Path(testdata())];
        let found = assert_partitioned_agrees(Config::default(), None, &everything);
        assert!(found > Some(100), "{found:?}");
        let found = assert_partitioned_agrees(Config::default(), Some("prod"), &everything);
        assert!(found > Some(100), "{found:?}");
    }

    #[test]
    fn partitioned_agrees_under_each_fixture_config() {
        let configs = fixture_configs();
        let (mut compared, mut with_findings) = (0, 0);
        for (at, path) in configs.iter().enumerate() {
            let config = Config::load(path).unwrap();
            let root = path.parent().unwrap().to_path_buf();
            let mut runs = vec![vec![Input::Path(root.clone())]];
            // Every config on its own folder, and one in seven on every
            // fixture at once as well: two runs of all of testdata/ per
            // config were a minute of each CI run.
            if at % 7 == 0 {
                runs.push(vec![Input::Path(root), Input::Path(testdata())]);
            }
            for inputs in &runs {
                if let Some(found) = assert_partitioned_agrees(config.clone(), None, inputs) {
                    compared += 1;
                    with_findings += usize::from(found > 0);
                }
            }
        }
        assert!(compared >= 60, "{compared}");
        assert!(with_findings >= 30, "{with_findings}");
    }

    #[test]
    fn partitioned_agrees_on_texts_in_memory() {
        let inputs = resource_before_its_crd();
        assert!(assert_partitioned_agrees(Config::default(), None, &inputs) > Some(0));
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
        assert!(assert_partitioned_agrees(Config::default(), None, &inputs) > Some(0));
        let report = engine(Config::default(), EngineOptions::default())
            .check(&inputs)
            .unwrap();
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
    fn a_file_gone_before_its_second_read_is_reported_once() {
        let folder = tempfile::tempdir().unwrap();
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n";
        for environment in ["dev", "prod"] {
            let path = folder.path().join("envs").join(environment);
            std::fs::create_dir_all(&path).unwrap();
            std::fs::write(path.join("shop.yaml"), deployment).unwrap();
        }
        // A Helm values file is read for every environment.
        std::fs::write(
            folder.path().join("envs/prod/values-prod.yaml"),
            "image: {}\n",
        )
        .unwrap();
        let options = EngineOptions {
            input_limits: split_always(),
            ..EngineOptions::default()
        };
        let engine = Engine::new(Config::default(), options).unwrap();
        let candidates = discover(&[Input::Path(folder.path().into())], &engine.filter, 1).unwrap();
        let mut plan = Plan::new(candidates.clone());
        let mut report = engine
            .stream(
                candidates,
                crate::engine::streaming::BATCHING,
                Some(&mut plan),
                &Reported::default(),
            )
            .unwrap();
        std::fs::remove_file(folder.path().join("envs/prod/shop.yaml")).unwrap();
        std::fs::remove_file(folder.path().join("envs/prod/values-prod.yaml")).unwrap();
        let mut gone = BTreeSet::new();
        for environment in plan.environments() {
            engine.check_environment(
                &plan,
                environment,
                &CodeownersFile::default(),
                &mut report,
                &mut gone,
            );
        }
        let report = report.build();
        let changed: Vec<&str> = report
            .findings
            .iter()
            .filter(|finding| finding.message.contains("changed during the run"))
            .map(|finding| finding.file.as_str())
            .collect();
        assert_eq!(changed.len(), 2, "{changed:?}");
        assert!(changed.iter().any(|file| file.ends_with("prod/shop.yaml")));
        assert!(changed
            .iter()
            .any(|file| file.ends_with("values-prod.yaml")));
        assert!(report
            .findings
            .iter()
            .all(|finding| !finding.file.ends_with("dev/shop.yaml")
                || !finding.message.contains("changed during the run")));
    }
}
