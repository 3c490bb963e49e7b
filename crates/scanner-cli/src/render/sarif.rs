//! SARIF 2.1.0, for GitHub code scanning and other SARIF consumers: one run;
//! one rule per finding code, plus one rule per advisory (so GitHub can read
//! its `security-severity`); one result per finding, located at the server's
//! entry in its client config, relative to `%SRCROOT%` when that file is
//! inside the source root.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use scanner_core::finding::{ConfigLocation, Finding};
use scanner_core::policy::ExceptionNote;
use scanner_core::{Code, Decision, Report, Severity};
use serde_json::{json, Value};

use super::common::{file_uri, osv_url, percent_encode};

/// The schema the output follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base id relative artifact URIs are resolved against.
pub const SRCROOT: &str = "%SRCROOT%";

/// GitHub shows at most 1024 characters of a rule's short description.
const SHORT_MAX: usize = 1024;

/// Writes `report` as a SARIF 2.1.0 log; config files inside `root` (the
/// repository checkout) are named relative to it.
pub fn write(out: &mut impl Write, report: &Report, root: Option<&Path>) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report, root))?;
    writeln!(out)
}

/// The SARIF log of `report`.
pub fn log(report: &Report, root: Option<&Path>) -> Value {
    let rules = Rules::of(&report.findings);
    let mut run = json!({
        "tool": { "driver": driver(&rules) },
        "invocations": [invocation(report)],
        "results": report
            .findings
            .iter()
            .map(|f| result(f, &rules, root))
            .collect::<Vec<_>>(),
        "properties": {
            "outcome": report.summary.outcome,
            "advisorySource": report.advisories.source,
        },
    });
    if let Some(root) = root {
        run["originalUriBaseIds"] = json!({ SRCROOT: { "uri": root_uri(root) } });
    }
    json!({ "$schema": SCHEMA, "version": "2.1.0", "runs": [run] })
}

/// `file:///…/` for the root: a base URI must end with a slash.
fn root_uri(root: &Path) -> String {
    let uri = file_uri(root);
    if uri.ends_with('/') {
        uri
    } else {
        format!("{uri}/")
    }
}

/// The rules of a run: every code (in [`Code::ALL`] order, so their indexes
/// are stable), then one per advisory named by a finding, by id.
struct Rules<'a> {
    advisories: BTreeMap<&'a str, &'a Finding>,
}

impl<'a> Rules<'a> {
    fn of(findings: &'a [Finding]) -> Self {
        let mut advisories = BTreeMap::new();
        for f in findings {
            if let Some(a) = &f.advisory {
                // The most severe finding of an advisory describes its rule.
                let kept = advisories.entry(a.id.as_str()).or_insert(f);
                if f.severity > kept.severity {
                    *kept = f;
                }
            }
        }
        Rules { advisories }
    }

    /// The rule id and index of a finding.
    fn of_finding(&self, f: &Finding) -> (String, usize) {
        match &f.advisory {
            Some(a) => {
                let i = self.advisories.keys().position(|id| *id == a.id);
                (a.id.clone(), Code::ALL.len() + i.unwrap_or(0))
            }
            None => {
                let i = Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0);
                (f.code.as_str().to_string(), i)
            }
        }
    }
}

/// The tool, with every finding code and every advisory as a rule.
fn driver(rules: &Rules<'_>) -> Value {
    let mut all: Vec<Value> = Code::ALL.iter().map(|&c| code_rule(c)).collect();
    all.extend(rules.advisories.values().map(|f| advisory_rule(f)));
    json!({
        "name": "supplygate",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": all,
    })
}

fn code_rule(code: Code) -> Value {
    let mut tags = vec!["security", "supply-chain", code.as_str()];
    if code.is_coverage_gap() {
        tags.push("coverage-gap");
    }
    json!({
        "id": code.as_str(),
        "shortDescription": { "text": code.description() },
        "properties": { "coverageGap": code.is_coverage_gap(), "tags": tags },
    })
}

fn advisory_rule(f: &Finding) -> Value {
    let a = f.advisory.as_ref().expect("advisory findings only");
    let summary = a.summary.as_deref().unwrap_or(f.code.description());
    let short: String = summary.chars().take(SHORT_MAX).collect();
    let mut tags = vec![
        "security".to_string(),
        "supply-chain".to_string(),
        f.code.as_str().to_string(),
    ];
    if let Some(p) = &f.package {
        tags.push(p.ecosystem.as_str().to_string());
    }
    let mut properties = json!({ "tags": tags, "code": f.code.as_str() });
    if let Some(score) = security_severity(f) {
        properties["security-severity"] = json!(score);
    }
    json!({
        "id": a.id,
        "shortDescription": { "text": short },
        "fullDescription": { "text": format!("{}: {summary}", a.id) },
        "helpUri": osv_url(&a.id),
        "help": { "text": format!("{} ({}); see {}", summary, f.code.description(), osv_url(&a.id)) },
        "properties": properties,
    })
}

/// GitHub's `security-severity`: the CVSS base score as a string ("8.8"),
/// else a score standing for the severity label; none when unscored.
fn security_severity(f: &Finding) -> Option<String> {
    if let Some(cvss) = f.advisory.as_ref().and_then(|a| a.cvss.as_ref()) {
        return Some(format!("{:.1}", cvss.score));
    }
    let score = match f.severity? {
        Severity::Critical => 9.5,
        Severity::High => 8.0,
        Severity::Medium => 5.5,
        Severity::Low => 2.0,
        // Unscored, or a level this renderer does not know: no score is invented.
        _ => return None,
    };
    Some(format!("{score:.1}"))
}

