//! Package ecosystems supplygate understands, and their name rules.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ecosystem whose installed trees supplygate resolves and matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ecosystem {
    /// The npm registry (SemVer versions).
    #[serde(rename = "npm")]
    Npm,
    /// The Python Package Index (PEP 440 versions).
    #[serde(rename = "PyPI")]
    PyPI,
}

/// An OSV ecosystem string supplygate does not handle.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown ecosystem `{0}` (known: npm, PyPI)")]
pub struct UnknownEcosystem(pub String);

impl Ecosystem {
    /// Every ecosystem, in a stable order.
    pub const ALL: [Ecosystem; 2] = [Ecosystem::Npm, Ecosystem::PyPI];

    /// The ecosystem's name as OSV spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
        }
    }

    /// Normalises a package name for lookups: PEP 503 for PyPI (lowercase,
    /// runs of `-`, `_`, `.` become one `-`); npm names are kept as published.
    pub fn normalize_name(self, name: &str) -> String {
        match self {
            Ecosystem::Npm => name.to_string(),
            Ecosystem::PyPI => pep503(name),
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

    /// Accepts OSV's spelling, case-insensitively, and ignores an OSV
    /// ecosystem suffix such as `npm:some-registry`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let base = s.split(':').next().unwrap_or(s);
        match base.to_ascii_lowercase().as_str() {
            "npm" => Ok(Ecosystem::Npm),
            "pypi" => Ok(Ecosystem::PyPI),
            _ => Err(UnknownEcosystem(s.to_string())),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
}
