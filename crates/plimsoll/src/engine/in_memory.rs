//! The run that holds the whole input: every file is loaded and classified
//! into one [`Model`], then the document rules, the patch rules and the set
//! rules run over it. What `check --fix` uses (a fix pins an image by a
//! digest stated anywhere in the input, and edits the texts), the commands
//! that work on a model (`promote`, `matrix`), and the tests, as the oracle
//! a pass must agree with.

use std::sync::Arc;

use super::classify::{classify_files, Classified};
use super::document_rules::Lookups;
use super::pending::{pending_of, Pending};
use super::report_builder::ReportBuilder;
use super::reported::Reported;
use super::Engine;
use crate::discover::{Candidate, Input};
use crate::load::{load_slots, Budget, LoadTally, Slot};
use crate::model::{Artifact, Object, StatedDigests};
use crate::report::Report;
use crate::run_limits::CheckError;
use crate::schema::RunSchemas;

impl Engine {
    /// Loads the whole input, then runs the rules over it.
    #[cfg(test)]
    pub(super) fn run_in_memory(
        &self,
        inputs: &[Input],
        threads: usize,
    ) -> Result<Report, CheckError> {
        let candidates = self.discover(inputs, threads)?;
        self.check_in_memory(candidates, &Reported::default())
    }

    /// [`Engine::run_in_memory`] on files already discovered.
    pub(super) fn check_in_memory(
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
        let violations =
            self.run_document_rules(&checked, &schemas, Lookups::Input(&all, &digests));
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
            &model.file_paths,
            &self.codeowners(),
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
        let mut report = ReportBuilder::of(self);
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
