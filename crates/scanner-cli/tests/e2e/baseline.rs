//! `scan --baseline`: what changed since an earlier report, on copies of the
//! `affected` fixture home where urllib3 is moved between 2.2.1 (vulnerable,
//! GHSA-34jh-p97f-mpxf) and 2.2.2 (fixed) the way an update would.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{fixtures, imported_store, Cmd};

/// The `fetch` server's site-packages inside the `affected` home.
pub const SITE: &str = ".cache/uv/archive-v0/d496nBEo4pucNtoi/lib/python3.11/site-packages";

/// A private copy of a fixture home (symlinks kept as links).
pub fn copy_home(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixtures().join("homes").join(name))
        .arg(&home)
        .status()
        .unwrap();
    assert!(status.success());
    (dir, home)
}

/// Re-installs urllib3 at `to` in the copy (renamed dist-info, METADATA edited).
pub fn set_urllib3(home: &Path, from: &str, to: &str) {
    let site = home.join(SITE);
    let old = site.join(format!("urllib3-{from}.dist-info"));
    let new = site.join(format!("urllib3-{to}.dist-info"));
    std::fs::rename(&old, &new).unwrap();
    let meta = new.join("METADATA");
    let text = std::fs::read_to_string(&meta).unwrap();
    let text = text.replace(
        &format!("\nVersion: {from}\n"),
        &format!("\nVersion: {to}\n"),
    );
    std::fs::write(&meta, text).unwrap();
    // The upgrade's RECORD, as the installer writes it.
    let (old_dir, new_dir) = (
        format!("urllib3-{from}.dist-info/"),
        format!("urllib3-{to}.dist-info/"),
    );
    let record = std::fs::read_to_string(new.join("RECORD")).unwrap();
    let rows: String = record
        .lines()
        .map(|row| {
            let row = row.replacen(&old_dir, &new_dir, 1);
            let rel = row.split(',').next().unwrap_or_default().to_string();
            match std::fs::read(site.join(&rel)) {
                Ok(bytes) if !rel.ends_with("/RECORD") => {
                    crate::hostile_trees::record_row(&rel, &bytes)
                }
                _ => format!("{row}\n"),
            }
        })
        .collect();
    std::fs::write(new.join("RECORD"), rows).unwrap();
}

/// A policy that blocks every vulnerable dependency.
pub fn blocking_policy(dir: &Path) -> PathBuf {
    let path = dir.join("block.toml");
    let text =
        "[[rule]]\nid = \"block-vulns\"\naction = \"block\"\ncode = \"vulnerable-dependency\"\n";
    std::fs::write(&path, text).unwrap();
    path
}

/// An offline scan of `home` against the store in `db`.
fn scan(db: &Path, home: &Path) -> Cmd {
    Cmd::scan().db(db).offline().home(home)
}

/// The same scan as a JSON report.
fn json(db: &Path, home: &Path) -> Cmd {
    scan(db, home).format("json")
}

fn save(dir: &Path, name: &str, report: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(report).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

fn changes(report: &Value, change: &str) -> Vec<Value> {
    let findings = report["findings"].as_array().unwrap();
    findings
        .iter()
        .filter(|f| f["change"] == change)
        .cloned()
        .collect()
}

fn server<'a>(report: &'a Value, name: &str) -> &'a Value {
    let servers = report["servers"].as_array().unwrap();
    servers.iter().find(|s| s["name"] == name).unwrap()
}

#[test]
fn the_same_home_against_its_own_report_has_nothing_new() {
    let db = imported_store();
    let (dir, home) = copy_home("affected");
    let (_, before) = json(db.path(), &home).json();
    let base = save(dir.path(), "base.json", &before);
    let (_, after) = json(db.path(), &home).opt("--baseline", &base).json();
    assert!(changes(&after, "new").is_empty());
    let total = after["findings"].as_array().unwrap().len();
    assert!(total >= 4);
    assert_eq!(changes(&after, "unchanged").len(), total);
    assert_eq!(after["baseline"]["resolved"], serde_json::json!([]));
    assert_eq!(after["baseline"]["new"], 0);
    for s in after["servers"].as_array().unwrap() {
        let t = &s["tree_changes"];
        assert_eq!(
            (
                t["added"].as_array().unwrap().len(),
                t["changed"].as_array().unwrap().len()
            ),
            (0, 0)
        );
    }
}

#[test]
fn an_old_report_without_ids_is_matched_on_its_fields() {
    let db = imported_store();
    let (dir, home) = copy_home("affected");
    let (_, mut before) = json(db.path(), &home).json();
    // What a supplygate older than the JSON `id` field wrote.
    for f in before["findings"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("id");
    }
    let base = save(dir.path(), "old.json", &before);
    let (_, after) = json(db.path(), &home).opt("--baseline", &base).json();
    assert!(changes(&after, "new").is_empty(), "{after:#}");
}

