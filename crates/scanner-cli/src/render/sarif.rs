//! SARIF 2.1.0, for GitHub code scanning and other SARIF consumers: one run,
//! one rule per finding code, one result per finding, located at the
//! server's entry in its client config.

use std::io::Write;

use scanner_core::finding::{ConfigLocation, Finding};
use scanner_core::policy::ExceptionNote;
use scanner_core::{Code, Decision, Report};
use serde_json::{json, Value};

use super::common::{file_uri, fingerprint, osv_url};

/// The schema the output follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes `report` as a SARIF 2.1.0 log.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report))?;
    writeln!(out)
}

/// The SARIF log of `report`.
pub fn log(report: &Report) -> Value {
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver() },
            "invocations": [invocation(report)],
            "results": report.findings.iter().map(result).collect::<Vec<_>>(),
            "properties": {
                "outcome": report.summary.outcome,
                "advisorySource": report.advisories.source,
            },
        }],
    })
}

/// The tool, with every finding code as a rule (so `ruleIndex` is stable).
fn driver() -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.as_str(),
                "shortDescription": { "text": code.description() },
                "properties": { "coverageGap": code.is_coverage_gap() },
            })
        })
        .collect();
    json!({
        "name": "supplygate",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    })
}

/// What was not checked, as tool notifications: the run completed, but an
/// incomplete scan must not read as a clean one.
fn invocation(report: &Report) -> Value {
    let notes: Vec<Value> = report
        .summary
        .incomplete
        .iter()
        .map(|line| json!({ "level": "warning", "message": { "text": line } }))
        .collect();
    json!({
        "executionSuccessful": true,
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

fn result(f: &Finding) -> Value {
    let rule_index = Code::ALL.iter().position(|c| *c == f.code);
    let mut result = json!({
        "ruleId": f.code.as_str(),
        "ruleIndex": rule_index,
        "level": level(f.decision),
        "message": { "text": f.message },
        "partialFingerprints": { "supplygate/v1": fingerprint(f) },
        "properties": properties(f),
    });
    if let Some(location) = &f.location {
        result["locations"] = json!([physical(location)]);
    }
    if let Some(exception) = &f.exception {
        result["suppressions"] = json!([suppression(exception)]);
    }
    result
}

fn physical(location: &ConfigLocation) -> Value {
    let mut physical = json!({
        "artifactLocation": { "uri": file_uri(&location.path) },
    });
    if location.line > 0 {
        physical["region"] = json!({ "startLine": location.line });
    }
    json!({ "physicalLocation": physical })
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
        let rules = driver()["rules"].as_array().unwrap().clone();
        assert_eq!(rules.len(), Code::ALL.len());
        for (rule, code) in rules.iter().zip(Code::ALL) {
            assert_eq!(rule["id"], code.as_str());
            assert_eq!(rule["shortDescription"]["text"], code.description());
        }
    }

    #[test]
    fn whole_file_locations_have_no_region() {
        let whole = ConfigLocation {
            path: "/h/.cursor/mcp.json".into(),
            line: 0,
        };
        let v = physical(&whole);
        assert!(v["physicalLocation"].get("region").is_none());
        let line = ConfigLocation { line: 7, ..whole };
        assert_eq!(
            physical(&line)["physicalLocation"]["region"]["startLine"],
            7
        );
    }
}
