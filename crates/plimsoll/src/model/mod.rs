//! The resource model: objects, their identity, workloads and images.

pub mod image;
pub mod network_policy;
pub mod object;
pub mod quantity;
pub mod resources;
pub mod scaling;
pub mod workload;

pub use image::{DigestProblem, ImageRef};
pub use object::{FileId, Identity, Object, ObjectId};
pub use quantity::{Quantity, QuantityError, Unit};
pub use workload::{containers, is_workload, pod_spec, Container};
