//! Which objects of one environment are applied together.
//!
//! One environment is often rendered into several directories
//! (`clusters/eu/prod/…`, `clusters/us/prod/…`): the root of a deployment
//! is the nearest directory of an object's path that names the environment.
//! Objects whose path names no environment (a rendered chart placed by its
//! namespace) belong to every deployment. Used by the rules that match
//! objects of a namespace against each other, so one cluster's ResourceQuota
//! neither hides another cluster's missing one nor counts its workloads.

use super::SetContext;
use crate::model::Object;

/// The root directory of the deployment `object` belongs to, if its path
/// names the environment.
pub(crate) fn root<'c>(context: &'c SetContext<'_>, object: &Object) -> Option<&'c str> {
    context
        .environment
        .and_then(|environment| environment.root_in(context.file_path(object.file)))
}

/// Whether objects of these roots are applied together.
pub(crate) fn together(a: Option<&str>, b: Option<&str>) -> bool {
    a.is_none() || b.is_none() || a == b
}
