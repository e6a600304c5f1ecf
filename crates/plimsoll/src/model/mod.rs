//! The resource model: objects, their identity, workloads, images and
//! release artifacts.

pub mod artifact;
pub(crate) mod codeowners;
pub mod digests;
pub mod duration;
pub mod image;
pub mod kinds;
pub mod kustomization;
pub(crate) mod label_index;
pub mod network_policy;
pub mod object;
pub mod quantity;
pub mod resources;
pub mod scaling;
pub mod selector;
pub mod workload;

pub use artifact::{values_images, Artifact, ArtifactId, ArtifactKind, ValuesImage};
pub(crate) use codeowners::CodeownersFile;
pub use digests::StatedDigests;
pub use image::{DigestProblem, ImageRef};
pub use kinds::{is_build_config, is_cluster_scoped, is_delivery, is_namespace_infrastructure};
pub use object::{FileId, Identity, Object, ObjectId};
pub use quantity::{Quantity, QuantityError, Unit};
pub use selector::{label_pairs, label_selector_matches, Requirement, Selector, SelectorError};
pub use workload::{containers, is_workload, pod_spec, Container};
