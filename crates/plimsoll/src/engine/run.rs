//! The run itself: `check` discovers the input and picks the run path the
//! enabled rules allow — the whole input in memory, a streaming run, or a
//! run split by environment.

use super::reported::Reported;
use super::streaming::BATCHING;
use super::Engine;
use crate::discover::{Candidate, Input};
use crate::report::Report;
use crate::rules::Rule;
use crate::run_limits::CheckError;

impl Engine {
    /// Checks files, directories and in-memory texts.
    pub fn check(&self, inputs: &[Input]) -> Result<Report, CheckError> {
        self.in_pool(|threads| self.run(inputs, threads))
    }

    fn run(&self, inputs: &[Input], threads: usize) -> Result<Report, CheckError> {
        let candidates = self.discover(inputs, threads)?;
        self.run_candidates(candidates, &Reported::default())
    }

    /// Checks files already discovered, by the run path the rules allow.
    pub(super) fn run_candidates(
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
    pub(super) fn streams(&self) -> bool {
        !self
            .rules
            .iter()
            .any(|rule| rule.reads_input() && self.policies.contains_key(rule.id()))
    }

    /// Whether every enabled rule can run one environment at a time, so
    /// that a run needs one environment's objects in memory at once.
    pub(super) fn partitions(&self) -> bool {
        self.rules
            .iter()
            .filter(|rule| self.policies.contains_key(rule.id()))
            .all(Rule::runs_per_environment)
    }
}
