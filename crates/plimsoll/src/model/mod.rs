//! The resource model: objects, their identity, workloads and images.

pub mod image;
pub mod object;
pub mod workload;

pub use image::{DigestProblem, ImageRef};
pub use object::{FileId, Identity, Object, ObjectId};
pub use workload::{containers, is_workload, pod_spec, Container};
