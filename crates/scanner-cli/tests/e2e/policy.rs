//! End-to-end: the launch gate policy. The same installed tree
//! (`fixtures/homes/affected`) passes, warns or blocks under the policies in
//! `fixtures/policies/`, and every finding names what decided it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::support::{fixtures, imported_store, stderr, stdout, Cmd};
use serde_json::Value;

const TODAY: &str = "2026-06-01";

fn db() -> &'static Path {
    static DB: OnceLock<tempfile::TempDir> = OnceLock::new();
    DB.get_or_init(imported_store).path()
}

fn policy_file(name: &str) -> PathBuf {
    fixtures().join("policies").join(name)
}

fn affected() -> PathBuf {
    fixtures().join("homes/affected")
}

/// An offline scan of the affected home.
fn scan() -> Cmd {
    scan_at(TODAY)
}

/// Like [`scan`], on another day.
fn scan_at(today: &str) -> Cmd {
    Cmd::scan().db(db()).offline().home(affected()).today(today)
}

fn scan_json(policy: &str) -> (i32, Value) {
    scan().policy(policy_file(policy)).format("json").json()
}

/// (decision, decided_by.kind, decided_by.id, decided_by.line) per finding,
/// keyed by the package name or the finding code.
fn decisions(report: &Value) -> Vec<Row> {
    let mut rows: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let what = f["package"]["name"]
                .as_str()
                .or(f["code"].as_str())
                .unwrap();
            let by = &f["decided_by"];
            (
                what.to_string(),
                f["decision"].as_str().unwrap().to_string(),
                by["kind"].as_str().unwrap().to_string(),
                by["id"].as_str().unwrap().to_string(),
                by["line"].as_u64(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn row(what: &str, decision: &str, kind: &str, id: &str, line: Option<u64>) -> Row {
    (what.into(), decision.into(), kind.into(), id.into(), line)
}

type Row = (String, String, String, String, Option<u64>);

/// Scans under `policy`, checks the exit code, outcome and every decision.
fn gate(policy: &str, exit: i32, outcome: &str, rows: Vec<Row>) -> Value {
    let (code, report) = scan_json(policy);
    assert_eq!(code, exit);
    assert_eq!(report["summary"]["outcome"], outcome);
    assert_eq!(decisions(&report), rows);
    report
}

#[test]
fn same_tree_passes_under_the_reviewed_policy() {
    let report = gate(
        "pass.toml",
        0,
        "passed",
        vec![
            row(
                "httpx",
                "allow",
                "rule",
                "allow-reviewed-pypi-medium",
                Some(6),
            ),
            row(
                "node-fetch",
                "excepted",
                "exception",
                "CVE-2022-0235",
                Some(13),
            ),
            row("unpinned-server", "allow", "server", "fetch", Some(23)),
            row(
                "urllib3",
                "allow",
                "rule",
                "allow-reviewed-pypi-medium",
                Some(6),
            ),
        ],
    );
    let node_fetch = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["decision"] == "excepted")
        .unwrap();
    // Matched through an alias: the finding's own id is the GHSA id.
    assert_eq!(node_fetch["advisory"]["id"], "GHSA-r683-j2x4-v87g");
    assert_eq!(node_fetch["exception"]["classification"], "dependency-only");
    assert_eq!(node_fetch["exception"]["expires"], "2027-06-30");
    assert!(node_fetch["decided_by"]["file"]
        .as_str()
        .unwrap()
        .ends_with("pass.toml"));
    // The report proves which policy decided: the file's SHA-256.
    let text = std::fs::read(policy_file("pass.toml")).unwrap();
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&text));
    assert_eq!(report["policy"]["sha256"], sha.as_str());
    let fetch = &report["servers"].as_array().unwrap()[1];
    assert_eq!(
        (fetch["name"].as_str(), fetch["owner"].as_str()),
        (Some("fetch"), Some("ml-platform"))
    );
}

