//! End-to-end: paths and defaults are taken as the user meant them: a
//! mistyped path is bad input, the same project named two ways is one
//! project, read-only commands never create a store, the project's own
//! `supplygate.toml` is the policy, and the demo uses a scratch store.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{binary, fixtures, imported_store, stderr, stdout, write, Cmd};
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn npx_server(name: &str, package: &str) -> String {
    format!(r#"{{"mcpServers":{{"{name}":{{"command":"npx","args":["-y","{package}"]}}}}}}"#)
}

/// Regression: a nonexistent `--home` or `--project` passed as an empty scan
/// (hostile reproducer home-missing-passes).
#[test]
fn a_missing_home_or_project_is_bad_input_not_a_pass() {
    let db = imported_store();
    let w = tempfile::tempdir().unwrap();
    let home = w.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let missing = w.path().join("no-such-dir");
    let file = w.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let scan = || Cmd::scan().offline().db(db.path());
    let cases = [
        (scan().home(&missing), &missing),
        (Cmd::inventory().home(&missing), &missing),
        (Cmd::explain("x").home(&missing), &missing),
        (scan().home(&home).project(&missing), &missing),
        (Cmd::inventory().home(&home).project(&missing), &missing),
        (Cmd::inventory().home(&file), &file),
    ];
    for (cmd, named) in cases {
        let args = cmd.argv();
        let out = cmd.run();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: no report");
        let err = stderr(&out);
        assert!(err.contains(s(named)), "{args:?}: {err}");
    }
}

/// Regression: `--project .` read `./.mcp.json` and `.mcp.json` as two files
/// and missed `../.mcp.json`.
#[test]
fn a_relative_project_is_the_same_as_its_absolute_path() {
    let w = tempfile::tempdir().unwrap();
    let home = w.path().join("home");
    let repo = home.join("work/repo");
    write(
        &home.join("work/.mcp.json"),
        &npx_server("parent", "a@1.0.0"),
    );
    write(&repo.join(".mcp.json"), &npx_server("here", "b@1.0.0"));
    let inventory = |cwd: &Path, project: &str| -> Value {
        let out = Cmd::inventory()
            .no_default_configs()
            .format("json")
            .home(&home)
            .project(project)
            .current_dir(cwd)
            .run();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let names = |v: &Value| -> Vec<(String, String)> {
        let mut names: Vec<(String, String)> = v["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let config = s["config_path"].as_str().unwrap().to_string();
                (s["name"].as_str().unwrap().to_string(), config)
            })
            .collect();
        names.sort();
        names
    };
    let relative = names(&inventory(&repo, "."));
    let absolute = names(&inventory(w.path(), s(&repo)));
    let dotted = names(&inventory(&repo, "../repo/./"));
    assert_eq!(relative, absolute);
    assert_eq!(dotted, absolute);
    let expected = vec![
        ("here".to_string(), s(&repo.join(".mcp.json")).to_string()),
        (
            "parent".to_string(),
            s(&home.join("work/.mcp.json")).to_string(),
        ),
    ];
    assert_eq!(absolute, expected);
}

/// Regression: `db status --db NEWDIR` and `scan --offline --db MISSING`
/// created the folder and an empty store.
#[test]
fn readers_never_create_a_store() {
    let w = tempfile::tempdir().unwrap();
    let new = w.path().join("new/db");
    let out = Cmd::store_command("status").db(&new).run();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no advisories store"),
        "{}",
        stderr(&out)
    );
    assert!(!w.path().join("new").exists(), "status created the store");
    let home = fixtures().join("homes/affected");
    let out = Cmd::scan().offline().db(&new).home(&home).run();
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains(s(&new)), "names the store: {err}");
    assert!(err.contains("db update"), "says what to run: {err}");
    assert!(!w.path().join("new").exists(), "scan created the store");
}

/// The repository's `supplygate.toml` decides a `scan --project .` (the
/// policy-init header says so).
#[test]
fn the_projects_supplygate_toml_is_the_policy() {
    let db = imported_store();
    let w = tempfile::tempdir().unwrap();
    let home = w.path().join("home");
    let repo = w.path().join("repo");
    std::fs::create_dir_all(&home).unwrap();
    write(&repo.join(".mcp.json"), &npx_server("loose", "some-server"));
    write(
        &repo.join("supplygate.toml"),
        "[[rule]]\nid = \"no-unpinned\"\ncode = \"unpinned-server\"\naction = \"block\"\n",
    );
    let header = stdout(&Cmd::policy_command("init").run());
    assert!(
        header.contains("default: the first `--project` folder"),
        "{header}"
    );
    let out = Cmd::scan()
        .offline()
        .db(db.path())
        .format("json")
        .home(&home)
        .project(".")
        .current_dir(&repo)
        .run();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        report["policy"]["file"].as_str().unwrap(),
        s(&repo.join("supplygate.toml"))
    );
    let unpinned = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unpinned-server")
        .unwrap();
    assert_eq!(unpinned["decision"], "block");
}

fn target_dir() -> PathBuf {
    // The test binary runs from <target>/<profile>/deps.
    binary().parent().unwrap().parent().unwrap().to_path_buf()
}

/// Regression: the demo failed (exit 127) when CARGO_TARGET_DIR was set, and
/// imported the fixture advisories into the user's own store.
#[test]
fn the_demo_uses_a_scratch_store_and_finds_the_binary() {
    let user = tempfile::tempdir().unwrap();
    let script = fixtures().join("../scripts/demo.sh");
    let out = Command::new("bash")
        .arg(&script)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("SUPPLYGATE_DEMO_PROFILE", "dev")
        .env("HOME", user.path())
        .env("XDG_CACHE_HOME", user.path().join(".cache"))
        .env_remove("SUPPLYGATE_DB")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let (out_text, err) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{out_text}\n{err}");
    assert!(out_text.contains("PASSED"), "{out_text}");
    let left: Vec<_> = walk(user.path());
    assert!(
        left.iter()
            .all(|p| !p.to_string_lossy().contains("supplygate")),
        "the demo wrote into the user's folders: {left:?}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        out.push(e.path());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(walk(&e.path()));
        }
    }
    out
}
