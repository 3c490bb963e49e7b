//! End-to-end tests of discovery beyond plain config files: Claude Code plugin
//! manifests, Codex profiles and plugins, opencode `{env:}`/`{file:}`,
//! Windows `%VAR%`, devcontainers, and the quiet inventory table.

use std::path::{Path, PathBuf};

use crate::support::{fixtures, stdout, write, Cmd};
use serde_json::Value;

fn configs() -> PathBuf {
    fixtures().join("configs")
}

/// `supplygate inventory --format json` with `cmd`'s options: (exit code,
/// report, stderr).
fn inventory(cmd: Cmd) -> (i32, Value, String) {
    let (code, out, err) = cmd.format("json").outcome();
    let json = serde_json::from_str(&out).unwrap_or(Value::Null);
    (code, json, err)
}

/// `inventory` of the configs in `home` laid out as `os` keeps them.
fn of_home(home: &Path, os: &str) -> Cmd {
    Cmd::inventory().home(home).os(os)
}

fn server<'a>(inv: &'a Value, name: &str) -> &'a Value {
    inv["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no server {name} in {inv:#}"))
}

fn findings_about<'a>(inv: &'a Value, code: &str, needle: &str) -> Vec<&'a Value> {
    inv["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code && f["message"].as_str().unwrap().contains(needle))
        .collect()
}

#[test]
fn claude_code_plugin_manifests_inline_and_by_path_are_read() {
    let home = configs().join("plugins");
    let (code, inv, err) = inventory(of_home(&home, "linux"));
    assert_eq!(code, 0, "{err}");
    for name in ["inline-db", "inline-fetch", "path-server"] {
        let s = server(&inv, name);
        assert_eq!(
            (s["client"].as_str(), s["scope"].as_str()),
            (Some("claude-code"), Some("plugin")),
            "{s}"
        );
    }
    // ${CLAUDE_PLUGIN_ROOT} in plugin.json is the plugin folder, not `.claude-plugin/`.
    let script = server(&inv, "inline-db")["launch"]["script"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        script.ends_with("inline-plugin/2.1.0/dist/db.js"),
        "{script}"
    );
    let path_server = server(&inv, "path-server");
    assert!(path_server["config_path"]
        .as_str()
        .unwrap()
        .ends_with("path-plugin/config/mcp-servers.json"));
    assert_eq!(
        path_server["launch"]["package"]["raw"],
        "@modelcontextprotocol/server-slack@2025.4.25"
    );
    assert_eq!(
        findings_about(&inv, "plaintext-secret", "SLACK_BOT_TOKEN").len(),
        1
    );
}

#[cfg(unix)]
#[test]
fn a_plugin_manifest_never_reads_a_file_outside_its_plugin() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let outside = h.join("outside.json");
    write(
        &outside,
        r#"{"mcpServers":{"stolen":{"command":"uvx","args":["x==1"]}}}"#,
    );
    let plugins = h.join(".claude/plugins/cache/m");
    write(
        &plugins.join("climb/1/.claude-plugin/plugin.json"),
        r#"{"mcpServers": "../../../../../outside.json"}"#,
    );
    let linked = plugins.join("link/1");
    write(
        &linked.join(".claude-plugin/plugin.json"),
        r#"{"mcpServers": "./servers.json"}"#,
    );
    std::os::unix::fs::symlink(&outside, linked.join("servers.json")).unwrap();
    let (code, inv, err) = inventory(of_home(h, "linux"));
    assert_eq!(
        code, 3,
        "skipped plugin files make the inventory incomplete: {err}"
    );
    assert!(
        inv["servers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"] != "stolen"),
        "{inv:#}"
    );
    assert_eq!(
        findings_about(
            &inv,
            "config-skipped",
            "not a relative path inside the plugin"
        )
        .len(),
        1
    );
    assert_eq!(
        findings_about(&inv, "config-skipped", "resolves outside the plugin folder").len(),
        1
    );
}

