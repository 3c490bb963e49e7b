//! Findings: what a scan reports, each with a stable code.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use advisories_cache::Ecosystem;
use serde::Serialize;

/// The kind of a finding. Codes are stable: policies and CI scripts match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Code {
    /// An installed package is a known malicious package (`MAL-` advisory).
    MaliciousPackage,
    /// An installed package version has a known vulnerability.
    VulnerableDependency,
    /// The server's package is not pinned to one exact version.
    UnpinnedServer,
    /// The server's tree is not installed where its launcher would look.
    TreeNotInstalled,
    /// The server's launcher is not one supplygate resolves.
    UnsupportedLauncher,
    /// No advisory data is available for an ecosystem the server uses.
    NoAdvisoryData,
    /// An installed version could not be parsed, so it was not matched.
    InvalidVersion,
    /// A credential is written in plain text in a config (env, args, headers, URL).
    PlaintextSecret,
    /// A server is reached over plain `http://` on a host that is not this machine.
    InsecureTransport,
    /// A filesystem server is given the whole disk or home folder.
    BroadFilesystemAccess,
    /// A docker image is run by tag, not pinned by digest.
    UnpinnedImage,
    /// A variable in a config cannot be resolved offline.
    UnresolvedVariable,
    /// A config file or entry was present but could not be read.
    ConfigSkipped,
    /// A key appears twice in one config object; one of them is ignored.
    DuplicateKey,
    /// Installed files differ from what was published (RECORD or tarball).
    ChecksumMismatch,
    /// The lockfile and the installed tree disagree.
    LockfileMismatch,
    /// A package came from git, a URL or a local path, or is editable.
    NonRegistrySource,
    /// A RECORD names a path outside its environment.
    RecordPathEscape,
    /// A package folder in a tree could not be read, or a walk cap was hit.
    UnreadablePackage,
    /// No package of the environment provides the `python -m` module.
    ModuleNotFound,
    /// A Python package has no RECORD, so its files could not be verified.
    RecordMissing,
    /// A RECORD is malformed, not a regular file or over its size cap.
    RecordInvalid,
    /// The byte budget for verification was spent before a package was read.
    VerificationCapped,
    /// What the launcher would install could not be resolved.
    ResolutionFailed,
    /// A package could only be resolved by building it from source; builds are never run.
    NeedsBuild,
    /// The registry marks the package deprecated (npm) or the project archived/quarantined (PyPI).
    DeprecatedPackage,
    /// The version is yanked from the index (PyPI).
    YankedVersion,
    /// The version was published less than the minimum release age ago.
    TooNew,
    /// What the registry says about a resolved package (publish time,
    /// deprecation, yanked, project status) could not be fetched.
    RegistryFactsUnknown,
    /// The package runs an install script (npm preinstall/install/postinstall).
    InstallScript,
    /// A server's installed tree differs from the baseline's.
    TreeChanged,
    /// A digest-pinned image is not the image found for its reference.
    ImageDigestMismatch,
    /// A server runs a native binary whose packages cannot be read.
    UnscannedBinary,
}

impl Code {
    /// Every code, for docs and uniqueness tests.
    pub const ALL: [Code; 33] = [
        Code::MaliciousPackage,
        Code::VulnerableDependency,
        Code::UnpinnedServer,
        Code::TreeNotInstalled,
        Code::UnsupportedLauncher,
        Code::NoAdvisoryData,
        Code::InvalidVersion,
        Code::PlaintextSecret,
        Code::InsecureTransport,
        Code::BroadFilesystemAccess,
        Code::UnpinnedImage,
        Code::UnresolvedVariable,
        Code::ConfigSkipped,
        Code::DuplicateKey,
        Code::ChecksumMismatch,
        Code::LockfileMismatch,
        Code::NonRegistrySource,
        Code::RecordPathEscape,
        Code::UnreadablePackage,
        Code::ModuleNotFound,
        Code::RecordMissing,
        Code::RecordInvalid,
        Code::VerificationCapped,
        Code::ResolutionFailed,
        Code::NeedsBuild,
        Code::DeprecatedPackage,
        Code::YankedVersion,
        Code::TooNew,
        Code::RegistryFactsUnknown,
        Code::InstallScript,
        Code::TreeChanged,
        Code::ImageDigestMismatch,
        Code::UnscannedBinary,
    ];

