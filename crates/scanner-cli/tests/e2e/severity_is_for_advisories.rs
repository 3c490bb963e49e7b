//! End-to-end: severity belongs to advisory findings only. Config and tree
//! findings (unpinned-server, tree-not-installed, plaintext-secret, …) carry
//! no severity, so a policy rule on `severity` never decides them.

use crate::support::{imported_store, Cmd};

const ADVISORY_CODES: [&str; 2] = ["vulnerable-dependency", "malicious-package"];

#[test]
fn a_rule_on_unscored_severity_decides_only_advisory_findings() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("supplygate.toml");
    std::fs::write(
        &policy,
        "[[rule]]\nid = \"block-unscored\"\naction = \"block\"\nseverity = [\"unscored\"]\n",
    )
    .unwrap();
    // An unpinned server that is not installed, with a plaintext secret.
    let config = dir.path().join("mcp.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"loose": {"command": "npx", "args": ["-y", "not-installed-anywhere"], "env": {"GITHUB_TOKEN": "ghp_0123456789abcdefghijABCDEFGHIJ012345"}}}}"#,
    )
    .unwrap();
    let db = imported_store();
    let (_, report) = Cmd::scan()
        .db(db.path())
        .offline()
        .fixture_home("affected")
        .config(&config)
        .policy(&policy)
        .format("json")
        .json();
    let findings = report["findings"].as_array().unwrap();
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for want in [
        "unpinned-server",
        "tree-not-installed",
        "plaintext-secret",
        "vulnerable-dependency",
    ] {
        assert!(codes.contains(&want), "{want} not in {codes:?}");
    }
    for f in findings {
        let advisory = ADVISORY_CODES.contains(&f["code"].as_str().unwrap());
        if advisory {
            assert!(f["severity"].is_string(), "{f}");
        } else {
            assert!(
                f.get("severity").is_none(),
                "a non-advisory finding has a severity: {f}"
            );
            assert_ne!(f["decided_by"]["id"], "block-unscored", "{f}");
        }
    }
}
