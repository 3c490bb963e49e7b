//! The report: pure data, rendered by the CLI as a table or JSON.

use std::path::PathBuf;

use advisories_cache::Ecosystem;
use serde::Serialize;

use crate::changes::{BaselineDiff, ServerKey, TreeChanges};
use crate::discover::Client;
use crate::policy::Finding;
use crate::policy::{Decision, PolicyAudit};
use crate::resolve::TreeKind;
use crate::types::finding::PackageRef;
use crate::types::PinState;
use crate::types::Scope;

/// The outcome of a scan, from which the CLI derives its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Everything in use was checked and nothing blocks.
    Passed,
    /// At least one finding was decided `block`.
    Blocked,
    /// Nothing blocks, but something in use could not be checked.
    Incomplete,
}

/// A resolved package in a server's tree.
#[derive(Debug, Clone, Serialize)]
pub struct PackageEntry {
    /// Ecosystem, name and version.
    #[serde(flatten)]
    pub package: PackageRef,
    /// Install path inside the tree.
    pub path: String,
    /// Install paths (in the same tree) of the packages it depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// A direct dependency of the server's own package.
    pub direct: bool,
    /// The package has an install script (npm `hasInstallScript`).
    pub has_install_script: bool,
    /// Whether its files were verified: `verified`, `unverified` (never "ok"), `mismatch`.
    pub integrity: crate::resolve::Integrity,
    /// A non-registry source (git, URL, local path), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The published integrity the tree records (npm lockfile SRI), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_integrity: Option<String>,
    /// What the registry says about this version, when known.
    #[serde(skip_serializing_if = "crate::resolve::RegistryFacts::is_empty")]
    pub facts: crate::resolve::RegistryFacts,
    /// The distribution source package its advisories are filed under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_package: Option<crate::resolve::SourcePackage>,
}

