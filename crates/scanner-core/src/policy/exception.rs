//! Exceptions: a triaged finding, excused for a reason, by an owner, until a date.

use advisories_cache::Ecosystem;
use serde::Serialize;

use super::date::Date;
use super::rule::Glob;
use super::FindingContext;
use crate::types::finding::Code;
use crate::types::version::Version;

/// How a finding was triaged (the three classes MCP security checklists use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Classification {
    /// The vulnerable code is in a dependency the server never reaches.
    DependencyOnly,
    /// Reachable, but hardening elsewhere keeps it from being exploited.
    ReachableHardening,
    /// Reachable and confirmed; accepted knowingly until the date.
    ConfirmedReachable,
}

impl Classification {
    /// Every class, with its spelling in policy files.
    pub const ALL: [(&'static str, Classification); 3] = [
        ("dependency-only", Classification::DependencyOnly),
        ("reachable-hardening", Classification::ReachableHardening),
        ("confirmed-reachable", Classification::ConfirmedReachable),
    ];
}

/// What an exception excuses: an advisory (by any of its ids) or a finding code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// An advisory id or alias (`GHSA-…`, `CVE-…`, `PYSEC-…`), compared case-insensitively.
    Advisory(String),
    /// A finding code, for findings without an advisory (`unpinned-server`).
    Code(Code),
}

/// One comparator of a version range: `<`, `<=`, `>`, `>=`, `=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
}

/// A version range: comma-separated comparators that must all hold
/// (`>=2.0, <2.7.1`), compared in the finding's ecosystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    text: String,
    bounds: Vec<(Op, String)>,
}

impl VersionRange {
    /// Parses `text`; each bound must be a valid version of `ecosystem`, or
    /// of some ecosystem when none is given.
    pub fn parse(text: &str, ecosystem: Option<Ecosystem>) -> Result<VersionRange, String> {
        let mut bounds = Vec::new();
        for part in text.split(',').map(str::trim) {
            let (op, rest) = split_op(part)
                .ok_or_else(|| format!("`{part}` does not start with <, <=, >, >= or ="))?;
            let rest = rest.trim();
            let ecos = ecosystem.map_or(Ecosystem::ALL.to_vec(), |e| vec![e]);
            if !ecos.iter().any(|e| is_strict_version(*e, rest)) {
                return Err(format!("`{rest}` is not a valid version"));
            }
            bounds.push((op, rest.to_string()));
        }
        Ok(VersionRange {
            text: text.to_string(),
            bounds,
        })
    }

    /// True when `version` of `ecosystem` is inside the range; a version or
    /// bound that does not parse there is outside.
    pub fn contains(&self, ecosystem: Ecosystem, version: &str) -> bool {
        let Ok(v) = Version::parse(ecosystem, version) else {
            return false;
        };
        self.bounds.iter().all(|(op, bound)| {
            Version::parse(ecosystem, bound).is_ok_and(|b| match op {
                Op::Lt => v < b,
                Op::Le => v <= b,
                Op::Gt => v > b,
                Op::Ge => v >= b,
                Op::Eq => v == b,
            })
        })
    }

    /// The range as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Bounds must be real versions: for PyPI, PEP 440 (the matcher also
/// orders legacy versions, but a policy author never means one).
fn is_strict_version(ecosystem: Ecosystem, text: &str) -> bool {
    match ecosystem {
        Ecosystem::PyPI => text.parse::<pep440_rs::Version>().is_ok(),
        _ => Version::parse(ecosystem, text).is_ok(),
    }
}

fn split_op(part: &str) -> Option<(Op, &str)> {
    [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
        ("=", Op::Eq),
    ]
    .into_iter()
    .find_map(|(p, op)| part.strip_prefix(p).map(|rest| (op, rest)))
}

/// One exception from the policy file.
#[derive(Debug, Clone)]
pub struct Exception {
    /// The 1-based line of its `[[exception]]` header.
    pub line: usize,
    /// What it excuses.
    pub target: Target,
    /// Only this package (name compared after ecosystem normalisation).
    pub package: Option<String>,
    /// Only this ecosystem.
    pub ecosystem: Option<Ecosystem>,
    /// Only versions in this range.
    pub versions: Option<VersionRange>,
    /// Only servers matching this glob.
    pub server: Option<Glob>,
    /// Why it is acceptable (required).
    pub reason: String,
    /// Who answers for it (required).
    pub owner: String,
    /// The last day it applies.
    pub expires: Date,
    /// How the finding was triaged.
    pub classification: Classification,
}

impl Exception {
    /// The label used in reports: the advisory id or code it excuses.
    pub fn label(&self) -> &str {
        match &self.target {
            Target::Advisory(id) => id,
            Target::Code(code) => code.as_str(),
        }
    }