/// What was not checked, as tool notifications; an incomplete run is not a
/// successful execution, so it never reads as a clean one.
fn invocation(report: &Report) -> Value {
    let notes: Vec<Value> = report
        .summary
        .incomplete
        .iter()
        .map(|line| json!({ "level": "warning", "message": { "text": line } }))
        .collect();
    json!({
        "executionSuccessful": report.summary.incomplete.is_empty(),
        "toolExecutionNotifications": notes,
    })
}

/// SARIF level of a decision.
pub fn level(decision: Decision) -> &'static str {
    match decision {
        Decision::Block => "error",
        Decision::Warn => "warning",
        Decision::Allow | Decision::Excepted => "note",
    }
}

fn result(f: &Finding, rules: &Rules<'_>, root: Option<&Path>) -> Value {
    let (rule_id, rule_index) = rules.of_finding(f);
    let mut message = f.message.clone();
    if let Some(fix) = f.advisory.as_ref().and_then(|a| a.nearest_fix.as_ref()) {
        message.push_str(&format!(" (fixed in {fix})"));
    }
    let mut result = json!({
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": level(f.decision),
        "message": { "text": message },
        "partialFingerprints": { "supplygate/v1": f.id },
        "properties": properties(f),
    });
    if let Some(location) = &f.location {
        result["locations"] = json!([physical(location, root)]);
    }
    if let Some(exception) = &f.exception {
        result["suppressions"] = json!([suppression(exception)]);
    }
    result
}

/// The config entry as a SARIF location: relative to `%SRCROOT%` when the
/// file is inside `root`, else an absolute `file://` URI. GitHub requires a
/// start line: a whole-file finding points at line 1.
fn physical(location: &ConfigLocation, root: Option<&Path>) -> Value {
    let relative = root.and_then(|r| location.path.strip_prefix(r).ok());
    let artifact = match relative {
        Some(rel) => json!({
            "uri": percent_encode(&rel.to_string_lossy().replace('\\', "/"), true),
            "uriBaseId": SRCROOT,
        }),
        None => json!({ "uri": file_uri(&location.path) }),
    };
    json!({ "physicalLocation": {
        "artifactLocation": artifact,
        "region": { "startLine": location.line.max(1) },
    }})
}

fn suppression(e: &ExceptionNote) -> Value {
    json!({
        "kind": "external",
        "status": "accepted",
        "justification": format!(
            "{} (owner {}, expires {}, policy line {})",
            e.reason, e.owner, e.expires, e.line
        ),
        "properties": { "exception": e },
    })
}

fn properties(f: &Finding) -> Value {
    let mut p = json!({
        "code": f.code.as_str(),
        "server": f.server,
        "decision": f.decision,
        "decidedBy": f.decided_by.to_string(),
    });
    if let Some(severity) = f.severity {
        p["severity"] = json!(severity);
    }
    if let Some(package) = &f.package {
        p["package"] = json!(package);
    }
    if let Some(a) = &f.advisory {
        p["advisoryId"] = json!(a.id);
        p["aliases"] = json!(a.aliases);
        p["advisoryUrl"] = json!(osv_url(&a.id));
        if let Some(cvss) = &a.cvss {
            p["cvssScore"] = json!(cvss.score);
            p["cvssVector"] = json!(cvss.vector);
        }
        p["fixed"] = json!(a.fixed);
        if let Some(fix) = &a.nearest_fix {
            p["nearestFix"] = json!(fix);
        }
    }
    if !f.path.is_empty() {
        p["dependencyPath"] = json!(f.path);
    }
    if let Some(e) = &f.expired_exception {
        p["expiredException"] = json!(e);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_decision() {
        assert_eq!(level(Decision::Block), "error");
        assert_eq!(level(Decision::Warn), "warning");
        assert_eq!(level(Decision::Allow), "note");
        assert_eq!(level(Decision::Excepted), "note");
    }

    #[test]
    fn every_code_is_a_rule_in_order() {
        let rules = driver(&Rules::of(&[]))["rules"].as_array().unwrap().clone();
        assert_eq!(rules.len(), Code::ALL.len());
        for (rule, code) in rules.iter().zip(Code::ALL) {
            assert_eq!(rule["id"], code.as_str());
            assert_eq!(rule["shortDescription"]["text"], code.description());
        }
    }

    #[test]
    fn locations_inside_the_root_are_relative_and_always_have_a_line() {
        let whole = ConfigLocation {
            path: "/repo/sub dir/.mcp.json".into(),
            line: 0,
        };
        let v = physical(&whole, Some(Path::new("/repo")));
        let artifact = &v["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], "sub%20dir/.mcp.json");
        assert_eq!(artifact["uriBaseId"], SRCROOT);
        assert_eq!(v["physicalLocation"]["region"]["startLine"], 1);
        let outside = physical(&whole, Some(Path::new("/elsewhere")));
        let artifact = &outside["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], "file:///repo/sub%20dir/.mcp.json");
        assert!(artifact.get("uriBaseId").is_none());
        assert_eq!(root_uri(Path::new("/repo")), "file:///repo/");
    }
}
