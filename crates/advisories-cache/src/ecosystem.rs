//! Package ecosystems supplygate understands, and their name rules.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ecosystem whose installed packages supplygate resolves and matches.
///
/// Distribution ecosystems carry their release (`Debian:12`, `Alpine:v3.19`)
/// because OSV files each release's advisories separately: a record for
/// `Debian:11` says nothing about the same package on Debian 12. `None` is the
/// ecosystem as a whole (what `db update` downloads and a policy names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    /// The npm registry (SemVer versions).
    Npm,
    /// The Python Package Index (PEP 440 versions).
    PyPI,
    /// Debian packages (dpkg versions), with the release's major number.
    Debian(Option<u16>),
    /// Alpine packages (apk versions), with the release's major and minor.
    Alpine(Option<(u16, u16)>),
    /// Go modules and the standard library (`stdlib`), Go's SemVer.
    Go,
}

/// An OSV ecosystem string supplygate does not handle.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown ecosystem `{0}` (known: npm, PyPI, Debian, Alpine, Go)")]
pub struct UnknownEcosystem(pub String);

impl Ecosystem {
    /// Every ecosystem as a whole, in a stable order.
    pub const ALL: [Ecosystem; 5] = [
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::Debian(None),
        Ecosystem::Alpine(None),
        Ecosystem::Go,
    ];

    /// The ecosystem's base name as OSV spells it, without a release
    /// (`Debian`, not `Debian:12`); [`fmt::Display`] includes the release.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Debian(_) => "Debian",
            Ecosystem::Alpine(_) => "Alpine",
            Ecosystem::Go => "Go",
        }
    }

    /// The ecosystem as a whole, without its release: the key advisories
    /// are stored and counted under.
    pub fn base(self) -> Ecosystem {
        match self {
            Ecosystem::Debian(_) => Ecosystem::Debian(None),
            Ecosystem::Alpine(_) => Ecosystem::Alpine(None),
            other => other,
        }
    }

    /// Normalises a package name for lookups: PEP 503 for PyPI (lowercase,
    /// runs of `-`, `_`, `.` become one `-`); other names are kept as published.
    pub fn normalize_name(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => pep503(name),
            _ => name.to_string(),
        }
    }
}

fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_sep = false;
        }
    }
    out
}

impl FromStr for Ecosystem {
    type Err = UnknownEcosystem;

    /// Accepts OSV's spelling, case-insensitively. A release suffix is kept
    /// for Debian (`Debian:12`) and Alpine (`Alpine:v3.19`); other suffixes
    /// (`npm:some-registry`, `Debian:12:lts` variants) are ignored or refused.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownEcosystem(s.to_string());
        let (base, release) = match s.split_once(':') {
            Some((b, r)) => (b, Some(r)),
            None => (s, None),
        };
        match base.to_ascii_lowercase().as_str() {
            "npm" => Ok(Ecosystem::Npm),
            "pypi" => Ok(Ecosystem::PyPI),
            "go" => Ok(Ecosystem::Go),
            "debian" => match release {
                None => Ok(Ecosystem::Debian(None)),
                Some(r) => r
                    .parse()
                    .map(|m| Ecosystem::Debian(Some(m)))
                    .map_err(|_| unknown()),
            },
            "alpine" => match release {
                None => Ok(Ecosystem::Alpine(None)),
                Some(r) => alpine_release(r)
                    .map(|r| Ecosystem::Alpine(Some(r)))
                    .ok_or_else(unknown),
            },
            _ => Err(unknown()),
        }
    }
}

/// `v3.19` (OSV's spelling) or `3.19`.
fn alpine_release(text: &str) -> Option<(u16, u16)> {
    let (major, minor) = text.strip_prefix('v').unwrap_or(text).split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        match self {
            Ecosystem::Debian(Some(major)) => write!(f, ":{major}"),
            Ecosystem::Alpine(Some((major, minor))) => write!(f, ":v{major}.{minor}"),
            _ => Ok(()),
        }
    }
}

impl Serialize for Ecosystem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ecosystem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_names_normalise_per_pep503() {
        assert_eq!(Ecosystem::PyPI.normalize_name("GitPython"), "gitpython");
        assert_eq!(
            Ecosystem::PyPI.normalize_name("zope.interface"),
            "zope-interface"
        );
        assert_eq!(Ecosystem::PyPI.normalize_name("a__-.b"), "a-b");
    }

    #[test]
    fn npm_names_are_kept_as_published() {
        assert_eq!(
            Ecosystem::Npm.normalize_name("@Scope/Pkg_x"),
            "@Scope/Pkg_x"
        );
    }

    #[test]
    fn parses_osv_spellings() {
        assert_eq!("PyPI".parse::<Ecosystem>().unwrap(), Ecosystem::PyPI);
        assert_eq!("npm".parse::<Ecosystem>().unwrap(), Ecosystem::Npm);
        assert!("crates.io".parse::<Ecosystem>().is_err());
    }

    #[test]
    fn distribution_releases_round_trip() {
        for text in ["Debian:12", "Alpine:v3.19", "Go", "Debian", "Alpine"] {
            assert_eq!(text.parse::<Ecosystem>().unwrap().to_string(), text);
        }
        assert_eq!(
            "Debian:12".parse::<Ecosystem>().unwrap().base(),
            Ecosystem::Debian(None)
        );
        assert!("Debian:bookworm".parse::<Ecosystem>().is_err());
    }
}
