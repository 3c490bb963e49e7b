//! End-to-end tests of discovery: every client per OS layout, project
//! configs, launchers, secrets never shown, hostile files skipped with a
//! reason, client files never written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::{codes, fixtures, stderr, stdout, Cmd};
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
fn inventory_of_home(home: &Path, os: &str) -> (i32, Value, String) {
    inventory(Cmd::inventory().home(home).os(os))
}

/// `inventory` of the config file `file` only.
fn inventory_of_file(file: &Path) -> (i32, Value, String) {
    inventory(Cmd::inventory().no_default_configs().config(file))
}

fn servers(inv: &Value) -> &Vec<Value> {
    inv["servers"].as_array().expect("servers")
}

#[test]
fn every_client_is_found_in_each_os_layout_with_the_line_of_each_entry() {
    let all_clients: BTreeSet<&str> = [
        "claude-code",
        "claude-desktop",
        "cursor",
        "vscode",
        "windsurf",
        "gemini-cli",
        "codex",
        "zed",
        "cline",
        "roo-code",
        "continue",
        "junie",
        "goose",
        "lm-studio",
        "amazon-q",
        "kiro",
        "opencode",
    ]
    .into();
    for os in ["linux", "macos", "windows"] {
        let home = configs().join(os);
        let (code, inv, err) = inventory_of_home(&home, os);
        assert_eq!(code, 0, "{os}: {err}");
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(home.join("EXPECTED.json")).unwrap())
                .unwrap();
        let got: BTreeSet<(String, String, u64)> = servers(&inv)
            .iter()
            .map(|s| {
                let path = PathBuf::from(s["config_path"].as_str().unwrap());
                let rel = path
                    .strip_prefix(&home)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                (
                    rel,
                    s["name"].as_str().unwrap().to_string(),
                    s["line"].as_u64().unwrap(),
                )
            })
            .collect();
        let want: BTreeSet<(String, String, u64)> = expected["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let c = e["config"].as_str().unwrap().to_string();
                (
                    c,
                    e["name"].as_str().unwrap().to_string(),
                    e["line"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, want, "{os}");
        let clients: BTreeSet<&str> = servers(&inv)
            .iter()
            .map(|s| s["client"].as_str().unwrap())
            .collect();
        assert_eq!(clients, all_clients, "{os}");
    }
}

#[test]
fn layouts_are_chosen_by_os_so_a_windows_home_read_as_linux_misses_appdata() {
    let home = configs().join("windows");
    let (_, inv, _) = inventory_of_home(&home, "linux");
    assert!(!servers(&inv)
        .iter()
        .any(|s| s["client"] == "claude-desktop"));
    let (_, inv, _) = inventory_of_home(&home, "windows");
    let desktop: Vec<&Value> = servers(&inv)
        .iter()
        .filter(|s| s["client"] == "claude-desktop")
        .collect();
    assert_eq!(desktop.len(), 2, "config and extension bundle");
}

#[test]
fn windows_cmd_c_entries_are_unwrapped_to_npx() {
    let home = configs().join("windows");
    let (_, inv, _) = inventory_of_home(&home, "windows");
    let memory = servers(&inv)
        .iter()
        .find(|s| s["name"] == "memory")
        .unwrap();
    assert_eq!(memory["command"], "cmd");
    assert_eq!(memory["launch"]["kind"], "npx");
    assert_eq!(memory["launch"]["package"]["pin"], "exact");
}

fn server<'a>(inv: &'a Value, name: &str) -> &'a Value {
    servers(inv)
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no server {name}: {inv:#}"))
}

#[test]
fn mixed_stdio_and_remote_servers_keep_their_transports() {
    let home = configs().join("linux");
    let (_, inv, _) = inventory_of_home(&home, "linux");
    for (name, transport, launcher) in [
        ("github", "stdio", "docker"),
        ("linear", "http", "remote"),
        ("browser", "sse", "remote"),
        ("remote-http", "http", "remote"),
        ("Remote", "http", "remote"),
        ("remote-one", "http", "remote"),
        ("local-one", "stdio", "npx"),
        ("context7", "stdio", "npx"),
    ] {
        let s = servers(&inv)
            .iter()
            .find(|s| s["name"] == name && s["transport"] == transport)
            .unwrap_or_else(|| panic!("{name} {transport}"));
        assert_eq!(s["launch"]["kind"], launcher, "{name}");
    }
    assert_eq!(server(&inv, "puppeteer")["disabled"], true);
}

