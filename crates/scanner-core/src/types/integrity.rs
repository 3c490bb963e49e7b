//! Whether installed files are what was published.

use serde::Serialize;

/// Whether a package's installed files are what was published. A package is
/// `verified` only when every file was compared; anything short of that is
/// `unverified`, never "ok".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum IntegrityState {
    /// Not compared yet: resolution found the package, verification has
    /// not run. Never left in a finished tree (see `resolve`).
    Pending,
    /// Every published file is installed unchanged.
    Verified,
    /// The files could not be compared (no tarball cached, no RECORD, …).
    Unverified {
        /// Why not.
        reason: String,
    },
    /// Installed files differ from what was published.
    Mismatch {
        /// Files whose content or size differs (relative to the package).
        modified: Vec<String>,
        /// Files that were published but are not installed.
        missing: Vec<String>,
        /// Other faults (a tarball that does not match its integrity, …).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        other: Vec<String>,
    },
}

impl IntegrityState {
    /// The state's kebab-case name, as serialised (`state`).
    pub fn as_str(&self) -> &'static str {
        match self {
            IntegrityState::Pending => "pending",
            IntegrityState::Verified => "verified",
            IntegrityState::Unverified { .. } => "unverified",
            IntegrityState::Mismatch { .. } => "mismatch",
        }
    }
}
