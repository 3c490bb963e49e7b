//! A finding before the policy has decided it, and how it is decided.

use advisories_cache::Ecosystem;

use crate::discover::Server;
use crate::policy::{Finding, FindingContext, Policy};
use crate::resolve::{InstalledPackage, InstalledTree};
use crate::types::finding::{AdvisoryRef, Code, ConfigLocation, PackageRef, Severity};
use crate::types::PinState;

/// A finding before the policy has decided it.
pub(super) struct Draft {
    pub(super) code: Code,
    /// How severe, for advisory findings only.
    pub(super) severity: Option<Severity>,
    pub(super) server: String,
    pub(super) package: Option<PackageRef>,
    pub(super) advisory: Option<AdvisoryRef>,
    pub(super) path: Vec<String>,
    pub(super) message: String,
    /// How the server's spec is pinned (for `unpinned-server`).
    pub(super) pin: Option<PinState>,
    /// Whether the package is a direct dependency of the server, when known.
    pub(super) direct: Option<bool>,
    /// Whether the package has an install script, when known.
    pub(super) install_script: Option<bool>,
    /// Whether the package is the server's own package, when known.
    pub(super) server_package: Option<bool>,
    /// The config entry it comes from.
    pub(super) location: Option<ConfigLocation>,
}

impl Draft {
    pub(super) fn new(code: Code, server: &Server, message: String) -> Draft {
        let location = ConfigLocation {
            path: server.config_path.clone(),
            line: server.line,
        };
        Draft {
            location: Some(location),
            ..Draft::named(code, server.name.clone(), message)
        }
    }

    /// A draft about `server` by name (config findings may name a file instead).
    pub(super) fn named(code: Code, server: String, message: String) -> Draft {
        Draft {
            code,
            severity: None,
            server,
            package: None,
            advisory: None,
            path: Vec::new(),
            message,
            pin: None,
            direct: None,
            install_script: None,
            server_package: None,
            location: None,
        }
    }

    fn context(&self) -> FindingContext<'_> {
        let package = self.package.as_ref();
        let advisory = self.advisory.as_ref();
        FindingContext {
            code: self.code,
            severity: self.severity,
            // No score means `min-cvss` rules do not match (never a guessed score).
            cvss: advisory.and_then(|a| a.cvss.as_ref()).map(|c| c.score),
            ecosystem: package.map(|p| p.ecosystem),
            package: package.map(|p| p.name.as_str()),
            version: package.map(|p| p.version.as_str()),
            server: &self.server,
            direct: self.direct,
            install_script: self.install_script,
            advisory_id: advisory.map(|a| a.id.as_str()),
            aliases: advisory.map_or(&[], |a| a.aliases.as_slice()),
            pin: self.pin,
            server_package: self.server_package,
        }
    }

    pub(super) fn decide(self, policy: &Policy) -> Finding {
        let verdict = policy.decide(&self.context());
        let mut finding = Finding {
            id: String::new(),
            code: self.code,
            severity: self.severity,
            decision: verdict.decision,
            rule: verdict.decided_by.to_string(),
            decided_by: verdict.decided_by,
            exception: verdict.exception,
            expired_exception: verdict.expired_exception,
            server: self.server,
            package: self.package,
            advisory: self.advisory,
            path: self.path,
            message: self.message,
            location: self.location,
            change: None,
        };
        finding.id = finding.fingerprint();
        finding
    }
}

/// Whether package `index` is the server's own package or one it depends on
/// directly (resolution marks the latter, and without a top package marks
/// the packages nothing depends on).
pub(super) fn is_direct(tree: &InstalledTree, index: usize) -> Option<bool> {
    Some(tree.top == Some(index) || tree.packages[index].direct)
}

/// Whether the package runs an install script: known for npm (lockfile
/// `hasInstallScript`, package.json scripts); unknown for Python.
pub(super) fn install_script(p: &InstalledPackage) -> Option<bool> {
    (p.ecosystem == Ecosystem::Npm).then_some(p.has_install_script)
}
