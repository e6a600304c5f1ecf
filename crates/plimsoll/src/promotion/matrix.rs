//! The image matrix: for each service (and image repository), what each
//! environment runs, with drift between neighbouring environments marked.
//!
//! A cell drifts when the environment has at least one predecessor (an
//! environment that promotes to it) running the same service and repository,
//! and no such predecessor runs all of the cell's images: what the
//! environment runs was not validated by the stage before it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::service::{same_image, Located, Running};
use crate::environment::{Environment, Environments};
use crate::model::artifact::last_segment;

/// What `plimsoll matrix` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    /// The environments that run anything, in graph order.
    pub environments: Vec<String>,
    /// One row per service and image repository, by service name.
    pub rows: Vec<MatrixRow>,
}

/// One service (and one image repository of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    /// The service.
    pub service: String,
    /// The image repository (`registry/path`).
    pub repository: String,
    /// One cell per environment of [`Matrix::environments`] (`None`: not
    /// deployed there).
    pub cells: Vec<Option<MatrixCell>>,
}

/// What one environment runs for one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixCell {
    /// The distinct images, in input order.
    pub images: Vec<MatrixImage>,
    /// Whether this differs from every predecessor that runs the row.
    pub drift: bool,
}

/// One image of a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixImage {
    /// The image as written.
    pub image: String,
    /// Its tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Its digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

impl MatrixImage {
    /// `tag@abc1234` (tag and the first 7 hex digits of the digest).
    pub fn short(&self) -> String {
        let digest = self.digest.as_deref().map(|digest| {
            let hex = digest.split_once(':').map_or(digest, |(_, hex)| hex);
            hex.chars().take(7).collect::<String>()
        });
        match (&self.tag, digest) {
            (Some(tag), Some(digest)) => format!("{tag}@{digest}"),
            (Some(tag), None) => tag.clone(),
            (None, Some(digest)) => format!("@{digest}"),
            (None, None) => "(untagged)".to_owned(),
        }
    }
}

impl Matrix {
    /// The rows' labels, in row order: the service, with the repository's
    /// last segment when the service has several repositories — the whole
    /// repository when another of them ends in the same segment
    /// (`ghcr.io/a/api`, `ghcr.io/b/api`), so that every row is told apart.
    pub fn row_labels(&self) -> Vec<String> {
        let mut repositories_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for row in &self.rows {
            repositories_of
                .entry(&row.service)
                .or_default()
                .push(&row.repository);
        }
        self.rows
            .iter()
            .map(|row| {
                let repositories = repositories_of
                    .get(row.service.as_str())
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if repositories.len() < 2 {
                    return row.service.clone();
                }
                let segment = last_segment(&row.repository);
                let shared = repositories
                    .iter()
                    .filter(|repository| last_segment(repository) == segment)
                    .count()
                    > 1;
                let name = if shared { &row.repository } else { segment };
                format!("{} ({name})", row.service)
            })
            .collect()
    }
}

type Key = (String, String);

pub(super) fn build(
    environments: &Environments,
    per_environment: &[(&Environment, Vec<Located<'_>>)],
) -> Matrix {
    // (service, repository) → environment → images
    let mut table: BTreeMap<Key, BTreeMap<usize, Vec<&Running<'_>>>> = BTreeMap::new();
    let mut present = Vec::new();
    for (environment, located) in per_environment {
        if !located.is_empty() {
            present.push(environment.id);
        }
        for item in located {
            let key = (
                item.running.service.clone(),
                item.running.repository.clone(),
            );
            let cell = table
                .entry(key)
                .or_default()
                .entry(environment.id.0)
                .or_default();
            if !cell.iter().any(|known| known.image == item.running.image) {
                cell.push(&item.running);
            }
        }
    }
    let rows = table
        .into_iter()
        .map(|((service, repository), cells)| {
            let row_cells = present
                .iter()
                .map(|id| {
                    let images = cells.get(&id.0)?;
                    let before: Vec<&Vec<&Running<'_>>> = environments
                        .predecessors(*id)
                        .iter()
                        .filter_map(|p| cells.get(&p.0))
                        .collect();
                    let drift = !before.is_empty()
                        && !before.iter().any(|earlier| {
                            images.iter().all(|image| {
                                earlier
                                    .iter()
                                    .any(|known| same_image(known, image, environments))
                            })
                        });
                    Some(MatrixCell {
                        images: images
                            .iter()
                            .map(|running| MatrixImage {
                                image: running.image.clone(),
                                tag: running.tag.clone(),
                                digest: running.digest.clone(),
                            })
                            .collect(),
                        drift,
                    })
                })
                .collect();
            MatrixRow {
                service,
                repository,
                cells: row_cells,
            }
        })
        .collect();
    Matrix {
        environments: present
            .iter()
            .filter_map(|id| environments.get(*id))
            .map(|environment| environment.name.clone())
            .collect(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::{Matrix, MatrixRow};

    fn row(service: &str, repository: &str) -> MatrixRow {
        MatrixRow {
            service: service.to_owned(),
            repository: repository.to_owned(),
            cells: Vec::new(),
        }
    }

    #[test]
    fn every_row_of_a_service_gets_its_own_label() {
        let matrix = Matrix {
            environments: Vec::new(),
            rows: vec![
                row("shop", "docker.io/acme/api"),
                row("shop", "ghcr.io/acme/api"),
                row("shop", "ghcr.io/acme/worker"),
                row("web", "ghcr.io/acme/web"),
            ],
        };
        assert_eq!(
            matrix.row_labels(),
            [
                "shop (docker.io/acme/api)",
                "shop (ghcr.io/acme/api)",
                "shop (worker)",
                "web",
            ]
        );
    }
}
