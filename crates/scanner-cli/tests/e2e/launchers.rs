//! End-to-end: the launchers beyond npx/uvx (bunx, pnpm dlx, yarn dlx,
//! pipx run, uv run with a project, a PEP 723 script or `--with`, and npx
//! inside an npm workspace) on `fixtures/launchers/home`, made by the real
//! tools. Each resolved package set must equal what the launcher's own
//! listing (`bun pm ls`, `pnpm ls`, `uv pip list`, `npm ls`) showed for
//! that tree when it was made (`fixtures/launchers/expected/`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use crate::support::copy_tree;
use crate::support::{fixtures, Cmd};
use serde_json::Value;

fn home() -> PathBuf {
    fixtures().join("launchers/home")
}

/// `scan --format json` of the launchers home with `config`; (exit code, report).
fn scan(config: &Path) -> (i32, Value) {
    let db = tempfile::tempdir().unwrap();
    scan_config(db.path(), &home(), config)
}

/// An offline `scan --format json` of `home` with only `config`, against
/// the store in `db`.
fn scan_config(db: &Path, home: &Path, config: &Path) -> (i32, Value) {
    Cmd::scan()
        .db(db)
        .offline()
        .home(home)
        .format("json")
        .no_default_configs()
        .config(config)
        .json()
}

fn servers(report: &Value) -> BTreeMap<String, Value> {
    report["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s.clone()))
        .collect()
}

fn resolved(server: &Value) -> BTreeSet<String> {
    server["packages"]
        .as_array()
        .unwrap_or_else(|| panic!("no packages: {server:#}"))
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap();
            let name = if p["ecosystem"] == "PyPI" {
                name.to_lowercase().replace(['_', '.'], "-")
            } else {
                name.to_string()
            };
            format!("{name}@{}", p["version"].as_str().unwrap())
        })
        .collect()
}

fn expected(file: &str) -> BTreeSet<String> {
    let path = fixtures()
        .join("launchers/expected")
        .join(format!("{file}.txt"));
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The server's own package as the report names it.
fn top(server: &Value) -> String {
    let p = &server["package"];
    let name = p["name"]
        .as_str()
        .unwrap_or_else(|| panic!("no package: {server:#}"));
    format!("{name}@{}", p["version"].as_str().unwrap())
}

#[test]
fn every_launcher_resolves_what_its_own_listing_shows() {
    let (code, report) = scan(&home().join(".claude.json"));
    assert_eq!(code, 3, "empty store and one yarn dlx server: incomplete");
    let servers = servers(&report);
    // server, expected listing, tree kind, the server's own package
    let cases = [
        (
            "semver-bunx",
            "semver-bunx",
            "bunx-cache",
            Some("semver@7.5.4"),
        ),
        (
            "semver-pnpm-dlx",
            "semver-pnpm-dlx",
            "pnpm-dlx",
            Some("semver@7.5.4"),
        ),
        (
            "pycowsay-pipx-run-pip",
            "pycowsay-pipx-run-pip",
            "pipx-run",
            Some("pycowsay@0.0.0.2"),
        ),
        (
            "cowsay-pipx-run-uv",
            "cowsay-pipx-run-uv",
            "uvx-environment",
            Some("cowsay@6.1"),
        ),
        ("uv-run-with", "uv-run-with", "uv-with", None),
        ("uv-run-script", "uv-run-script", "uv-script", None),
        ("uv-run-project", "uv-run-project", "uv-project", None),
        (
            "semver-npx-workspace",
            "semver-npx-workspace",
            "npm-project",
            Some("semver@7.5.4"),
        ),
        (
            "semver6-npx-workspace",
            "semver-npx-workspace",
            "npm-project",
            Some("semver@6.3.1"),
        ),
    ];
    for (name, listing, kind, own) in cases {
        let s = &servers[name];
        assert_eq!(s["tree"]["kind"], kind, "{name}: {s:#}");
        assert_eq!(resolved(s), expected(listing), "{name}");
        if let Some(own) = own {
            assert_eq!(top(s), own, "{name}");
        }
    }
    // npx in packages/legacy runs the copy nested under that workspace.
    let notes = servers["semver6-npx-workspace"]["tree"]["notes"].to_string();
    assert!(
        notes.contains("uses packages/legacy/node_modules/semver"),
        "{notes}"
    );
}

#[test]
fn installed_files_are_verified_where_the_launcher_keeps_a_hash() {
    let (_, report) = scan(&home().join(".claude.json"));
    let servers = servers(&report);
    // Workspace packages are symlinks inside the tree: read, but not from a
    // registry, so never verified.
    let states = |name: &str| -> BTreeSet<String> {
        servers[name]["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| {
                !p["integrity"]["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("symlink inside the tree"))
            })
            .map(|p| p["integrity"]["state"].as_str().unwrap().to_string())
            .collect()
    };
    // RECORD hashes (uv, pip) and npm tarballs kept in npm's cache.
    for name in [
        "pycowsay-pipx-run-pip",
        "uv-run-script",
        "uv-run-with",
        "uv-run-project",
        "semver-npx-workspace",
    ] {
        assert_eq!(
            states(name),
            BTreeSet::from(["verified".to_string()]),
            "{name}"
        );
    }
    // bun.lock records the same tarball integrity npm does: checked against
    // npm's cached tarball when there is one.
    assert_eq!(
        states("semver-bunx"),
        BTreeSet::from(["verified".to_string()])
    );
    // pnpm-lock.yaml records the same tarball integrity: checked against npm's cache too.
    assert_eq!(
        states("semver-pnpm-dlx"),
        BTreeSet::from(["verified".to_string()])
    );
}

fn findings<'a>(report: &'a Value, code: &str, server: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code && f["server"] == server)
        .collect()
}

