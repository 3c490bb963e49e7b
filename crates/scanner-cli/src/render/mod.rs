//! Rendering reports.

pub mod json;
pub mod table;
