//! Which files a run reports on, shared by every run path.

use std::collections::HashSet;

use crate::model::Object;

/// The files a run reports on: every file, or, in a run with repository
/// context, the changed ones. Document rules run only on the objects of
/// those files, since a document rule's findings are on the object it
/// checks; set rules see every object.
#[derive(Debug, Default)]
pub(super) struct Reported {
    only: Option<HashSet<String>>,
}

impl Reported {
    /// Only the files with these display paths.
    pub(super) fn only(files: HashSet<String>) -> Reported {
        Reported { only: Some(files) }
    }

    /// Whether the run reports on the file at `path`.
    pub(super) fn file(&self, path: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.contains(path))
    }

    /// The objects of reported files; `file_paths` names their files.
    pub(super) fn objects<'o>(
        &self,
        objects: &[&'o Object],
        file_paths: &[String],
    ) -> Vec<&'o Object> {
        let Some(only) = &self.only else {
            return objects.to_vec();
        };
        objects
            .iter()
            .copied()
            .filter(|object| {
                file_paths
                    .get(object.file.0)
                    .is_some_and(|path| only.contains(path))
            })
            .collect()
    }
}
