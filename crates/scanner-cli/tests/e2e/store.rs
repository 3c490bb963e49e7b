//! End-to-end: the advisories store under faults. A killed import, a scan
//! during an import, two imports at once, and hostile archives each leave the
//! previous data fully usable (checked with SQLite's own integrity check).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::{fixtures, imported_store, stderr, stdout, Cmd};
use serde_json::Value;

/// A store holding the bundled OSV records (npm 64, PyPI 2,661 + 31).
fn store() -> tempfile::TempDir {
    imported_store()
}

fn import(db: &Path, sources: &[&Path]) -> std::process::Output {
    Cmd::store_command("import").db(db).args(sources).run()
}

/// `supplygate db import ZIP` running in the background, returned once it
/// has said it started (so it holds the write transaction).
fn import_in_background(db: &Path, zip: &Path) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = Cmd::store_command("import")
        .db(db)
        .arg(zip)
        .command()
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("importing "),
        "unexpected first line: {line}"
    );
    (child, err)
}

/// npm records count, as `db status` prints them.
fn npm_records(db: &Path) -> u64 {
    let out = Cmd::store_command("status").db(db).run();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text.lines().find(|l| l.starts_with("npm ")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// SQLite's own check of the store file, made independently of supplygate.
fn integrity_ok(db: &Path) {
    let conn = rusqlite::Connection::open(db.join("advisories.sqlite3")).unwrap();
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdict, "ok");
}

/// An all.zip of `n` real MAL- records (MAL-2022-9, `0-dns`), each with its
/// own id and package name; stored uncompressed so it is quick to write.
fn big_zip(dir: &Path, n: usize, tag: &str) -> PathBuf {
    let template = std::fs::read_to_string(fixtures().join("osv/npm/MAL-2022-9.json")).unwrap();
    let path = dir.join(format!("{tag}-all.zip"));
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..n {
        let id = format!("MAL-{tag}-{i}");
        let text = template
            .replace("\"MAL-2022-9\"", &format!("\"{id}\""))
            .replace("\"0-dns\"", &format!("\"0-dns-{tag}-{i}\""));
        w.start_file(format!("{id}.json"), opts).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap();
    path
}

/// (exit code, {(code, advisory id, package)}) of an offline scan of `home`.
fn scan(db: &Path, home: &str) -> (i32, BTreeSet<(String, String, String)>) {
    let (code, report) = Cmd::scan()
        .db(db)
        .offline()
        .fixture_home(home)
        .format("json")
        .json();
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                s(&f["code"]),
                s(&f["advisory"]["id"]),
                s(&f["package"]["name"]),
            )
        })
        .collect();
    (code, found)
}

#[test]
fn a_sigkilled_import_leaves_the_previous_data_fully_usable() {
    let db = store();
    let before = scan(db.path(), "affected");
    let node_fetch = (
        "vulnerable-dependency".into(),
        "GHSA-r683-j2x4-v87g".into(),
        "node-fetch".into(),
    );
    assert!(before.1.contains(&node_fetch), "{before:?}");
    let work = tempfile::tempdir().unwrap();
    let zip = big_zip(work.path(), 20_000, "kill");
    let (mut child, _err) = import_in_background(db.path(), &zip);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import finished before the kill"
    );
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    integrity_ok(db.path());
    assert_eq!(
        npm_records(db.path()),
        64,
        "none of the killed import landed"
    );
    assert_eq!(scan(db.path(), "affected"), before);
    // And the store still takes writes.
    let out = import(db.path(), &[&big_zip(work.path(), 10, "after")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(npm_records(db.path()), 74);
}

#[test]
fn a_scan_reads_while_an_import_writes() {
    let db = store();
    let before = scan(db.path(), "affected");
    let work = tempfile::tempdir().unwrap();
    let zip = big_zip(work.path(), 20_000, "live");
    let (mut child, _err) = import_in_background(db.path(), &zip);
    let started = std::time::Instant::now();
    let during = scan(db.path(), "affected");
    let scan_took = started.elapsed();
    let still_importing = child.try_wait().unwrap().is_none();
    assert_eq!(
        during, before,
        "the scan sees the data committed before the import"
    );
    assert!(
        still_importing,
        "the import ended before the scan did ({scan_took:?})"
    );
    assert!(child.wait().unwrap().success());
    assert_eq!(npm_records(db.path()), 64 + 20_000);
    integrity_ok(db.path());
}

#[test]
fn two_imports_at_once_both_land_one_after_the_other() {
    let db = store();
    let work = tempfile::tempdir().unwrap();
    let (a, b) = (
        big_zip(work.path(), 5_000, "a"),
        big_zip(work.path(), 5_000, "b"),
    );
    let (first, _e1) = import_in_background(db.path(), &a);
    let (second, _e2) = import_in_background(db.path(), &b);
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
    }
    assert_eq!(npm_records(db.path()), 64 + 10_000);
    integrity_ok(db.path());
}

/// Imports `zip` into a fixture store and expects exit 2 with `message`,
/// the file named, and the store as it was.
fn refused(zip: &Path, message: &str) {
    let db = store();
    let before = scan(db.path(), "affected");
    let out = import(db.path(), &[zip]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(zip.to_str().unwrap()), "{err}");
    assert!(err.contains(message), "{err}");
    assert_eq!(npm_records(db.path()), 64);
    assert_eq!(scan(db.path(), "affected"), before);
    integrity_ok(db.path());
}

#[test]
fn a_truncated_all_zip_is_refused_and_the_store_is_intact() {
    let work = tempfile::tempdir().unwrap();
    let zip = big_zip(work.path(), 50, "cut");
    let bytes = std::fs::read(&zip).unwrap();
    std::fs::write(&zip, &bytes[..bytes.len() * 2 / 3]).unwrap();
    refused(&zip, "not a readable zip archive");
}

#[test]
fn a_garbage_all_zip_is_refused_and_the_store_is_intact() {
    let work = tempfile::tempdir().unwrap();
    let zip = work.path().join("all.zip");
    std::fs::write(&zip, b"<html>503 Service Unavailable</html>").unwrap();
    refused(&zip, "not a readable zip archive");
}

#[test]
fn a_zip_bomb_is_refused_and_the_store_is_intact() {
    let work = tempfile::tempdir().unwrap();
    let zip = work.path().join("bomb.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("MAL-0.json", opts).unwrap();
    w.write_all(&vec![b' '; 3 << 20]).unwrap();
    w.finish().unwrap();
    refused(&zip, "compression ratio of entry `MAL-0.json`");
}

#[test]
fn db_status_shows_each_source_and_when_it_was_imported() {
    let db = store();
    let out = Cmd::store_command("status").db(db.path()).run();
    let text = stdout(&out);
    let npm = fixtures().join("osv/npm");
    let want = format!("imported 64 from {} at ", npm.display());
    let line = text
        .lines()
        .find(|l| l.contains(&want))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with(" UTC"), "{line}");
    assert!(
        text.contains("npm         64 records  newest modified 20"),
        "{text}"
    );
    assert!(text.contains("PyPI      2692 records"), "{text}");
}
