//! Changed files checked with their repository as context (SPEC section 2):
//! the pre-commit case. Cross-object rules see every object of the
//! repository — the HPA beside a changed Deployment, the quota in the next
//! file — but only the changed files are reported on.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::reported::Reported;
use super::Engine;
use crate::discover::{discover, Input};
use crate::report::Report;
use crate::run_limits::CheckError;

impl Engine {
    /// Checks `changed` files as part of the repository at `context`: every
    /// file of `context` is read, and the report keeps the findings, the
    /// suppressed findings and the files of `changed` only. A changed file
    /// that the walk of `context` does not reach (outside it, ignored) is
    /// read as well.
    pub fn check_in_context(
        &self,
        changed: &[PathBuf],
        context: &Path,
    ) -> Result<Report, CheckError> {
        self.in_pool(|threads| {
            let wanted: HashSet<PathBuf> = changed.iter().map(|path| real_path(path)).collect();
            let mut candidates =
                discover(&[Input::Path(context.to_path_buf())], &self.filter, threads)?;
            let walked: HashSet<PathBuf> = candidates
                .iter()
                .map(|candidate| real_path(Path::new(&candidate.display)))
                .collect();
            let unreached: Vec<Input> = changed
                .iter()
                .filter(|path| !walked.contains(&real_path(path)))
                .cloned()
                .map(Input::Path)
                .collect();
            candidates.extend(discover(&unreached, &self.filter, threads)?);
            if candidates.is_empty() {
                return Err(CheckError::NoInput);
            }
            // Document rules run on the changed files only: their findings
            // on the other files would be dropped.
            let changed_files: HashSet<String> = candidates
                .iter()
                .filter(|candidate| wanted.contains(&real_path(Path::new(&candidate.display))))
                .map(|candidate| candidate.display.clone())
                .collect();
            let mut report = self.run_candidates(candidates, &Reported::only(changed_files))?;
            keep_files(&mut report, &wanted);
            Ok(report)
        })
    }
}

/// Keeps only what the report says of the `wanted` files.
fn keep_files(report: &mut Report, wanted: &HashSet<PathBuf>) {
    let mut memo: HashMap<String, bool> = HashMap::new();
    let mut is_wanted = |file: &str| {
        *memo
            .entry(file.to_owned())
            .or_insert_with(|| wanted.contains(&real_path(Path::new(file))))
    };
    report.findings.retain(|finding| is_wanted(&finding.file));
    report
        .suppressed
        .retain(|suppressed| is_wanted(&suppressed.finding.file));
    report.files.retain(|file| is_wanted(&file.path));
    report.summary.files = report.files.len();
    report.summary.documents = report.files.iter().map(|file| file.resources.len()).sum();
    report.recount();
}

/// The path with links and `..` resolved, when it exists.
fn real_path(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
