//! End-to-end: a server is not identified by its name. The same name in two
//! clients' configs is the normal case on a developer's machine; each server
//! keeps its own tree, finding paths and `explain` answers.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{imported_store, stderr, stdout, Cmd};

/// Two client configs naming a server `srv`: the `affected` home's uvx fetch
/// server (Claude Code format) and its npx gdrive server (Cursor format).
fn two_configs(dir: &Path) -> [PathBuf; 2] {
    let claude = dir.join("claude.json");
    let cursor = dir.join("mcp.json");
    let write = |path: &Path, text: &str| std::fs::write(path, text).unwrap();
    write(
        &claude,
        r#"{"mcpServers": {"srv": {"type": "stdio", "command": "uvx", "args": ["--with", "urllib3==2.2.1", "mcp-server-fetch"]}}}"#,
    );
    write(
        &cursor,
        r#"{"mcpServers": {"srv": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-gdrive@0.6.2"]}}}"#,
    );
    [claude, cursor]
}

/// `cmd` on the `affected` home, reading only `configs`.
fn with_configs(cmd: Cmd, configs: &[PathBuf]) -> Cmd {
    let mut cmd = cmd.fixture_home("affected").no_default_configs();
    for c in configs {
        cmd = cmd.config(c);
    }
    cmd
}

#[test]
fn same_named_servers_in_two_clients_each_get_their_paths() {
    let dir = tempfile::tempdir().unwrap();
    let configs = two_configs(dir.path());
    let db = imported_store();
    let scan = Cmd::scan().db(db.path()).offline().format("json");
    let (_, report) = with_configs(scan, &configs).json();
    let advisory_findings: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "vulnerable-dependency")
        .collect();
    let names: Vec<&str> = advisory_findings
        .iter()
        .map(|f| f["package"]["name"].as_str().unwrap())
        .collect();
    for want in ["httpx", "urllib3", "node-fetch"] {
        assert!(names.contains(&want), "{want} not found in {names:?}");
    }
    for f in advisory_findings {
        let path = f["path"].as_array().map_or(0, Vec::len);
        assert!(path >= 2, "finding without a complete path: {f}");
        assert_eq!(f["path"][0], "srv", "{f}");
    }
}

#[test]
fn explain_finds_packages_of_both_same_named_servers() {
    let dir = tempfile::tempdir().unwrap();
    let configs = two_configs(dir.path());
    for (package, top) in [
        ("httpx", "mcp-server-fetch@2026.10.24"),
        ("node-fetch", "@modelcontextprotocol/server-gdrive@0.6.2"),
    ] {
        let out = with_configs(Cmd::explain(package), &configs).run();
        assert!(out.status.success(), "{package}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("srv > {top} > "))),
            "{package}: {text}"
        );
    }
}
