//! What bounds a run and why one stops: the limits on its input, the
//! progress callback, and the error of a check that could not run.
//!
//! The loader enforces these as it reads and the engine returns them, so
//! they sit below both rather than in the engine.

use std::sync::Arc;

use crate::discover::MissingPath;

/// Bounds on the size of a run.
///
/// A run reads its input a batch of files at a time, and keeps of each
/// object only what its cross-object (set) rules read, until they have run.
/// An input past `max_documents` or `max_input_bytes` stops the run with
/// [`CheckError::TooLarge`] instead of exhausting the machine's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    /// Most documents read in one run (`--max-documents`).
    pub max_documents: usize,
    /// Most bytes of input read in one run (`--max-input-mb`).
    pub max_input_bytes: u64,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            max_documents: 1_000_000,
            max_input_bytes: 2 * 1024 * 1024 * 1024,
        }
    }
}

/// A progress callback: called with `(files loaded, files to load)` from the
/// worker threads as each file is read and parsed (so it must be cheap).
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Progress(..)")
    }
}

/// Why a check could not run at all (every problem with the input itself is
/// a finding instead).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A path given does not exist.
    #[error(transparent)]
    MissingPath(#[from] MissingPath),
    /// The inputs hold no YAML or JSON file.
    #[error("no input: no .yaml, .yml or .json file found")]
    NoInput,
    /// The worker threads could not be started.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
    /// The input is larger than [`InputLimits`] allow; nothing was checked.
    #[error(
        "the input holds more than {limit} {what}, the limit of one run; \
check it in parts, or raise the limit with {flag}"
    )]
    TooLarge {
        /// `documents` or `MiB`.
        what: &'static str,
        /// The limit that was passed.
        limit: u64,
        /// The command-line flag that raises it.
        flag: &'static str,
    },
}