#[test]
fn codex_profiles_and_plugins_are_read_in_every_os_layout() {
    for os in ["linux", "macos", "windows"] {
        let home = configs().join(os);
        let (code, inv, err) = inventory(of_home(&home, os));
        assert_eq!(code, 0, "{os}: {err}");
        let profile = server(&inv, "work-files");
        assert_eq!(
            (profile["client"].as_str(), profile["scope"].as_str()),
            (Some("codex"), Some("profile:work"))
        );
        let plugin = server(&inv, "codex-plugin");
        assert_eq!(
            (plugin["client"].as_str(), plugin["scope"].as_str()),
            (Some("codex"), Some("plugin"))
        );
    }
}

#[test]
fn windows_percent_variables_are_substituted_only_in_the_windows_layout() {
    let windows = configs().join("windows");
    let (_, unset, _) = inventory(of_home(&windows, "windows"));
    assert_eq!(
        findings_about(&unset, "unresolved-variable", "%WORK_ROOT%").len(),
        1
    );
    // Names match case-insensitively, as on Windows.
    let (_, set, _) = inventory(of_home(&windows, "windows").env("work_root", "C:\\work"));
    assert!(findings_about(&set, "unresolved-variable", "%WORK_ROOT%").is_empty());
    let linux = configs().join("linux");
    let (_, literal, _) = inventory(of_home(&linux, "linux"));
    assert!(findings_about(&literal, "unresolved-variable", "%WORK_ROOT%").is_empty());
}

#[test]
fn opencode_env_is_substituted_and_file_references_are_reported_never_read() {
    let home = configs().join("linux");
    let (_, unset, _) = inventory(of_home(&home, "linux"));
    assert_eq!(
        findings_about(&unset, "unresolved-variable", "{env:OPENCODE_TOKEN}").len(),
        1
    );
    let file = findings_about(
        &unset,
        "unresolved-variable",
        "{file:~/.secrets/opencode-key}",
    );
    assert_eq!(file.len(), 1);
    assert!(file[0]["message"]
        .as_str()
        .unwrap()
        .contains("never reads it"));
    let (_, set, _) = inventory(of_home(&home, "linux").env("OPENCODE_TOKEN", "t"));
    assert!(findings_about(&set, "unresolved-variable", "OPENCODE_TOKEN").is_empty());
}

#[test]
fn devcontainer_mcp_servers_of_a_project_are_read() {
    let project = configs().join("project/workspace/app");
    let (code, inv, err) = inventory(Cmd::inventory().no_default_configs().project(&project));
    assert_eq!(code, 0, "{err}");
    let git = server(&inv, "devcontainer-git");
    assert_eq!(git["client"], "vscode");
    assert!(git["config_path"]
        .as_str()
        .unwrap()
        .ends_with(".devcontainer/devcontainer.json"));
    assert_eq!(git["launch"]["package"]["raw"], "mcp-server-git==2025.7.1");
    assert_eq!(git["line"], 10);
    assert_eq!(server(&inv, "devcontainer-remote")["transport"], "http");
    assert_eq!(
        findings_about(&inv, "plaintext-secret", "devcontainer-remote").len(),
        1
    );
}

#[test]
fn the_inventory_table_lists_missing_locations_only_with_verbose() {
    let home = configs().join("windows");
    let quiet = stdout(&of_home(&home, "windows").run());
    let verbose = stdout(&of_home(&home, "windows").arg("--verbose").run());
    let missing = |t: &str| {
        t.lines()
            .filter(|l| l.trim_start().starts_with("missing "))
            .count()
    };
    assert_eq!(missing(&quiet), 0, "{quiet}");
    assert!(missing(&verbose) > 20, "{verbose}");
    assert!(quiet.contains("listed with --verbose"), "{quiet}");
    // JSON keeps every location looked at.
    let (_, inv, _) = inventory(of_home(&home, "windows"));
    let json_missing = inv["configs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "missing")
        .count();
    assert_eq!(json_missing, missing(&verbose));
}
