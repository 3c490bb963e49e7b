//! Policy: what to do with each finding, and who or what decided it.
//!
//! A policy is the built-in default, optionally extended or replaced by a
//! `supplygate.toml` (see the README's Policy section). Deciding a finding
//! checks, in order: unexpired exceptions, the server's pin requirement (for
//! `unpinned-server`), the file's rules in file order, the built-in rules
//! (unless `extends = "none"`), then the default action. The first that
//! applies decides, and the finding records which one, with its line.
//!
//! The policy never reads the wall clock: "today" is given when it is loaded.
//!
//! ```
//! use std::path::Path;
//! use scanner_core::policy::{Decision, FindingContext, Policy};
//! use scanner_core::{Code, Severity};
//!
//! let text = "[[rule]]\nid = \"block-high\"\naction = \"block\"\nmin-severity = \"high\"\n";
//! let today = "2026-06-01".parse().unwrap();
//! let policy = Policy::parse(text, Path::new("supplygate.toml"), today).unwrap();
//! let finding = FindingContext {
//!     code: Code::VulnerableDependency,
//!     severity: Some(Severity::High),
//!     server: "gdrive",
//!     ..FindingContext::default()
//! };
//! let verdict = policy.decide(&finding);
//! assert_eq!(verdict.decision, Decision::Block);
//! assert_eq!(verdict.decided_by.to_string(), "rule `block-high` (supplygate.toml:1)");
//! ```

mod date;
mod decide;
mod diagnostic;
mod exception;
mod finding;
mod parse;
mod rule;
mod starter;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use advisories_cache::Ecosystem;
use serde::Serialize;

pub use crate::lines::line_col;
pub use date::{Date, DateError};
pub use decide::{DecidedBy, DeciderKind, ExceptionNote, PolicyAudit, ServerNote, Verdict};
pub use diagnostic::{Diagnostic, InvalidPolicy};
pub use exception::{Classification, Exception, Target, VersionRange};
pub use finding::Finding;
pub use rule::{builtin_rules, Conditions, Glob, Origin, Rule};
pub use starter::STARTER;

use crate::discover::{ConfigFile, ConfigFinding, Inventory, Launch, Server};
use crate::types::finding::{Code, Severity};
pub use crate::types::PinRequirement;
use crate::types::PinState;

/// What a policy decides for a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Excused by an unexpired exception; does not fail the run.
    Excepted,
    /// Reported, does not fail the run.
    Allow,
    /// Reported as a warning, does not fail the run.
    Warn,
    /// Fails the run.
    Block,
}

impl Decision {
    /// The lowercase label.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Excepted => "excepted",
            Decision::Allow => "allow",
            Decision::Warn => "warn",
            Decision::Block => "block",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything about a finding a rule or exception can match on.
#[derive(Debug, Clone, Copy)]
pub struct FindingContext<'a> {
    /// The finding's code.
    pub code: Code,
    /// Its severity, for advisory findings (`vulnerable-dependency`,
    /// `malicious-package`); config and tree findings have none, so rules
    /// on severity never decide them.
    pub severity: Option<Severity>,
    /// Its CVSS base score, when known.
    pub cvss: Option<f64>,
    /// The package's ecosystem, for package findings.
    pub ecosystem: Option<Ecosystem>,
    /// The package name, for package findings.
    pub package: Option<&'a str>,
    /// The installed version, for package findings.
    pub version: Option<&'a str>,
    /// The server the finding concerns.
    pub server: &'a str,
    /// A direct dependency of the server (`Some(true)`), transitive, or unknown.
    pub direct: Option<bool>,
    /// The package has an install script, has none, or unknown.
    pub install_script: Option<bool>,
    /// The advisory's primary id.
    pub advisory_id: Option<&'a str>,
    /// Every other id of the advisory.
    pub aliases: &'a [String],
    /// How the server's package spec is pinned, when it has one.
    pub pin: Option<PinState>,
    /// The package is the server's own package (`Some(true)`), another
    /// package of its tree, or unknown.
    pub server_package: Option<bool>,
}

impl Default for FindingContext<'_> {
    fn default() -> Self {
        FindingContext {
            code: Code::VulnerableDependency,
            severity: None,
            cvss: None,
            ecosystem: None,
            package: None,
            version: None,
            server: "",
            direct: None,
            install_script: None,
            advisory_id: None,
            aliases: &[],
            pin: None,
            server_package: None,
        }
    }
}

/// What the policy file says about one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerPolicy {
    /// Who owns the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// How its package spec must be pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinRequirement>,
    /// The 1-based line of its `[server.NAME]` table.
    pub line: usize,
}

