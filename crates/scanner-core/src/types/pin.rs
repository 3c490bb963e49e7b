//! How exactly a server's package is pinned, and how exactly a policy
//! requires it to be.

use serde::Serialize;

/// How exactly a server's package is pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinState {
    /// One exact version.
    Exact,
    /// A range or specifier: resolved anew at launch.
    Range,
    /// A dist-tag such as `latest`, or no version at all.
    Unpinned,
}

/// How a server's package spec must be pinned (a policy's
/// `[server.NAME] pin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinRequirement {
    /// One exact version is required: an unpinned server blocks.
    Exact,
    /// A range is allowed; no version at all (or a dist-tag) blocks.
    Range,
    /// Any spec is allowed: unpinned is not a problem for this server.
    Any,
}

impl PinRequirement {
    /// The spelling in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            PinRequirement::Exact => "exact",
            PinRequirement::Range => "range",
            PinRequirement::Any => "any",
        }
    }
}
