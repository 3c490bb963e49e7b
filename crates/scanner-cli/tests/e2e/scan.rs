//! End-to-end: `supplygate db import` then `supplygate scan --offline` on the
//! fixture homes, which were made by real `npx` / `uvx` launches.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::{fixtures, stderr, stdout, Cmd};
use serde_json::Value;

/// A store with the bundled OSV records imported.
fn store() -> tempfile::TempDir {
    crate::support::imported_store()
}

fn expected(home: &str) -> Value {
    let text =
        std::fs::read_to_string(fixtures().join("homes").join(home).join("EXPECTED.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Counts what is on disk, independently of supplygate: package folders
/// (with a package.json) under node_modules, or dist-info folders.
fn on_disk(tree: &Path) -> usize {
    fn walk(dir: &Path, in_node_modules: bool, n: &mut usize) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let (path, kind) = (e.path(), e.file_type().unwrap());
            if !kind.is_dir() {
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".dist-info") {
                *n += 1;
            } else if in_node_modules
                && !name.starts_with('.')
                && !name.starts_with('@')
                && path.join("package.json").is_file()
            {
                *n += 1;
                walk(&path, false, n);
            } else {
                walk(
                    &path,
                    name == "node_modules" || (in_node_modules && name.starts_with('@')),
                    n,
                );
            }
        }
    }
    let mut n = 0;
    walk(tree, false, &mut n);
    n
}

fn advisories(report: &Value) -> BTreeSet<(String, String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("advisory").is_some())
        .map(|f| {
            let p = &f["package"];
            let s = |v: &Value| v.as_str().unwrap().to_string();
            (
                s(&f["server"]),
                s(&f["advisory"]["id"]),
                s(&p["name"]),
                s(&p["version"]),
            )
        })
        .collect()
}

fn expected_advisories(exp: &Value) -> BTreeSet<(String, String, String, String)> {
    exp["expected_advisories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap().to_string();
            (s("server"), s("id"), s("package"), s("version"))
        })
        .collect()
}

fn check_home(home: &str) -> (i32, Value) {
    let db = store();
    let (code, report) = Cmd::scan()
        .db(db.path())
        .offline()
        .fixture_home(home)
        .format("json")
        .json();
    let exp = expected(home);
    let servers = report["servers"].as_array().unwrap();
    assert_eq!(
        servers.len(),
        exp["servers"].as_object().unwrap().len(),
        "{home}: server count"
    );
    for server in servers {
        let name = server["name"].as_str().unwrap();
        let want = &exp["servers"][name];
        let tree = fixtures()
            .join("homes")
            .join(home)
            .join(want["tree_dir"].as_str().unwrap());
        let count = server["packages"].as_array().unwrap().len();
        assert_eq!(
            count as u64,
            want["packages"].as_u64().unwrap(),
            "{home}/{name}: count vs npm ls / pip list"
        );
        assert_eq!(
            count,
            on_disk(&tree),
            "{home}/{name}: count vs package folders on disk"
        );
        assert_eq!(
            server["package"]["name"], want["top"]["name"],
            "{home}/{name}"
        );
        assert_eq!(
            server["package"]["version"], want["top"]["version"],
            "{home}/{name}"
        );
        assert!(server["config_path"]
            .as_str()
            .unwrap()
            .ends_with(want["config"].as_str().unwrap()));
    }
    assert_eq!(
        advisories(&report),
        expected_advisories(&exp),
        "{home}: advisories found vs expected"
    );
    (code, report)
}

#[test]
fn basic_home_lists_both_servers_and_exactly_the_applicable_advisories() {
    let (code, report) = check_home("basic");
    // httpx has a medium advisory: warned, not blocked; unpinned uvx warns too.
    assert_eq!(code, 0, "{report:#}");
    let codes: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains("unpinned-server"));
}

#[test]
fn affected_home_finds_npm_and_pypi_advisories() {
    let (_, report) = check_home("affected");
    let npm = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["package"]["name"] == "node-fetch")
        .unwrap();
    assert_eq!(npm["decision"], "warn");
    // The path runs from the server through the server's package.
    let path: Vec<&str> = npm["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(path.first(), Some(&"gdrive"));
    assert_eq!(path.last(), Some(&"node-fetch@2.7.0"));
    assert_eq!(path[1], "@modelcontextprotocol/server-gdrive@0.6.2");
}

