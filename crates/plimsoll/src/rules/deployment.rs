//! Which objects of one environment are applied together.
//!
//! One environment is often rendered into several directories
//! (`clusters/eu/prod/…`, `clusters/us/prod/…`): the root of a deployment
//! is the nearest directory of an object's path that names the environment.
//! Objects whose path names no environment (a rendered chart placed by its
//! namespace) belong to every deployment. Used by the rules that match
//! objects of a namespace against each other, so one cluster's ResourceQuota
//! neither hides another cluster's missing one nor counts its workloads.

use std::collections::HashMap;

use super::SetContext;
use crate::model::Object;

/// The root directory of the deployment `object` belongs to, if its path
/// names the environment.
pub(crate) fn root<'c>(context: &'c SetContext<'_>, object: &Object) -> Option<&'c str> {
    context
        .environment
        .and_then(|environment| environment.root_in(context.file_path(object.file)))
}

/// Objects of one kind by namespace and deployment root, to find those
/// applied with a namespace without scanning the namespace again for every
/// deployment.
pub(crate) struct ByDeployment<'a> {
    by_root: HashMap<(&'a str, Option<&'a str>), Vec<&'a Object>>,
    by_namespace: HashMap<&'a str, Vec<&'a Object>>,
}

impl<'a> ByDeployment<'a> {
    /// Groups `objects` (those without a namespace are left out).
    pub(crate) fn new<'o: 'a>(
        context: &'a SetContext<'_>,
        objects: impl IntoIterator<Item = &'o Object>,
    ) -> ByDeployment<'a> {
        let mut by_root: HashMap<(&str, Option<&str>), Vec<&Object>> = HashMap::new();
        let mut by_namespace: HashMap<&str, Vec<&Object>> = HashMap::new();
        for object in objects {
            let Some(namespace) = object.identity.namespace.as_deref() else {
                continue;
            };
            by_root
                .entry((namespace, root(context, object)))
                .or_default()
                .push(object);
            by_namespace.entry(namespace).or_default().push(object);
        }
        ByDeployment {
            by_root,
            by_namespace,
        }
    }

    /// The objects of `namespace` applied with a deployment root.
    pub(crate) fn applied_with(
        &self,
        namespace: &'a str,
        deployment: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Object> + '_ {
        let (first, second) = match deployment {
            Some(_) => (
                self.by_root.get(&(namespace, deployment)),
                self.by_root.get(&(namespace, None)),
            ),
            None => (self.by_namespace.get(namespace), None),
        };
        first
            .into_iter()
            .chain(second)
            .flat_map(|objects| objects.iter().copied())
    }
}