#[test]
fn yarn_dlx_leaves_no_tree_so_it_is_not_installed() {
    let (code, report) = scan(&home().join(".claude.json"));
    assert_eq!(code, 3);
    let f = findings(&report, "tree-not-installed", "semver-yarn-dlx");
    assert_eq!(f.len(), 1, "{report:#}");
    assert!(
        f[0]["message"].as_str().unwrap().contains("deletes"),
        "{}",
        f[0]["message"]
    );
}

fn config(dir: &Path, servers: &[(&str, &str, &[&str], Option<&str>)]) -> PathBuf {
    let mut map = serde_json::Map::new();
    for (name, command, args, cwd) in servers {
        let mut s = serde_json::json!({ "command": command, "args": args });
        if let Some(cwd) = cwd {
            s["cwd"] = (*cwd).into();
        }
        map.insert(name.to_string(), s);
    }
    let path = dir.join("mcp.json");
    std::fs::write(&path, serde_json::json!({ "mcpServers": map }).to_string()).unwrap();
    path
}

#[test]
fn a_version_that_is_not_on_disk_is_not_installed() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("other.py");
    std::fs::write(
        &script,
        "# /// script\n# dependencies = [\"six==1.15.0\"]\n# ///\nimport six\n",
    )
    .unwrap();
    let cfg = config(
        dir.path(),
        &[
            ("bunx-other", "bunx", &["semver@7.5.3"], None),
            ("pnpm-other", "pnpm", &["dlx", "semver@7.5.3"], None),
            ("pipx-other", "pipx", &["run", "pycowsay==0.0.0.1"], None),
            (
                "with-other",
                "uv",
                &["run", "--no-project", "--with", "click==8.1.6", "x"],
                None,
            ),
            (
                "script-other",
                "uv",
                &["run", script.to_str().unwrap()],
                None,
            ),
            (
                "ws-other",
                "npx",
                &["-y", "semver@7.5.3"],
                Some("~/ws/packages/app"),
            ),
        ],
    );
    let (code, report) = scan(&cfg);
    assert_eq!(code, 3);
    for name in [
        "bunx-other",
        "pnpm-other",
        "pipx-other",
        "with-other",
        "script-other",
        "ws-other",
    ] {
        assert_eq!(
            findings(&report, "tree-not-installed", name).len(),
            1,
            "{name}: {report:#}"
        );
    }
}

#[test]
fn a_malformed_script_block_names_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("broken.py");
    std::fs::write(&script, "# /// script\n# dependencies = [\n").unwrap();
    let cfg = config(
        dir.path(),
        &[("broken", "uv", &["run", script.to_str().unwrap()], None)],
    );
    let (code, report) = scan(&cfg);
    assert_eq!(code, 3, "{report:#}");
    let text = report["findings"].to_string();
    assert!(
        text.contains("broken.py") && text.contains("not closed"),
        "{text}"
    );
}

/// A copy of the launchers home, for tests that tamper with it.
#[cfg(unix)]
fn home_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&home(), dir.path());
    dir
}

/// `scan --format json` of `home` with one server.
#[cfg(unix)]
fn scan_one(home: &Path, command: &str, args: &[&str]) -> (i32, Value) {
    let db = tempfile::tempdir().unwrap();
    let cfg = config(db.path(), &[("s", command, args, None)]);
    scan_config(db.path(), home, &cfg)
}

