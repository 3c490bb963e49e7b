//! A finding with the decision the policy made on it: what a scan reports.

use serde::Serialize;

use super::{DecidedBy, Decision, ExceptionNote};
use crate::types::finding::{
    AdvisoryRef, Change, Code, ConfigLocation, FindingIdentity, PackageRef, Severity,
};

/// One finding, with the decision the policy made on it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What kind of finding.
    pub code: Code,
    /// How severe, for advisory findings (`vulnerable-dependency`,
    /// `malicious-package`) only: config and tree findings have no severity
    /// (policies decide them by `code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// What the policy decided.
    pub decision: Decision,
    /// The rule that decided, as one line (`rule `x` (supplygate.toml:12)`).
    pub rule: String,
    /// What decided, with its line in the policy file.
    pub decided_by: DecidedBy,
    /// The exception that excused it, when `decision` is `excepted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionNote>,
    /// An exception that named it but has expired, so did not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_exception: Option<ExceptionNote>,
    /// The server it concerns.
    pub server: String,
    /// The package it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageRef>,
    /// The advisory, for advisory findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory: Option<AdvisoryRef>,
    /// The shortest path from the server to the package (`name@version`s).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// A one-line human message.
    pub message: String,
    /// The config entry it comes from, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<ConfigLocation>,
    /// Whether it was in the baseline, when the scan had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

impl Finding {
    /// This finding's stable fingerprint (see [`FindingIdentity`]).
    pub fn fingerprint(&self) -> String {
        let package = self.package.as_ref().map(|p| p.to_string());
        let config = self
            .location
            .as_ref()
            .map(|l| l.path.to_string_lossy().into_owned());
        FindingIdentity {
            code: self.code.as_str(),
            server: &self.server,
            ecosystem: self.package.as_ref().map_or("", |p| p.ecosystem.as_str()),
            package: package.as_deref().unwrap_or(""),
            advisory: self.advisory.as_ref().map_or("", |a| a.id.as_str()),
            config: config.as_deref().unwrap_or(""),
        }
        .fingerprint()
    }
}
