//! Promotions: `plimsoll promote` (is promoting one environment to another
//! allowed, and does the target run only images the source validated?) and
//! `plimsoll matrix` (which image each service runs in each environment).
//!
//! Both read the same model as `check`: rendered manifests and release
//! artifacts (Helm `values-<env>.yaml` images). A *service* is matched across
//! environments by its workload name with the environment affix removed per
//! `naming.resource`, falling back to the `app.kubernetes.io/name` label (see
//! [`service`](self) helpers), and by the service key of values files.

mod diff;
mod matrix;
mod service;

use std::collections::BTreeMap;

pub use diff::{CellChange, MatrixDiff, Validation};
pub use matrix::{Matrix, MatrixCell, MatrixImage, MatrixRow};

use crate::discover::Input;
use crate::engine::{Engine, Model, Pending, Place};
use crate::environment::{EnvId, Environment, DEFAULT_RESOURCE_PATTERN};
use crate::finding::Severity;
use crate::report::Report;
use crate::rules::{promotion_image_parity, promotion_path, Rule};
use crate::run_limits::CheckError;
use service::{running_in, running_in_each, same_image, Located};

/// Why `promote` could not run.
#[derive(Debug, thiserror::Error)]
pub enum PromoteError {
    /// `--from` or `--to` names an environment the graph does not know.
    #[error("unknown environment `{name}` in {option}; known environments: {known}")]
    UnknownEnvironment {
        /// The name as given.
        name: String,
        /// `--from` or `--to`.
        option: &'static str,
        /// The environments of the graph.
        known: String,
    },
    /// The inputs could not be checked at all.
    #[error(transparent)]
    Check(#[from] CheckError),
}

impl Engine {
    /// Checks promoting environment `from` to `to` (names or aliases):
    /// `promotion-path`, then `promotion-image-parity` with info notes for
    /// services present on one side only. Problems loading the files of
    /// either environment (YAML errors and the like) are reported too, since
    /// they hide what the environment runs.
    pub fn promote(&self, from: &str, to: &str, inputs: &[Input]) -> Result<Report, PromoteError> {
        let source = self.environment_named(from, "--from")?;
        let target = self.environment_named(to, "--to")?;
        let report = self.in_pool(|threads| {
            let mut model = self.load_model(inputs, threads)?;
            model.pending.retain(|item| {
                item.environment
                    .is_none_or(|e| e == source.id || e == target.id)
            });
            let mut found = Vec::new();
            if let Some(rule) = self.rule(promotion_path::ID) {
                found.extend(self.promotion_path(rule, &model, source, target));
            }
            if let Some(rule) = self.rule(promotion_image_parity::ID) {
                found.extend(self.image_parity(rule, &model, source, target));
            }
            model.pending.extend(found);
            Ok(self.finish_model(model))
        })?;
        Ok(report)
    }

