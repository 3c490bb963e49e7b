//! Messages about bad input name the file, the place and the real cause,
//! once (issue 14, item 17), and files of a scanned tree are read only
//! through the capped reader confined to the tree (item 16): a lockfile
//! linked out of the project is never read.

use std::path::Path;

use serde_json::Value;

use crate::support::{imported_store, write, Cmd};

/// `inventory --config FILE` only: exit code and stderr.
fn inventory_of(config: &Path) -> (i32, String) {
    let (code, _, err) = Cmd::inventory()
        .no_default_configs()
        .config(config)
        .outcome();
    (code, err)
}

#[test]
fn a_toml_syntax_error_gives_the_parser_reason_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("syntax.toml");
    write(&file, "[mcp_servers.x]\ncommand = \"npx\"\n\n\nfoo = = 3\n");
    let (code, err) = inventory_of(&file);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("syntax.toml:5:"), "{err}");
    assert!(!err.contains("invalid TOML: invalid TOML"), "{err}");
}

#[test]
fn a_key_of_a_thousand_dotted_parts_is_reported_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dotted.toml");
    let key = vec!["a"; 1000].join(".");
    write(
        &file,
        &format!("[mcp_servers.x]\ncommand = \"npx\"\n{key} = 1\n"),
    );
    let (code, err) = inventory_of(&file);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("dotted.toml:3:"), "{err}");
    assert!(err.contains("dotted parts"), "{err}");
    assert!(!err.contains(":1:1:"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("loop1.json"), dir.path().join("loop2"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let (code, err) = inventory_of(&a);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("loop1.json"), "{err}");
    let cause = "symbolic links";
    assert_eq!(err.matches(cause).count(), 1, "{err}");
}

#[cfg(unix)]
#[test]
fn a_store_path_that_is_not_a_folder_is_named_as_such_once() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let osv = crate::support::fixtures().join("osv/npm");
    for cmd in [
        Cmd::scan().offline().home(&home),
        Cmd::store_command("import").arg(&osv),
        Cmd::store_command("status"),
    ] {
        let cmd = cmd.db("/dev/null");
        let (code, _, err) = cmd.outcome();
        assert_eq!(code, 2, "{cmd:?}: {err}");
        assert_eq!(err.matches("not a folder").count(), 1, "{cmd:?}: {err}");
        assert!(!err.contains("File exists"), "{cmd:?}: {err}");
        assert!(
            !err.contains("db update"),
            "no hint to create a store at /dev/null: {err}"
        );
    }
}

/// A node project whose `package-lock.json` is `lock`'s doing, with chalk
/// 5.6.1 (malicious) installed; the scan's exit code and stderr.
fn scan_with_lock(lock: impl FnOnce(&Path)) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let (home, proj) = crate::hostile_trees::npm_project(dir.path());
    lock(&proj.join("package-lock.json"));
    let db = imported_store();
    let (code, _, err) = Cmd::scan().db(db.path()).offline().home(&home).outcome();
    (code, err)
}

#[test]
fn a_too_large_lockfile_is_called_too_large_not_irregular() {
    let (code, err) = scan_with_lock(|lock| {
        // 70 MB, sparse: the size alone is over the cap.
        let file = std::fs::File::create(lock).unwrap();
        file.set_len(70_000_000).unwrap();
    });
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("package-lock.json"), "{err}");
    assert_eq!(err.matches("larger than the limit").count(), 1, "{err}");
    assert!(!err.contains("not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_lockfile_linked_out_of_the_project_is_never_read() {
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("lock.json");
    // Outside the project, a lockfile that would make chalk 5.6.1 look
    // like another package: read, it would change what is checked.
    write(
        &elsewhere,
        r#"{"name":"proj","lockfileVersion":3,"packages":{"":{},"node_modules/chalk":{"version":"5.6.0"}}}"#,
    );
    let (code, err) = scan_with_lock(|lock| {
        std::os::unix::fs::symlink(&elsewhere, lock).unwrap();
    });
    assert!(code == 1 || code == 3, "{err}");
    assert!(
        err.contains("package-lock.json") && err.contains("leads outside the tree"),
        "{err}"
    );
}

#[test]
fn a_yaml_merge_key_is_applied_not_reported_as_an_empty_launcher() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    write(
        &home.join(".config/goose/config.yaml"),
        "extensions:\n  base: &b\n    type: stdio\n    cmd: npx\n    args: [-y, x@1.0.0]\n    enabled: true\n  fetch:\n    <<: *b\n    args: [-y, mcp-fetch@2.0.0]\n",
    );
    let (code, inv) = Cmd::inventory().home(&home).format("json").json();
    assert_eq!(code, 0, "{inv}");
    let fetch = inv["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "fetch")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(fetch["command"], "npx", "{inv:#}");
    assert_eq!(fetch["args"][1], "mcp-fetch@2.0.0", "{inv:#}");
    let db = imported_store();
    let (code, _, err) = Cmd::scan().db(db.path()).offline().home(&home).outcome();
    assert_eq!(code, 3, "{err}");
    assert!(!err.contains("launcher ``"), "{err}");
    assert!(err.contains("mcp-fetch@2.0.0"), "{err}");
}
