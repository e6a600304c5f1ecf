//! What the configuration is made of, below the rules that read it: the
//! settings of an environment, where each key is written, a configuration
//! mistake, and the serde helpers every section's type reads with (a wrong
//! value is noted and reading goes on; values serde cannot check alone are
//! checked where their place is still known).
//!
//! The sections that belong to one rule are typed beside that rule
//! (`naming:` in `rules/naming_convention.rs`, and so on); `crate::config`
//! puts them together into the whole file, reads it and generates its JSON
//! schema. This module is what both sides share.

mod environments;
mod error;
mod places;
pub(crate) mod read_error;
pub(crate) mod recover;
pub(crate) mod values;

pub use environments::{
    EnvironmentConfig, Replicas, ResourceAmounts, ResourceFloor, SyncMode, SyncSettings,
};
pub use error::ConfigError;
pub use places::ConfigPlaces;
pub(crate) use read_error::edit_distance;
pub use values::parse_kubernetes_version;
