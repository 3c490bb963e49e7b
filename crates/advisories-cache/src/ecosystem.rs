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
    /// Ubuntu packages (dpkg versions), with the release (`Ubuntu:22.04:LTS`).
    Ubuntu(Option<UbuntuRelease>),
}

/// An Ubuntu release as OSV names it: `22.04:LTS`, `23.10`, and the same
/// release's Ubuntu Pro (ESM) stream `Pro:18.04:LTS`.
///
/// Canonical's records for a release's Pro stream apply to that release:
/// ESM continues the release's own packages (`…+esm1` versions sort above
/// the standard ones), and an image does not say whether Pro is attached,
/// so a package older than the Pro fix is vulnerable either way (the fix
/// needs a subscription). Separately built lineages (`Pro:FIPS:…`,
/// `Pro:FIPS-updates:…`, …) are other packages and are not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UbuntuRelease {
    /// The year (`22` for 22.04).
    pub year: u8,
    /// The month (`4` for 22.04).
    pub month: u8,
    /// A long-term support release (OSV's `:LTS` suffix).
    pub lts: bool,
    /// The Ubuntu Pro stream of the release (OSV's `Pro:` prefix).
    pub pro: bool,
}

impl UbuntuRelease {
    /// Parses OSV's release part: `[Pro:]YY.MM[:LTS]`.
    pub fn parse(text: &str) -> Option<Self> {
        let (pro, rest) = match text.strip_prefix("Pro:") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (number, lts) = match rest.strip_suffix(":LTS") {
            Some(number) => (number, true),
            None => (rest, false),
        };
        let (year, month) = number.split_once('.')?;
        let digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(year) || !digits(month) {
            return None;
        }
        Some(UbuntuRelease {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
            lts,
            pro,
        })
    }
}

impl fmt::Display for UbuntuRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pro {
            f.write_str("Pro:")?;
        }
        write!(f, "{:02}.{:02}", self.year, self.month)?;
        if self.lts {
            f.write_str(":LTS")?;
        }
        Ok(())
    }
}

/// An OSV ecosystem string supplygate does not handle.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown ecosystem `{0}` (known: npm, PyPI, Debian, Ubuntu, Alpine, Go)")]
pub struct UnknownEcosystem(pub String);

impl Ecosystem {
    /// Every ecosystem as a whole, in a stable order.
    pub const ALL: [Ecosystem; 6] = [
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::Debian(None),
        Ecosystem::Ubuntu(None),
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
            Ecosystem::Ubuntu(_) => "Ubuntu",
        }
    }

    /// True when a record filed under `self` (an `affected` entry's
    /// ecosystem) applies to a package installed in `installed`: the same
    /// ecosystem and release, where an Ubuntu release's Pro stream and its
    /// `:LTS` label do not make another release (see [`UbuntuRelease`]).
    pub fn applies_to(self, installed: Ecosystem) -> bool {
        match (self, installed) {
            (Ecosystem::Ubuntu(Some(a)), Ecosystem::Ubuntu(Some(b))) => {
                (a.year, a.month) == (b.year, b.month)
            }
            (a, b) => a == b,
        }
    }

    /// The ecosystem as a whole, without its release: the key advisories
    /// are stored and counted under.
    pub fn base(self) -> Ecosystem {
        match self {
            Ecosystem::Debian(_) => Ecosystem::Debian(None),
            Ecosystem::Alpine(_) => Ecosystem::Alpine(None),
            Ecosystem::Ubuntu(_) => Ecosystem::Ubuntu(None),
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
    /// for Debian (`Debian:12`), Alpine (`Alpine:v3.19`) and Ubuntu
    /// (`Ubuntu:22.04:LTS`, `Ubuntu:Pro:18.04:LTS`); other suffixes
    /// (`npm:some-registry`, `Ubuntu:Pro:FIPS:18.04:LTS`) are ignored or refused.
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
            "ubuntu" => match release {
                None => Ok(Ecosystem::Ubuntu(None)),
                Some(r) => UbuntuRelease::parse(r)
                    .map(|r| Ecosystem::Ubuntu(Some(r)))
                    .ok_or_else(unknown),
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
            Ecosystem::Ubuntu(Some(release)) => write!(f, ":{release}"),
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

    #[test]
    fn ubuntu_releases_and_their_pro_stream() {
        for text in [
            "Ubuntu:22.04:LTS",
            "Ubuntu:23.10",
            "Ubuntu:Pro:18.04:LTS",
            "Ubuntu",
        ] {
            assert_eq!(text.parse::<Ecosystem>().unwrap().to_string(), text);
        }
        let eco = |t: &str| t.parse::<Ecosystem>().unwrap();
        let installed = eco("Ubuntu:18.04:LTS");
        assert!(eco("Ubuntu:18.04:LTS").applies_to(installed));
        assert!(eco("Ubuntu:Pro:18.04:LTS").applies_to(installed));
        assert!(!eco("Ubuntu:20.04:LTS").applies_to(installed));
        assert!(!eco("Debian:18").applies_to(installed));
        assert_eq!(eco("Ubuntu:Pro:18.04:LTS").base(), Ecosystem::Ubuntu(None));
        // Separately built lineages are other packages: not read.
        for text in [
            "Ubuntu:Pro:FIPS:18.04:LTS",
            "Ubuntu:Pro:FIPS-updates:20.04:LTS",
            "Ubuntu:jammy",
            "Ubuntu:22.4",
        ] {
            assert!(text.parse::<Ecosystem>().is_err(), "{text}");
        }
    }
}
