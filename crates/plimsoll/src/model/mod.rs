//! The resource model: objects, their identity, workloads, images and
//! release artifacts.

pub(crate) mod artifact;
pub(crate) mod codeowners;
pub(crate) mod digests;
pub(crate) mod duration;
pub(crate) mod image;
pub(crate) mod kept_elsewhere;
pub(crate) mod kinds;
pub(crate) mod kustomization;
pub(crate) mod label_index;
pub(crate) mod network_policy;
pub(crate) mod object;
pub(crate) mod patched_fields;
pub(crate) mod quantity;
pub(crate) mod resources;
pub(crate) mod scaling;
pub(crate) mod selector;
pub(crate) mod workload;

pub use artifact::{values_images, Artifact, ArtifactId, ArtifactKind, ValuesImage};
pub(crate) use codeowners::CodeownersFile;
pub use digests::StatedDigests;
pub use duration::{format_go_duration, parse_go_duration, Nanos};
pub(crate) use image::written_images;
pub use image::{DigestProblem, ImagePin, ImageRef, SetImage};
pub use kinds::{is_build_config, is_cluster_scoped, is_delivery, is_namespace_infrastructure};
pub use object::{FileId, Identity, Object, ObjectId};
pub(crate) use patched_fields::{may_patch_flux_objects, PatchedFields, Selected};
pub use quantity::{Quantity, QuantityError, Unit};
pub use selector::{label_pairs, label_selector_matches, Requirement, Selector, SelectorError};
pub use workload::{containers, is_workload, pod_spec, Container};
pub(crate) use workload::{is_workload_fragment, pod_spec_pointers, CONTAINER_LISTS};
