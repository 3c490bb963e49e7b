//! Remediation: for a blocked or warned server, the newest newer version
//! whose tree resolves without what held it back. Candidates are resolved
//! and checked exactly like the vetted version (same policy, advisories and
//! options), newest first, at most `--remedy-tries` of them: each try is a
//! full resolution, so the search is bounded.

use std::path::Path;

use anyhow::Result;
use scanner_core::discover::{DiscoverOptions, Inventory, Launch, Server};
use scanner_core::report::{Remediation, RemedyTry};
use scanner_core::resolve::ResolveMode;
use scanner_core::version::Version;
use scanner_core::{Decision, Outcome, Report};

use crate::args::VetArgs;
use crate::resolver::Resolvers;

/// What a remedy search needs besides the server.
pub struct Search<'a> {
    /// The advisories store folder.
    pub db: &'a Path,
    /// The `vet` arguments (policy, advisory source, client style, tries).
    pub args: &'a VetArgs,
    /// The discovery options of the vetted run (home, projects).
    pub discover: &'a DiscoverOptions,
    /// Lists the versions a registry holds.
    pub resolvers: &'a Resolvers,
}

/// Why a server's vetting calls for a remedy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBack {
    /// A finding about it is decided `block`.
    Blocked,
    /// Nothing blocks, but a finding about it warns.
    Warned,
}

impl HeldBack {
    /// How `server`'s findings in `report` hold it back, if they do.
    pub fn of(report: &Report, server: &str) -> Option<HeldBack> {
        let mine = report.findings.iter().filter(|f| f.server == server);
        let worst = mine.map(|f| f.decision).max()?;
        match worst {
            Decision::Block => Some(HeldBack::Blocked),
            Decision::Warn => Some(HeldBack::Warned),
            _ => None,
        }
    }

    /// A blocked server is remedied by a version that is neither blocked
    /// nor incomplete; a warned one only by a version without warnings too.
    fn remedied_by(self, candidate: &Report) -> bool {
        let passed = candidate.summary.outcome == Outcome::Passed;
        match self {
            HeldBack::Blocked => passed,
            HeldBack::Warned => passed && candidate.summary.warned == 0,
        }
    }
}

impl Search<'_> {
    /// The remedy for `server`, vetted at `current` and held back as
    /// `held`; `None` when searching is turned off or its launcher has no
    /// registry versions.
    pub fn remedy(
        &self,
        server: &Server,
        current: &str,
        held: HeldBack,
    ) -> Result<Option<Remediation>> {
        let tries = self.args.remedy_tries;
        let Some(ecosystem) = ecosystem(&server.launch).filter(|_| tries > 0) else {
            return Ok(None);
        };
        let published = match self.resolvers.versions(server) {
            Ok(v) => v,
            Err(why) => {
                let note =
                    format!("the releases of the server's package could not be listed: {why}");
                return Ok(Some(none(Vec::new(), note)));
            }
        };
        let candidates = newer(ecosystem, current, &published);
        if candidates.is_empty() {
            let note = format!("no final release newer than {current} is published");
            return Ok(Some(none(Vec::new(), note)));
        }
        let mut tried = Vec::new();
        for version in candidates.iter().take(tries) {
            let Some(candidate) = pinned_server(server, version) else {
                continue;
            };
            let report = self.check(candidate)?;
            tried.push(RemedyTry {
                version: version.clone(),
                outcome: report.summary.outcome,
                warned: report.summary.warned,
                blocking: blocking(&report),
            });
            if held.remedied_by(&report) {
                return Ok(Some(Remediation {
                    version: Some(version.clone()),
                    pinned: super::pinned(server, version, self.args.client),
                    tried,
                    note: None,
                }));
            }
        }
        let what = match held {
            HeldBack::Blocked => "a blocking finding or a coverage gap",
            HeldBack::Warned => "any finding that blocks or warns",
        };
        let note = format!(
            "each of the {} newest release(s) newer than {current} that were tried has {what}",
            tried.len()
        );
        Ok(Some(none(tried, note)))
    }

    /// Resolves and checks one candidate like the vetted server (its
    /// config findings left out: they are the same for every version).
    fn check(&self, server: Server) -> Result<Report> {
        let inventory = Inventory {
            configs: Vec::new(),
            servers: vec![server],
            findings: Vec::new(),
        };
        crate::check(
            self.db,
            &self.args.scan,
            self.discover.clone(),
            inventory,
            ResolveMode::Resolve,
        )
    }
}

fn none(tried: Vec<RemedyTry>, note: String) -> Remediation {
    Remediation {
        version: None,
        pinned: None,
        tried,
        note: Some(note),
    }
}

/// The codes of a candidate's blocking findings, for the report.
fn blocking(report: &Report) -> Vec<String> {
    let mut codes: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.decision == Decision::Block || f.code.is_coverage_gap())
        .map(|f| f.code.to_string())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

fn ecosystem(launch: &Launch) -> Option<advisories_cache::Ecosystem> {
    match launch {
        Launch::Npx { .. } | Launch::PackageRunner { .. } => Some(advisories_cache::Ecosystem::Npm),
        Launch::Uvx { .. } | Launch::Pipx { .. } => Some(advisories_cache::Ecosystem::PyPI),
        _ => None,
    }
}

/// Final releases newer than `current`, newest first (pre-releases and
/// versions that do not parse are never suggested).
fn newer(
    ecosystem: advisories_cache::Ecosystem,
    current: &str,
    published: &[String],
) -> Vec<String> {
    let floor = Version::parse(ecosystem, current).ok();
    let mut out: Vec<(Version, String)> = published
        .iter()
        .filter_map(|text| Some((Version::parse(ecosystem, text).ok()?, text.clone())))
        .filter(|(v, _)| !v.is_prerelease())
        .filter(|(v, _)| floor.as_ref().is_none_or(|f| v > f))
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out.into_iter().map(|(_, t)| t).collect()
}

/// `server` with its package pinned at `version`, its launch re-read from
/// the new arguments.
fn pinned_server(server: &Server, version: &str) -> Option<Server> {
    let args = super::pinned_args(server, version)?;
    let mut candidate = server.clone();
    candidate.launch = Launch::from_entry(server.command.as_deref(), &args, None);
    candidate.written_args = args.clone();
    candidate.args = args;
    Some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use advisories_cache::Ecosystem;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn candidates_are_newer_final_releases_newest_first() {
        let published = s(&["0.9.0", "1.0.0", "1.1.0", "2.0.0-beta.1", "1.10.0", "junk"]);
        assert_eq!(
            newer(Ecosystem::Npm, "1.0.0", &published),
            ["1.10.0", "1.1.0"]
        );
        let py = s(&["1.0", "1.0.1", "2.0rc1", "1.2.dev1", "1.5"]);
        assert_eq!(newer(Ecosystem::PyPI, "1.0.0", &py), ["1.5", "1.0.1"]);
        assert!(newer(Ecosystem::Npm, "9.0.0", &published).is_empty());
    }
}
