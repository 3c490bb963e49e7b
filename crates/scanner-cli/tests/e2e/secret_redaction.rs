//! Secret redaction over every command and every output (issue 14, items 12
//! and 13): the credentials the hostile round planted (a `--password` and an
//! `--aws-secret-access-key` value as separate arguments, a password inside
//! an `sh -c` string, a URL whose user name equals its password, a password
//! in a remote server's `url` and in a `DATABASE_URL` env value) are each a
//! `plaintext-secret` finding and never printed: not by `inventory`, `scan`
//! (every format, `--output`, a signed receipt), `explain` or `vet` (its
//! pinned snippet included), on stdout or stderr.

use std::path::Path;

use serde_json::Value;

use crate::support::{imported_store, stderr, stdout, Cmd};

/// The planted secrets, each as it must never appear. The URL whose user
/// name is its password may show the user, never `:password@`.
const SECRETS: &[&str] = &[
    "correcthorsebattery",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8vK3mQpL",
    "trustno1trustno1",
    "Hunter2Hunter2xyzq",
    "S3cr3tDsnPassw0rd",
];
const USER_IS_PASSWORD: &str = ":dbadmin2024x@";

fn planted_home(dir: &Path) -> std::path::PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join(".claude.json"),
        r#"{"mcpServers": {
  "split": {"command": "npx", "args": ["-y", "some-mcp@1.0.0", "--password", "correcthorsebattery",
            "--aws-secret-access-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8vK3mQpL"]},
  "pg": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres@0.6.2",
         "postgresql://dbadmin2024x:dbadmin2024x@db.example.com/prod"]},
  "shell": {"command": "sh", "args": ["-c", "some-server --password trustno1trustno1 | tee /dev/null"]},
  "remote": {"type": "sse", "url": "https://user:Hunter2Hunter2xyzq@mcp.example.com/sse"},
  "dsn": {"command": "npx", "args": ["-y", "pg-mcp@1.0.0"],
          "env": {"DATABASE_URL": "postgres://app:S3cr3tDsnPassw0rd@db.internal/app"}}
}}
"#,
    )
    .unwrap();
    home
}

/// Fails naming the output and the piece when any 8 characters of a planted
/// secret appear in `text`.
fn assert_no_secret(text: &str, what: &str) {
    for s in SECRETS {
        for piece in s.as_bytes().windows(8) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(
                !text.contains(piece),
                "{what} leaks `{piece}` of `{s}`:\n{text}"
            );
        }
    }
    assert!(
        !text.contains(USER_IS_PASSWORD),
        "{what} leaks the URL password:\n{text}"
    );
}

/// `scan --offline` of `home` against `db`.
fn scan(db: &Path, home: &Path) -> Cmd {
    Cmd::scan().db(db).offline().home(home)
}

fn all_output(out: &std::process::Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

#[test]
fn each_planted_secret_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let home = planted_home(dir.path());
    let out = Cmd::inventory().home(&home).format("json").run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let inv: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secrets: Vec<(String, String)> = inv["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "plaintext-secret")
        .map(|f| {
            let message = f["message"].as_str().unwrap().to_string();
            let server = message.split('`').nth(1).unwrap_or_default().to_string();
            (server, message)
        })
        .collect();
    let count = |name: &str| secrets.iter().filter(|(s, _)| s == name).count();
    assert_eq!(count("split"), 2, "{secrets:#?}");
    for name in ["pg", "shell", "remote", "dsn"] {
        assert_eq!(count(name), 1, "{name}: {secrets:#?}");
    }
    for (tail, server) in [
        ("****tery", "split"),
        ("****mQpL", "split"),
        ("****024x", "pg"),
        ("****tno1", "shell"),
        ("****xyzq", "remote"),
        ("****w0rd", "dsn"),
    ] {
        assert!(
            secrets.iter().any(|(s, m)| s == server && m.contains(tail)),
            "{server} {tail}: {secrets:#?}"
        );
    }
}

#[test]
fn inventory_and_scan_never_print_a_planted_secret_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let home = planted_home(dir.path());
    let db = imported_store();
    for format in ["table", "json"] {
        let out = Cmd::inventory().home(&home).format(format).run();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_no_secret(&all_output(&out), &format!("inventory --format {format}"));
    }
    for format in ["table", "json", "sarif", "cyclonedx", "markdown"] {
        let file = dir.path().join(format!("report.{format}"));
        let out = scan(db.path(), &home).format(format).run();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_no_secret(&all_output(&out), &format!("scan --format {format}"));
        let out = scan(db.path(), &home)
            .format(format)
            .opt("--output", &file)
            .run();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(!written.is_empty());
        assert_no_secret(&written, &format!("scan --format {format} --output"));
    }
}

#[test]
fn a_signed_receipt_and_explain_never_print_a_planted_secret() {
    let dir = tempfile::tempdir().unwrap();
    let home = planted_home(dir.path());
    let db = imported_store();
    let keys = dir.path().join("keys");
    let out = Cmd::receipt("keygen").opt("--out", &keys).run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let receipt = dir.path().join("receipt.json");
    let log = dir.path().join("log");
    let out = scan(db.path(), &home)
        .opt("--receipt", &receipt)
        .opt("--receipt-log", &log)
        .opt("--signing-key", keys.join("supplygate.key"))
        .run();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_no_secret(&all_output(&out), "scan --receipt");
    let mut written = std::fs::read_to_string(&receipt).unwrap();
    for entry in std::fs::read_dir(&log).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            written.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    assert_no_secret(&written, "the receipt and its log");
    for package in [
        "some-mcp",
        "pg-mcp",
        "@modelcontextprotocol/server-postgres",
    ] {
        let out = Cmd::explain(package).db(db.path()).home(&home).run();
        assert_no_secret(&all_output(&out), &format!("explain {package}"));
    }
}

/// `vet` of the planted config: its pinned snippets (meant for copying)
/// redact the credentials like every other output.
#[test]
fn vet_never_prints_a_planted_secret_in_its_pinned_snippets() {
    let dir = tempfile::tempdir().unwrap();
    let home = planted_home(dir.path());
    let db = imported_store();
    for format in ["table", "json", "markdown"] {
        let out = Cmd::vet(Vec::<&str>::new())
            .db(db.path())
            .offline()
            .home(&home)
            .config(home.join(".claude.json"))
            .format(format)
            .env("HOME", &home)
            .env("npm_config_registry", "http://127.0.0.1:9/")
            .run();
        assert!(matches!(out.status.code(), Some(1 | 3)), "{}", stderr(&out));
        assert_no_secret(&all_output(&out), &format!("vet --format {format}"));
    }
}
