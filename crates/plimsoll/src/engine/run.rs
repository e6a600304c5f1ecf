//! The run itself: `check` discovers the input and checks it in one pass;
//! `check --fix` holds it whole (see [`super::in_memory`]).

use super::pass::BATCHING;
use super::reported::Reported;
use super::Engine;
use crate::discover::{Candidate, Input};
use crate::report::Report;
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

    /// Checks files already discovered.
    pub(super) fn run_candidates(
        &self,
        candidates: Vec<Candidate>,
        reported: &Reported,
    ) -> Result<Report, CheckError> {
        if self.whole_input {
            self.check_in_memory(candidates, reported)
        } else {
            self.pass(candidates, BATCHING, reported)
        }
    }
}