#[test]
fn every_launcher_form_is_classified() {
    let file = configs().join("launchers/mixed.json");
    let (code, inv, err) = inventory_of_file(&file);
    assert_eq!(code, 0, "{err}");
    for (name, kind) in [
        ("win-npx", "npx"),
        ("win-npx-string", "npx"),
        ("sh-c", "npx"),
        ("bash-lc", "uvx"),
        ("env-wrapper", "uvx"),
        ("opaque-shell", "unsupported"),
        ("npm-exec", "npx"),
        ("npm-alias", "npx"),
        ("pnpm-dlx", "package-runner"),
        ("yarn-dlx", "package-runner"),
        ("bunx", "package-runner"),
        ("uv-tool-run", "uvx"),
        ("uv-run", "uv-run"),
        ("pipx-run", "pipx"),
        ("python-m", "python-module"),
        ("node-script", "node-script"),
        ("docker-tag", "docker"),
        ("binary", "executable"),
        ("remote-sse", "remote"),
    ] {
        assert_eq!(server(&inv, name)["launch"]["kind"], kind, "{name}");
    }
    let pin = |n: &str| server(&inv, n)["launch"]["package"]["pin"].clone();
    assert_eq!(pin("npm-range"), "range");
    assert_eq!(pin("npm-latest"), "unpinned");
    assert_eq!(pin("npm-git"), "unpinned");
    assert_eq!(pin("uvx-eq"), "exact");
    assert_eq!(
        server(&inv, "npm-alias")["launch"]["package"]["name"],
        "@modelcontextprotocol/server-filesystem"
    );
    let c = codes(&inv);
    assert!(c.contains(&"unpinned-image".to_string()), "{c:?}");
    assert!(c.contains(&"broad-filesystem-access".to_string()), "{c:?}");
    assert!(
        !c.contains(&"insecure-transport".to_string()),
        "loopback http is fine: {c:?}"
    );
}

#[test]
fn project_configs_of_every_client_and_ancestor_mcp_json_are_read() {
    let project = configs().join("project/workspace/app");
    let (code, inv, err) = inventory(Cmd::inventory().no_default_configs().project(&project));
    assert_eq!(code, 0, "{err}");
    let names: BTreeSet<&str> = servers(&inv)
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for n in [
        "app-memory",
        "monorepo-root",
        "ws-fs",
        "cursor-proj",
        "continue-db",
        "continue-copied",
        "roo-proj",
        "gemini-proj",
        "codex-proj",
        "zed-proj",
        "kiro-proj",
        "junie-proj",
        "q-proj",
        "opencode-proj",
    ] {
        assert!(names.contains(n), "{n} missing from {names:?}");
    }
    let ws = server(&inv, "ws-fs");
    assert!(ws["scope"].as_str().unwrap().starts_with("project:"));
    // ${workspaceFolder} and ${VAR:-default} are substituted for resolution.
    let memory = server(&inv, "app-memory");
    assert_eq!(
        memory["launch"]["package"]["raw"],
        "@modelcontextprotocol/server-memory@2025.8.4"
    );
}

