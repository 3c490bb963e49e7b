//! Rendering reports.

pub mod changes;
pub mod common;
pub mod cyclonedx;
pub mod inventory;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod status;
pub mod table;
