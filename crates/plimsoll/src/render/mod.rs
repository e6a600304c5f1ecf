//! Renderers: a [`Report`](crate::Report) as text for people and as data for
//! tools. Renderers write to any `io::Write`; they never print on their own.

pub mod human;
pub mod json;
pub mod matrix;
