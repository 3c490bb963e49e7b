//! Rendering reports.

pub mod json;
pub mod status;
pub mod table;
