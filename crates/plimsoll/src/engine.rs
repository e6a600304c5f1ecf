//! The pipeline: discover → load → classify → document rules → set rules →
//! suppress → report. Discovering and loading are the `discover` and
//! `load` modules; here is the engine that drives them, a stage per file:
//!
//! - `options`: building an engine, and which rules run where;
//! - `run`: `check` runs `pass` (one pass over the input, a batch of files
//!   at a time, keeping what the set rules read: `kept`, `projection`), or
//!   `in_memory` for `--fix`; `context` is the pre-commit case;
//! - `classify`: documents become objects, artifacts and patches, each with
//!   its environment;
//! - `document_rules`, `set_rules`: the rules, one object or one environment
//!   at a time;
//! - `pending`, `report_builder`: findings before the report, then
//!   suppressed, configured and sorted into it.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::config::Config;
use crate::discover::{discover, Candidate, Input, PathFilter};
use crate::environment::{EnvId, Environments};
use crate::finding::Severity;
use crate::rules::Rule;
use crate::run_limits::{CheckError, InputLimits, Progress};
use crate::schema::SchemaCatalog;
use crate::yaml::Limits;

mod classify;
mod context;
mod document_rules;
mod explain;
mod front_door;
mod in_memory;
mod kept;
mod options;
mod pass;
mod pending;
mod projection;
mod report_builder;
mod reported;
mod run;
mod set_rules;
#[cfg(test)]
mod test_support;

pub use explain::EnvironmentChoice;
pub(crate) use in_memory::Model;
pub use options::{EngineError, EngineOptions};
pub(crate) use pending::{Pending, Place};

use options::RulePolicy;

/// Stack of each worker thread. Rules recurse over documents and user CEL
/// expressions recurse over their syntax tree; the parser bounds nesting,
/// and this leaves every bounded input ample room (it is only reserved
/// address space until used).
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

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
    /// Whether the report keeps the lines its findings are on, for
    /// snippets.
    source_lines: bool,
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
}
