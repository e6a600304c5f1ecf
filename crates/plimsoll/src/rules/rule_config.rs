//! What a rule reads of the configuration: the sections of the rules'
//! options, each typed beside its rule, and where each key is written.
//!
//! Rules see this view rather than the whole [`Config`](crate::Config): the
//! configuration is put together from the rules' option types, so it sits
//! above them, and a rule never depends on the file that holds it.

use super::codeowners::Codeowners;
use super::image_digest::Images;
use super::namespace_network_policy::NetworkPolicyConfig;
use super::naming_convention::Naming;
use super::pod_security::PodSecurityLevel;
use super::secret_reference::Secrets;
use super::sync_wave::Migrations;
use crate::settings::{ConfigPlaces, EnvironmentConfig};

/// The configuration as the rules read it
/// ([`Config::rule_config`](crate::Config::rule_config)).
#[derive(Debug, Clone, Copy)]
pub struct RuleConfig<'a> {
    /// `environments`, as written (empty: the default graph).
    pub environments: &'a [EnvironmentConfig],
    /// `environmentLabel`.
    pub environment_label: Option<&'a str>,
    /// `naming`.
    pub naming: &'a Naming,
    /// `images`.
    pub images: &'a Images,
    /// `secrets`.
    pub secrets: &'a Secrets,
    /// `networkPolicy`.
    pub network_policy: &'a NetworkPolicyConfig,
    /// `podSecurity`.
    pub pod_security: PodSecurityLevel,
    /// `requiredWorkloads`.
    pub required_workloads: &'a [String],
    /// `migrations`.
    pub migrations: &'a Migrations,
    /// `codeowners`.
    pub codeowners: &'a Codeowners,
    /// Where each key is written in the config file.
    pub places: &'a ConfigPlaces,
}

impl RuleConfig<'_> {
    /// The key of an environment's entry in the config file
    /// (`environments[2]`), when the file lists it.
    pub fn environment_key(&self, name: &str) -> Option<String> {
        self.environments
            .iter()
            .position(|environment| environment.name == name)
            .map(|at| format!("environments[{at}]"))
    }
}
