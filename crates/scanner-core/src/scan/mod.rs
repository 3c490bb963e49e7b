//! The pipeline: discover → resolve → graph → match → decide → report.
//!
//! [`collect`] runs discovery and resolution (no advisory data needed);
//! [`evaluate`] matches, decides and reports. Each step lives in its own
//! file: `options` (what to scan), `collect`, `findings` (stage outputs as
//! undecided drafts), `matcher` (advisories per tree), `draft` (deciding),
//! `server_report` and `evaluate`.

mod collect;
mod draft;
mod evaluate;
mod findings;
mod matcher;
mod options;
mod server_report;

pub use collect::{collect, collect_inventory, collect_with, Collected};
pub use evaluate::{evaluate, evaluate_against, scan};
pub use options::{PolicyPlacementError, Resolution, ScanError, ScanOptions, DEFAULT_MIN_AGE_SECS};
