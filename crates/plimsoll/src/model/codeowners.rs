//! The repository's CODEOWNERS as a loaded artifact: the loader finds and
//! reads it, and the `codeowners` rule reads it from its context, so that no
//! rule touches the file system.

use std::path::PathBuf;

/// What the loader found looking for CODEOWNERS, as GitHub looks.
#[derive(Debug, Clone, Default)]
pub(crate) struct CodeownersFile {
    /// The repository root (absolute): the first directory, upwards from
    /// the config file's (the current one without a config file), that
    /// holds a CODEOWNERS or `.git`; where the lookup started when none
    /// does.
    pub root: PathBuf,
    /// The directory relative input names are read from (the current
    /// one), to place them under `root`.
    pub cwd: PathBuf,
    /// Where the file is, relative to `root` (`.github/CODEOWNERS`), and
    /// its text; `None` when the repository has none.
    pub found: Option<(&'static str, String)>,
}
