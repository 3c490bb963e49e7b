//! OSV record ids from an import are data from outside (issue 14, item
//! 15): an empty id, one holding NUL or ESC, or a path (`../../x`) is
//! refused, naming the file; of two copies of one id the newer `modified`
//! is kept whatever their order in the archive, so an old withdrawn copy
//! cannot replace the current malicious-package record.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::support::{stderr, Cmd};

fn record(id: &str, modified: &str, withdrawn: Option<&str>) -> Value {
    let mut r = json!({
        "id": id,
        "modified": modified,
        "affected": [{"package": {"ecosystem": "npm", "name": "chalk"}, "versions": ["5.6.1"]}],
    });
    if let Some(w) = withdrawn {
        r["withdrawn"] = json!(w);
    }
    r
}

fn import(db: &Path, source: &Path) -> std::process::Output {
    Cmd::store_command("import").db(db).arg(source).run()
}

fn stored_ids(db: &Path) -> Vec<String> {
    let file = db.join("advisories.sqlite3");
    if !file.exists() {
        return Vec::new();
    }
    let conn = rusqlite::Connection::open(file).unwrap();
    let mut stmt = conn.prepare("SELECT id FROM records").unwrap();
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    ids
}

#[test]
fn records_with_an_empty_control_or_path_id_are_refused_naming_the_file() {
    for (id, reason) in [
        ("", "empty"),
        ("GHSA-a\u{0}b", "GHSA-a"),
        ("MAL-\u{1b}[2J\u{1b}[31mFAKE", "MAL-"),
        ("../../x", "../../x"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("records");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(
            src.join("ok.json"),
            record("MAL-2025-1", "2025-01-01T00:00:00Z", None).to_string(),
        )
        .unwrap();
        std::fs::write(
            src.join("bad.json"),
            record(id, "2025-01-01T00:00:00Z", None).to_string(),
        )
        .unwrap();
        let db = dir.path().join("db");
        let out = import(&db, &src);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{id:?}: {err}");
        assert!(
            err.contains("bad.json") && err.contains("invalid OSV id"),
            "{id:?}: {err}"
        );
        assert!(err.contains(reason), "{id:?}: {err}");
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{0}'),
            "{id:?}: {err}"
        );
        assert!(stored_ids(&db).is_empty(), "{id:?}: nothing is imported");
    }
}

fn zip_of(path: &Path, entries: &[(&str, Value)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, value) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(value.to_string().as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn of_two_copies_of_one_id_the_newer_modified_is_kept_in_either_order() {
    let current = record("MAL-DUP-1", "2026-01-01T00:00:00Z", None);
    let old = record(
        "MAL-DUP-1",
        "2020-01-01T00:00:00Z",
        Some("2020-01-02T00:00:00Z"),
    );
    let dir = tempfile::tempdir().unwrap();
    let (home, _) = crate::hostile_trees::npm_project(&dir.path().join("tree"));
    for (n, entries) in [
        [
            ("MAL-DUP-1.json", current.clone()),
            ("MAL-DUP-1-old.json", old.clone()),
        ],
        [
            ("MAL-DUP-1-old.json", old.clone()),
            ("MAL-DUP-1.json", current.clone()),
        ],
    ]
    .iter()
    .enumerate()
    {
        let archive = dir.path().join(format!("dups{n}.zip"));
        zip_of(&archive, entries);
        let db = dir.path().join(format!("db{n}"));
        let out = import(&db, &archive);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let (code, report) = Cmd::scan()
            .db(&db)
            .offline()
            .home(&home)
            .format("json")
            .json();
        assert_eq!(code, 1, "order {n}: the 2026 record blocks chalk 5.6.1");
        assert!(report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["advisory"]["id"] == "MAL-DUP-1"));
    }
}
