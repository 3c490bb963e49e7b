//! The shared vocabulary every stage speaks: finding codes, severities,
//! package references and versions. A leaf: it uses nothing else in the crate.

pub mod finding;
pub mod version;
