//! Helpers for the end-to-end tests: run the real `supplygate` binary on
//! copies of `fixtures/`.

pub mod cmd;
pub mod osv_server;

pub use cmd::Cmd;

use std::path::{Path, PathBuf};
use std::process::Output;

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

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh advisories store with the bundled OSV records (`fixtures/osv`) imported.
pub fn imported_store() -> tempfile::TempDir {
    let db = tempfile::tempdir().expect("temp dir");
    let osv = fixtures().join("osv");
    let out = Cmd::store_command("import")
        .db(db.path())
        .args([
            osv.join("PyPI-all.zip"),
            osv.join("npm"),
            osv.join("PyPI-ghsa-mal"),
        ])
        .run();
    assert!(out.status.success(), "import failed: {}", stderr(&out));
    db
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

/// Writes `text` to `path`, creating its folders first.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Every finding of a JSON report (or inventory).
pub fn findings(report: &serde_json::Value) -> &[serde_json::Value] {
    report["findings"].as_array().expect("a findings array")
}

/// The findings of a JSON report with `code`.
pub fn with_code<'a>(report: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    findings(report)
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// The code of every finding of a JSON report, in report order.
pub fn codes(report: &serde_json::Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// Panics unless `tool` runs (`tool --version`): the tests that need npm or
/// uv fail rather than pass unchecked where they are missing.
pub fn require_tool(tool: &str, how: &str) {
    assert!(runs(tool), "{tool} is required for this test ({how})");
}

/// Whether `tool` runs (`tool --version`). Where it does not, the caller
/// skips its test: the reason is printed, and in CI (`CI` set), which
/// installs it (`install` says how), the test fails instead.
pub fn tool_or_skip(tool: &str, install: &str) -> bool {
    if runs(tool) {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{tool} is missing: {install}"
    );
    eprintln!("{tool} is not installed: skipped ({install})");
    false
}

fn runs(tool: &str) -> bool {
    std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}
