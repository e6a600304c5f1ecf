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

/// Which document rules a run of them includes, by whether they look other
/// objects up ([`Rule::reading_input`]).
#[derive(Clone, Copy)]
pub(super) enum Lookups<'i> {
    /// Those that do not: the others run at the end of the pass.
    AtEnd,
    /// Only those that do, looking up in `input`, with the digests it
    /// states.
    Only(&'i [&'i Object], &'i StatedDigests),
    /// All, those that look up looking up in `input`, with the digests it
    /// states (a run that holds the whole input).
    Input(&'i [&'i Object], &'i StatedDigests),
}

impl Engine {
    /// Runs the document rules `lookups` chooses on `objects`.
    pub(super) fn run_document_rules<'r>(
        &'r self,
        objects: &[&Object],
        schemas: &RunSchemas,
        lookups: Lookups<'_>,
    ) -> Vec<(&'r Rule, Violation)> {
        let no_digests = StatedDigests::default();
        let (input, digests) = match lookups {
            Lookups::AtEnd => (&[][..], &no_digests),
            Lookups::Only(input, digests) | Lookups::Input(input, digests) => (input, digests),
        };
        let all = ObjectIndex::new(input.to_vec());
        let nothing = ObjectIndex::new(Vec::new());
        objects
            .par_iter()
            .flat_map_iter(|object| {
                let environment = object.environment.and_then(|id| self.environments.get(id));
                let mut found = Vec::new();
                for rule in &self.rules {
                    let Check::Document(check) = &rule.check else {
                        continue;
                    };
                    let runs = match lookups {
                        Lookups::AtEnd => !rule.reads_input(),
                        Lookups::Only(..) => rule.reads_input(),
                        Lookups::Input(..) => true,
                    };
                    if !runs {
                        continue;
                    }
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
