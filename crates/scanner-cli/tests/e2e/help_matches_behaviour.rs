//! End-to-end: the help says what the commands do (issue 13): `--db` only
//! where a store is used, sizes with units, each error cause said once, a
//! package name required by `explain` and its hint looking where the user
//! looked, `inventory` offering only the formats it writes.

use std::path::Path;

use crate::support::osv_server::{Reply, Server};
use crate::support::{fixtures, imported_store, run, run_with_env, stderr, stdout};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn help(command: &[&str]) -> String {
    let mut args = command.to_vec();
    args.push("--help");
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Regression: `--db` was a global option, listed by `inventory`, `explain`,
/// `policy` and `receipt`, which never open a store.
#[test]
fn db_is_offered_only_by_commands_that_use_a_store() {
    for uses in [
        &["scan"][..],
        &["vet"],
        &["db", "import"],
        &["db", "status"],
        &["db", "update"],
    ] {
        assert!(help(uses).contains("--db <DIR>"), "{uses:?} takes --db");
    }
    for ignores in [
        &["inventory"][..],
        &["explain"],
        &["policy", "check"],
        &["policy", "init"],
        &["receipt", "keygen"],
        &["receipt", "verify"],
    ] {
        assert!(!help(ignores).contains("--db"), "{ignores:?} has no --db");
    }
    // Both spellings, and the environment, name the same store.
    let db = imported_store();
    let before = run(&["--db", s(db.path()), "db", "status"]);
    let after = run(&["db", "status", "--db", s(db.path())]);
    let env = run_with_env(&["db", "status"], &[("SUPPLYGATE_DB", s(db.path()))]);
    assert_eq!(before.status.code(), Some(0), "{}", stderr(&before));
    assert_eq!(stdout(&before), stdout(&after));
    assert_eq!(stdout(&before), stdout(&env));
    assert!(stdout(&before).contains("npm"), "{}", stdout(&before));
}

fn pypi_server() -> Server {
    let zip = std::fs::read(fixtures().join("osv/PyPI-all.zip")).unwrap();
    Server::start(move |r| match r.path.as_str() {
        "/PyPI/all.zip" => Reply::bytes(200, zip.clone()),
        _ => Reply::bytes(404, Vec::new()),
    })
}

fn update(db: &Path, server: &Server, max_size: &str) -> (i32, String) {
    let url = server.url();
    let max_size = format!("--max-size={max_size}");
    let out = run(&[
        "db",
        "update",
        "--db",
        s(db),
        "--ecosystem",
        "PyPI",
        "--data-url",
        &url,
        &max_size,
    ]);
    (out.status.code().unwrap(), stderr(&out))
}

/// Regression: `--max-size` took raw bytes only (`2GiB` was refused) while
/// durations take units.
#[test]
fn max_size_takes_units() {
    let server = pypi_server();
    let db = tempfile::tempdir().unwrap();
    let (code, err) = update(db.path(), &server, "1KiB");
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("exceeds the limit of 1024 bytes"), "{err}");
    for size in ["2GiB", "2 GiB", "500MB", "1.5gib", "3000000"] {
        let (code, err) = update(db.path(), &server, size);
        assert_eq!(code, 0, "{size}: {err}");
    }
    for bad in ["2XB", "-1", "GiB", "1e9"] {
        let (code, err) = update(db.path(), &server, bad);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("is not a size"), "{bad}: {err}");
        assert!(err.contains("e.g. 2GiB"), "{bad}: {err}");
    }
}

/// Regression: `No such file or directory (os error 2): No such file or
/// directory (os error 2)`.
#[test]
fn an_error_cause_is_said_once() {
    let w = tempfile::tempdir().unwrap();
    let missing = w.path().join("no-such-file.json");
    let db = w.path().join("db");
    let out = run(&["db", "import", "--db", s(&db), s(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(s(&missing)), "names the file: {err}");
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

/// Regression: `explain ""` looked for a package with no name.
#[test]
fn explain_needs_a_package_name() {
    let home = tempfile::tempdir().unwrap();
    for bad in ["", " ", "@", "@@x"] {
        let out = run(&["explain", bad, "--home", s(home.path())]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(
            stderr(&out).contains("a package name is required"),
            "{bad:?}: {}",
            stderr(&out)
        );
    }
}

/// Regression: explain's hint said `supplygate scan --format json`, which
/// looks at the default home, not the `--home`/`--project` just used.
#[test]
fn explains_hint_looks_where_the_user_looked() {
    let w = tempfile::tempdir().unwrap();
    let home = w.path().join("a home");
    let project = w.path().join("repo");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    let out = run(&[
        "explain",
        "left-pad",
        "--home",
        s(&home),
        "--project",
        s(&project),
        "--no-default-configs",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let expected = format!(
        "hint: `supplygate scan --format json --home '{}' --project {} --no-default-configs`",
        s(&home),
        s(&project)
    );
    assert!(err.contains(&expected), "{err}");
}

/// Regression: `inventory --help` listed sarif, cyclonedx and markdown,
/// which it refuses.
#[test]
fn inventory_offers_only_the_formats_it_writes() {
    let text = help(&["inventory"]);
    assert!(text.contains("table") && text.contains("json"), "{text}");
    for refused in ["sarif", "cyclonedx", "markdown"] {
        assert!(!text.contains(refused), "{refused}: {text}");
    }
    let home = tempfile::tempdir().unwrap();
    let out = run(&["inventory", "--format", "sarif", "--home", s(home.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("[possible values: table, json]"),
        "{}",
        stderr(&out)
    );
}
