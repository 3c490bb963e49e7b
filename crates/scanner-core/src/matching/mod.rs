//! Matching: which OSV records apply to which installed package, how severe
//! each is, and which records describe the same problem.

pub mod grouping;
mod ranges;
pub mod severity;

pub use ranges::{affects, only_git_ranges};
