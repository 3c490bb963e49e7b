//! The exit code is the verdict whatever happens to the output (issue 14,
//! item 5): a blocked scan whose stdout reader has gone still exits 1 (in
//! every format), and an incomplete scan whose stderr cannot be written
//! (`2>/dev/full`) exits 3 instead of panicking.

use std::process::{Command, Stdio};

use crate::support::{imported_store, Cmd};

fn scan_command(db: &std::path::Path, home: &std::path::Path, format: &str) -> Command {
    Cmd::scan()
        .db(db)
        .offline()
        .home(home)
        .format(format)
        .command()
}

#[test]
fn a_blocked_scan_whose_stdout_reader_has_gone_still_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let (home, _) = crate::hostile_trees::npm_project(dir.path());
    let db = imported_store();
    for format in ["table", "json", "sarif", "cyclonedx", "markdown"] {
        let mut child = scan_command(db.path(), &home, format)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The reader goes away before the report is written: every write
        // to stdout fails with a broken pipe.
        drop(child.stdout.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(1), "{format}: the verdict is blocked");
    }
    let out = scan_command(db.path(), &home, "json").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "control: the same scan blocks");
}

#[cfg(target_os = "linux")]
#[test]
fn an_incomplete_scan_whose_stderr_is_full_exits_3_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".cursor")).unwrap();
    std::fs::write(
        home.join(".cursor/mcp.json"),
        r#"{"mcpServers":{"x":{"command":"npx","args":["-y","not-installed@1.0.0"]}}}"#,
    )
    .unwrap();
    let db = imported_store();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = scan_command(db.path(), &home, "table")
        .stdout(Stdio::null())
        .stderr(full)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(3), "incomplete, not a panic (101)");
}
