//! Set rules: the cross-object rules, run on each environment over an
//! index of its objects by namespace, kind and name.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use rayon::prelude::*;

use super::document_rules::internal_error;
use super::pending::{pending_of, Pending};
use super::Engine;
use crate::environment::EnvId;
use crate::load::find_codeowners;
use crate::model::{Artifact, CodeownersFile, Object};
use crate::rules::{ArtifactViolation, Check, ObjectIndex, Rule, SetContext, Sink, Violation};

impl Engine {
    /// The repository's CODEOWNERS, read when an enabled rule reads it
    /// ([`Rule::reading_codeowners`]); otherwise empty, and nothing is read.
    pub(super) fn codeowners(&self) -> CodeownersFile {
        let wanted = self
            .rules
            .iter()
            .any(|rule| rule.reads_codeowners() && self.policies.contains_key(rule.id()));
        if wanted {
            find_codeowners(self.config.root())
        } else {
            CodeownersFile::default()
        }
    }

    /// Runs the set rules on each environment of `objects`, with `objects`
    /// as [`SetContext::all`].
    pub(super) fn run_set_rules<'r>(
        &'r self,
        objects: &[Object],
        artifacts: &[Artifact],
        file_paths: &[String],
        codeowners: &CodeownersFile,
    ) -> SetViolations<'r> {
        let no_codeowners = CodeownersFile::default();
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
                    config: self.config.rule_config(),
                    artifacts,
                    file_paths,
                    codeowners: if rule.reads_codeowners() {
                        codeowners
                    } else {
                        &no_codeowners
                    },
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
}

/// What set rules reported.
#[derive(Default)]
pub(super) struct SetViolations<'r> {
    objects: Vec<(&'r Rule, Violation)>,
    artifacts: Vec<(&'r Rule, ArtifactViolation)>,
}

impl SetViolations<'_> {
    /// The findings, about `objects` and `artifacts` (which the violations'
    /// ids point into).
    pub(super) fn into_pending(self, objects: &[Object], artifacts: &[Artifact]) -> Vec<Pending> {
        let mut pending = pending_of(self.objects, objects);
        pending.extend(self.artifacts.into_iter().filter_map(|(rule, violation)| {
            let artifact = artifacts.get(violation.artifact.0)?;
            Some(Pending::from_artifact_violation(rule, violation, artifact))
        }));
        pending
    }
}
