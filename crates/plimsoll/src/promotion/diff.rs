//! `plimsoll matrix --diff REF`: what a change deploys, where, and whether
//! it was validated first.
//!
//! The image matrix of the working tree is compared with the matrix of the
//! tree at REF, cell by cell (service, image repository, environment). A
//! cell whose images changed is judged by the promotion graph: an image new
//! in an environment is *already running* in a predecessor (an environment
//! that promotes to it) when that predecessor ran it at REF, before the
//! change; otherwise it is *not validated* there. Running it in the
//! predecessor in the same change does not count: nothing ran it yet.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::matrix::{Matrix, MatrixImage};
use super::service::same_build;
use crate::environment::Environments;

/// The changes between two image matrices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixDiff {
    /// The environments of either matrix, in graph order.
    pub environments: Vec<String>,
    /// One entry per changed cell, by service, repository and environment.
    pub changes: Vec<CellChange>,
}

/// What changed for one service image in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellChange {
    /// The service.
    pub service: String,
    /// The image repository (`registry/path`).
    pub repository: String,
    /// The environment.
    pub environment: String,
    /// The images before (empty: the service was not deployed there).
    pub before: Vec<MatrixImage>,
    /// The images after (empty: the service is no longer deployed there).
    pub after: Vec<MatrixImage>,
    /// Whether the environment's new images ran in a predecessor first.
    pub validation: Validation,
}

/// How the promotion graph judges a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum Validation {
    /// The service was removed from the environment: nothing to validate.
    Removed,
    /// No image is new in the environment (one was dropped, or the order
    /// changed).
    NothingNew,
    /// No environment promotes to this one: it is where images start.
    FirstEnvironment,
    /// A predecessor ran every new image before the change.
    AlreadyRunning {
        /// That predecessor.
        environment: String,
    },
    /// No predecessor ran the new images before the change.
    NotValidated {
        /// The predecessors that should have run them.
        environments: Vec<String>,
    },
}

impl CellChange {
    /// Whether the change deploys an image that no predecessor ran first.
    pub fn is_unvalidated(&self) -> bool {
        matches!(self.validation, Validation::NotValidated { .. })
    }
}

/// (service, repository) → environment name → images.
type Cells<'m> = BTreeMap<(&'m str, &'m str), BTreeMap<&'m str, &'m [MatrixImage]>>;

fn cells(matrix: &Matrix) -> Cells<'_> {
    let mut cells: Cells<'_> = BTreeMap::new();
    for row in &matrix.rows {
        let by_environment = cells
            .entry((row.service.as_str(), row.repository.as_str()))
            .or_default();
        for (environment, cell) in matrix.environments.iter().zip(&row.cells) {
            if let Some(cell) = cell {
                by_environment.insert(environment.as_str(), cell.images.as_slice());
            }
        }
    }
    cells
}

/// The changes from `before` (the tree at the base revision) to `after`
/// (the working tree), judged by the promotion graph of `environments`.
pub(super) fn diff(before: &Matrix, after: &Matrix, environments: &Environments) -> MatrixDiff {
    let old = cells(before);
    let new = cells(after);
    let named: BTreeSet<&str> = before
        .environments
        .iter()
        .chain(&after.environments)
        .map(String::as_str)
        .collect();
    // Graph order, then any name the graph does not know.
    let mut order: Vec<&str> = environments
        .iter()
        .map(|environment| environment.name.as_str())
        .filter(|name| named.contains(name))
        .collect();
    let in_graph: HashSet<&str> = order.iter().copied().collect();
    order.extend(named.iter().filter(|name| !in_graph.contains(*name)));
    let position: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(at, name)| (*name, at))
        .collect();
    let keys: BTreeSet<(&str, &str)> = old.keys().chain(new.keys()).copied().collect();
    let mut changes = Vec::new();
    let nothing: BTreeMap<&str, &[MatrixImage]> = BTreeMap::new();
    for key in keys {
        let was = old.get(&key).unwrap_or(&nothing);
        let is = new.get(&key).unwrap_or(&nothing);
        // Only the environments that run the row before or after, in
        // order: going through every environment for every row grew with
        // services times environments.
        let mut running: Vec<&str> = was.keys().chain(is.keys()).copied().collect();
        running.sort_unstable_by_key(|name| position.get(name).copied().unwrap_or(usize::MAX));
        running.dedup();
        for environment in &running {
            let images_before = was.get(environment).copied().unwrap_or_default();
            let images_after = is.get(environment).copied().unwrap_or_default();
            if images_before == images_after {
                continue;
            }
            let validation = judge(environment, images_before, images_after, was, environments);
            changes.push(CellChange {
                service: key.0.to_owned(),
                repository: key.1.to_owned(),
                environment: (*environment).to_owned(),
                before: images_before.to_vec(),
                after: images_after.to_vec(),
                validation,
            });
        }
    }
    MatrixDiff {
        environments: order.into_iter().map(str::to_owned).collect(),
        changes,
    }
}

