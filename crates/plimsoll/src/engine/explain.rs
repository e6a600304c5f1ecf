//! Why each object of the input has its environment, for `plimsoll check
//! --explain-env`: the step of SPEC section 3 that placed it.

use super::classify::NamespaceEnvironments;
use super::Engine;
use crate::discover::Input;
use crate::environment::Placement;
use crate::finding::ResourceRef;
use crate::run_limits::CheckError;

/// The environment of one object of the input, and what placed it there.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnvironmentChoice {
    /// The file the object is in.
    pub file: String,
    /// The object.
    pub resource: ResourceRef,
    /// The canonical name of its environment; `None` when nothing places
    /// it (environment-specific rules skip it).
    pub environment: Option<String>,
    /// What placed it, when something did.
    pub placement: Option<Placement>,
}

impl Engine {
    /// The environment of every object of `inputs`, with the reason, in
    /// input order.
    pub fn explain_environments(
        &self,
        inputs: &[Input],
    ) -> Result<Vec<EnvironmentChoice>, CheckError> {
        self.in_pool(|threads| {
            let model = self.load_model(inputs, threads)?;
            let mut namespaces = NamespaceEnvironments::default();
            for object in &model.objects {
                namespaces.add(self, object);
            }
            let labelled = namespaces.labelled();
            let choices = model
                .objects
                .iter()
                .map(|object| {
                    let file = model
                        .file_paths
                        .get(object.file.0)
                        .cloned()
                        .unwrap_or_default();
                    let namespace = object.identity.environment_namespace();
                    let placed = match self.forced_environment {
                        Some(id) => Some((id, Placement::Forced)),
                        None => self.environments.placed_by_path(&file).or_else(|| {
                            namespace.and_then(|namespace| {
                                self.environments.placed_by_namespace(namespace, &labelled)
                            })
                        }),
                    };
                    let (environment, placement) = match placed {
                        Some((id, placement)) => (
                            self.environments.get(id).map(|e| e.name.clone()),
                            Some(placement),
                        ),
                        None => (None, None),
                    };
                    EnvironmentChoice {
                        file,
                        resource: object.identity.to_ref(),
                        environment,
                        placement,
                    }
                })
                .collect();
            Ok(choices)
        })
    }
}
