//! `uvx` from git, a URL or a path (issue 13, item 8): the launcher is uvx
//! and is understood; the source is what supplygate does not resolve. Such a
//! server is reported as uvx with its source unchecked (`resolution-failed`
//! and `non-registry-source`), never as "launcher `uvx` is not supported",
//! and the run stays incomplete (exit 3). A token in the URL is never shown.

use std::path::Path;

use crate::support::{codes, imported_store, stderr, stdout, with_code, write, Cmd};

const TOKEN: &str = "ghp_S3cretT0kenValue9";

fn home_with_sources(dir: &Path) -> std::path::PathBuf {
    let home = dir.join("home");
    write(
        &home.join(".claude.json"),
        &format!(
            r#"{{"mcpServers": {{
  "git-from": {{"command": "uvx", "args": ["--from", "git+https://x-access-token:{TOKEN}@github.com/o/r@v1", "mcp-x"]}},
  "direct-ref": {{"command": "uvx", "args": ["--from", "mcp-x @ git+https://github.com/o/r", "mcp-x"]}},
  "wheel-url": {{"command": "uv", "args": ["tool", "run", "--from", "https://example.invalid/mcp_x-1.0-py3-none-any.whl", "mcp-x"]}},
  "local-path": {{"command": "uvx", "args": ["--from", "./tools/mcp-x", "mcp-x"]}},
  "git-target": {{"command": "uvx", "args": ["git+https://github.com/o/r"]}}
}}}}"#
        ),
    );
    home
}

#[test]
fn uvx_from_git_url_or_path_reports_the_source_unchecked_not_the_launcher() {
    let db = imported_store();
    let dir = tempfile::tempdir().unwrap();
    let home = home_with_sources(dir.path());
    let scan = Cmd::scan().db(db.path()).offline().home(&home);

    let (code, report) = scan.clone().format("json").json();
    assert_eq!(code, 3, "an unchecked source is an incomplete run");
    assert!(
        !codes(&report).contains(&"unsupported-launcher".to_string()),
        "{:?}",
        codes(&report)
    );
    let servers = report["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 5);
    for (name, from) in [
        ("git-from", "a git repository"),
        ("direct-ref", "a git repository"),
        ("wheel-url", "a URL"),
        ("local-path", "a local path"),
        ("git-target", "a git repository"),
    ] {
        let server = servers.iter().find(|s| s["name"] == name).unwrap();
        assert_eq!(server["launcher"], "uvx", "{name}");
        let failed: Vec<_> = with_code(&report, "resolution-failed")
            .into_iter()
            .filter(|f| f["server"] == name)
            .collect();
        assert_eq!(failed.len(), 1, "{name}: {report:#}");
        let message = failed[0]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("uvx installs it from {from}")),
            "{name}: {message}"
        );
        assert!(
            with_code(&report, "non-registry-source")
                .iter()
                .any(|f| f["server"] == name),
            "{name}"
        );
    }

    for format in ["table", "json", "sarif", "markdown"] {
        let out = scan.clone().format(format).run();
        assert_eq!(out.status.code(), Some(3), "{format}");
        for text in [stdout(&out), stderr(&out)] {
            assert!(!text.contains(&TOKEN[4..12]), "{format} leaks:\n{text}");
        }
    }
    let table = stdout(&scan.clone().run());
    assert!(table.contains("git+https://x-access-token:****"), "{table}");
}

#[test]
fn inventory_shows_uvx_sources_as_uvx_without_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let home = home_with_sources(dir.path());
    let out = Cmd::inventory().home(&home).format("json").run();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains(&TOKEN[4..12]), "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let servers = report["servers"].as_array().unwrap();
    let git = servers.iter().find(|s| s["name"] == "git-from").unwrap();
    assert_eq!(git["launch"]["kind"], "uvx-source", "{git:#}");
    assert_eq!(git["launch"]["origin"], "git", "{git:#}");
}

#[test]
fn vet_refuses_a_uvx_git_source_without_echoing_its_token() {
    let db = imported_store();
    let command = format!("uvx --from git+https://x-access-token:{TOKEN}@github.com/o/r mcp-x");
    let out = Cmd::vet([command]).db(db.path()).offline().run();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("git, URL or local source"), "{err}");
    assert!(!err.contains(&TOKEN[4..12]), "{err}");
}
