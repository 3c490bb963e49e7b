//! The in-toto Statement v1 a receipt signs: one subject per resolved server
//! tree and per config file read, and a SLSA Verification Summary (v1)
//! predicate with supplygate's own fields under [`RECEIPT_FIELD`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::digest::{tree_digest, tree_lines, TreeLine};
use crate::policy::Decision;
use crate::report::{Outcome, Report};

/// The in-toto Statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The SLSA Verification Summary predicate type.
pub const VSA_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// The URI-named key of supplygate's own predicate fields.
pub const RECEIPT_FIELD: &str = "https://example.invalid/supplygate/receipt/v1";
/// The verifier id.
pub const VERIFIER_ID: &str = "https://example.invalid/supplygate";
/// The policy URI when no policy file was given.
pub const BUILTIN_POLICY: &str = "https://example.invalid/supplygate/policy/builtin";

/// A subject: a name and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// `<client>/<scope>/<server>` or `config:<path>`.
    pub name: String,
    /// `{"sha256": hex}`.
    pub digest: BTreeMap<String, String>,
}

impl Subject {
    fn new(name: String, sha256: String) -> Subject {
        Subject {
            name,
            digest: BTreeMap::from([("sha256".to_string(), sha256)]),
        }
    }

    /// Its SHA-256, if it has one.
    pub fn sha256(&self) -> Option<&str> {
        self.digest.get("sha256").map(String::as_str)
    }
}

/// Who ran the scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    /// The user name, when the environment says.
    pub user: String,
    /// The host name, when known.
    pub host: String,
    /// The CI system, when the environment is one (`github-actions`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<String>,
    /// The CI run id, when the environment has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_run_id: Option<String>,
}

/// A server's tree as approved: its subject name, root and packages (so a
/// later `receipt verify` can name what changed, not only that it did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptServer {
    /// `<client>/<scope>/<server>`.
    pub name: String,
    /// The tree's root folder.
    pub tree_root: String,
    /// Its packages, as the digest reads them.
    pub packages: Vec<TreeLine>,
}

/// An exception that excused a finding in this run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedException {
    /// The finding's fingerprint.
    pub finding: String,
    /// The finding's code.
    pub code: String,
    /// The server.
    pub server: String,
    /// `name@version`, for package findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The exception (id, line, reason, owner, expiry, classification).
    pub exception: Value,
}

/// Decision counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decisions {
    /// Findings decided block.
    pub block: usize,
    /// Findings decided warn.
    pub warn: usize,
    /// Findings decided allow.
    pub allow: usize,
    /// Findings excused by an exception.
    pub excepted: usize,
    /// Things in use that could not be checked.
    pub incomplete: usize,
}

/// supplygate's own predicate fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptFields {
    /// Who ran it.
    pub invocation: Invocation,
    /// The scan's exit code.
    pub exit_code: i32,
    /// The advisory data used (source, record counts, snapshot).
    pub advisories: Value,
    /// Decision counts.
    pub decisions: Decisions,
    /// SHA-256 of the full JSON report (`scan --format json` bytes).
    pub report_sha256: String,
    /// Every exception that excused a finding.
    pub exceptions: Vec<AppliedException>,
    /// The servers' trees as approved.
    pub servers: Vec<ReceiptServer>,
    /// Servers whose tree was not resolved (no subject).
    pub unresolved_servers: Vec<String>,
    /// Position in a receipt log (1 for the first), when written to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// SHA-256 of the previous envelope file of the log, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_envelope_sha256: Option<String>,
}

/// A policy as a resource descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDescriptor {
    /// A file URI of the policy file, or the built-in policy's URI.
    pub uri: String,
    /// `{"sha256": hex}` of the policy file's text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
}

/// The verifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verifier {
    /// Its URI.
    pub id: String,
    /// `{"supplygate": version}`.
    pub version: BTreeMap<String, String>,
}

/// The SLSA Verification Summary predicate, with supplygate's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Predicate {
    /// supplygate and its version.
    pub verifier: Verifier,
    /// When the scan ran (RFC 3339, UTC).
    pub time_verified: String,
    /// What was verified: the scanned home folder.
    pub resource_uri: String,
    /// The policy that decided.
    pub policy: PolicyDescriptor,
    /// `PASSED` when the scan exited 0, else `FAILED`.
    pub verification_result: String,
    /// `SUPPLYGATE_POLICY_PASSED` or `FAILED` (custom values must not start with `SLSA_`).
    pub verified_levels: Vec<String>,
    /// supplygate's own fields.
    #[serde(rename = "https://example.invalid/supplygate/receipt/v1")]
    pub supplygate: ReceiptFields,
}

/// An in-toto Statement v1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub type_: String,
    /// Server trees and config files.
    pub subject: Vec<Subject>,
    /// [`VSA_TYPE`].
    pub predicate_type: String,
    /// The verification summary.
    pub predicate: Predicate,
}

