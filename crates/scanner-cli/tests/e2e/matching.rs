//! End-to-end: severity and matching details in the real binary's JSON
//! report (CVSS score and vector per finding, GIT-only ranges reported).

use std::path::Path;

use crate::support::{fixtures, stderr, Cmd};
use serde_json::Value;

fn import(db: &Path, sources: &[&Path]) {
    let out = Cmd::store_command("import").db(db).args(sources).run();
    assert!(out.status.success(), "import failed: {}", stderr(&out));
}

/// `scan --offline --format json` of the fixture home `home`.
fn scan_json(db: &Path, home: &str) -> (i32, Value) {
    Cmd::scan()
        .db(db)
        .offline()
        .fixture_home(home)
        .format("json")
        .json()
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["advisory"]["id"] == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

#[test]
fn findings_carry_cvss_score_vector_and_band() {
    let db = tempfile::tempdir().unwrap();
    let osv = fixtures().join("osv");
    import(db.path(), &[&osv.join("npm"), &osv.join("PyPI-ghsa-mal")]);
    let (_, report) = scan_json(db.path(), "affected");
    // node-fetch 2.7.0, GHSA-r683-j2x4-v87g: CVSS 3.0 AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H = 8.8.
    let f = finding(&report, "GHSA-r683-j2x4-v87g");
    assert_eq!(f["advisory"]["cvss"]["version"], "3.0");
    assert_eq!(f["advisory"]["cvss"]["score"], 8.8);
    assert_eq!(
        f["advisory"]["cvss"]["vector"],
        "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"
    );
    assert_eq!(f["severity"], "high");
    // Every finding with a score sits in its CVSS band.
    for f in report["findings"].as_array().unwrap() {
        let Some(score) = f["advisory"]["cvss"]["score"].as_f64() else {
            continue;
        };
        let band = match score {
            s if s >= 9.0 => "critical",
            s if s >= 7.0 => "high",
            s if s >= 4.0 => "medium",
            _ => "low",
        };
        if f["code"] != "malicious-package" {
            assert_eq!(f["severity"], band, "{f}");
        }
    }
}

#[test]
fn git_only_ranges_are_reported_not_silently_dropped() {
    let db = tempfile::tempdir().unwrap();
    let osv = fixtures().join("osv");
    let git_only = fixtures().join("matching/git-only");
    import(
        db.path(),
        &[&osv.join("npm"), &osv.join("PyPI-ghsa-mal"), &git_only],
    );
    let (code, report) = scan_json(db.path(), "affected");
    // A record that cannot be evaluated is reported, not counted as a gap in
    // coverage of the installed tree: the run is neither invalid nor incomplete.
    assert!(code == 0 || code == 1, "exit {code}");
    assert_eq!(
        report["advisories"]["git_ranges_not_evaluated"],
        serde_json::json!(["TEST-GIT-ONLY-1 (node-fetch)"])
    );
    let ids: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["advisory"]["id"].as_str())
        .collect();
    assert!(!ids.contains(&"TEST-GIT-ONLY-1"), "GIT ranges never match");
}