/// Judges the images `after` that `environment` runs now, against what it
/// and its predecessors ran before the change (`was`).
fn judge(
    environment: &str,
    before: &[MatrixImage],
    after: &[MatrixImage],
    was: &BTreeMap<&str, &[MatrixImage]>,
    environments: &Environments,
) -> Validation {
    if after.is_empty() {
        return Validation::Removed;
    }
    let fresh: Vec<&MatrixImage> = after
        .iter()
        .filter(|image| !before.iter().any(|known| same(known, image, environments)))
        .collect();
    if fresh.is_empty() {
        return Validation::NothingNew;
    }
    let predecessors: Vec<&str> = environments
        .lookup(environment)
        .map(|id| environments.predecessors(id))
        .unwrap_or_default()
        .iter()
        .filter_map(|id| environments.get(*id))
        .map(|predecessor| predecessor.name.as_str())
        .collect();
    if predecessors.is_empty() {
        return Validation::FirstEnvironment;
    }
    let ran_them = predecessors.iter().find(|predecessor| {
        let ran = was.get(*predecessor).copied().unwrap_or_default();
        fresh
            .iter()
            .all(|image| ran.iter().any(|known| same(known, image, environments)))
    });
    match ran_them {
        Some(predecessor) => Validation::AlreadyRunning {
            environment: (*predecessor).to_owned(),
        },
        None => Validation::NotValidated {
            environments: predecessors.into_iter().map(str::to_owned).collect(),
        },
    }
}

/// The same build ([`same_build`]); images with neither a digest nor a tag
/// on both sides are the same when written alike.
fn same(a: &MatrixImage, b: &MatrixImage, environments: &Environments) -> bool {
    same_build(
        (a.digest.as_deref(), a.tag.as_deref()),
        (b.digest.as_deref(), b.tag.as_deref()),
        environments,
    )
    .unwrap_or(a.image == b.image)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::config::Config;
    use crate::promotion::{MatrixCell, MatrixRow};

    fn image(tag: &str, digest: Option<&str>) -> MatrixImage {
        MatrixImage {
            image: format!("ghcr.io/acme/api:{tag}"),
            tag: Some(tag.to_owned()),
            digest: digest.map(str::to_owned),
        }
    }

    fn matrix(cells: [Option<MatrixImage>; 3]) -> Matrix {
        Matrix {
            environments: vec!["dev".into(), "staging".into(), "prod".into()],
            rows: vec![MatrixRow {
                service: "api".into(),
                repository: "ghcr.io/acme/api".into(),
                cells: cells
                    .into_iter()
                    .map(|image| {
                        image.map(|image| MatrixCell {
                            images: vec![image],
                            drift: false,
                        })
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn a_new_image_is_judged_by_what_the_predecessor_ran_before() {
        let environments = Environments::from_config(&Config::default()).unwrap();
        let before = matrix([
            Some(image("1.2", Some("sha256:b"))),
            Some(image("1.2", Some("sha256:b"))),
            Some(image("1.1", Some("sha256:a"))),
        ]);
        // dev moves on; prod takes what staging ran.
        let after = matrix([
            Some(image("1.3", Some("sha256:c"))),
            Some(image("1.2", Some("sha256:b"))),
            Some(image("1.2", Some("sha256:b"))),
        ]);
        let changes = diff(&before, &after, &environments).changes;
        let judged: Vec<(&str, &Validation)> = changes
            .iter()
            .map(|change| (change.environment.as_str(), &change.validation))
            .collect();
        assert_eq!(
            judged,
            [
                ("dev", &Validation::FirstEnvironment),
                (
                    "prod",
                    &Validation::AlreadyRunning {
                        environment: "staging".into()
                    }
                ),
            ]
        );

        // Staging and prod move together: staging never ran it first.
        let together = matrix([
            Some(image("1.3", Some("sha256:c"))),
            Some(image("1.3", Some("sha256:c"))),
            Some(image("1.3", Some("sha256:c"))),
        ]);
        let changes = diff(&before, &together, &environments).changes;
        let prod = changes.iter().find(|c| c.environment == "prod").unwrap();
        assert_eq!(
            prod.validation,
            Validation::NotValidated {
                environments: vec!["staging".into()]
            }
        );
        assert!(prod.is_unvalidated());
    }

    #[test]
    fn removed_and_unchanged_cells() {
        let environments = Environments::from_config(&Config::default()).unwrap();
        let before = matrix([Some(image("1.2", None)), None, Some(image("1.1", None))]);
        let after = matrix([Some(image("1.2", None)), None, None]);
        let changes = diff(&before, &after, &environments).changes;
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].environment, "prod");
        assert_eq!(changes[0].validation, Validation::Removed);
        assert!(diff(&after, &after, &environments).changes.is_empty());
    }
}
