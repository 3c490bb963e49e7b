//! End-to-end: Python packages beyond an environment's own `site-packages`:
//! pipx's shared libraries (pip backend, real install in
//! `fixtures/trees/home/.local/share/pipx-pip`), `.pth` folders inside the
//! environment, `*.egg-info` installs and `include-system-site-packages`.
//! Also: a tree two servers share is verified once per scan,
//! `npm exec --package=x -- cmd` skips npx's global-install check, and a
//! `python -m` module no package provides is a finding.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::{fixtures, imported_store, stderr, stdout, write, Cmd};

/// `scan --format json` (offline, empty store) of `home`, with `config` alone if given.
fn scan(home: &Path, config: Option<&Path>) -> Value {
    let db = tempfile::tempdir().unwrap();
    let mut cmd = Cmd::scan()
        .db(db.path())
        .offline()
        .home(home)
        .format("json");
    if let Some(c) = config {
        cmd = cmd.no_default_configs().config(c);
    }
    cmd.json().1
}

fn server<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no server {name}"))
}

/// name → integrity state.
fn packages(server: &Value) -> BTreeMap<String, String> {
    server["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let v = format!(
                "{}@{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            );
            (v, p["integrity"]["state"].as_str().unwrap().to_string())
        })
        .collect()
}

fn notes(server: &Value) -> Vec<String> {
    server["tree"]["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn pipx_pip_backend_shared_libs_are_importable_but_not_dependencies() {
    let report = scan(&fixtures().join("trees/home"), None);
    let s = server(&report, "pycowsay-pipx-pip");
    assert_eq!(s["tree"]["kind"], "pipx");
    // `pip list --path <venv site-packages>` at creation: pycowsay and the injected six.
    let want: BTreeMap<String, String> =
        [("pycowsay@0.0.0.2", "verified"), ("six@1.16.0", "verified")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    assert_eq!(packages(s), want);
    let notes = notes(s);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("pipx shared libraries (pip@26.3)")
                && n.contains("not dependencies of the server")),
        "{notes:?}"
    );
}

fn meta(name: &str, version: &str, extra: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{extra}\n")
}

#[test]
fn pth_folders_egg_info_and_system_site_packages_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let env = root.join("venv");
    let site = env.join("lib/python3.11/site-packages");
    let base = root.join("base");
    write(
        &env.join("pyvenv.cfg"),
        &format!(
            "home = {}\ninclude-system-site-packages = true\nversion = 3.11.7\n",
            base.join("bin").display()
        ),
    );
    write(
        &site.join("srv-1.0.dist-info/METADATA"),
        &meta("srv", "1.0", "Requires-Dist: legacy\nRequires-Dist: inpth"),
    );
    write(&site.join("srv/__init__.py"), "");
    // An egg-info folder (setuptools `develop`/old installs) and its requirements.
    write(
        &site.join("legacy-2.0-py3.11.egg-info/PKG-INFO"),
        &meta("legacy", "2.0", ""),
    );
    write(
        &site.join("legacy-2.0-py3.11.egg-info/requires.txt"),
        "sysdep\n[win]\nnever\n",
    );
    // A .pth naming a folder inside the environment, one naming a folder outside.
    write(
        &site.join("inside.pth"),
        "# comment\n../../../extra\nimport os\n",
    );
    write(
        &env.join("extra/inpth-3.0.dist-info/METADATA"),
        &meta("inpth", "3.0", ""),
    );
    write(
        &site.join("outside.pth"),
        &format!("{}\n", root.join("elsewhere").display()),
    );
    write(
        &root.join("elsewhere/hidden-9.0.dist-info/METADATA"),
        &meta("hidden", "9.0", ""),
    );
    write(
        &base.join("lib/python3.11/site-packages/sysdep-4.0.dist-info/METADATA"),
        &meta("sysdep", "4.0", ""),
    );
    let config = root.join("mcp.json");
    let python = env.join("bin/python").display().to_string();
    write(
        &config,
        &serde_json::json!({"mcpServers": {"srv": {"command": python, "args": ["-m", "srv"]}}})
            .to_string(),
    );
    let report = scan(root, Some(&config));
    let s = server(&report, "srv");
    let got = packages(s);
    let unverified = "unverified".to_string();
    assert_eq!(got.get("legacy@2.0"), Some(&unverified), "{got:?}");
    assert_eq!(
        got.get("inpth@3.0"),
        Some(&unverified),
        "no RECORD: {got:?}"
    );
    assert_eq!(got.get("sysdep@4.0"), Some(&unverified), "{got:?}");
    assert!(got.contains_key("srv@1.0"));
    assert!(
        !got.contains_key("hidden@9.0"),
        "outside the environment: {got:?}"
    );
    let reasons: Vec<&str> = s["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["integrity"]["reason"].as_str())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains(".egg-info install has no RECORD")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("base interpreter's site-packages")),
        "{reasons:?}"
    );
    let notes = notes(s);
    for want in [
        "outside.pth adds",
        "inside.pth runs `import os`",
        "include-system-site-packages = true",
    ] {
        assert!(notes.iter().any(|n| n.contains(want)), "{want}: {notes:?}");
    }
    // The egg-info's requires.txt gives an edge: sysdep is reached through legacy.
    let explain = Cmd::explain("sysdep")
        .home(root)
        .no_default_configs()
        .config(&config)
        .run();
    let text = stdout(&explain);
    assert!(
        text.contains("legacy") && text.contains("sysdep"),
        "{text}{}",
        stderr(&explain)
    );
}