#[test]
fn projects_known_to_claude_code_and_vscode_are_scanned() {
    let home = tempfile::tempdir().unwrap();
    let p1 = home.path().join("work/one");
    let p2 = home.path().join("work/two words");
    for p in [&p1, &p2] {
        std::fs::create_dir_all(p.join(".vscode")).unwrap();
    }
    std::fs::write(
        p1.join(".mcp.json"),
        r#"{"mcpServers":{"from-claude-project":{"command":"uvx","args":["a==1"]}}}"#,
    )
    .unwrap();
    std::fs::write(
        p2.join(".vscode/mcp.json"),
        r#"{"servers":{"from-vscode-ws":{"command":"uvx","args":["b==1"]}}}"#,
    )
    .unwrap();
    let claude = serde_json::json!({"projects": {p1.to_str().unwrap(): {"mcpServers": {}}}});
    std::fs::write(home.path().join(".claude.json"), claude.to_string()).unwrap();
    let ws = home
        .path()
        .join(".config/Code/User/workspaceStorage/abc123");
    std::fs::create_dir_all(&ws).unwrap();
    let uri = format!("file://{}", p2.to_str().unwrap().replace(' ', "%20"));
    std::fs::write(
        ws.join("workspace.json"),
        serde_json::json!({"folder": uri}).to_string(),
    )
    .unwrap();
    // A multi-root `.code-workspace` file: its own servers and its folders' configs.
    let p3 = home.path().join("work/three");
    std::fs::create_dir_all(p3.join(".cursor")).unwrap();
    std::fs::write(
        p3.join(".cursor/mcp.json"),
        r#"{"mcpServers":{"from-ws-folder":{"command":"uvx","args":["c==1"]}}}"#,
    )
    .unwrap();
    let ws_file = home.path().join("work/multi.code-workspace");
    std::fs::write(&ws_file, "// JSONC\n{\"folders\": [{\"path\": \"three\"}],\n \"settings\": {\"mcp\": {\"servers\": {\"from-ws-settings\": {\"command\": \"uvx\", \"args\": [\"d==1\"]}}}}}").unwrap();
    let ws2 = home
        .path()
        .join(".config/Code/User/workspaceStorage/def456");
    std::fs::create_dir_all(&ws2).unwrap();
    let uri2 = format!("file://{}", ws_file.to_str().unwrap());
    std::fs::write(
        ws2.join("workspace.json"),
        serde_json::json!({"workspace": uri2}).to_string(),
    )
    .unwrap();
    let (code, inv, err) = inventory_of_home(home.path(), "linux");
    assert_eq!(code, 0, "{err}");
    server(&inv, "from-claude-project");
    server(&inv, "from-vscode-ws");
    assert_eq!(server(&inv, "from-ws-settings")["line"], 3);
    server(&inv, "from-ws-folder");
}

/// Made-up credentials in `fixtures/configs/secrets/`.
const SECRETS: &[&str] = &[
    "ghp_Zq8Lm2Xc7Vb4Nn1Kk9Jh3Gf6Dd5Ss0Aa2Ww",
    "ghp_R3dact3dV4lu3Th4tMustN0tL3akXyZ1234",
    "Hx7Pq2Lz9Rt4Vw8Ky3Nb6Md1Fg5Js0Qe",
    "sk-ant-api03-S3cr3tV4lu3N0tF0rY0urEy3sAbCd",
    "xoxb-1234567890-0987654321-Tt0pS3cr3tT0k3nV4lu3",
    "BSAq9Wm3Xn7Rp2Lk8Jv5Hc1Gt4Fb6Dz0Ye",
    "Pg9xR7mK2qL5vN8w",
    "glpat-Xk9Qm2Lw7Rv4Tn8Yp3Zc",
];

fn assert_no_secret(text: &str, what: &str) {
    for s in SECRETS {
        // Any 8-character piece of a secret would be a leak too.
        for start in 0..s.len().saturating_sub(8) {
            let piece = &s[start..start + 8];
            assert!(
                !text.contains(piece),
                "{what} leaks `{piece}` of a secret:\n{text}"
            );
        }
    }
}

/// `cmd` reading only the config files that hold planted secrets.
fn with_secret_configs(mut cmd: Cmd) -> Cmd {
    cmd = cmd.no_default_configs();
    for f in ["cursor.json", "codex.toml", "goose.yaml", "zed.jsonc"] {
        cmd = cmd.config(configs().join("secrets").join(f));
    }
    // A devcontainer and a Claude Code plugin's server file hold secrets too.
    for f in [
        "project/workspace/app/.devcontainer/devcontainer.json",
        "plugins/.claude/plugins/repos/path-plugin/config/mcp-servers.json",
    ] {
        cmd = cmd.config(configs().join(f));
    }
    cmd
}

