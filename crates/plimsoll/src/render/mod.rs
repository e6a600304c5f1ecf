//! Renderers: a [`Report`](crate::Report) as text for people and as data for
//! tools. Renderers write to any `io::Write`; they never print on their own.
//!
//! - [`human`]: diagnostics with snippets;
//! - [`concise`]: one line per finding;
//! - [`statistics`]: how many findings each rule reported;
//! - [`json`]: the stable, versioned JSON report;
//! - [`sarif`]: SARIF 2.1.0 for code scanning;
//! - [`junit`]: JUnit XML for CI test reports;
//! - [`github`]: GitHub Actions workflow commands (annotations);
//! - [`matrix`], [`matrix_diff`], [`mermaid`]: the image matrix, the
//!   changes since a revision, and the promotion path as a picture.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub(crate) mod mask;
pub mod matrix;
pub mod matrix_diff;
pub mod mermaid;
pub mod sarif;
pub mod statistics;
