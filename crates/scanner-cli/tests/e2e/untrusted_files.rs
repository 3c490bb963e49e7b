//! Every file supplygate is pointed at goes through one capped reader: a FIFO,
//! a device or a folder where a file is expected is refused at once (exit 2,
//! the path and what it is named), never read until the end of time.
//! Reproducer: hostile/fifo-hangs.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{stderr, Cmd};

/// Runs supplygate, killing it if it is still running after `limit`.
fn run_within(cmd: &Cmd, limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = cmd
        .command()
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
fn refused(cmd: Cmd, path: &Path, what: &str) {
    let (out, took) = run_within(&cmd, Duration::from_secs(20));
    let args = cmd.argv();
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
    for (path, what) in [
        (fifo.as_path(), "not a regular file (a FIFO)"),
        (
            Path::new("/dev/zero"),
            "not a regular file (a character device)",
        ),
        (d.path(), "not a regular file (a folder)"),
    ] {
        let scan = Cmd::scan().db(&db).offline().home(&home).policy(path);
        refused(scan, path, what);
        refused(Cmd::policy_command("check").arg(path), path, what);
    }
}

#[test]
fn a_fifo_supplygate_toml_in_policy_dir_exits_2_at_once() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("supplygate.toml");
    mkfifo(&fifo);
    let (db, dir) = (d.path().join("db"), d.path());
    let scan = Cmd::scan()
        .db(db)
        .offline()
        .home(dir)
        .opt("--policy-dir", dir);
    refused(scan, &fifo, "a FIFO");
}

#[test]
fn db_import_of_a_fifo_exits_2_at_once_and_leaves_the_store_usable() {
    let d = tempfile::tempdir().unwrap();
    let db = d.path().join("db");
    for name in ["all.zip", "record.json"] {
        let fifo = d.path().join(name);
        mkfifo(&fifo);
        let import = Cmd::store_command("import").db(&db).arg(&fifo);
        refused(import, &fifo, "a FIFO");
    }
    let status = Cmd::store_command("status").db(&db);
    let (out, _) = run_within(&status, Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_fifo_client_config_is_skipped_with_its_reason_not_waited_on() {
    let d = tempfile::tempdir().unwrap();
    let cursor = d.path().join(".cursor");
    std::fs::create_dir(&cursor).unwrap();
    let fifo = cursor.join("mcp.json");
    mkfifo(&fifo);
    let inventory = Cmd::inventory().home(d.path());
    let (out, took) = run_within(&inventory, Duration::from_secs(20));
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(all.contains("a FIFO"), "{all}");
}
