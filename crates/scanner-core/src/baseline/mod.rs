//! Baselines: what changed since an earlier run's JSON report.
//!
//! A baseline is any supplygate JSON report. Findings are matched on their
//! stable fingerprint ([`crate::types::finding::FindingIdentity`]): a report that
//! carries `id` is read as is; an older one (no `id`) has it computed from
//! its fields by the same function. Trees are compared per server
//! (`<client>/<scope>/<server>`) on (ecosystem, name, version).

mod diff;
mod parse;

pub use crate::changes::{BaselineDiff, BaselineFinding, ServerKey, TreeChanges, VersionChange};
pub use crate::types::finding::Change;
pub use diff::{annotate, apply_fail_on, diff_trees, tree_changes_for};
pub use parse::{BaselineError, MAX_BASELINE_BYTES};

use crate::types::finding::PackageRef;

/// Which blocking findings make the run exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Every blocking finding (the launch gate).
    #[default]
    Any,
    /// Only blocking findings not in the baseline (the nightly alert).
    New,
}

/// A server of the baseline and its tree, if it was resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineServer {
    /// Which server.
    pub key: ServerKey,
    /// Its packages, when its tree was resolved.
    pub packages: Option<Vec<PackageRef>>,
}

/// An earlier report, read for comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Baseline {
    /// Its findings.
    pub findings: Vec<BaselineFinding>,
    /// Its servers.
    pub servers: Vec<BaselineServer>,
    /// The version of supplygate that wrote it, when it says.
    pub version: Option<String>,
}
