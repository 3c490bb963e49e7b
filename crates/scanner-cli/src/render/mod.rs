//! Rendering reports.

pub mod inventory;
pub mod json;
pub mod status;
pub mod table;
