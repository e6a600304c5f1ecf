//! The resource model: objects, their identity, workloads, images and
//! release artifacts.

pub mod artifact;
pub mod duration;
pub mod image;
pub mod object;
pub mod workload;

pub use artifact::{values_images, Artifact, ArtifactId, ArtifactKind, ValuesImage};
pub use image::{DigestProblem, ImageRef};
pub use object::{FileId, Identity, Object, ObjectId};
pub use workload::{containers, is_workload, pod_spec, Container};
