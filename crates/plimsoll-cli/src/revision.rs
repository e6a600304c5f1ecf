//! `check --new-since REF`: the repository's tree at a Git revision, read
//! through `git archive` into a temporary folder, so that the same check
//! can run on it. The user's worktree, index and branches are not touched,
//! and nothing is fetched.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The tree of one revision, exported to a temporary folder that is removed
/// when this is dropped.
pub struct RevisionTree {
    folder: PathBuf,
    /// Where the working directory lies in the exported tree.
    workdir: PathBuf,
}

impl RevisionTree {
    /// Exports the tree of `revision` of the repository around the working
    /// directory. Fails with a message that says what to do when there is
    /// no repository, or the revision is not there (as in a shallow clone
    /// that has not fetched it).
    pub fn export(revision: &str) -> Result<RevisionTree, String> {
        let top = git(&["rev-parse", "--show-toplevel"]).map_err(|error| {
            format!("--new-since needs a Git repository around the working directory: {error}")
        })?;
        let commit = git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{revision}^{{commit}}"),
        ])
        .map_err(|_| missing_revision(revision))?;
        let prefix = git(&["rev-parse", "--show-prefix"]).unwrap_or_default();
        static EXPORTED: AtomicUsize = AtomicUsize::new(0);
        let folder = std::env::temp_dir().join(format!(
            "plimsoll-revision-{}-{}",
            std::process::id(),
            EXPORTED.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
        let tree = RevisionTree {
            workdir: folder.join(prefix.trim()),
            folder,
        };
        extract(Path::new(top.trim()), commit.trim(), &tree.folder)?;
        // The working directory may be new since the revision.
        std::fs::create_dir_all(&tree.workdir)
            .map_err(|error| format!("cannot create {}: {error}", tree.workdir.display()))?;
        Ok(tree)
    }

    /// Runs `f` with the process's working directory moved to the same
    /// place in the exported tree, so that paths given on the command line
    /// name the same files there and findings are named as in the working
    /// tree; the working directory is restored afterwards.
    pub fn within<T>(&self, f: impl FnOnce() -> T) -> Result<T, String> {
        let previous = std::env::current_dir()
            .map_err(|error| format!("cannot read the working directory: {error}"))?;
        std::env::set_current_dir(&self.workdir)
            .map_err(|error| format!("cannot enter {}: {error}", self.workdir.display()))?;
        let result = f();
        std::env::set_current_dir(&previous)
            .map_err(|error| format!("cannot return to {}: {error}", previous.display()))?;
        Ok(result)
    }
}

impl Drop for RevisionTree {
    fn drop(&mut self) {
        // A leftover temporary folder is harmless; nothing to report.
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// What to say when `revision` is not a commit of the repository.
fn missing_revision(revision: &str) -> String {
    let shallow =
        git(&["rev-parse", "--is-shallow-repository"]).is_ok_and(|answer| answer.trim() == "true");
    let hint = if shallow {
        format!(
            "this is a shallow clone: fetch the revision first, e.g. \
`git fetch --no-tags --depth=1 origin {revision}` (for a branch, check the \
remote-tracking name such as `origin/main`), or clone with `fetch-depth: 0`"
        )
    } else {
        format!(
            "fetch it first (`git fetch origin {revision}`), or name it as Git \
does (a commit, a tag, or a branch such as `origin/main`)"
        )
    };
    format!("--new-since {revision}: no such commit in this repository; {hint}")
}

/// Runs `git archive` of `commit` in the repository at `top` and unpacks
/// it into `folder` with `tar`.
fn extract(top: &Path, commit: &str, folder: &Path) -> Result<(), String> {
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["archive", "--format=tar", commit])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("--new-since: cannot run git: {error}"))?;
    let Some(tar_input) = archive.stdout.take() else {
        return Err("--new-since: git archive gave no output".to_owned());
    };
    let unpacked = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(folder)
        .stdin(Stdio::from(tar_input))
        .stderr(Stdio::piped())
        .output()
        .map_err(|error| format!("--new-since: cannot run tar: {error}"))?;
    let archived = archive
        .wait_with_output()
        .map_err(|error| format!("--new-since: git archive failed: {error}"))?;
    if !archived.status.success() {
        return Err(format!(
            "--new-since: `git archive {commit}` failed: {}",
            String::from_utf8_lossy(&archived.stderr).trim()
        ));
    }
    if !unpacked.status.success() {
        return Err(format!(
            "--new-since: unpacking the tree of {commit} failed: {}",
            String::from_utf8_lossy(&unpacked.stderr).trim()
        ));
    }
    Ok(())
}

/// Runs git with `args` in the working directory; its trimmed stdout, or
/// its stderr as the error.
fn git(args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}