#[test]
fn clean_home_has_no_advisories_and_passes() {
    let (code, report) = check_home("clean");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["outcome"], "passed");
}

#[test]
fn malformed_config_is_exit_2_naming_the_file() {
    // A file the user named with --config must be usable: exit 2, one line
    // naming the file and line, no report.
    let db = store();
    let home = fixtures().join("homes/broken");
    let config = home.join(".cursor/mcp.json");
    let out = Cmd::scan()
        .db(db.path())
        .offline()
        .home(&home)
        .config(&config)
        .run();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(".cursor/mcp.json:5:"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn malformed_well_known_config_makes_the_scan_incomplete_naming_file_and_line() {
    // A broken file at a well-known location is skipped, never silently:
    // the scan is incomplete (exit 3) and says which file and line.
    let db = store();
    let home = fixtures().join("homes/broken");
    let out = Cmd::scan()
        .db(db.path())
        .offline()
        .os("linux")
        .home(&home)
        .format("json")
        .run();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(".cursor/mcp.json:5:"), "{err}");
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["summary"]["outcome"], "incomplete");
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "config-skipped"));
}

#[test]
fn server_not_installed_is_exit_3_naming_the_server() {
    let db = store();
    let home = fixtures().join("homes/broken");
    let config = home.join(".claude.json");
    let out = Cmd::scan()
        .db(db.path())
        .offline()
        .arg("--no-default-configs")
        .home(&home)
        .config(&config)
        .format("json")
        .run();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("server `memory`") && err.contains("not installed"),
        "{err}"
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["summary"]["outcome"], "incomplete");
    assert_eq!(report["findings"][0]["code"], "tree-not-installed");
}

#[test]
fn empty_store_is_exit_3_saying_what_was_not_checked() {
    let db = tempfile::tempdir().unwrap();
    let home = fixtures().join("homes/clean");
    let out = Cmd::scan().db(db.path()).offline().home(&home).run();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("server `memory`") && err.contains("no npm records"),
        "{err}"
    );
    assert!(
        err.contains("server `time`") && err.contains("no PyPI records"),
        "{err}"
    );
    assert!(stdout(&out).contains("INCOMPLETE"));
    // Trimmed fixture trees have no tarballs or RECORDs: the table says so.
    assert!(
        stdout(&out).contains("99 packages, 0 verified"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn scan_is_online_by_default_and_fails_closed_when_osv_is_unreachable() {
    let db = store();
    // A loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = fixtures().join("homes/affected");
    let out = Cmd::scan()
        .db(db.path())
        .home(&home)
        .opt("--osv-url", format!("http://127.0.0.1:{port}"))
        .opt("--http-deadline", "3s")
        .run();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("could not be checked against OSV"), "{err}");
    assert!(err.contains("--offline"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn import_of_garbage_fails_and_keeps_the_store() {
    let db = store();
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("x.json"), "{\"id\": ").unwrap();
    let out = Cmd::store_command("import")
        .db(db.path())
        .arg(bad.path())
        .run();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("x.json"), "{}", stderr(&out));
    let (_, report) = Cmd::scan()
        .db(db.path())
        .offline()
        .fixture_home("affected")
        .format("json")
        .json();
    assert_eq!(advisories(&report).len(), 3);
}

#[test]
fn a_package_folder_node_could_load_but_supplygate_cannot_read_makes_the_scan_incomplete() {
    let db = store();
    let home = tempfile::tempdir().unwrap();
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixtures().join("homes/clean/."))
        .arg(home.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let evil = home
        .path()
        .join(".npm/_npx/c98ccc168155bafa/node_modules/evil");
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::write(evil.join("index.js"), "require('child_process')").unwrap();
    let out = Cmd::scan()
        .db(db.path())
        .offline()
        .home(home.path())
        .format("json")
        .run();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unreadable-package")
        .expect("an unreadable-package finding");
    assert!(finding["message"]
        .as_str()
        .unwrap()
        .contains("node_modules/evil"));
    assert!(stderr(&out).contains("node_modules/evil"));
}
