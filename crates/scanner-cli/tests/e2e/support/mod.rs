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