/// The tree a server runs from.
#[derive(Debug, Clone, Serialize)]
pub struct TreeInfo {
    /// What kind of tree.
    pub kind: TreeKind,
    /// Its root folder.
    pub root: PathBuf,
    /// Notes about choices made while resolving.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One server in the report.
#[derive(Debug, Clone, Serialize)]
pub struct ServerReport {
    /// Its key in the config.
    pub name: String,
    /// The client whose config names it.
    pub client: Client,
    /// `user` or `project:<dir>`.
    pub scope: Scope,
    /// The config file.
    pub config_path: PathBuf,
    /// 1-based line of the server's entry in the config file.
    #[serde(default)]
    pub line: usize,
    /// `npx`, `uvx`, `remote`, …
    pub launcher: String,
    /// The package spec as configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    /// How exactly the spec pins a version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinState>,
    /// The server's own package, as installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageRef>,
    /// The installed tree, when resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<TreeInfo>,
    /// Every installed package of the tree.
    pub packages: Vec<PackageEntry>,
    /// The server's owner, from the policy file's `[server.NAME]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `vet`: the config entry that pins what was vetted, in the client
    /// style asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<String>,
    /// `vet`: for a blocked or warned server, the newer version found (or
    /// not) that resolves without what held it back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
    /// What changed in its tree since the baseline, when both were resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_changes: Option<TreeChanges>,
}

/// `vet`'s search for a newer version of a blocked or warned server:
/// candidates resolved and checked newest first, a bounded number of them.
#[derive(Debug, Clone, Serialize)]
pub struct Remediation {
    /// The first candidate that resolves without what held the server
    /// back (for a blocked server: no blocking finding and nothing left
    /// unchecked; for a warned one: no warning either), when one was found.
    pub version: Option<String>,
    /// The config entry pinning `version`, in the client style asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<String>,
    /// Every candidate tried, newest first.
    pub tried: Vec<RemedyTry>,
    /// Why no version is suggested, when none is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One candidate version a remediation search resolved and checked.
#[derive(Debug, Clone, Serialize)]
pub struct RemedyTry {
    /// The version.
    pub version: String,
    /// How its check ended.
    pub outcome: Outcome,
    /// How many of its findings warn.
    pub warned: usize,
    /// The codes of its blocking findings and coverage gaps.
    pub blocking: Vec<String>,
}

impl ServerReport {
    /// Its name across runs: `<client>/<scope>/<server>`.
    pub fn key(&self) -> ServerKey {
        ServerKey {
            client: self.client.id().to_string(),
            scope: self.scope.to_string(),
            name: self.name.clone(),
        }
    }
}

/// Where the advisories came from.
#[derive(Debug, Clone, Serialize)]
pub struct AdvisorySource {
    /// The source (a store path, or a URL).
    pub source: String,
    /// Per ecosystem: records available.
    pub records: Vec<(Ecosystem, u64)>,
    /// How the advisories were obtained and how fresh they were; filled in
    /// by the caller that chose the mode (the pipeline itself is offline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
    /// Records that name an installed package only through `GIT` ranges
    /// (commit ids, not versions): supplygate does not evaluate those, so
    /// they can neither match nor be ruled out. As `id (package)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub git_ranges_not_evaluated: Vec<String>,
}

/// How the advisories of a run were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceMode {
    /// Every package was looked up online; fetched records kept in the store.
    Online,
    /// Only the local store was used; the network was not touched.
    Offline,
    /// The online lookup failed and the store was used instead, as allowed
    /// by `--max-staleness`.
    StaleStore,
}

/// The advisory snapshot a run used, for attributing results to data.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// How the advisories were obtained.
    pub mode: SourceMode,
    /// The online API asked, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// The local store read.
    pub store: String,
    /// When the online lookup finished (unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<u64>,
    /// Per ecosystem: the newest `modified` stored and the last import.
    pub ecosystems: Vec<EcosystemSnapshot>,
    /// Why this source was used, when it is not the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The freshness of one ecosystem's data in the store.
#[derive(Debug, Clone, Serialize)]
pub struct EcosystemSnapshot {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The newest `modified` among its stored records.
    pub newest_modified: Option<String>,
    /// When the last `db import` / `db update` of it finished (unix seconds).
    pub last_import: Option<u64>,
    /// How old that import was when the scan ran, in seconds.
    pub import_age_seconds: Option<u64>,
}

/// Totals.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// How the run ended.
    pub outcome: Outcome,
    /// Servers found.
    pub servers: usize,
    /// Packages resolved, over all servers (a package in two servers counts twice).
    pub packages: usize,
    /// Findings decided `block`.
    pub blocked: usize,
    /// Findings decided `warn`.
    pub warned: usize,
    /// Findings decided `allow`.
    pub allowed: usize,
    /// Findings excused by an exception.
    pub excepted: usize,
    /// Why the run is incomplete, one line each.
    pub incomplete: Vec<String>,
}

/// The whole result of a scan.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// When the report was made (RFC 3339, UTC); set by the caller, which
    /// owns the clock (the pipeline is deterministic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// Every server found.
    pub servers: Vec<ServerReport>,
    /// Every finding, blocking first.
    pub findings: Vec<Finding>,
    /// The advisory data used.
    pub advisories: AdvisorySource,
    /// Totals and outcome.
    pub summary: Summary,
    /// The policy used: its file, unused and expired exceptions, server metadata.
    pub policy: PolicyAudit,
    /// What changed since the baseline, when the scan had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineDiff>,
}

impl Summary {
    /// Totals for `findings`; `incomplete` lists what could not be checked.
    pub fn new(servers: &[ServerReport], findings: &[Finding], incomplete: Vec<String>) -> Summary {
        let count = |d: Decision| findings.iter().filter(|f| f.decision == d).count();
        let blocked = count(Decision::Block);
        let outcome = if blocked > 0 {
            Outcome::Blocked
        } else if !incomplete.is_empty() {
            Outcome::Incomplete
        } else {
            Outcome::Passed
        };
        Summary {
            outcome,
            servers: servers.len(),
            packages: servers.iter().map(|s| s.packages.len()).sum(),
            blocked,
            warned: count(Decision::Warn),
            allowed: count(Decision::Allow),
            excepted: count(Decision::Excepted),
            incomplete,
        }
    }
}
