//! Terminal control characters from hostile configs never reach a terminal
//! raw (issue 14, item 14): a server name that erases lines and paints a
//! fake green "PASSED", a package spec that sets the window title, a path
//! holding ESC: the table, Markdown, `inventory`, `explain` and every
//! message on stderr show them as visible escapes (`\e`, `\r`, `\x07`).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{imported_store, stderr, stdout, Cmd};

const NAME: &str = "ok\u{1b}[2K\r\u{1b}[1A\u{1b}[2K\u{1b}[32mPASSED: all clear\u{1b}[0m";
const SPEC: &str = "@evil/pkg\u{1b}]0;owned\u{7}@1.0.0";

fn hostile_home(dir: &Path) -> PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let config =
        serde_json::json!({"mcpServers": {NAME: {"command": "npx", "args": ["-y", SPEC]}}});
    std::fs::write(home.join(".claude.json"), config.to_string()).unwrap();
    home
}

/// Fails when `bytes` hold ESC, BEL, CR or any other C0 control except
/// newline and tab.
fn assert_no_raw_controls(bytes: &[u8], what: &str) {
    let raw: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|&b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f)
        .collect();
    assert!(
        raw.is_empty(),
        "{what} carries raw control bytes {raw:?}:\n{}",
        String::from_utf8_lossy(bytes)
    );
}

fn assert_clean(out: &Output, what: &str) {
    assert_no_raw_controls(&out.stdout, &format!("{what} stdout"));
    assert_no_raw_controls(&out.stderr, &format!("{what} stderr"));
}

#[test]
fn scan_table_markdown_and_stderr_escape_a_hostile_name_and_spec() {
    let dir = tempfile::tempdir().unwrap();
    let home = hostile_home(dir.path());
    let db = imported_store();
    for format in ["table", "markdown"] {
        let out = Cmd::scan()
            .db(db.path())
            .offline()
            .home(&home)
            .format(format)
            .run();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_clean(&out, &format!("scan --format {format}"));
        // Shown (escaped in the table, dropped in Markdown), never raw.
        let shown = if format == "table" {
            "ok\\e[2K\\r\\e[1A"
        } else {
            "PASSED: all clear"
        };
        assert!(stdout(&out).contains(shown), "{}", stdout(&out));
        assert!(
            stderr(&out).contains("\\e]0;owned\\x07"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn inventory_and_explain_escape_a_hostile_name_and_spec() {
    let dir = tempfile::tempdir().unwrap();
    let home = hostile_home(dir.path());
    let out = Cmd::inventory().home(&home).run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_clean(&out, "inventory");
    assert!(
        stdout(&out).contains("PASSED: all clear\\e[0m"),
        "{}",
        stdout(&out)
    );
    let db = imported_store();
    let out = Cmd::explain("@evil/pkg").db(db.path()).home(&home).run();
    assert_clean(&out, "explain");
}

#[test]
fn an_error_naming_a_path_with_escapes_escapes_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("x\u{1b}[2J\u{1b}[32mPASSED\r.json");
    let out = Cmd::inventory().no_default_configs().config(&config).run();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_clean(&out, "inventory --config MISSING");
    assert!(
        stderr(&out).contains("x\\e[2J\\e[32mPASSED\\r.json"),
        "{}",
        stderr(&out)
    );
}
