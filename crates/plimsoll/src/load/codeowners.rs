//! Finding the repository's CODEOWNERS, as GitHub does: `.github/CODEOWNERS`,
//! else `CODEOWNERS` at the root, else `docs/CODEOWNERS`, the first found
//! being the only one read. The root is looked for upwards from the config
//! file's directory (the current directory without one): the first
//! directory holding a CODEOWNERS in one of those places, stopping at the
//! directory that holds `.git`.

use std::path::{Path, PathBuf};

use crate::model::CodeownersFile;

/// Where GitHub looks, in order.
const LOCATIONS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// Looks for the CODEOWNERS of the repository around `config_root` (the
/// config file's directory, if there is one).
pub(crate) fn find_codeowners(config_root: Option<&Path>) -> CodeownersFile {
    let cwd = std::env::current_dir().unwrap_or_default();
    // Absolute, so that `--config .plimsoll.yaml` (whose directory is the
    // empty path) and relative config paths find the same root as a
    // discovered config does.
    let start = config_root
        .map(|root| cwd.join(root))
        .unwrap_or_else(|| cwd.clone());
    let (root, found) = find(&start);
    CodeownersFile { root, cwd, found }
}

/// The root and its CODEOWNERS (`None` when there is none).
fn find(start: &Path) -> (PathBuf, Option<(&'static str, String)>) {
    for directory in start.ancestors() {
        for location in LOCATIONS {
            if let Ok(text) = std::fs::read_to_string(directory.join(location)) {
                return (directory.to_path_buf(), Some((location, text)));
            }
        }
        if directory.join(".git").exists() {
            return (directory.to_path_buf(), None);
        }
    }
    (start.to_path_buf(), None)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn github_order_upwards_to_the_repository_root() {
        let repository = tempfile::tempdir().unwrap();
        let top = repository.path();
        let nested = top.join("clusters/prod");
        fs::create_dir_all(&nested).unwrap();
        fs::create_dir(top.join(".git")).unwrap();
        // No CODEOWNERS: the lookup stops at the directory holding `.git`.
        assert_eq!(find(&nested), (top.to_path_buf(), None));
        fs::create_dir_all(top.join("docs")).unwrap();
        fs::write(top.join("docs/CODEOWNERS"), "docs").unwrap();
        fs::write(top.join("CODEOWNERS"), "root").unwrap();
        assert_eq!(
            find(&nested),
            (top.to_path_buf(), Some(("CODEOWNERS", "root".to_owned())))
        );
        fs::create_dir_all(top.join(".github")).unwrap();
        fs::write(top.join(".github/CODEOWNERS"), "github").unwrap();
        assert_eq!(
            find(&nested),
            (
                top.to_path_buf(),
                Some((".github/CODEOWNERS", "github".to_owned()))
            )
        );
        // A CODEOWNERS below the root is found first, and is the root.
        fs::write(nested.join("CODEOWNERS"), "nested").unwrap();
        assert_eq!(
            find(&nested),
            (nested.clone(), Some(("CODEOWNERS", "nested".to_owned())))
        );
    }

    #[test]
    fn a_relative_config_directory_is_read_from_the_current_one() {
        let found = find_codeowners(Some(Path::new("")));
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(found.cwd, cwd);
        assert!(cwd.starts_with(&found.root), "{found:?}");
    }
}