/// Everything discovery saw, with what the policy says about each server.
#[derive(Debug, Clone, Serialize)]
pub struct AnnotatedInventory<'a> {
    /// Every config file looked at.
    pub configs: &'a [ConfigFile],
    /// Every server found, in file order, with its policy metadata.
    pub servers: Vec<AnnotatedServer<'a>>,
    /// Config-level findings.
    pub findings: &'a [ConfigFinding],
}

/// A discovered server and what the policy file says about it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AnnotatedServer<'a> {
    /// The server as discovery found it.
    #[serde(flatten)]
    pub server: &'a Server,
    /// Who owns the server, when the policy names one.
    pub owner: Option<&'a str>,
    /// How the policy requires its package to be pinned, when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_required: Option<PinRequirement>,
    /// How the server is launched (the server's own field, serialised
    /// here so the policy's fields come before it).
    pub launch: &'a Launch,
}

/// The policy in force.
#[derive(Debug, Clone)]
pub struct Policy {
    source: Option<PathBuf>,
    sha256: Option<String>,
    rules: Vec<Rule>,
    default: Decision,
    default_line: Option<usize>,
    exceptions: Vec<Exception>,
    servers: BTreeMap<String, ServerPolicy>,
    today: Option<Date>,
    min_age: Option<i64>,
}

/// A policy file that could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read the policy file {0}")]
    Read(capped_read::ReadError),
    /// The file is larger than a policy file can reasonably be.
    #[error("the policy file {} is larger than {limit} bytes", .path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// The file has problems; every one is listed.
    #[error(transparent)]
    Invalid(#[from] InvalidPolicy),
}

/// Policy files larger than this are refused unread.
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

impl Default for Policy {
    fn default() -> Self {
        Policy::builtin()
    }
}

impl Policy {
    /// The built-in default: `malicious-package`, `checksum-mismatch` and
    /// critical findings block; everything else warns.
    pub fn builtin() -> Self {
        Policy {
            source: None,
            sha256: None,
            rules: builtin_rules(),
            default: Decision::Warn,
            default_line: None,
            exceptions: Vec::new(),
            servers: BTreeMap::new(),
            today: None,
            min_age: None,
        }
    }

    /// Parses and validates a policy file's text, collecting every problem.
    /// `today` decides which exceptions have expired; `path` is for messages.
    pub fn parse(text: &str, path: &Path, today: Date) -> Result<Policy, InvalidPolicy> {
        parse::parse(text, path, today)
    }

    /// Parses like [`Policy::parse`], and also counts expired exceptions as
    /// problems: what `supplygate policy check` runs.
    pub fn check(text: &str, path: &Path, today: Date) -> Result<Policy, InvalidPolicy> {
        parse::parse_with(text, path, today, true)
    }

    /// Reads (at most [`MAX_POLICY_BYTES`]) and parses a policy file.
    pub fn load(path: &Path, today: Date) -> Result<Policy, PolicyError> {
        let text = read(path)?;
        Ok(Policy::parse(&text, path, today)?)
    }
}

/// Reads a policy file's text through the one capped reader: a regular
/// file (a FIFO or device is refused at once) of at most
/// [`MAX_POLICY_BYTES`], UTF-8.
pub fn read(path: &Path) -> Result<String, PolicyError> {
    capped_read::read_capped_text(path, MAX_POLICY_BYTES).map_err(|e| match e.kind() {
        capped_read::ReadErrorKind::TooLarge { .. } => PolicyError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_POLICY_BYTES,
        },
        _ => PolicyError::Read(e),
    })
}

impl Policy {
    /// The file it was loaded from, or `None` for the built-in policy.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// The SHA-256 of the policy file's text, so a report proves which
    /// policy decided it; `None` for the built-in policy.
    pub fn sha256(&self) -> Option<&str> {
        self.sha256.as_deref()
    }

    /// Per-server metadata from the file (owner, pin requirement).
    pub fn servers(&self) -> &BTreeMap<String, ServerPolicy> {
        &self.servers
    }

    /// A discovery inventory with each server's owner and pin requirement
    /// from the policy, for `inventory` to show (discovery's own types
    /// carry no policy decision).
    pub fn annotate<'a>(&'a self, inventory: &'a Inventory) -> AnnotatedInventory<'a> {
        let servers = inventory
            .servers
            .iter()
            .map(|server| {
                let meta = self.servers.get(&server.name);
                AnnotatedServer {
                    server,
                    owner: meta.and_then(|m| m.owner.as_deref()),
                    pin_required: meta.and_then(|m| m.pin),
                    launch: &server.launch,
                }
            })
            .collect();
        AnnotatedInventory {
            configs: &inventory.configs,
            servers,
            findings: &inventory.findings,
        }
    }

    /// The minimum release age (`[policy] min-age`) in seconds, if the file sets one.
    pub fn min_age_secs(&self) -> Option<i64> {
        self.min_age
    }

    /// The exceptions, in file order.
    pub fn exceptions(&self) -> &[Exception] {
        &self.exceptions
    }
}