    /// The image matrix: services × environments.
    pub fn matrix(&self, inputs: &[Input]) -> Result<Matrix, CheckError> {
        self.in_pool(|threads| {
            let model = self.load_model(inputs, threads)?;
            let pattern = self.resource_pattern();
            let per_environment: Vec<(&Environment, Vec<Located<'_>>)> = self
                .environments()
                .iter()
                .zip(running_in_each(&model, self.environments(), pattern))
                .collect();
            Ok(matrix::build(self.environments(), &per_environment))
        })
    }

    /// The changes from the image matrix `before` (of the tree at a base
    /// revision) to `after` (of the working tree), each judged by the
    /// promotion graph: did a predecessor run the new images first?
    pub fn matrix_diff(&self, before: &Matrix, after: &Matrix) -> MatrixDiff {
        diff::diff(before, after, self.environments())
    }

    fn environment_named(
        &self,
        name: &str,
        option: &'static str,
    ) -> Result<&Environment, PromoteError> {
        self.environments()
            .lookup(name)
            .and_then(|id| self.environments().get(id))
            .ok_or_else(|| PromoteError::UnknownEnvironment {
                name: name.to_owned(),
                option,
                known: self
                    .environments()
                    .iter()
                    .map(|environment| environment.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules()
            .iter()
            .find(|rule| rule.id() == id && self.is_enabled(id))
    }

    fn resource_pattern(&self) -> &str {
        self.config()
            .naming
            .resource
            .as_deref()
            .unwrap_or(DEFAULT_RESOURCE_PATTERN)
    }

    fn promotion_path(
        &self,
        rule: &Rule,
        model: &Model,
        source: &Environment,
        target: &Environment,
    ) -> Option<Pending> {
        let (message, help) = promotion_path::problem(self.environments(), source.id, target.id)?;
        let place = first_document(model, target.id).or_else(|| first_document(model, source.id));
        let mut pending = match place {
            Some(place) => Pending::at(rule, None, place, message, Some(help)),
            None => Pending::nowhere(rule, message, Some(help)),
        };
        pending.environment = Some(target.id);
        Some(pending)
    }

    fn image_parity(
        &self,
        rule: &Rule,
        model: &Model,
        source: &Environment,
        target: &Environment,
    ) -> Vec<Pending> {
        let pattern = self.resource_pattern();
        let environments = self.environments();
        let from = group(running_in(model, source, pattern));
        let to = group(running_in(model, target, pattern));
        let mut found = Vec::new();
        for (service, images) in &to {
            let Some(validated) = from.get(service) else {
                if let Some(first) = images.first() {
                    found.push(Pending::at(
                        rule,
                        Some(Severity::Info),
                        first.running.place(&first.pointer),
                        format!(
                            "service `{service}` runs in {} but not in {}: its images are not compared",
                            target.name, source.name
                        ),
                        Some(format!(
                            "deploy `{service}` to {} first, or check the naming (`naming.resource`) matches both environments",
                            source.name
                        )),
                    ));
                }
                continue;
            };
            for image in images {
                if validated
                    .iter()
                    .any(|known| same_image(&known.running, &image.running, environments))
                {
                    continue;
                }
                let same_repository: Vec<&str> = validated
                    .iter()
                    .filter(|known| known.running.repository == image.running.repository)
                    .map(|known| known.running.image.as_str())
                    .collect();
                let compared: Vec<&Located<'_>> = if same_repository.is_empty() {
                    validated.iter().collect()
                } else {
                    validated
                        .iter()
                        .filter(|known| known.running.repository == image.running.repository)
                        .collect()
                };
                let mut shown = same_repository;
                if shown.is_empty() {
                    shown = compared
                        .iter()
                        .map(|known| known.running.image.as_str())
                        .collect();
                }
                shown.dedup();
                let mut finding = Pending::at(
                    rule,
                    None,
                    image.running.place(&image.pointer),
                    format!(
                        "{} runs {} for service `{service}`, which {} does not run ({} runs {})",
                        target.name,
                        image.running.image,
                        source.name,
                        source.name,
                        shown.join(", ")
                    ),
                    Some(format!(
                        "promote the image {} validated, or deploy this one to {} first",
                        source.name, source.name
                    )),
                );
                for known in compared.iter().take(RELATED_SHOWN) {
                    finding = finding.with_related(
                        known.running.place(&known.pointer),
                        format!("{} runs {}", source.name, known.running.image),
                    );
                }
                found.push(finding);
            }
        }
        for (service, images) in &from {
            if to.contains_key(service) {
                continue;
            }
            if let Some(first) = images.first() {
                found.push(Pending::at(
                    rule,
                    Some(Severity::Info),
                    first.running.place(&first.pointer),
                    format!(
                        "service `{service}` runs in {} but not in {}: this promotion does not deploy it",
                        source.name, target.name
                    ),
                    None,
                ));
            }
        }
        found
    }
}

/// How many of the source environment's images a parity finding labels.
const RELATED_SHOWN: usize = 3;

/// Images grouped by service, services in name order.
fn group(located: Vec<Located<'_>>) -> BTreeMap<String, Vec<Located<'_>>> {
    let mut groups: BTreeMap<String, Vec<Located<'_>>> = BTreeMap::new();
    for item in located {
        groups
            .entry(item.running.service.clone())
            .or_default()
            .push(item);
    }
    groups
}

/// The first object or artifact of an environment, in input order.
fn first_document(model: &Model, environment: EnvId) -> Option<Place<'_>> {
    let object = model
        .objects
        .iter()
        .find(|object| object.environment == Some(environment));
    let artifact = model
        .artifacts
        .iter()
        .find(|artifact| artifact.environment == Some(environment));
    match (object, artifact) {
        (Some(object), Some(artifact))
            if (artifact.file, artifact.document) < (object.file, object.document) =>
        {
            Some(Place::Artifact(artifact, ""))
        }
        (Some(object), _) => Some(Place::Object(object, "/metadata/name")),
        (None, Some(artifact)) => Some(Place::Artifact(artifact, "")),
        (None, None) => None,
    }
}