#[cfg(unix)]
#[test]
fn links_out_of_a_launcher_tree_are_never_followed() {
    use std::os::unix::fs::symlink;
    let h = home_copy();
    let dlx = h.path().join(".cache/pnpm/dlx");
    let entry = std::fs::read_dir(&dlx)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let install = std::fs::canonicalize(entry.join("pkg")).unwrap();
    // A dependency link of semver's slot pointing at the root of the disk.
    let slot = install.join("node_modules/.pnpm/semver@7.5.4/node_modules");
    std::fs::remove_file(slot.join("lru-cache")).unwrap();
    symlink("/", slot.join("lru-cache")).unwrap();
    let (code, report) = scan_one(h.path(), "pnpm", &["dlx", "semver@7.5.4"]);
    assert_eq!(code, 3);
    let issues = findings(&report, "unreadable-package", "s");
    assert_eq!(issues.len(), 1, "{report:#}");
    assert!(issues[0]["message"]
        .as_str()
        .unwrap()
        .contains("not followed"));
    // A `pkg` link leading out of its dlx entry is not an install at all.
    std::fs::remove_file(entry.join("pkg")).unwrap();
    symlink(h.path().join("ws"), entry.join("pkg")).unwrap();
    let (_, report) = scan_one(h.path(), "pnpm", &["dlx", "semver@7.5.4"]);
    assert_eq!(
        findings(&report, "tree-not-installed", "s").len(),
        1,
        "{report:#}"
    );
    // bunx: a symlinked package folder leading out of the tree is named,
    // never entered.
    let bunx = h
        .path()
        .join(".bun/install/cache/.bunx-0/semver@7.5.4/node_modules");
    symlink("/etc", bunx.join("evil")).unwrap();
    let (code, report) = scan_one(h.path(), "bunx", &["semver@7.5.4"]);
    assert_eq!(code, 3);
    let issues = findings(&report, "unreadable-package", "s");
    assert_eq!(issues.len(), 1, "{report:#}");
    let message = issues[0]["message"].as_str().unwrap();
    assert!(
        message.contains("node_modules/evil") && message.contains("not followed"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn a_broken_bun_lock_is_an_error_naming_the_file() {
    let h = home_copy();
    let lock = h
        .path()
        .join(".bun/install/cache/.bunx-0/semver@7.5.4/bun.lock");
    std::fs::write(&lock, "{\"packages\": {\"semver\": [").unwrap();
    let (code, report) = scan_one(h.path(), "bunx", &["semver@7.5.4"]);
    assert_eq!(code, 3, "{report:#}");
    let text = report["findings"].to_string();
    assert!(
        text.contains("bun.lock") && text.contains("not a valid bun.lock"),
        "{text}"
    );
}

#[test]
fn with_requirements_in_a_project_add_the_cached_layer() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &[(
            "stacked",
            "uv",
            &[
                "--directory",
                "~/uvproj",
                "run",
                "--with",
                "click==8.1.7",
                "--with",
                "six==1.16.0",
                "python",
            ],
            None,
        )],
    );
    let (_, report) = scan(&cfg);
    let s = &servers(&report)["stacked"];
    assert_eq!(s["tree"]["kind"], "uv-project", "{s:#}");
    // The project's six, and the layer's click and six (two installs, one name@version).
    let mut want = expected("uv-run-project");
    want.extend(expected("uv-run-with"));
    assert_eq!(resolved(s), want);
    assert_eq!(s["packages"].as_array().unwrap().len(), 3);
    let states: BTreeSet<&str> = s["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["integrity"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, BTreeSet::from(["verified"]), "{s:#}");
}

#[test]
fn an_environment_made_for_more_is_not_the_with_layer() {
    // pycowsay's cached uvx environment holds pycowsay and nothing else;
    // `--with six` must not match the script environment (pycowsay + six).
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &[(
            "six-only",
            "uv",
            &["run", "--no-project", "--with", "six==1.16.0", "python"],
            None,
        )],
    );
    let (code, report) = scan(&cfg);
    assert_eq!(code, 3);
    assert_eq!(
        findings(&report, "tree-not-installed", "six-only").len(),
        1,
        "{report:#}"
    );
}

#[test]
fn bunx_in_a_project_runs_the_project_copy() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &[(
            "local",
            "bunx",
            &["semver@6.3.1"],
            Some("~/ws/packages/legacy"),
        )],
    );
    let (_, report) = scan(&cfg);
    let s = &servers(&report)["local"];
    assert_eq!(s["tree"]["kind"], "npm-project", "{s:#}");
    assert_eq!(top(s), "semver@6.3.1");
}

#[cfg(unix)]
#[test]
fn pnpm_lock_and_disk_disagreeing_is_a_finding() {
    let h = home_copy();
    let entry = std::fs::read_dir(h.path().join(".cache/pnpm/dlx"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let lock = std::fs::canonicalize(entry.join("pkg"))
        .unwrap()
        .join("pnpm-lock.yaml");
    let text = std::fs::read_to_string(&lock).unwrap();
    std::fs::write(&lock, text.replace("yallist@4.0.0", "yallist@4.0.1")).unwrap();
    let (_, report) = scan_one(h.path(), "pnpm", &["dlx", "semver@7.5.4"]);
    let messages: Vec<String> = findings(&report, "lockfile-mismatch", "s")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages
        .iter()
        .any(|m| m.contains("yallist@4.0.0 is installed but not in pnpm-lock.yaml")));
    assert!(messages
        .iter()
        .any(|m| m.contains("lists yallist@4.0.1 but it is not installed")));
}
