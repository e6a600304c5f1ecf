//! The library's front door: an engine built as `plimsoll check` builds
//! it, so that a tool embedding the library checks exactly as the command
//! does — the built-in rules, the custom policies the config names, and the
//! admission policies found in the input.

use super::options::{EngineError, EngineOptions};
use super::Engine;
use crate::config::Config;
use crate::policy;
use crate::rules::{self, Rule};

impl Engine {
    /// An engine that checks as `plimsoll check` does: the built-in rules,
    /// the custom policy files the config's `policies:` names (read now,
    /// relative to the config file), and the rule that applies the
    /// ValidatingAdmissionPolicies of the input. What loading the policies
    /// noticed is in [`Engine::notes`].
    pub fn new(config: Config, options: EngineOptions) -> Result<Engine, EngineError> {
        Engine::with_extra_rules(config, options, Vec::new())
    }

    /// [`Engine::new`], with rules of your own besides.
    pub fn with_extra_rules(
        config: Config,
        options: EngineOptions,
        extra: Vec<Rule>,
    ) -> Result<Engine, EngineError> {
        let policies = policy::load(&config)?;
        let mut rules = rules::builtin();
        rules.extend(policies.rules);
        rules.extend(extra);
        let mut engine = Engine::with_rules(config, options, rules)?;
        engine.notes = policies.notes;
        Ok(engine)
    }

    /// What building the engine noticed that the user should hear but that
    /// stops nothing: a `policies:` glob that matches no file, a policy
    /// without a binding. The command prints them as `note:` lines.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}
