//! End-to-end: resolution of every install style in `fixtures/trees/home`
//! (real npx, global npm, local projects with lockfile v1/v2/v3, uv tool,
//! uvx, pipx, plain venv), checked against what `npm ls --all --json` and
//! `pip list --path` reported on the same trees when they were made.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::{fixtures, stderr, stdout, with_code, Cmd};
use serde_json::Value;

fn home() -> PathBuf {
    fixtures().join("trees/home")
}

/// `scan --format json` of a home against an empty store (so exit 3).
fn scan(home: &Path, configs: &[&Path]) -> Value {
    scan_with(home, configs, &[])
}

/// Like [`scan`], with `extra` arguments.
fn scan_with(home: &Path, configs: &[&Path], extra: &[&str]) -> Value {
    let db = tempfile::tempdir().unwrap();
    let mut cmd = Cmd::scan()
        .db(db.path())
        .offline()
        .home(home)
        .format("json");
    if !configs.is_empty() {
        cmd = cmd.no_default_configs();
    }
    for c in configs {
        cmd = cmd.config(c);
    }
    cmd.args(extra).json().1
}

fn servers(report: &Value) -> BTreeMap<String, Value> {
    report["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s.clone()))
        .collect()
}

fn norm(name: &str) -> String {
    name.to_lowercase().replace(['_', '.'], "-")
}

/// Distinct (name, version) that supplygate resolved, the project itself excluded.
fn resolved(server: &Value) -> BTreeSet<(String, String)> {
    server["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["path"] != "")
        .map(|p| {
            let name = p["name"].as_str().unwrap();
            let name = if p["ecosystem"] == "PyPI" {
                norm(name)
            } else {
                name.to_string()
            };
            (name, p["version"].as_str().unwrap().to_string())
        })
        .collect()
}

fn npm_ls(deps: &Value, out: &mut BTreeSet<(String, String)>) {
    for (name, d) in deps.as_object().into_iter().flatten() {
        if let Some(v) = d["version"].as_str() {
            out.insert((name.clone(), v.to_string()));
        }
        npm_ls(&d["dependencies"], out);
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn pip_list(path: &Path) -> BTreeSet<(String, String)> {
    read_json(path)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                norm(p["name"].as_str().unwrap()),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The ground truth recorded beside each tree when it was made.
fn truth(server: &Value) -> BTreeSet<(String, String)> {
    let root = PathBuf::from(server["tree"]["root"].as_str().unwrap());
    let mut out = BTreeSet::new();
    match server["tree"]["kind"].as_str().unwrap() {
        "npx-cache" | "npm-project" => npm_ls(
            &read_json(&root.join("NPM-LS.json"))["dependencies"],
            &mut out,
        ),
        "npm-global" => {
            // `npm ls -g` lists every global package; keep the server's own subtree.
            let all = read_json(&root.parent().unwrap().join("NPM-LS.json"));
            let top = server["package"]["name"].as_str().unwrap();
            let one = serde_json::json!({ top: all["dependencies"][top] });
            npm_ls(&one, &mut out);
        }
        _ => out = pip_list(&root.join("PIP-LIST.json")),
    }
    out
}

#[test]
fn every_install_style_matches_npm_ls_and_pip_list() {
    let report = scan(&home(), &[]);
    let servers = servers(&report);
    let kinds: BTreeSet<&str> = servers
        .values()
        .map(|s| s["tree"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "npm-global",
            "npm-project",
            "npx-cache",
            "pipx",
            "uv-tool",
            "uvx-environment",
            "venv"
        ]
        .into()
    );
    for (name, server) in &servers {
        let ours = resolved(server);
        assert!(!ours.is_empty(), "{name}");
        assert_eq!(ours, truth(server), "{name}");
    }
}

#[test]
fn markers_keep_windows_only_dependencies_out() {
    let report = scan(&home(), &[]);
    let tool = &servers(&report)["cowsay-uv-tool"];
    let names: Vec<&str> = tool["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"colorama"), "{names:?}");
    assert!(names.contains(&"click"));
}

#[test]
fn modified_files_are_caught_uncached_tarballs_are_unverified() {
    let report = scan(&home(), &[]);
    let mismatches = with_code(&report, "checksum-mismatch");
    let hit: BTreeSet<&str> = mismatches
        .iter()
        .map(|f| f["package"]["name"].as_str().unwrap())
        .collect();
    // ms/index.js (npm, caught against the cached tarball) and pycowsay/main.py
    // (RECORD) were modified by hand; pipx's ` -E` shebang rewrite is not a mismatch.
    assert_eq!(hit, ["ms", "pycowsay"].into(), "{mismatches:#?}");
    let ms = mismatches
        .iter()
        .find(|f| f["package"]["name"] == "ms")
        .unwrap();
    assert_eq!(
        ms["path"],
        serde_json::json!(["debug-npx-modified", "debug@4.3.7", "ms@2.1.3"])
    );
    assert!(ms["message"].as_str().unwrap().contains("index.js"));

    let servers = servers(&report);
    let state = |server: &str, pkg: &str| {
        let p = servers[server]["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == pkg)
            .unwrap();
        p["integrity"]["state"].as_str().unwrap().to_string()
    };
    assert_eq!(state("isnumber-npx-uncached", "is-number"), "unverified");
    assert_eq!(state("semver-global", "semver"), "unverified");
    assert_eq!(state("chalk-npx", "color-name"), "verified");
    assert_eq!(state("debug-npx-modified", "debug"), "verified");
    assert_eq!(state("cowsay-uv-tool", "cowsay"), "verified");
    assert_eq!(state("pycowsay-pipx-modified", "pycowsay"), "mismatch");
    // direct: chalk's own dependencies, not their dependencies.
    let direct = |server: &str, pkg: &str| {
        servers[server]["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == pkg)
            .unwrap()["direct"]
            .clone()
    };
    assert_eq!(direct("chalk-npx", "ansi-styles"), true);
    assert_eq!(direct("chalk-npx", "color-name"), false);
}

#[test]
fn no_verify_reports_every_package_unverified() {
    let report = scan_with(&home(), &[], &["--no-verify"]);
    assert!(with_code(&report, "checksum-mismatch").is_empty());
    for server in servers(&report).values() {
        for p in server["packages"].as_array().unwrap() {
            assert_eq!(p["integrity"]["state"], "unverified", "{p}");
        }
    }
}

#[test]
fn local_path_install_is_a_non_registry_source() {
    let report = scan(&home(), &[]);
    let found = with_code(&report, "non-registry-source");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["package"]["name"], "localtool");
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains("local folder"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let kind = e.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&src, &dst);
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn write_config(dir: &Path, command: &str, args: &[&str]) -> PathBuf {
    let config = dir.join("mcp.json");
    let json = serde_json::json!({ "mcpServers": { "s": { "command": command, "args": args } } });
    std::fs::write(&config, json.to_string()).unwrap();
    config
}

#[test]
fn lockfile_drift_is_a_finding_and_the_disk_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let proj = tmp.path().join("proj");
    copy_dir(&home().join("proj-v2"), &proj);
    let nm = proj.join("node_modules");
    let flag = nm.join("has-flag/package.json");
    let text = std::fs::read_to_string(&flag)
        .unwrap()
        .replace("\"version\": \"4.0.0\"", "\"version\": \"4.0.1\"");
    std::fs::write(&flag, text).unwrap();
    std::fs::remove_dir_all(nm.join("color-name")).unwrap();
    std::fs::create_dir_all(nm.join("stowaway")).unwrap();
    std::fs::write(
        nm.join("stowaway/package.json"),
        r#"{"name":"stowaway","version":"6.6.6"}"#,
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/", nm.join("escape")).unwrap();
    let script = proj.join("server.js");
    let config = write_config(tmp.path(), "node", &[script.to_str().unwrap()]);
    let report = scan(tmp.path(), &[&config]);
    let drift: Vec<String> = with_code(&report, "lockfile-mismatch")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(drift.len(), 3, "{drift:#?}");
    assert!(drift
        .iter()
        .any(|m| m.contains("has-flag") && m.contains("other version")));
    assert!(drift
        .iter()
        .any(|m| m.contains("color-name") && m.contains("missing")));
    assert!(drift
        .iter()
        .any(|m| m.contains("stowaway") && m.contains("extraneous")));
    let server = &servers(&report)["s"];
    let versions = resolved(server);
    assert!(
        versions.contains(&("has-flag".into(), "4.0.1".into())),
        "the disk wins"
    );
    assert!(!versions.iter().any(|(n, _)| n == "color-name"));
    // A link out of the tree is a finding naming it, never followed.
    #[cfg(unix)]
    assert!(with_code(&report, "unreadable-package").iter().any(|f| {
        let m = f["message"].as_str().unwrap();
        m.contains("node_modules/escape") && m.contains("outside the tree; not followed")
    }));
}

#[test]
fn record_paths_outside_the_environment_are_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let env = tmp.path().join("venv");
    let dist = env.join("lib/python3.11/site-packages/evil-1.0.dist-info");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::create_dir_all(env.join("bin")).unwrap();
    std::fs::write(
        env.join("pyvenv.cfg"),
        "home = /usr/bin\nversion_info = 3.11.7\n",
    )
    .unwrap();
    std::fs::write(
        dist.join("METADATA"),
        "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n",
    )
    .unwrap();
    std::fs::write(
        dist.join("entry_points.txt"),
        "[console_scripts]\nevil = evil:main\n",
    )
    .unwrap();
    std::fs::write(
        dist.join("RECORD"),
        "../../../../../../../../etc/passwd,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n",
    )
    .unwrap();
    std::fs::write(env.join("bin/evil"), "#!/bin/sh\n").unwrap();
    let config = write_config(tmp.path(), env.join("bin/evil").to_str().unwrap(), &[]);
    let report = scan(tmp.path(), &[&config]);
    let escapes = with_code(&report, "record-path-escape");
    assert_eq!(escapes.len(), 1, "{report:#}");
    assert!(escapes[0]["message"]
        .as_str()
        .unwrap()
        .contains("etc/passwd"));
}

#[test]
fn explain_prints_every_path() {
    let home = home();
    let out = Cmd::explain("supports-color@7.2.0").home(&home).run();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "chalk-npx > chalk@4.1.2 > supports-color@7.2.0");
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines.contains(&"proj-v1 > proj-v1@1.0.0 > chalk@4.1.2 > supports-color@7.2.0"));
    let missing = Cmd::explain("left-pad").home(&home).run();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("left-pad"));
}

/// npx's lockfile copies the registry's `deprecated` and `hasInstallScript`
/// into every entry: an installed npx tree gets those findings offline,
/// with no registry asked.
#[test]
fn installed_npx_lockfile_registry_facts_are_findings() {
    let (_dir, home) = crate::baseline::copy_home("basic");
    let lock = home.join(".npm/_npx/0cf317c41bb7e3f3/package-lock.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    let depd = &mut doc["packages"]["node_modules/depd"];
    depd["deprecated"] = "depd is no longer maintained".into();
    depd["hasInstallScript"] = true.into();
    std::fs::write(&lock, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let report = scan(&home, &[]);
    let about_depd: Vec<(&str, &str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["package"]["name"] == "depd")
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["decision"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    let deprecated = about_depd
        .iter()
        .find(|(c, _, _)| *c == "deprecated-package")
        .unwrap_or_else(|| panic!("{about_depd:?}"));
    // A transitive package: warned, with the registry's message.
    assert_eq!(deprecated.1, "warn");
    assert!(deprecated.2.contains("depd is no longer maintained"));
    assert!(
        about_depd
            .iter()
            .any(|(c, d, _)| *c == "install-script" && *d == "warn"),
        "{about_depd:?}"
    );
    let tree = &servers(&report)
        .into_values()
        .find(|s| s["tree"]["kind"] == "npx-cache")
        .unwrap()["tree"];
    assert_eq!(tree["kind"], "npx-cache");
    // Without publish times on disk, too-new is never claimed for an installed tree.
    assert!(!report["findings"].to_string().contains("too-new"));
}
