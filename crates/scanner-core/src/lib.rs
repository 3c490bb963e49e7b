//! The supplygate pipeline: find every MCP server a machine has configured,
//! resolve the installed tree each one runs from, match every package against
//! OSV advisories, decide with a policy, and report.
//!
//! No network, no printing: the CLI does both.
//!
//! ```
//! use advisories_cache::{Ecosystem, MemoryStore};
//! use scanner_core::version::Version;
//!
//! let a = Version::parse(Ecosystem::PyPI, "1.0").unwrap();
//! let b = Version::parse(Ecosystem::PyPI, "1.0.0").unwrap();
//! assert_eq!(a, b);
//! ```

#![warn(missing_docs)]

// The stages a library caller drives or reads the output of are public;
// the helpers between them are not, and what callers need of them is
// re-exported below.
pub mod baseline;
mod changes;
pub mod discover;
mod facts;
mod graph;
mod lines;
pub mod matching;
pub mod policy;
pub mod receipt;
pub mod report;
pub mod resolve;
mod scan;
mod types;

#[cfg(test)]
mod fuzz;

pub use facts::parse_timestamp;
pub use graph::{DependencyGraph, Node};
pub use matching::{grouping, severity};
pub use types::version;

/// Findings: the shared codes, severities and package references, and the
/// decided [`Finding`] (from `policy`).
pub mod finding {
    pub use crate::policy::Finding;
    pub use crate::types::finding::*;
}
pub use types::{IntegrityState, PinRequirement, PinState, Scope, ScopeError, ServerId};

pub use policy::Finding;
pub use policy::{Decision, Policy};
pub use report::{EcosystemSnapshot, Outcome, Report, Snapshot, SourceMode};
pub use scan::{
    collect, collect_inventory, collect_with, evaluate, evaluate_against, scan, Collected,
    PolicyPlacementError, Resolution, ScanError, ScanOptions, DEFAULT_MIN_AGE_SECS,
};
pub use types::finding::{Code, PackageRef, Severity};