#[test]
fn a_fixed_version_is_resolved_and_the_update_is_a_tree_change() {
    let db = imported_store();
    let (dir, home) = copy_home("affected");
    let (_, before) = json(db.path(), &home).json();
    let base = save(dir.path(), "base.json", &before);
    set_urllib3(&home, "2.2.1", "2.2.2");
    let (_, after) = json(db.path(), &home).opt("--baseline", &base).json();

    let fetch = server(&after, "fetch");
    let expected = serde_json::json!({"added": [], "removed": [], "changed": [
        {"ecosystem": "PyPI", "name": "urllib3", "from": "2.2.1", "to": "2.2.2"}]});
    assert_eq!(fetch["tree_changes"], expected);
    let gdrive = server(&after, "gdrive");
    assert_eq!(gdrive["tree_changes"]["changed"], serde_json::json!([]));

    let new = changes(&after, "new");
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!(new[0]["code"], "tree-changed");
    assert_eq!(new[0]["decision"], "warn");
    assert_eq!(new[0]["server"], "fetch");
    assert_eq!(new[0]["package"]["version"], "2.2.2");

    let resolved = after["baseline"]["resolved"].as_array().unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["advisory"], "GHSA-34jh-p97f-mpxf");
    assert_eq!(resolved[0]["package"], "urllib3@2.2.1");

    // The table shows the changes before anything else.
    let (_, table, _) = scan(db.path(), &home).opt("--baseline", &base).outcome();
    assert!(table.starts_with("CHANGES: 1 new"), "{table}");
    assert!(
        table.contains("vscode/user/fetch: urllib3 2.2.1 → 2.2.2"),
        "{table}"
    );
    let (_, md, _) = scan(db.path(), &home)
        .opt("--baseline", &base)
        .format("markdown")
        .outcome();
    let changes_at = md.find("### Changes since the baseline").unwrap();
    assert!(changes_at < md.find("### Servers").unwrap());
    assert!(
        md.contains("resolved warn vulnerable-dependency fetch urllib3@2.2.1"),
        "{md}"
    );
}

#[test]
fn a_newly_vulnerable_version_is_new_and_fail_on_new_ignores_old_blocks() {
    let db = imported_store();
    let (dir, home) = copy_home("affected");
    let policy = blocking_policy(dir.path());
    set_urllib3(&home, "2.2.1", "2.2.2");
    let (code, before) = json(db.path(), &home).policy(&policy).json();
    assert_eq!(code, 1, "node-fetch and httpx block");
    let base = save(dir.path(), "base.json", &before);

    // Same trees: only old blocking findings. The gate still fails; the
    // nightly alert does not.
    let (code, _, _) = scan(db.path(), &home)
        .policy(&policy)
        .opt("--baseline", &base)
        .outcome();
    assert_eq!(code, 1);
    let gate = |cmd: Cmd| {
        cmd.policy(&policy)
            .opt("--baseline", &base)
            .opt("--fail-on", "new")
    };
    let (code, out, err) = gate(scan(db.path(), &home)).outcome();
    assert_eq!(code, 0, "{out}{err}");

    // urllib3 goes back to a vulnerable version: a new blocking finding.
    set_urllib3(&home, "2.2.2", "2.2.1");
    let (code, after) = gate(json(db.path(), &home)).json();
    assert_eq!(code, 1);
    let new: Vec<(String, String)> = changes(&after, "new")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().into(),
                f["package"]["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("vulnerable-dependency", "urllib3"),
        ("tree-changed", "urllib3"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(new, expected);
    assert_eq!(after["summary"]["outcome"], "blocked");
}

#[test]
fn bad_baselines_are_input_errors() {
    let db = imported_store();
    let (dir, home) = copy_home("clean");
    let not_report = dir.path().join("x.json");
    std::fs::write(&not_report, "[1, 2]").unwrap();
    let sarif = dir.path().join("y.json");
    std::fs::write(
        &sarif,
        r#"{"tool":"osv-scanner","servers":[],"findings":[]}"#,
    )
    .unwrap();
    for (path, says) in [
        (not_report.to_str().unwrap(), "not a supplygate JSON report"),
        (sarif.to_str().unwrap(), "osv-scanner"),
        (dir.path().to_str().unwrap(), "not a regular file"),
        ("/nonexistent/base.json", "cannot be read"),
    ] {
        let (code, out, err) = scan(db.path(), &home).opt("--baseline", path).outcome();
        assert_eq!(code, 2, "{path}: {err}");
        assert!(out.is_empty());
        assert!(
            err.contains(says) && err.contains("baseline"),
            "{path}: {err}"
        );
    }
    let (code, _, err) = scan(db.path(), &home).opt("--fail-on", "new").outcome();
    assert_eq!(code, 2, "--fail-on new needs a baseline: {err}");
}
