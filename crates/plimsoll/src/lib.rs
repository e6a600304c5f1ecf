//! plimsoll: a policy linter and manifest validator for Kubernetes config
//! repositories.
//!
//! The library runs the same pipeline as the `plimsoll` command and returns
//! typed findings; it never prints and never exits.
//!
//! ```text
//! discover → load → classify → document rules → set rules → suppress → report
//! ```
//!
//! # Example
//!
//! ```
//! use plimsoll::{Config, Engine, EngineOptions, Input};
//!
//! let config = Config::from_yaml("images: {requireDigest: true}\n", ".plimsoll.yaml".as_ref())?;
//! let engine = Engine::new(config, EngineOptions::default())?;
//! let manifest = "\
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: debug
//! spec:
//!   containers:
//!     - name: shell
//!       image: busybox:1.37.0
//! ";
//! let report = engine.check(&[Input::Text { name: "pod.yaml".into(), text: manifest.into() }])?;
//! let finding = report.findings.iter().find(|f| f.rule == "image-digest").ok_or("not reported")?;
//! assert_eq!((finding.span.start.line, finding.span.start.column), (8, 14));
//! assert_eq!(finding.path.as_deref(), Some("/spec/containers/0/image"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Engine::new`] is the front door: it checks exactly as `plimsoll check`
//! does (built-in rules, the config's custom policies, the input's
//! admission policies), with the config found as the command finds it by
//! [`Config::for_paths`]. Rules of your own are [`rules::Rule`]s given to
//! [`Engine::with_extra_rules`]; [`Engine::with_rules`] runs exactly the
//! rules it is given.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Every `pub` item is reachable from the crate root, so that `pub` means
// public API (tests/public_api.rs lists it).
#![warn(unreachable_pub)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod baseline;
pub mod config;
mod discover;
mod engine;
mod english;
pub mod environment;
pub mod finding;
pub mod fix;
mod load;
pub mod model;
pub mod origins;
pub mod policy;
pub mod promotion;
pub mod render;
mod report;
pub mod rules;
mod run_limits;
mod schema;
mod settings;
pub mod source;
mod suppress;
pub mod yaml;

pub use config::{Config, ConfigError};
pub use discover::{FileKind, Input, MissingPath};
pub use engine::{Engine, EngineError, EngineOptions, EnvironmentChoice};
pub use finding::{
    CheckedFile, Finding, Related, ResourceRef, Severity, Summary, SuppressedBy, SuppressedFinding,
};
pub use report::Report;
pub use run_limits::{CheckError, InputLimits, Progress};
pub use schema::{kubernetes_versions, newest_kubernetes_version};