    /// True on `today` when it is past its `expires` date.
    pub fn is_expired(&self, today: Date) -> bool {
        today > self.expires
    }

    /// True when it names this finding (whatever the date).
    pub fn matches(&self, ctx: &FindingContext<'_>) -> bool {
        self.target_matches(ctx) && self.scope_matches(ctx)
    }

    fn target_matches(&self, ctx: &FindingContext<'_>) -> bool {
        match &self.target {
            Target::Code(code) => *code == ctx.code,
            Target::Advisory(id) => ctx
                .advisory_id
                .into_iter()
                .chain(ctx.aliases.iter().map(String::as_str))
                .any(|a| a.eq_ignore_ascii_case(id)),
        }
    }

    fn scope_matches(&self, ctx: &FindingContext<'_>) -> bool {
        // `ecosystem = "Debian"` covers every Debian release.
        let eco_ok = self.ecosystem.is_none_or(|e| {
            ctx.ecosystem
                .is_some_and(|c| c == e || (e == e.base() && c.base() == e))
        });
        let pkg_ok = self.package.as_ref().is_none_or(|p| {
            matches!((ctx.ecosystem, ctx.package), (Some(e), Some(name))
                if e.normalize_name(name) == e.normalize_name(p))
        });
        let ver_ok = self.versions.as_ref().is_none_or(
            |r| matches!((ctx.ecosystem, ctx.version), (Some(e), Some(v)) if r.contains(e, v)),
        );
        let server_ok = self.server.as_ref().is_none_or(|g| g.is_match(ctx.server));
        eco_ok && pkg_ok && ver_ok && server_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exception(target: Target) -> Exception {
        Exception {
            line: 1,
            target,
            package: None,
            ecosystem: None,
            versions: None,
            server: None,
            reason: "r".into(),
            owner: "o".into(),
            expires: "2026-06-30".parse().unwrap(),
            classification: Classification::DependencyOnly,
        }
    }

    fn ctx(aliases: &[String]) -> FindingContext<'_> {
        crate::policy::tests::urllib3(aliases)
    }

    #[test]
    fn matches_by_primary_id_or_any_alias() {
        let aliases = vec!["CVE-2024-37891".to_string(), "PYSEC-2024-60".to_string()];
        let c = ctx(&aliases);
        assert!(exception(Target::Advisory("GHSA-34jh-p97f-mpxf".into())).matches(&c));
        assert!(exception(Target::Advisory("cve-2024-37891".into())).matches(&c));
        assert!(exception(Target::Advisory("PYSEC-2024-60".into())).matches(&c));
        assert!(!exception(Target::Advisory("CVE-2000-1".into())).matches(&c));
    }

    #[test]
    fn scope_by_package_version_and_server() {
        let c = ctx(&[]);
        let base = || exception(Target::Advisory("GHSA-34jh-p97f-mpxf".into()));
        let with = |f: fn(&mut Exception)| {
            let mut e = base();
            f(&mut e);
            e.matches(&c)
        };
        assert!(with(|e| e.package = Some("URLLib3".into())));
        assert!(!with(|e| e.package = Some("requests".into())));
        assert!(with(
            |e| e.versions = Some(VersionRange::parse(">=2.0, <2.2.2", None).unwrap())
        ));
        assert!(!with(
            |e| e.versions = Some(VersionRange::parse("<2.2.1", None).unwrap())
        ));
        assert!(with(|e| e.server = Some(Glob::new("fetch").unwrap())));
        assert!(!with(|e| e.server = Some(Glob::new("gdrive").unwrap())));
        assert!(!with(|e| e.ecosystem = Some(Ecosystem::Npm)));
    }

    #[test]
    fn expiry_boundary_is_inclusive_of_the_expiry_day() {
        let e = exception(Target::Code(Code::UnpinnedServer));
        assert!(!e.is_expired("2026-06-29".parse().unwrap()));
        assert!(!e.is_expired("2026-06-30".parse().unwrap()));
        assert!(e.is_expired("2026-07-01".parse().unwrap()));
    }

    #[test]
    fn bad_ranges_are_rejected() {
        assert!(VersionRange::parse("2.0", None).is_err());
        assert!(VersionRange::parse("<not a version!", None).is_err());
        assert!(VersionRange::parse("<1.0.0", Some(Ecosystem::Npm)).is_ok());
    }
}