#[test]
fn same_tree_warns_under_the_until_reviewed_policy() {
    let report = gate(
        "warn.toml",
        0,
        "passed",
        vec![
            // httpx's record has no CVSS vector: `min-cvss` does not match it.
            row("httpx", "warn", "rule", "warn-vulnerable", Some(7)),
            // node-fetch: CVSS 3.0 base score 8.8.
            row("node-fetch", "warn", "rule", "warn-cvss-8", Some(2)),
            row("unpinned-server", "warn", "rule", "warn-unpinned", Some(12)),
            // urllib3: CVSS 3.1 base score 4.4.
            row("urllib3", "warn", "rule", "warn-vulnerable", Some(7)),
        ],
    );
    assert_eq!(report["summary"]["warned"], 4);
}

#[test]
fn same_tree_blocks_under_the_strict_policy_and_audits_exceptions() {
    let report = gate(
        "block.toml",
        1,
        "blocked",
        vec![
            row("httpx", "block", "rule", "block-direct-pypi", Some(7)),
            row("node-fetch", "block", "rule", "block-high", Some(2)),
            row("unpinned-server", "block", "server", "fetch", Some(31)),
            row("urllib3", "warn", "default", "default", None),
        ],
    );
    let ids = |key: &str| -> Vec<(String, u64)> {
        report["policy"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["id"].as_str().unwrap().to_string(),
                    e["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        ids("expired_exceptions"),
        vec![("GHSA-34jh-p97f-mpxf".to_string(), 14)]
    );
    assert_eq!(
        ids("unused_exceptions"),
        vec![("GHSA-9wv6-86v2-598j".to_string(), 23)]
    );
    let urllib3 = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["package"]["name"] == "urllib3")
        .unwrap();
    assert_eq!(urllib3["expired_exception"]["line"], 14);
}

#[test]
fn the_table_names_the_deciding_rule_and_the_exceptions_needing_attention() {
    let file = policy_file("block.toml");
    let (code, out, err) = scan().policy(&file).outcome();
    assert_eq!(code, 1);
    assert!(out.contains("rule `block-high` ("), "{out}");
    assert!(out.contains("block.toml:2)"), "{out}");
    assert!(
        out.contains("expired exception `GHSA-34jh-p97f-mpxf` (line 14)"),
        "{out}"
    );
    assert!(
        out.contains("unused exception `GHSA-9wv6-86v2-598j` (line 23)"),
        "{out}"
    );
    assert!(err.contains("expired on 2026-03-31"), "{err}");
}

#[test]
fn the_expiry_date_comes_from_supplygate_today() {
    // On the expiry day the urllib3 exception still applies.
    let file = policy_file("block.toml");
    let (_, out, _) = scan_at("2026-03-31").policy(&file).format("json").outcome();
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["summary"]["excepted"], 1);
    assert_eq!(
        report["policy"]["expired_exceptions"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn an_invalid_policy_reports_every_problem_and_never_scans() {
    let file = policy_file("invalid.toml");
    let (code, out, err) = scan().policy(&file).outcome();
    assert_eq!(code, 2);
    assert!(out.is_empty(), "no report on an invalid policy: {out}");
    for needle in [
        "invalid.toml:2:1",
        "unknown key `actoin`",
        "did you mean `action`?",
        "invalid.toml:3:12",
        "unknown severity `severe`",
        "has no `reason`",
        "invalid.toml:8:11",
        "`2026-13-01` is not a date",
        "has no `action`",
        "5 problems",
        "nothing was scanned",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
}

fn policy_check(file: &Path, today: &str) -> (i32, String) {
    let out = Cmd::policy_command("check").arg(file).today(today).run();
    (out.status.code().unwrap(), stderr(&out))
}

#[test]
fn policy_check_validates_and_counts_expired_exceptions() {
    assert_eq!(policy_check(&policy_file("pass.toml"), TODAY).0, 0);
    assert_eq!(policy_check(&policy_file("invalid.toml"), TODAY).0, 2);
    let (code, err) = policy_check(&policy_file("block.toml"), TODAY);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("block.toml:19:11"), "{err}");
    assert!(err.contains("expired on 2026-03-31"), "{err}");
    assert_eq!(policy_check(&policy_file("block.toml"), "2026-03-31").0, 0);
    let (code, err) = policy_check(Path::new("/nonexistent/supplygate.toml"), TODAY);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the policy file"), "{err}");
}

#[test]
fn policy_init_prints_a_starter_that_passes_check_and_scans() {
    let out = Cmd::policy_command("init").run();
    assert_eq!(out.status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("supplygate.toml");
    std::fs::write(&file, &out.stdout).unwrap();
    assert_eq!(
        policy_check(&file, TODAY),
        (
            0,
            format!(
                "{}: policy is valid (0 exceptions, 0 servers; checked against {TODAY})\n",
                file.display()
            )
        )
    );
    // Found through --policy-dir, and used.
    let (code, out, _) = scan()
        .opt("--policy-dir", dir.path())
        .format("json")
        .outcome();
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 0, "nothing here is high and direct: {out}");
    assert!(report["policy"]["file"]
        .as_str()
        .unwrap()
        .ends_with("supplygate.toml"));
    let unpinned = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unpinned-server")
        .unwrap();
    // Severity belongs to advisories only: the rule on `unpinned-server`
    // decides it, never the one on `severity = ["unscored"]`.
    assert_eq!(unpinned["decided_by"]["id"], "warn-unpinned");
}

#[test]
fn a_policy_dir_without_a_policy_uses_the_builtin_one() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = scan()
        .opt("--policy-dir", dir.path())
        .format("json")
        .outcome();
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 0);
    assert!(report["policy"]["file"].is_null());
    assert_eq!(report["findings"][0]["decided_by"]["kind"], "default");
}

#[test]
fn a_policy_inside_a_scanned_tree_is_refused() {
    let inside = affected().join(".npm/_npx/318566bc6fad3ab8/package.json");
    assert!(inside.is_file());
    let (code, out, err) = scan().policy(&inside).outcome();
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("inside the scanned tree"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_policy_inside_a_scanned_tree_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("supplygate.toml");
    let inside = affected().join(".npm/_npx/318566bc6fad3ab8/package.json");
    std::os::unix::fs::symlink(&inside, &link).unwrap();
    let (code, _, err) = scan().opt("--policy-dir", dir.path()).outcome();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("inside the scanned tree"), "{err}");
}

#[test]
fn a_bad_today_is_invalid_input() {
    let out = scan_at("June 1st").run();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("YYYY-MM-DD"), "{}", stderr(&out));
}

#[test]
fn inventory_shows_the_owner_and_pin_requirement_the_policy_names() {
    let home = affected();
    let policy = policy_file("block.toml");
    let inventory = || {
        Cmd::inventory()
            .home(&home)
            .os("linux")
            .policy(&policy)
            .today("2026-11-22")
    };
    let out = inventory().format("json").run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let inv: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let servers = inv["servers"].as_array().unwrap();
    let fetch = servers.iter().find(|s| s["name"] == "fetch").unwrap();
    assert_eq!(fetch["owner"], "ml-platform");
    assert_eq!(fetch["pin_required"], "exact");
    let gdrive = servers.iter().find(|s| s["name"] == "gdrive").unwrap();
    assert!(gdrive["owner"].is_null());
    // The table shows them too.
    let table = inventory().run();
    let text = stdout(&table);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("fetch "))
        .unwrap();
    assert!(
        line.contains("ml-platform") && line.contains("unpinned/exact"),
        "{line}"
    );
    // An invalid policy is never ignored, here either.
    let bad = policy_file("invalid.toml");
    let out = Cmd::inventory().home(&home).policy(&bad).run();
    assert_eq!(out.status.code(), Some(2));
}
