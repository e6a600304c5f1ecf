//! The settings of one environment (`environments[]`): its names, paths
//! and namespaces, where it promotes to, and the floors the rules hold it
//! to (replicas, resources, sync). They live below the rules and the
//! environment graph, which both read them; `crate::config` reads and
//! checks the list.

use schemars::JsonSchema;
use serde::Deserialize;

use super::recover::recover;
use super::values;
use crate::source::Span;

/// One environment of the promotion graph.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvironmentConfig {
    /// Canonical environment name, reported in findings (`prod`).
    #[serde(deserialize_with = "values::name")]
    #[schemars(length(min = 1))]
    pub name: String,
    /// Other names that mean this environment (`production`, `live`).
    #[serde(default, deserialize_with = "recover")]
    pub aliases: Vec<String>,
    /// Globs of paths that belong to this environment.
    #[serde(default, deserialize_with = "recover")]
    pub paths: Vec<String>,
    /// Namespaces that belong to this environment.
    #[serde(default, deserialize_with = "recover")]
    pub namespaces: Vec<String>,
    /// Environments this one promotes to.
    #[serde(default, deserialize_with = "recover")]
    pub promotes_to: Vec<String>,
    /// Where `promotesTo` is written in the config file, when it is.
    #[serde(skip)]
    pub promotes_to_span: Option<Span>,
    /// The Git branch Flux or Argo CD track for this environment.
    #[serde(default, deserialize_with = "recover")]
    pub branch: Option<String>,
    /// Replica floor (`replicas-minimum`).
    #[serde(default, deserialize_with = "recover")]
    pub replicas: Replicas,
    /// Resource floor per container (`container-resources`).
    #[serde(default, deserialize_with = "recover")]
    pub resources: ResourceFloor,
    /// Delivery sync settings (`sync-policy`, `flux-interval`).
    #[serde(default, deserialize_with = "recover")]
    pub sync: SyncSettings,
    /// Where `name` is written in the config file.
    #[serde(skip)]
    pub span: Span,
}

/// `replicas:` of an environment.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Replicas {
    /// Fewest replicas a Deployment or StatefulSet may run.
    #[serde(default, deserialize_with = "recover")]
    pub min: Option<u32>,
}

/// `resources:` of an environment: quantities kept as written.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceFloor {
    /// Minimum requests.
    #[serde(default, deserialize_with = "recover")]
    pub requests: ResourceAmounts,
    /// Minimum limits.
    #[serde(default, deserialize_with = "recover")]
    pub limits: ResourceAmounts,
}

/// A cpu/memory pair of quantities as written (`100m`, `64Mi`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceAmounts {
    /// CPU quantity.
    #[serde(default, deserialize_with = "values::quantity")]
    #[schemars(schema_with = "quantity_schema")]
    pub cpu: Option<String>,
    /// Memory quantity.
    #[serde(default, deserialize_with = "values::quantity")]
    #[schemars(schema_with = "quantity_schema")]
    pub memory: Option<String>,
}

/// A quantity is text (`100m`, `64Mi`) or a bare number (`cpu: 1`).
fn quantity_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "number"]})
}

/// `sync:` of an environment.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// Automatic or manual sync.
    #[serde(default, deserialize_with = "recover")]
    pub mode: Option<SyncMode>,
    /// Reconciliation interval (a Go duration such as `1m`).
    #[serde(default, deserialize_with = "recover")]
    pub interval: Option<String>,
    /// Reconciliation timeout (a Go duration such as `3m`).
    #[serde(default, deserialize_with = "recover")]
    pub timeout: Option<String>,
}

/// How an environment is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Changes are applied automatically.
    Auto,
    /// A person starts every sync.
    Manual,
}
