//! End-to-end: the help says what the commands do (issue 13): `--db` only
//! where a store is used, sizes with units, each error cause said once, a
//! package name required by `explain` and its hint looking where the user
//! looked, `inventory` offering only the formats it writes.

use std::path::Path;

use crate::support::osv_server::{Reply, Server};
use crate::support::{fixtures, imported_store, Cmd};

fn help(command: &[&str]) -> String {
    let (code, out, err) = Cmd::new(command).arg("--help").outcome();
    assert_eq!(code, 0, "{command:?}: {err}");
    out
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
    let (code, before, err) =
        Cmd::new(["--db".as_ref(), db.path(), "db".as_ref(), "status".as_ref()]).outcome();
    assert_eq!(code, 0, "{err}");
    let (_, after, _) = Cmd::store_command("status").db(db.path()).outcome();
    let (_, env, _) = Cmd::store_command("status")
        .env("SUPPLYGATE_DB", db.path())
        .outcome();
    assert_eq!(before, after);
    assert_eq!(before, env);
    assert!(before.contains("npm"), "{before}");
}

fn pypi_server() -> Server {
    let zip = std::fs::read(fixtures().join("osv/PyPI-all.zip")).unwrap();
    Server::start(move |r| match r.path.as_str() {
        "/PyPI/all.zip" => Reply::bytes(200, zip.clone()),
        _ => Reply::bytes(404, Vec::new()),
    })
}

fn update(db: &Path, server: &Server, max_size: &str) -> (i32, String) {
    let (code, _, err) = Cmd::store_command("update")
        .db(db)
        .opt("--ecosystem", "PyPI")
        .opt("--data-url", server.url())
        // `=`: a value like `-1` is not taken for an option.
        .arg(format!("--max-size={max_size}"))
        .outcome();
    (code, err)
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
    let (code, _, err) = Cmd::store_command("import")
        .db(w.path().join("db"))
        .arg(&missing)
        .outcome();
    assert_eq!(code, 2);
    assert!(
        err.contains(&missing.display().to_string()),
        "names the file: {err}"
    );
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

/// Regression: `explain ""` looked for a package with no name.
#[test]
fn explain_needs_a_package_name() {
    let home = tempfile::tempdir().unwrap();
    for bad in ["", " ", "@", "@@x"] {
        let (code, _, err) = Cmd::explain(bad).home(home.path()).outcome();
        assert_eq!(code, 2, "{bad:?}");
        assert!(err.contains("a package name is required"), "{bad:?}: {err}");
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
    let (code, _, err) = Cmd::explain("left-pad")
        .home(&home)
        .project(&project)
        .no_default_configs()
        .outcome();
    assert_eq!(code, 2);
    let expected = format!(
        "hint: `supplygate scan --format json --home '{}' --project {} --no-default-configs`",
        home.display(),
        project.display()
    );
    assert!(err.contains(&expected), "{err}");
}

/// Regression: `explain` had no `--format json` (issue 13, "Explain gets
/// `--format json`"); its paths are now data a script can read, the same
/// paths the table prints.
#[test]
fn explain_writes_its_paths_as_json() {
    let home = fixtures().join("homes/affected");
    let (code, table, err) = Cmd::explain("node-fetch@2.7.0").home(&home).outcome();
    assert_eq!(code, 0, "{err}");
    let (code, json) = Cmd::explain("node-fetch@2.7.0")
        .home(&home)
        .format("json")
        .json();
    assert_eq!(code, 0);
    assert_eq!(json["package"], "node-fetch@2.7.0");
    assert_eq!(json["truncated"], false);
    let paths: Vec<String> = json["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let hops: Vec<&str> = p
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap())
                .collect();
            hops.join(" > ")
        })
        .collect();
    assert!(!paths.is_empty());
    assert_eq!(paths, table.lines().collect::<Vec<_>>());
    assert!(
        paths[0].starts_with("gdrive > @modelcontextprotocol/server-gdrive@0.6.2 > "),
        "{paths:?}"
    );
    assert!(paths[0].ends_with(" > node-fetch@2.7.0"), "{paths:?}");
    let (code, _, _) = Cmd::explain("node-fetch")
        .home(&home)
        .format("sarif")
        .outcome();
    assert_eq!(code, 2, "explain offers table and json only");
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
}
