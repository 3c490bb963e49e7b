//! Versions compared the way each ecosystem orders them.
//!
//! OSV ranges are plain orderings over an ecosystem's versions, so matching
//! needs only parsing and `Ord`, never a range or specifier library.

mod apk;
mod dpkg;
mod go;
mod legacy;
mod npm;
mod npm_range;
mod pypi;
mod pypi_spec;

use std::cmp::Ordering;
use std::fmt;

use advisories_cache::Ecosystem;

pub use apk::ApkVersion;
pub use dpkg::DpkgVersion;
pub use go::GoVersion;
pub use npm::NpmVersion;
pub use npm_range::{NpmRange, RangeError, RangeOptions, MAX_RANGE_LENGTH};
pub use pypi::PypiVersion;
pub use pypi_spec::{PypiSpecifiers, SpecifierError};

/// A version string that is not valid in its ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a valid {ecosystem} version")]
pub struct VersionError {
    /// The ecosystem the text was parsed for.
    pub ecosystem: Ecosystem,
    /// The text as given.
    pub text: String,
}

/// A version of a package in a known ecosystem, ordered by that ecosystem's rules.
#[derive(Debug, Clone)]
pub enum Version {
    /// SemVer 2.0, compared by precedence (build metadata ignored).
    Npm(NpmVersion),
    /// PEP 440, with legacy (non-PEP 440) versions ordered before all others.
    PyPI(PypiVersion),
    /// dpkg's `[epoch:]upstream[-revision]` order (Debian and Ubuntu).
    Debian(DpkgVersion),
    /// apk-tools' order.
    Alpine(ApkVersion),
    /// Go's SemVer (`v` prefix, pseudo-versions, `+incompatible` ignored).
    Go(GoVersion),
}

impl Version {
    /// Parses `text` as a version of `ecosystem`.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Result<Self, VersionError> {
        let err = || VersionError {
            ecosystem,
            text: text.to_string(),
        };
        match ecosystem {
            Ecosystem::Npm => NpmVersion::parse(text).map(Version::Npm).ok_or_else(err),
            Ecosystem::PyPI => PypiVersion::parse(text).map(Version::PyPI).ok_or_else(err),
            Ecosystem::Debian(_) | Ecosystem::Ubuntu(_) => DpkgVersion::parse(text)
                .map(Version::Debian)
                .ok_or_else(err),
            Ecosystem::Alpine(_) => ApkVersion::parse(text).map(Version::Alpine).ok_or_else(err),
            Ecosystem::Go => GoVersion::parse(text).map(Version::Go).ok_or_else(err),
        }
    }

    /// Parses a version named in an OSV range event, which may be written
    /// more loosely than an installed version (npm `1.0` for `1.0.0`).
    /// OSV `Go` records write versions without Go's `v`.
    pub fn parse_event(ecosystem: Ecosystem, text: &str) -> Result<Self, VersionError> {
        let err = || VersionError {
            ecosystem,
            text: text.to_string(),
        };
        match ecosystem {
            Ecosystem::Npm => NpmVersion::parse_loose(text)
                .map(Version::Npm)
                .ok_or_else(err),
            Ecosystem::Go => GoVersion::parse_event(text)
                .map(Version::Go)
                .ok_or_else(err),
            _ => Self::parse(ecosystem, text),
        }
    }

    /// True for a pre-release (npm `1.0.0-beta.1`; PyPI `a`/`b`/`rc`/`.dev`
    /// and legacy versions): never suggested as an upgrade.
    pub fn is_prerelease(&self) -> bool {
        match self {
            Version::Npm(v) => !v.as_semver().pre.is_empty(),
            Version::PyPI(PypiVersion::Pep440(v)) => v.any_prerelease(),
            Version::PyPI(PypiVersion::Legacy { .. }) => true,
            _ => false,
        }
    }

    /// The ecosystem this version belongs to (as a whole, without a release).
    pub fn ecosystem(&self) -> Ecosystem {
        match self {
            Version::Npm(_) => Ecosystem::Npm,
            Version::PyPI(_) => Ecosystem::PyPI,
            Version::Debian(_) => Ecosystem::Debian(None),
            Version::Alpine(_) => Ecosystem::Alpine(None),
            Version::Go(_) => Ecosystem::Go,
        }
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Version::Npm(a), Version::Npm(b)) => a.cmp(b),
            (Version::PyPI(a), Version::PyPI(b)) => a.cmp(b),
            (Version::Debian(a), Version::Debian(b)) => a.cmp(b),
            (Version::Alpine(a), Version::Alpine(b)) => a.cmp(b),
            (Version::Go(a), Version::Go(b)) => a.cmp(b),
            // Versions of different ecosystems are never compared by the
            // matcher; order them by ecosystem to keep `Ord` total.
            (a, b) => a.ecosystem().cmp(&b.ecosystem()),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Npm(v) => v.fmt(f),
            Version::PyPI(v) => v.fmt(f),
            Version::Debian(v) => v.fmt(f),
            Version::Alpine(v) => v.fmt(f),
            Version::Go(v) => v.fmt(f),
        }
    }
}
