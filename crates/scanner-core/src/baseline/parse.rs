//! Reading a baseline: any supplygate JSON report, old or new.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Baseline, BaselineFinding, BaselineServer, ServerKey};
use crate::types::finding::{FindingIdentity, PackageRef};

/// The largest baseline read, in bytes: a report of thousands of servers
/// fits; anything larger is refused, not read into memory.
pub const MAX_BASELINE_BYTES: u64 = 256 << 20;

/// A baseline that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// Not JSON, or not shaped like a report.
    #[error("not a supplygate JSON report: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but written by another tool.
    #[error("not a supplygate JSON report (its `tool` is {0:?}); pass the output of `supplygate scan --format json`")]
    OtherTool(String),
    /// A package names an ecosystem this version does not know.
    #[error("finding or package names an unknown ecosystem `{0}`")]
    Ecosystem(String),
}

#[derive(Deserialize)]
struct RawReport {
    tool: Option<String>,
    version: Option<String>,
    servers: Vec<RawServer>,
    findings: Vec<RawFinding>,
}

#[derive(Deserialize)]
struct RawServer {
    name: String,
    client: String,
    scope: String,
    #[serde(default)]
    tree: Option<serde_json::Value>,
    #[serde(default)]
    packages: Vec<RawPackage>,
}

#[derive(Deserialize)]
struct RawPackage {
    ecosystem: String,
    name: String,
    version: String,
}

#[derive(Deserialize)]
struct RawAdvisory {
    id: String,
}

#[derive(Deserialize)]
struct RawLocation {
    path: String,
}

#[derive(Deserialize)]
struct RawFinding {
    #[serde(default)]
    id: Option<String>,
    code: String,
    #[serde(default)]
    decision: String,
    server: String,
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default)]
    advisory: Option<RawAdvisory>,
    #[serde(default)]
    location: Option<RawLocation>,
    #[serde(default)]
    message: String,
}

impl RawPackage {
    fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    fn to_ref(&self) -> Result<PackageRef, BaselineError> {
        let ecosystem = serde_json::from_value(serde_json::Value::String(self.ecosystem.clone()))
            .map_err(|_| BaselineError::Ecosystem(self.ecosystem.clone()))?;
        Ok(PackageRef {
            ecosystem,
            name: self.name.clone(),
            version: self.version.clone(),
        })
    }
}

impl RawFinding {
    /// Its `id`, or (for reports written before `id` existed) the same
    /// fingerprint computed from its fields.
    fn into_finding(self) -> BaselineFinding {
        let package = self.package.as_ref().map(RawPackage::label);
        let advisory = self.advisory.map(|a| a.id);
        let id = self.id.unwrap_or_else(|| {
            FindingIdentity {
                code: &self.code,
                server: &self.server,
                ecosystem: self.package.as_ref().map_or("", |p| p.ecosystem.as_str()),
                package: package.as_deref().unwrap_or(""),
                advisory: advisory.as_deref().unwrap_or(""),
                config: self.location.as_ref().map_or("", |l| l.path.as_str()),
            }
            .fingerprint()
        });
        BaselineFinding {
            id,
            code: self.code,
            decision: self.decision,
            server: self.server,
            package,
            advisory,
            message: self.message,
        }
    }
}

impl Baseline {
    /// Parses a JSON report. Unknown fields are ignored, so reports of
    /// newer and older versions both read.
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let raw: RawReport = serde_json::from_str(text)?;
        if let Some(tool) = raw.tool.filter(|t| t != "supplygate") {
            return Err(BaselineError::OtherTool(tool));
        }
        let mut servers = BTreeMap::new();
        for s in raw.servers {
            let packages = match s.tree {
                Some(t) if !t.is_null() => Some(
                    s.packages
                        .iter()
                        .map(RawPackage::to_ref)
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                _ => None,
            };
            let key = ServerKey {
                client: s.client,
                scope: s.scope,
                name: s.name,
            };
            servers.insert(key.clone(), BaselineServer { key, packages });
        }
        Ok(Baseline {
            findings: raw
                .findings
                .into_iter()
                .map(RawFinding::into_finding)
                .collect(),
            servers: servers.into_values().collect(),
            version: raw.version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_report_without_ids_gets_the_same_fingerprints() {
        let text = r#"{"tool":"supplygate","version":"0.1.0","servers":[],"findings":[
            {"code":"vulnerable-dependency","decision":"block","server":"gdrive",
             "package":{"ecosystem":"npm","name":"node-fetch","version":"2.7.0"},
             "advisory":{"id":"GHSA-r683-j2x4-v87g"},
             "location":{"path":"/h/.cursor/mcp.json","line":3},"message":"m"}]}"#;
        let b = Baseline::parse(text).unwrap();
        let expected = FindingIdentity {
            code: "vulnerable-dependency",
            server: "gdrive",
            ecosystem: "npm",
            package: "node-fetch@2.7.0",
            advisory: "GHSA-r683-j2x4-v87g",
            config: "/h/.cursor/mcp.json",
        }
        .fingerprint();
        assert_eq!(b.findings[0].id, expected);
        assert_eq!(b.findings[0].package.as_deref(), Some("node-fetch@2.7.0"));
    }

    #[test]
    fn a_given_id_is_kept_and_other_tools_are_refused() {
        let text = r#"{"servers":[],"findings":[{"id":"abc","code":"x","server":"s"}]}"#;
        assert_eq!(Baseline::parse(text).unwrap().findings[0].id, "abc");
        let other = r#"{"tool":"osv-scanner","servers":[],"findings":[]}"#;
        assert!(matches!(
            Baseline::parse(other),
            Err(BaselineError::OtherTool(_))
        ));
        assert!(Baseline::parse("[1,2]").is_err());
    }
}