#[test]
fn secrets_never_appear_in_any_output_format() {
    let db = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for format in ["table", "json"] {
        runs.push(with_secret_configs(Cmd::inventory().format(format)));
        runs.push(with_secret_configs(
            Cmd::scan().db(db.path()).offline().format(format),
        ));
    }
    for cmd in &runs {
        let out = cmd.run();
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert_no_secret(&all, &format!("{:?}", cmd.argv()));
    }
    let (_, inv, _) = inventory(with_secret_configs(Cmd::inventory()));
    let secret_findings: Vec<&Value> = inv["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "plaintext-secret")
        .collect();
    // env, arg, header and URL in cursor.json; env in TOML and YAML; URL password in JSONC.
    assert!(secret_findings.len() >= 6, "{secret_findings:#?}");
    assert!(secret_findings
        .iter()
        .any(|f| f["message"].as_str().unwrap().contains("****1234")));
    let c = codes(&inv);
    assert!(c.contains(&"insecure-transport".to_string()), "{c:?}");
}

#[test]
fn a_secret_in_a_broken_file_is_not_quoted_in_the_error() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("mcp.json");
    std::fs::write(
        &f,
        "{\"mcpServers\": {\"a\": {\"env\": {\"T\": ghp_Zq8Lm2Xc7Vb4Nn1Kk9Jh3Gf6Dd5Ss0Aa2Ww}}}}",
    )
    .unwrap();
    let out = Cmd::inventory().no_default_configs().config(&f).run();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("mcp.json:1:"), "{}", stderr(&out));
    assert_no_secret(&format!("{}{}", stdout(&out), stderr(&out)), "error");
}

/// A home whose well-known config paths hold hostile files.
#[cfg(unix)]
fn hostile_home() -> tempfile::TempDir {
    use std::os::unix::fs::symlink;
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let mk = |rel: &str| {
        let p = h.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        p
    };
    let fifo = mk(".cursor/mcp.json");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    symlink("/dev/zero", mk(".lmstudio/mcp.json")).unwrap();
    symlink(h.join(".claude.json.b"), mk(".claude.json")).unwrap();
    symlink(h.join(".claude.json"), h.join(".claude.json.b")).unwrap();
    let big = std::fs::File::create(mk(".gemini/settings.json")).unwrap();
    big.set_len(17 << 20).unwrap();
    std::fs::write(
        mk(".junie/mcp/mcp.json"),
        b"{\"mcpServers\": {\"x\": \"\xc3\x28\"}}",
    )
    .unwrap();
    std::fs::write(mk(".kiro/settings/mcp.json"), "[".repeat(200_000)).unwrap();
    std::fs::write(
        mk(".continue/config.yaml"),
        format!("mcpServers: {}", "[".repeat(200_000)),
    )
    .unwrap();
    std::fs::write(
        mk(".codex/config.toml"),
        format!("x = {}", "[".repeat(200_000)),
    )
    .unwrap();
    std::fs::write(
        mk(".config/Claude/claude_desktop_config.json"),
        r#"{"mcpServers": {"ok": {"command": "uvx", "args": ["a==1"]}}}"#,
    )
    .unwrap();
    home
}