    /// The stable kebab-case code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MaliciousPackage => "malicious-package",
            Code::VulnerableDependency => "vulnerable-dependency",
            Code::UnpinnedServer => "unpinned-server",
            Code::TreeNotInstalled => "tree-not-installed",
            Code::UnsupportedLauncher => "unsupported-launcher",
            Code::NoAdvisoryData => "no-advisory-data",
            Code::InvalidVersion => "invalid-version",
            Code::PlaintextSecret => "plaintext-secret",
            Code::InsecureTransport => "insecure-transport",
            Code::BroadFilesystemAccess => "broad-filesystem-access",
            Code::UnpinnedImage => "unpinned-image",
            Code::UnresolvedVariable => "unresolved-variable",
            Code::ConfigSkipped => "config-skipped",
            Code::DuplicateKey => "duplicate-key",
            Code::ChecksumMismatch => "checksum-mismatch",
            Code::LockfileMismatch => "lockfile-mismatch",
            Code::NonRegistrySource => "non-registry-source",
            Code::RecordPathEscape => "record-path-escape",
            Code::UnreadablePackage => "unreadable-package",
            Code::ModuleNotFound => "module-not-found",
            Code::RecordMissing => "record-missing",
            Code::RecordInvalid => "record-invalid",
            Code::VerificationCapped => "verification-capped",
            Code::ResolutionFailed => "resolution-failed",
            Code::NeedsBuild => "needs-build",
            Code::DeprecatedPackage => "deprecated-package",
            Code::YankedVersion => "yanked-version",
            Code::TooNew => "too-new",
            Code::RegistryFactsUnknown => "registry-facts-unknown",
            Code::InstallScript => "install-script",
            Code::TreeChanged => "tree-changed",
            Code::ImageDigestMismatch => "image-digest-mismatch",
            Code::UnscannedBinary => "unscanned-binary",
        }
    }

    /// One line saying what the code means.
    pub fn description(self) -> &'static str {
        match self {
            Code::MaliciousPackage => "an installed package is a known malicious package",
            Code::VulnerableDependency => "an installed package version has a known vulnerability",
            Code::UnpinnedServer => "the server's package is not pinned to an exact version; the next launch may run other code",
            Code::TreeNotInstalled => "the server's installed tree was not found, so its packages were not checked",
            Code::UnsupportedLauncher => "the server's launcher is not resolved by supplygate, so its packages were not checked",
            Code::NoAdvisoryData => "the advisories store has no data for an ecosystem the server uses",
            Code::InvalidVersion => "an installed version could not be parsed, so it was not matched",
            Code::PlaintextSecret => "a credential is written in plain text in a client config",
            Code::InsecureTransport => "a server is reached over plain http:// on a host that is not this machine",
            Code::BroadFilesystemAccess => "a filesystem server is given the whole disk or home folder",
            Code::UnpinnedImage => "a docker image is run by tag, not pinned by digest",
            Code::UnresolvedVariable => "a variable in a config cannot be resolved offline, so what runs is not fully known",
            Code::ConfigSkipped => "a config file or entry was present but could not be read, so its servers were not checked",
            Code::DuplicateKey => "a key appears twice in one config object; the client ignores one of them",
            Code::ChecksumMismatch => "installed files differ from what was published (modified or missing)",
            Code::LockfileMismatch => "the lockfile and the installed tree disagree (missing, extraneous or other version)",
            Code::NonRegistrySource => "a package was installed from git, a URL or a local path, or is editable",
            Code::RecordPathEscape => "a RECORD names a path outside its environment; it was not read",
            Code::UnreadablePackage => "part of the tree could not be read (a package folder without a usable package.json or METADATA, a file or symlink Node or Python may load, a symlink out of the tree, a folder or .pth over a cap), so what it holds was not checked",
            Code::ModuleNotFound => "no package of the environment provides the `python -m` module, so what runs (a local file, another path) was not checked",
            Code::RecordMissing => "a Python package has no RECORD in a virtual environment or beside packages that have one (every installer writes it), so its installed files could not be verified",
            Code::RecordInvalid => "a Python package's RECORD is malformed, not a regular file or over its size cap, so its installed files could not be verified",
            Code::VerificationCapped => "verifying installed files stopped at the byte budget per package or per scan, so a package's files were not verified",
            Code::ResolutionFailed => "what the launcher would install could not be resolved (registry unreachable, version gone, dependency refused), so the tree was not checked",
            Code::NeedsBuild => "a package has no wheel and would have to be built from source to resolve it; supplygate never builds, so the tree was not checked",
            Code::DeprecatedPackage => "the registry marks the package deprecated, or the project archived or quarantined",
            Code::YankedVersion => "the version is yanked from the package index",
            Code::TooNew => "the version was published less than the minimum release age ago (default 2 days)",
            Code::RegistryFactsUnknown => "what the registry says about a resolved package (publish time, deprecation, yanked, project status) could not be fetched, so too-new, deprecated-package and yanked-version were not checked for it",
            Code::InstallScript => "the package runs an install script (preinstall, install or postinstall) when installed",
            Code::TreeChanged => "a package of the server's installed tree was added, removed or changed version since the baseline report",
            Code::ImageDigestMismatch => "the config pins an image digest, but the image found for that reference has another digest",
            Code::UnscannedBinary => "the server runs a native binary whose contents supplygate cannot list; allow it by its sha256",
        }
    }

    /// True when the finding means something in use could not be checked:
    /// such findings make the run incomplete, whatever the policy says.
    pub fn is_coverage_gap(self) -> bool {
        matches!(
            self,
            Code::TreeNotInstalled
                | Code::UnsupportedLauncher
                | Code::NoAdvisoryData
                | Code::InvalidVersion
                | Code::ConfigSkipped
                | Code::UnreadablePackage
                | Code::ModuleNotFound
                | Code::RecordMissing
                | Code::RecordInvalid
                | Code::VerificationCapped
                | Code::ResolutionFailed
                | Code::NeedsBuild
                | Code::RegistryFactsUnknown
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = UnknownCode;

    /// The code spelt `text` (exactly, kebab-case): parsed once at the edge
    /// (a policy file, a CLI argument), a `Code` from then on.
    fn from_str(text: &str) -> Result<Code, UnknownCode> {
        Code::ALL
            .into_iter()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| UnknownCode(text.to_string()))
    }
}