/// A config in a fresh folder with these `mcpServers`.
fn config(servers: Value) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mcp.json");
    write(
        &path,
        &serde_json::json!({ "mcpServers": servers }).to_string(),
    );
    (dir, path)
}

#[test]
fn a_tree_shared_by_two_servers_is_verified_once() {
    let npx = serde_json::json!({"command": "npx", "args": ["-y", "chalk@4.1.2"]});
    let (_dir, path) = config(serde_json::json!({"first": npx, "second": npx}));
    let report = scan(&fixtures().join("trees/home"), Some(&path));
    let (a, b) = (server(&report, "first"), server(&report, "second"));
    assert_eq!(a["tree"]["root"], b["tree"]["root"]);
    assert_eq!(packages(a), packages(b));
    assert!(
        packages(a).values().all(|s| s == "verified"),
        "{:?}",
        packages(a)
    );
    let reused = |s: &Value| {
        notes(s)
            .iter()
            .any(|n| n.contains("files verified once for this scan"))
    };
    assert_eq!(
        [reused(a), reused(b)].iter().filter(|r| **r).count(),
        1,
        "exactly one of the two reuses the other's verification"
    );
}

#[test]
fn npm_exec_package_flag_skips_the_global_install() {
    let env = serde_json::json!({ "npm_config_prefix": "~/.npm-global" });
    let (_dir, path) = config(serde_json::json!({
        "plain": {"command": "npx", "args": ["-y", "semver"], "env": env},
        "explicit": {"command": "npm", "args": ["exec", "--yes", "--package=semver", "--", "semver"], "env": env},
    }));
    let report = scan(&fixtures().join("trees/home"), Some(&path));
    assert_eq!(server(&report, "plain")["tree"]["kind"], "npm-global");
    let explicit = server(&report, "explicit");
    assert!(explicit["tree"].is_null(), "{explicit}");
    let text = report.to_string();
    assert!(
        text.contains("semver is not installed") && text.contains("_npx"),
        "the npx cache was looked in, not the global prefix: {text}"
    );
}

#[test]
fn npx_range_with_or_is_satisfied_by_a_matching_global_install() {
    // The global prefix holds semver 7.6.3: npx runs it for any spec whose
    // node-semver range it satisfies, `||` and hyphen ranges included.
    let env = serde_json::json!({ "npm_config_prefix": "~/.npm-global" });
    let (_dir, path) = config(serde_json::json!({
        "or": {"command": "npx", "args": ["-y", "semver@^6.0.0 || ^7.6.0"], "env": env},
        "hyphen": {"command": "npx", "args": ["-y", "semver@7.0.0 - 7.6.3"], "env": env},
        "bare": {"command": "npx", "args": ["-y", "semver@7.6.3"], "env": env},
        "other": {"command": "npx", "args": ["-y", "semver@^6.0.0 || ^8.0.0"], "env": env},
    }));
    let report = scan(&fixtures().join("trees/home"), Some(&path));
    for name in ["or", "hyphen", "bare"] {
        assert_eq!(
            server(&report, name)["tree"]["kind"],
            "npm-global",
            "{name}: {report}"
        );
    }
    assert!(server(&report, "other")["tree"].is_null(), "{report}");
}

/// Regression: a `python -m` module no package provides left every package
/// `direct: false`, findings without a path, and `explain` saying "no
/// installed package".
#[test]
fn a_python_module_no_package_provides_is_a_finding_and_the_env_stays_reachable() {
    let db = imported_store();
    let w = tempfile::tempdir().unwrap();
    let config = w.path().join("mcp.json");
    std::fs::write(
        &config,
        r#"{"mcpServers":{"nomod":{"command":"~/venvs/plain/bin/python","args":["-m","not_there"]}}}"#,
    )
    .unwrap();
    let home = fixtures().join("trees/home");
    let place = |cmd: Cmd| cmd.home(&home).no_default_configs().config(&config);
    let out = place(Cmd::scan().offline().db(db.path()).format("json"))
        .today("2026-06-01")
        .run();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let missing = findings
        .iter()
        .find(|f| f["code"] == "module-not-found")
        .expect("module-not-found finding");
    assert!(missing["message"].as_str().unwrap().contains("not_there"));
    let packages = report["servers"][0]["packages"].as_array().unwrap();
    assert!(packages.len() >= 2, "{packages:?}");
    let direct =
        |name: &str| packages.iter().find(|p| p["name"] == name).unwrap()["direct"].clone();
    assert_eq!(direct("click"), true);
    assert_eq!(direct("localtool"), true);
    let local = findings
        .iter()
        .find(|f| f["code"] == "non-registry-source")
        .unwrap();
    assert_eq!(local["path"][0], "nomod", "{local}");
    let out = place(Cmd::explain("click")).run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("nomod > click@"),
        "{}",
        stdout(&out)
    );
}