#[cfg(unix)]
#[test]
fn hostile_files_are_skipped_with_a_reason_and_make_the_run_incomplete() {
    let home = hostile_home();
    let (code, inv, err) = inventory_of_home(home.path(), "linux");
    assert_eq!(code, 3, "{err}");
    let reason = |rel: &str| -> String {
        let path = home.path().join(rel);
        let c = inv["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| Path::new(c["path"].as_str().unwrap()) == path)
            .unwrap_or_else(|| panic!("{rel} not looked at"));
        assert_eq!(c["status"], "skipped", "{rel}: {c}");
        c["reason"].as_str().unwrap().to_string()
    };
    assert!(reason(".cursor/mcp.json").contains("not a regular file"));
    assert!(reason(".lmstudio/mcp.json").contains("not a regular file"));
    assert!(reason(".claude.json")
        .to_lowercase()
        .contains("symbolic links"));
    assert!(reason(".gemini/settings.json").contains("larger than"));
    assert!(reason(".junie/mcp/mcp.json").contains("UTF-8"));
    for deep in [
        ".kiro/settings/mcp.json",
        ".continue/config.yaml",
        ".codex/config.toml",
    ] {
        assert!(
            reason(deep).contains("nested deeper"),
            "{deep}: {}",
            reason(deep)
        );
    }
    server(&inv, "ok");
    assert_eq!(
        codes(&inv)
            .iter()
            .filter(|c| *c == "config-skipped")
            .count(),
        8
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_named_with_config_is_an_error_not_a_hang() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("mcp.json");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = Cmd::inventory().no_default_configs().config(&fifo).run();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                out.push((
                    e.path(),
                    std::fs::read(e.path()).unwrap(),
                    meta.modified().unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn client_files_are_never_written() {
    let home = tempfile::tempdir().unwrap();
    let src = configs().join("linux");
    copy_dir(&src, home.path());
    let before = snapshot(home.path());
    let db = tempfile::tempdir().unwrap();
    Cmd::inventory().home(home.path()).os("linux").run();
    Cmd::scan()
        .db(db.path())
        .offline()
        .home(home.path())
        .os("linux")
        .run();
    assert_eq!(before, snapshot(home.path()));
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn scan_reports_config_findings_with_stable_codes() {
    let db = tempfile::tempdir().unwrap();
    let home = configs().join("linux");
    let (_, report) = Cmd::scan()
        .db(db.path())
        .offline()
        .format("json")
        .home(&home)
        .os("linux")
        .json();
    let codes: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for c in [
        "plaintext-secret",
        "insecure-transport",
        "broad-filesystem-access",
        "unpinned-image",
        "unresolved-variable",
        "unpinned-server",
    ] {
        assert!(codes.contains(c), "{c} not in {codes:?}");
    }
}

/// Table cells holding a path inside this checkout are cut to the column
/// width, so how much of the path shows depends on where the repository is
/// cloned: replace the whole cell up to its `…`.
fn redact_checkout_paths(table: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    table
        .lines()
        .map(|line| match line.find(root) {
            Some(start) => {
                let end = line[start..].find('…').map_or(line.len(), |i| start + i);
                format!("{}[CHECKOUT]{}", &line[..start], &line[end..])
            }
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn inventory_table_snapshot_of_the_windows_layout() {
    let home = configs().join("windows");
    let out = Cmd::inventory().home(&home).os("windows").run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out).replace(home.to_str().unwrap(), "[HOME]");
    insta::assert_snapshot!(collapse_padding(&redact_checkout_paths(&table)));
}

/// Column widths follow the longest cell, which holds the checkout path:
/// every run of padding becomes one space so the snapshot holds wherever
/// the repository is cloned (the cells themselves are still compared).
fn collapse_padding(table: &str) -> String {
    table
        .lines()
        .map(|line| {
            line.split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn claude_code_and_cursor_plugins_are_found() {
    let home = configs().join("plugins");
    let (code, inv, err) = inventory_of_home(&home, "linux");
    assert_eq!(code, 0, "{err}");
    let flat = server(&inv, "plugin-flat");
    assert_eq!(
        (flat["client"].as_str(), flat["scope"].as_str()),
        (Some("claude-code"), Some("plugin"))
    );
    // ${CLAUDE_PLUGIN_ROOT} is the plugin's folder.
    assert!(
        flat["launch"]["script"]
            .as_str()
            .unwrap()
            .ends_with("gh-plugin/1.0.0/server.js"),
        "{flat}"
    );
    assert_eq!(server(&inv, "cursor-plugin")["client"], "cursor");
}

#[test]
fn a_server_named_twice_is_reported_as_a_duplicate_key_with_its_line() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("mcp.json");
    let text = "{\"mcpServers\": {\n  \"fetch\": {\"command\": \"uvx\", \"args\": [\"mcp-server-fetch==1.0\"]},\n  \"fetch\": {\"command\": \"uvx\", \"args\": [\"evil-fetch\"]}\n}}";
    std::fs::write(&f, text).unwrap();
    let (code, inv, err) = inventory_of_file(&f);
    assert_eq!(code, 0, "{err}");
    let dup = inv["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "duplicate-key")
        .expect("duplicate-key finding");
    assert_eq!(dup["line"], 3);
    // The client uses the last one, and so does supplygate.
    assert_eq!(servers(&inv).len(), 1);
    assert_eq!(
        server(&inv, "fetch")["launch"]["package"]["name"],
        "evil-fetch"
    );
}
