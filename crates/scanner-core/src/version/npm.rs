//! npm versions: SemVer 2.0 precedence.

use std::cmp::Ordering;
use std::fmt;

/// An npm version. Equality and order follow SemVer precedence: build
/// metadata is ignored (`1.0.0+a == 1.0.0+b`), unlike `semver::Version`'s `Ord`.
#[derive(Debug, Clone)]
pub struct NpmVersion(semver::Version);

impl NpmVersion {
    /// Parses a version as npm publishes it; a leading `v` or `=` and
    /// surrounding white space are accepted, as node-semver's default mode does.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let t = t.strip_prefix('=').unwrap_or(t).trim_start();
        let t = t.strip_prefix('v').unwrap_or(t);
        semver::Version::parse(t).ok().map(NpmVersion)
    }

    /// Parses a version as OSV records write range events: like [`Self::parse`],
    /// but a missing minor or patch is taken as zero (`1.0` → `1.0.0`), as
    /// osv.dev does for npm ranges.
    pub fn parse_loose(text: &str) -> Option<Self> {
        if let Some(v) = Self::parse(text) {
            return Some(v);
        }
        let t = text.trim().trim_start_matches(['=', 'v']);
        let split = t.find(['-', '+']).unwrap_or(t.len());
        let (core, rest) = t.split_at(split);
        let parts = core.split('.').count();
        if parts == 0
            || parts > 2
            || core
                .split('.')
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let padded = format!("{core}{}{rest}", ".0".repeat(3 - parts));
        semver::Version::parse(&padded).ok().map(NpmVersion)
    }

    /// The underlying SemVer value.
    pub fn as_semver(&self) -> &semver::Version {
        &self.0
    }
}

impl PartialEq for NpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NpmVersion {}

impl PartialOrd for NpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for NpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_precedence(&other.0)
    }
}

impl fmt::Display for NpmVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> NpmVersion {
        NpmVersion::parse(s).unwrap()
    }

    #[test]
    fn build_metadata_is_ignored() {
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
    }

    #[test]
    fn prereleases_order_per_spec() {
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for w in order.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn loose_parsing_pads_missing_parts() {
        assert_eq!(NpmVersion::parse_loose("1.0").unwrap(), v("1.0.0"));
        assert_eq!(NpmVersion::parse_loose("2").unwrap(), v("2.0.0"));
        assert!(NpmVersion::parse_loose("1.x").is_none());
    }

    #[test]
    fn rejects_non_semver() {
        assert!(NpmVersion::parse("1.2").is_none());
        assert!(NpmVersion::parse("latest").is_none());
    }
}
