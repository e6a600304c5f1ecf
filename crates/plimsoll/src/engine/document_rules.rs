//! Document rules: the rules that check one object at a time, in parallel,
//! and the rules that check Kustomize patches.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rayon::prelude::*;

use super::pending::{pending_of, Pending};
use super::Engine;
use crate::finding::Severity;
use crate::model::{Object, StatedDigests};
use crate::rules::{self, Check, DocumentContext, ObjectIndex, Rule, Sink, Violation};
use crate::schema::RunSchemas;

impl Engine {
    /// Runs the document rules on `objects`. Rules marked
    /// [`Rule::reading_input`] look objects up in an index of `input`, when
    /// given; the others see an empty index.
    pub(super) fn run_document_rules<'r>(
        &'r self,
        objects: &[&Object],
        schemas: &RunSchemas,
        input: Option<&[&Object]>,
        digests: &StatedDigests,
    ) -> Vec<(&'r Rule, Violation)> {
        let nothing = ObjectIndex::new(Vec::new());
        let all = ObjectIndex::new(input.map(<[&Object]>::to_vec).unwrap_or_default());
        objects
            .par_iter()
            .flat_map_iter(|object| {
                let environment = object.environment.and_then(|id| self.environments.get(id));
                let mut found = Vec::new();
                for rule in &self.rules {
                    let Check::Document(check) = &rule.check else {
                        continue;
                    };
                    if self.applies(rule, object.environment).is_none() {
                        continue;
                    }
                    let context = DocumentContext {
                        object,
                        environment,
                        environments: &self.environments,
                        config: self.config.rule_config(),
                        schemas,
                        digests,
                        all: if rule.reads_input() { &all } else { &nothing },
                    };
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

    /// Runs the rules that check Kustomize patches
    /// ([`Rule::checking_patches`]) on each patch whose environment they
    /// apply to.
    pub(super) fn check_patches(
        &self,
        patches: &[Object],
        checked: &[&Object],
        schemas: &RunSchemas,
    ) -> Vec<Pending> {
        let patch_rules: Vec<(&Rule, rules::PatchCheck)> = self
            .rules
            .iter()
            .filter_map(|rule| Some((rule, rule.patch_check()?)))
            .collect();
        let violations: Vec<(&Rule, Violation)> = checked
            .iter()
            .flat_map(|patch| {
                patch_rules
                    .iter()
                    .filter(|(rule, _)| self.applies(rule, patch.environment).is_some())
                    .flat_map(|(rule, check)| {
                        check(patch, schemas)
                            .into_iter()
                            .map(move |violation| (*rule, violation))
                    })
            })
            .collect();
        pending_of(violations, patches)
    }
}

/// The finding that stands for a rule that panicked on `object`: the run
/// goes on with the other rules, and the user has the document to report.
pub(super) fn internal_error(
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
