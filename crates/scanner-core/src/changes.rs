//! What changed since a baseline: the data a report carries when a scan is
//! compared with an earlier one (see [`crate::baseline`] for how it is computed).

use std::fmt;

use advisories_cache::Ecosystem;
use serde::Serialize;

use crate::types::finding::PackageRef;

/// A server as reports name it across runs: `<client>/<scope>/<server>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct ServerKey {
    /// The client id (`cursor`, `claude-code`, …).
    pub client: String,
    /// `user` or `project:<dir>`.
    pub scope: String,
    /// The server's key in its config.
    pub name: String,
}

impl fmt::Display for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.client, self.scope, self.name)
    }
}

impl From<ServerKey> for String {
    fn from(key: ServerKey) -> String {
        key.to_string()
    }
}

/// A package installed at another version than in the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionChange {
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// Its name.
    pub name: String,
    /// The version in the baseline.
    pub from: String,
    /// The version installed now.
    pub to: String,
}

/// A server's tree compared with the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TreeChanges {
    /// Packages installed now that were not.
    pub added: Vec<PackageRef>,
    /// Packages that were installed and are not now.
    pub removed: Vec<PackageRef>,
    /// Packages installed at another version now.
    pub changed: Vec<VersionChange>,
}

impl TreeChanges {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// One line: `a 1.0.0 → 1.0.1; +b@2.0.0; -c@1.0.0`.
    pub fn summary(&self) -> String {
        let changed = self
            .changed
            .iter()
            .map(|c| format!("{} {} → {}", c.name, c.from, c.to));
        let added = self.added.iter().map(|p| format!("+{p}"));
        let removed = self.removed.iter().map(|p| format!("-{p}"));
        changed
            .chain(added)
            .chain(removed)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A finding of the baseline, as much of it as a report needs to name it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineFinding {
    /// Its fingerprint.
    pub id: String,
    /// Its code, as written (a code this version does not know is kept).
    pub code: String,
    /// The decision it had then.
    pub decision: String,
    /// The server it concerned.
    pub server: String,
    /// The package, as `name@version`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The advisory id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory: Option<String>,
    /// Its message then.
    pub message: String,
}

/// What changed since the baseline, for the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BaselineDiff {
    /// The baseline file, as given.
    pub file: String,
    /// Findings not in the baseline.
    pub new: usize,
    /// Findings in the baseline too.
    pub unchanged: usize,
    /// Findings of the baseline that are gone now (`tree-changed` findings
    /// are about one night's change and are never listed here).
    pub resolved: Vec<BaselineFinding>,
    /// Servers configured now that were not.
    pub servers_added: Vec<ServerKey>,
    /// Servers that were configured and are not now.
    pub servers_removed: Vec<ServerKey>,
}
