//! Helpers for the end-to-end tests: run the real `supplygate` binary on
//! copies of `fixtures/`.

pub mod osv_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's `fixtures/` folder, as a normal absolute path (the
/// binary normalises the paths it is given, so reports name it this way).
pub fn fixtures() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    dir.canonicalize().unwrap_or(dir)
}

/// The path of the `supplygate` binary cargo built for these tests.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_supplygate"))
}

/// Runs `supplygate` with `args`, with a scrubbed environment.
pub fn run(args: &[&str]) -> Output {
    run_with_env(args, &[])
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `supplygate scan --offline --format json` on the fixture home `home`
/// against the store in `db`; returns the exit code and the parsed report.
pub fn scan_json(db: &Path, home: &str) -> (i32, serde_json::Value) {
    let home = fixtures().join("homes").join(home);
    let out = run(&[
        "--db",
        db.to_str().unwrap(),
        "scan",
        "--offline",
        "--home",
        home.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", stderr(&out)));
    (out.status.code().unwrap(), json)
}

/// The arguments of an offline scan of a fixture home (a folder under
/// `fixtures/homes`, or any path) against the store in `db`, then `extra`.
pub fn fixture_scan_args(db: &Path, home: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["--db", db.to_str().expect("utf-8 db path"), "scan"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--offline".into(), "--home".into()]);
    args.push(home.to_str().expect("utf-8 home path").to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// A fresh advisories store with the bundled OSV records (`fixtures/osv`) imported.
pub fn imported_store() -> tempfile::TempDir {
    let db = tempfile::tempdir().expect("temp dir");
    let osv = fixtures().join("osv");
    let out = run(&[
        "--db",
        db.path().to_str().expect("utf-8 temp path"),
        "db",
        "import",
        osv.join("PyPI-all.zip").to_str().expect("utf-8 path"),
        osv.join("npm").to_str().expect("utf-8 path"),
        osv.join("PyPI-ghsa-mal").to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "import failed: {}", stderr(&out));
    db
}

/// Runs `supplygate` with `args` and extra environment variables.
pub fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .env_remove("SUPPLYGATE_DB")
        .env_remove("SUPPLYGATE_TODAY")
        .env_remove("SUPPLYGATE_OSV_URL")
        .env_remove("SUPPLYGATE_OSV_DATA_URL")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run supplygate")
}

/// Copies a folder, keeping symlinks as symlinks.
#[cfg(unix)]
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let kind = e.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if kind.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}