/// Text that is not one of the finding codes ([`Code::ALL`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown finding code `{0}`")]
pub struct UnknownCode(pub String);

/// How severe a finding is. `Unscored` is its own level, below `Low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Severity {
    /// No score is known.
    Unscored,
    /// Low.
    Low,
    /// Medium (GHSA "moderate").
    Medium,
    /// High.
    High,
    /// Critical; every malicious package is critical.
    Critical,
}

impl Severity {
    /// The lowercase label.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unscored => "unscored",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A CVSS base score computed from a record's vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvssScore {
    /// `3.0`, `3.1` or `4.0`.
    pub version: String,
    /// The vector as published.
    pub vector: String,
    /// The base score, 0.0 to 10.0.
    pub score: f64,
}

/// A package as a finding names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PackageRef {
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// Its name.
    pub name: String,
    /// Its installed version.
    pub version: String,
}

impl fmt::Display for PackageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

/// The advisory behind a finding: one problem, with every id it is known by.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisoryRef {
    /// The primary id (the first of the group in sort order, MAL/GHSA first).
    pub id: String,
    /// Every other id of the group: the records' ids and their aliases.
    pub aliases: Vec<String>,
    /// The records of the group that matched.
    pub records: Vec<String>,
    /// A one-line summary, when a record has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The highest CVSS base score among the group's records, with its vector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss: Option<CvssScore>,
    /// Every `fixed` version the records name for the package, in version order.
    pub fixed: Vec<String>,
    /// The nearest fixed version above the installed one: what to upgrade
    /// to (none when no fix is published above it).
    pub nearest_fix: Option<String>,
}

/// Where in a client config a finding points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigLocation {
    /// The config file.
    pub path: PathBuf,
    /// 1-based line of the server entry (0 when the whole file is meant).
    pub line: usize,
}

/// Whether a finding was already in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Not in the baseline.
    New,
    /// In the baseline too (same fingerprint).
    Unchanged,
}

/// The fields a finding's stable identity is made of, as text: what a
/// report of this or an older supplygate (JSON without `id`) both carry.
#[derive(Debug, Clone, Copy, Default)]
pub struct FindingIdentity<'a> {
    /// The kebab-case code.
    pub code: &'a str,
    /// The server name.
    pub server: &'a str,
    /// The package's ecosystem (`npm`, `PyPI`), empty when no package.
    pub ecosystem: &'a str,
    /// `name@version`, empty when no package.
    pub package: &'a str,
    /// The advisory's primary id, empty when none.
    pub advisory: &'a str,
    /// The config file path, empty when no location.
    pub config: &'a str,
}

impl FindingIdentity<'_> {
    /// The fingerprint: stable across runs on the same machine (never a
    /// line, a message or a time, which move). SARIF's
    /// `partialFingerprints`, JSON's `id` and baseline matching all use it.
    pub fn fingerprint(&self) -> String {
        digest_parts(&[
            self.code,
            self.server,
            self.ecosystem,
            self.package,
            self.advisory,
            self.config,
        ])
    }
}

/// Hex SHA-256 of `parts`, each ended by a NUL so `("ab","c")` ≠ `("a","bc")`.
pub fn digest_parts(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_from_its_spelling_and_nothing_else_does() {
        for code in Code::ALL {
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
        }
        for text in [
            "",
            "Unpinned-Server",
            "unpinned_server",
            " too-new",
            "too-new ",
        ] {
            assert_eq!(text.parse::<Code>(), Err(UnknownCode(text.to_string())));
        }
    }

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            assert!(code
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'));
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }

    #[test]
    fn digest_separates_parts() {
        assert_ne!(digest_parts(&["ab", "c"]), digest_parts(&["a", "bc"]));
        assert_eq!(digest_parts(&["x"]).len(), 64);
    }
}
