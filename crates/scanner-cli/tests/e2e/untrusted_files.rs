//! Every file supplygate is pointed at goes through one capped reader: a FIFO,
//! a device or a folder where a file is expected is refused at once (exit 2,
//! the path and what it is named), never read until the end of time.
//! Reproducer: hostile/fifo-hangs.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{binary, stderr};

/// Runs supplygate, killing it if it is still running after `limit`.
fn run_within(args: &[&str], limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = Command::new(binary())
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SUPPLYGATE_DB")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (out, start.elapsed())
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success());
}

/// Asserts exit 2 within a few seconds and a message naming `path` and `what`.
fn refused(args: &[&str], path: &Path, what: &str) {
    let (out, took) = run_within(args, Duration::from_secs(20));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains(what), "{args:?}: {err}");
}

#[test]
fn policy_given_a_fifo_a_device_or_a_folder_exits_2_at_once() {
    let d = tempfile::tempdir().unwrap();
    let home = d.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let fifo = d.path().join("policy.toml");
    mkfifo(&fifo);
    let db = d.path().join("db");
    let db = db.to_str().unwrap();
    for (path, what) in [
        (fifo.as_path(), "not a regular file (a FIFO)"),
        (
            Path::new("/dev/zero"),
            "not a regular file (a character device)",
        ),
        (d.path(), "not a regular file (a folder)"),
    ] {
        let p = path.to_str().unwrap();
        let h = home.to_str().unwrap();
        refused(
            &["--db", db, "scan", "--offline", "--home", h, "--policy", p],
            path,
            what,
        );
        refused(&["policy", "check", p], path, what);
    }
}

#[test]
fn a_fifo_supplygate_toml_in_policy_dir_exits_2_at_once() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("supplygate.toml");
    mkfifo(&fifo);
    let (db, dir) = (d.path().join("db"), d.path().to_str().unwrap());
    refused(
        &[
            "--db",
            db.to_str().unwrap(),
            "scan",
            "--offline",
            "--home",
            dir,
            "--policy-dir",
            dir,
        ],
        &fifo,
        "a FIFO",
    );
}

#[test]
fn db_import_of_a_fifo_exits_2_at_once_and_leaves_the_store_usable() {
    let d = tempfile::tempdir().unwrap();
    let db = d.path().join("db");
    let db = db.to_str().unwrap();
    for name in ["all.zip", "record.json"] {
        let fifo = d.path().join(name);
        mkfifo(&fifo);
        refused(
            &["--db", db, "db", "import", fifo.to_str().unwrap()],
            &fifo,
            "a FIFO",
        );
    }
    let (out, _) = run_within(&["--db", db, "db", "status"], Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_fifo_client_config_is_skipped_with_its_reason_not_waited_on() {
    let d = tempfile::tempdir().unwrap();
    let cursor = d.path().join(".cursor");
    std::fs::create_dir(&cursor).unwrap();
    let fifo = cursor.join("mcp.json");
    mkfifo(&fifo);
    let home = d.path().to_str().unwrap();
    let (out, took) = run_within(&["inventory", "--home", home], Duration::from_secs(20));
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(all.contains("a FIFO"), "{all}");
}
