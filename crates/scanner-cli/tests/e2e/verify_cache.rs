//! End-to-end: the verification cache beside the store. A repeat scan of
//! unchanged trees reads no installed file again, yet a file changed with
//! its mtime put back (`touch -r`) is still caught, and a damaged, foreign
//! or loosely-permitted cache is ignored, never trusted into a pass.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{copy_tree, fixtures, imported_store, stderr, Cmd};

const CACHE: &str = "verify-cache.bin";

/// A copy of `fixtures/trees/home` (symlinks kept), old enough that its
/// files can be cached: files changed less than 2 s before a scan are
/// always read (their timestamps could still be in the same tick).
fn aged_home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("trees/home"), dir.path());
    std::thread::sleep(Duration::from_millis(2100));
    dir
}

fn scan(db: &Path, home: &Path, extra: &[&str]) -> (i32, Value, String) {
    let cmd = Cmd::scan()
        .db(db)
        .offline()
        .home(home)
        .format("json")
        .args(extra);
    let (code, out, err) = cmd.outcome();
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad JSON ({e}): {err}"));
    (code, json, err)
}

/// The cache notes of every server's tree.
fn cache_notes(report: &Value) -> Vec<String> {
    report["servers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["tree"]["notes"].as_array().cloned().unwrap_or_default())
        .filter_map(|n| n.as_str().map(str::to_string))
        .filter(|n| n.contains("verification cache"))
        .collect()
}

/// (package, integrity state) of every package of every server.
fn states(report: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for s in report["servers"].as_array().unwrap() {
        for p in s["packages"].as_array().unwrap() {
            out.insert((
                s["name"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["integrity"]["state"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// The names of the packages with a `checksum-mismatch` finding.
fn mismatched(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "checksum-mismatch")
        .map(|f| f["package"]["name"].as_str().unwrap().to_string())
        .collect()
}

/// Changes one byte of `file` (same size) and puts its mtime back with
/// the real `touch -r`, the way someone hiding a change would.
fn tamper_keeping_mtime(file: &Path) {
    let reference = file.with_extension("mtime-ref");
    let touch = |args: &[&Path]| {
        let ok = Command::new("touch").arg("-r").args(args).status().unwrap();
        assert!(ok.success());
    };
    let mtime = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let before = mtime(file);
    touch(&[file, &reference]);
    let mut bytes = std::fs::read(file).unwrap();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'x' { b'y' } else { b'x' };
    std::fs::write(file, &bytes).unwrap();
    touch(&[&reference, file]);
    std::fs::remove_file(&reference).unwrap();
    assert_eq!(mtime(file), before, "mtime restored");
}

/// A JS file of chalk in the npx tree (npm: checked against the cached
/// tarball) and a module of cowsay in the uv tool (Python: RECORD).
fn tampered_files(home: &Path) -> [PathBuf; 2] {
    [
        home.join(".npm/_npx/b6e66ce70db5ca3d/node_modules/chalk/source/util.js"),
        home.join(".local/share/uv/tools/cowsay/lib/python3.11/site-packages/cowsay/main.py"),
    ]
}

#[test]
fn a_repeat_scan_reads_only_what_changed_and_touch_r_does_not_hide_a_change() {
    let home = aged_home();
    let db = imported_store();
    let (code1, first, _) = scan(db.path(), home.path(), &[]);
    assert!(cache_notes(&first).is_empty(), "{:?}", cache_notes(&first));
    assert!(db.path().join(CACHE).is_file());

    let (code2, second, _) = scan(db.path(), home.path(), &[]);
    assert_eq!(code1, code2);
    assert_eq!(states(&first), states(&second));
    assert_eq!(first["findings"], second["findings"]);
    let notes = cache_notes(&second);
    // Every verified tree was found unchanged; only the packages that did
    // not verify (the hand-modified ones) and pipx's rewritten shebang were read.
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("33 of 33 files unchanged")),
        "{notes:#?}"
    );
    assert!(notes.len() >= 8, "{notes:#?}");

    for file in tampered_files(home.path()) {
        tamper_keeping_mtime(&file);
    }
    let (code3, third, _) = scan(db.path(), home.path(), &[]);
    assert_eq!(
        mismatched(&third),
        ["chalk", "cowsay", "ms", "pycowsay"]
            .map(String::from)
            .into(),
    );
    assert_eq!(code3, 1, "a checksum mismatch blocks");
    assert_ne!(code1, 0);
}

#[test]
fn no_verify_cache_reads_every_file_and_keeps_nothing() {
    let home = aged_home();
    let db = imported_store();
    for _ in 0..2 {
        let (_, report, _) = scan(db.path(), home.path(), &["--no-verify-cache"]);
        assert!(cache_notes(&report).is_empty());
    }
    assert!(!db.path().join(CACHE).exists());
}

/// Rewrites the cache's trailing checksum after `edit`, so only the check
/// being tested can refuse it.
fn resealed(path: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes.truncate(bytes.len() - 32);
    edit(&mut bytes);
    let sum = Sha256::digest(&bytes);
    bytes.extend_from_slice(&sum);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_foreign_or_loose_cache_is_ignored_and_the_change_still_caught() {
    let home = aged_home();
    let db = imported_store();
    let cache = db.path().join(CACHE);
    let (_, clean, _) = scan(db.path(), home.path(), &[]);
    let good = std::fs::read(&cache).unwrap();
    for file in tampered_files(home.path()) {
        tamper_keeping_mtime(&file);
    }
    let flip_last = |b: &mut Vec<u8>| *b.last_mut().unwrap() ^= 1;
    type Spoil = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Spoil)> = vec![
        (
            "damaged",
            Box::new(move |p| {
                let mut b = std::fs::read(p).unwrap();
                flip_last(&mut b);
                std::fs::write(p, b).unwrap();
            }),
        ),
        (
            "too short",
            Box::new(|p| std::fs::write(p, b"SGVCACHE").unwrap()),
        ),
        (
            "another user or machine",
            // The salt (bytes 16..48) names the user and machine.
            Box::new(|p| resealed(p, |b| b[16] ^= 1)),
        ),
        (
            "other users may write it",
            Box::new(|p| {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o666)).unwrap()
            }),
        ),
        (
            "not a regular file",
            Box::new(|p| {
                let real = p.with_extension("real");
                std::fs::rename(p, &real).unwrap();
                std::os::unix::fs::symlink(&real, p).unwrap();
            }),
        ),
    ];
    for (why, spoil) in cases {
        let _ = std::fs::remove_file(&cache);
        std::fs::write(&cache, &good).unwrap();
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o600)).unwrap();
        spoil(&cache);
        let (code, report, err) = scan(db.path(), home.path(), &[]);
        assert!(
            err.contains("verification cache") && err.contains(why),
            "{why}: {err}"
        );
        assert!(cache_notes(&report).is_empty(), "{why}: nothing trusted");
        assert_eq!(code, 1, "{why}");
        assert!(mismatched(&report).contains("chalk"), "{why}");
        assert!(mismatched(&report).contains("cowsay"), "{why}");
        // The bad cache was replaced by a good one.
        let meta = std::fs::symlink_metadata(&cache).unwrap();
        assert!(
            meta.is_file() && meta.permissions().mode() & 0o077 == 0,
            "{why}"
        );
        let _ = std::fs::remove_file(cache.with_extension("real"));
    }
    assert_ne!(
        mismatched(&clean),
        mismatched(&scan(db.path(), home.path(), &[]).1)
    );
}

#[test]
fn a_reader_without_a_store_keeps_no_cache() {
    let home = aged_home();
    let parent = tempfile::tempdir().unwrap();
    let db = parent.path().join("no-store");
    let (code, _, err) = scan(&db, home.path(), &[]);
    // Blocked (the fixture's modified files) outranks incomplete (no store).
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no advisories store"), "{err}");
    assert!(
        !db.exists(),
        "nothing created for a store that is not there"
    );
    let empty = tempfile::tempdir().unwrap();
    scan(empty.path(), home.path(), &[]);
    assert!(!empty.path().join(CACHE).exists());
}

#[test]
fn the_cache_is_never_written_inside_a_scanned_tree() {
    let home = aged_home();
    let db = home.path().join(".npm/_npx/b6e66ce70db5ca3d/store");
    let osv = fixtures().join("osv/npm");
    let out = Cmd::store_command("import").db(&db).arg(osv).run();
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, _, err) = scan(&db, home.path(), &[]);
    assert!(err.contains("inside the scanned tree"), "{err}");
    assert!(!db.join(CACHE).exists());
}