/// What a receipt records besides the report itself.
#[derive(Debug, Clone, Default)]
pub struct ReceiptInputs {
    /// SHA-256 of the JSON report.
    pub report_sha256: String,
    /// RFC 3339 time of the scan.
    pub time_verified: String,
    /// The scan's exit code.
    pub exit_code: i32,
    /// Who ran it.
    pub invocation: Invocation,
    /// Each config file read, with the SHA-256 of its bytes.
    pub config_files: Vec<(String, String)>,
    /// A URI of the scanned home folder.
    pub resource_uri: String,
    /// A file URI of the policy file, when one was used.
    pub policy_uri: Option<String>,
    /// Position in a receipt log.
    pub sequence: Option<u64>,
    /// SHA-256 of the previous envelope of the log.
    pub previous: Option<String>,
}

/// Builds the statement of `report`.
pub fn build(report: &Report, inputs: ReceiptInputs) -> Statement {
    let mut subject = Vec::new();
    let mut servers = Vec::new();
    let mut unresolved = Vec::new();
    for s in &report.servers {
        let name = s.key().to_string();
        match &s.tree {
            Some(tree) => {
                let packages = tree_lines(&s.packages);
                subject.push(Subject::new(name.clone(), tree_digest(&packages)));
                servers.push(ReceiptServer {
                    name,
                    tree_root: tree.root.display().to_string(),
                    packages,
                });
            }
            None => unresolved.push(name),
        }
    }
    for (path, sha256) in &inputs.config_files {
        subject.push(Subject::new(format!("config:{path}"), sha256.clone()));
    }
    let passed = inputs.exit_code == 0;
    let policy = PolicyDescriptor {
        uri: inputs
            .policy_uri
            .clone()
            .unwrap_or_else(|| format!("{BUILTIN_POLICY}@{}", env!("CARGO_PKG_VERSION"))),
        digest: report
            .policy
            .sha256
            .iter()
            .map(|h| ("sha256".to_string(), h.clone()))
            .collect(),
    };
    Statement {
        type_: STATEMENT_TYPE.into(),
        subject,
        predicate_type: VSA_TYPE.into(),
        predicate: Predicate {
            verifier: Verifier {
                id: VERIFIER_ID.into(),
                version: BTreeMap::from([(
                    "supplygate".to_string(),
                    env!("CARGO_PKG_VERSION").to_string(),
                )]),
            },
            time_verified: inputs.time_verified.clone(),
            resource_uri: inputs.resource_uri.clone(),
            policy,
            verification_result: if passed { "PASSED" } else { "FAILED" }.into(),
            verified_levels: vec![if passed {
                "SUPPLYGATE_POLICY_PASSED"
            } else {
                "FAILED"
            }
            .into()],
            supplygate: fields(report, inputs, servers, unresolved),
        },
    }
}

fn fields(
    report: &Report,
    inputs: ReceiptInputs,
    servers: Vec<ReceiptServer>,
    unresolved_servers: Vec<String>,
) -> ReceiptFields {
    let count = |d: Decision| report.findings.iter().filter(|f| f.decision == d).count();
    let exceptions = report
        .findings
        .iter()
        .filter_map(|f| {
            let e = f.exception.as_ref()?;
            Some(AppliedException {
                finding: f.fingerprint(),
                code: f.code.as_str().into(),
                server: f.server.clone(),
                package: f.package.as_ref().map(|p| p.to_string()),
                exception: serde_json::to_value(e).unwrap_or(Value::Null),
            })
        })
        .collect();
    ReceiptFields {
        invocation: inputs.invocation,
        exit_code: inputs.exit_code,
        advisories: serde_json::to_value(&report.advisories).unwrap_or(Value::Null),
        decisions: Decisions {
            block: count(Decision::Block),
            warn: count(Decision::Warn),
            allow: count(Decision::Allow),
            excepted: count(Decision::Excepted),
            incomplete: report.summary.incomplete.len(),
        },
        report_sha256: inputs.report_sha256,
        exceptions,
        servers,
        unresolved_servers,
        sequence: inputs.sequence,
        previous_envelope_sha256: inputs.previous,
    }
}

/// Whether a scan with this outcome exits 0.
pub fn passed(outcome: Outcome) -> bool {
    outcome == Outcome::Passed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_key_is_the_documented_uri() {
        let fields = ReceiptFields {
            invocation: Invocation::default(),
            exit_code: 0,
            advisories: Value::Null,
            decisions: Decisions {
                block: 0,
                warn: 0,
                allow: 0,
                excepted: 0,
                incomplete: 0,
            },
            report_sha256: String::new(),
            exceptions: vec![],
            servers: vec![],
            unresolved_servers: vec![],
            sequence: None,
            previous_envelope_sha256: None,
        };
        let p = Predicate {
            verifier: Verifier {
                id: VERIFIER_ID.into(),
                version: BTreeMap::new(),
            },
            time_verified: String::new(),
            resource_uri: String::new(),
            policy: PolicyDescriptor {
                uri: BUILTIN_POLICY.into(),
                digest: BTreeMap::new(),
            },
            verification_result: "PASSED".into(),
            verified_levels: vec![],
            supplygate: fields,
        };
        let v = serde_json::to_value(&p).unwrap();
        assert!(v.get(RECEIPT_FIELD).is_some());
        assert!(v.get("timeVerified").is_some());
    }
}
