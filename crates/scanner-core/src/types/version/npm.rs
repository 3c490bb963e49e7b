//! npm versions: SemVer 2.0 precedence.

use std::cmp::Ordering;
use std::fmt;

/// An npm version. Equality and order follow SemVer precedence: build
/// metadata is ignored (`1.0.0+a == 1.0.0+b`), unlike `semver::Version`'s `Ord`.
#[derive(Debug, Clone)]
pub struct NpmVersion(semver::Version);

/// node-semver's `MAX_LENGTH`: longer strings are not versions.
const MAX_LENGTH: usize = 256;
/// node-semver's numeric cap: JavaScript's `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

impl NpmVersion {
    /// Parses a version the way node-semver does with default options:
    /// surrounding white space is trimmed and one leading `v` is accepted;
    /// anything longer than 256 characters or with a number past
    /// `Number.MAX_SAFE_INTEGER` is rejected.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        Self::parse_plain(t)
    }

    fn parse_plain(t: &str) -> Option<Self> {
        if t.len() > MAX_LENGTH {
            return None;
        }
        let v = semver::Version::parse(t).ok()?;
        let numbers_ok = [v.major, v.minor, v.patch]
            .iter()
            .all(|n| *n <= MAX_SAFE_INTEGER)
            && (v.pre.is_empty()
                || v.pre.split('.').all(|id| {
                    !id.bytes().all(|b| b.is_ascii_digit())
                        || id.parse::<u64>().is_ok_and(|n| n <= MAX_SAFE_INTEGER)
                }));
        numbers_ok.then_some(NpmVersion(v))
    }

    /// Parses a version as OSV records write range events, and as
    /// node-semver's `loose` mode reads versions: any run of `v`, `=` and
    /// white space before the version is skipped, numbers may have leading
    /// zeros, a prerelease may follow the patch without a hyphen
    /// (`1.2.3beta`), and a missing minor or patch is taken as zero
    /// (`1.0` → `1.0.0`), as osv.dev does for npm ranges.
    pub fn parse_loose(text: &str) -> Option<Self> {
        Self::loose(text, true)
    }

    /// node-semver's `loose` mode exactly: like [`Self::parse_loose`] but all
    /// three numbers must be present.
    pub fn parse_node_loose(text: &str) -> Option<Self> {
        Self::loose(text, false)
    }

    fn loose(text: &str, pad: bool) -> Option<Self> {
        let t = text.trim().trim_start_matches(['=', 'v', ' ', '\t']);
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (core, rest) = t.split_at(split);
        let numbers: Vec<u64> = core
            .split('.')
            .map(|p| p.parse::<u64>().ok())
            .collect::<Option<_>>()?;
        if numbers.len() > 3 || (!pad && numbers.len() < 3) {
            return None;
        }
        let mut core: Vec<String> = numbers.iter().map(u64::to_string).collect();
        core.resize(3, "0".to_string());
        let rest = match rest.as_bytes().first() {
            None | Some(b'-') | Some(b'+') => rest.to_string(),
            Some(_) => format!("-{rest}"),
        };
        Self::parse_plain(&format!("{}{rest}", core.join(".")))
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
        assert_eq!(
            NpmVersion::parse_loose(" = v1.2.3beta").unwrap(),
            v("1.2.3-beta")
        );
    }

    #[test]
    fn rejects_non_semver() {
        assert!(NpmVersion::parse("1.2").is_none());
        assert!(NpmVersion::parse("latest").is_none());
        assert!(NpmVersion::parse("=1.2.3").is_none());
        assert!(NpmVersion::parse("90071992547409910.0.0").is_none());
    }
}
