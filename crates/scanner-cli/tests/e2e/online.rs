//! End-to-end: `supplygate scan` online (the default) and `db update`
//! against a local HTTP server on 127.0.0.1 serving the real OSV records in
//! `fixtures/osv`; every failure mode ends with the right exit code, a
//! message, and the store as it was.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::support::osv_server::{OsvData, Reply, Server};
use crate::support::{fixtures, imported_store, stderr, stdout, Cmd};
use serde_json::Value;

fn data() -> Arc<OsvData> {
    static DATA: OnceLock<Arc<OsvData>> = OnceLock::new();
    DATA.get_or_init(|| Arc::new(OsvData::load(&fixtures().join("osv"))))
        .clone()
}

/// `scan --format json` of the fixture home `home_name` against the store in `db`.
fn scan(db: &Path, home_name: &str) -> Cmd {
    Cmd::scan().db(db).fixture_home(home_name).format("json")
}

/// Runs a scan: (exit code, report or Null, stderr).
fn scan_report(scan: Cmd) -> (i32, Value, String) {
    let (code, out, err) = scan.outcome();
    let report = serde_json::from_str(&out).unwrap_or(Value::Null);
    (code, report, err)
}

/// (server, code, advisory id, package, version) of every finding.
fn findings(report: &Value) -> BTreeSet<(String, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("-").to_string();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                s(&f["server"]),
                s(&f["code"]),
                s(&f["advisory"]["id"]),
                s(&f["package"]["name"]),
                s(&f["package"]["version"]),
            )
        })
        .collect()
}

fn expected_ids(home_name: &str) -> BTreeSet<String> {
    let path = fixtures()
        .join("homes")
        .join(home_name)
        .join("EXPECTED.json");
    let exp: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    exp["expected_advisories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

fn advisory_ids(report: &Value) -> BTreeSet<String> {
    findings(report)
        .into_iter()
        .map(|f| f.2)
        .filter(|id| id != "-")
        .collect()
}

fn db_status(db: &Path) -> String {
    let out = Cmd::store_command("status").db(db).run();
    assert!(out.status.success());
    stdout(&out)
}

fn api(page: usize) -> Server {
    Server::start(data().api(page))
}

#[test]
fn online_and_offline_give_the_same_findings_on_the_same_data() {
    let offline_db = imported_store();
    for name in ["basic", "affected", "clean"] {
        let server = api(1000);
        let online_db = tempfile::tempdir().unwrap();
        let (on_code, on, err) =
            scan_report(scan(online_db.path(), name).opt("--osv-url", server.url()));
        let (off_code, off, _) = scan_report(scan(offline_db.path(), name).offline());
        assert_eq!(on_code, off_code, "{name}: {err}");
        assert_eq!(findings(&on), findings(&off), "{name}");
        assert_eq!(advisory_ids(&on), expected_ids(name), "{name}");
        let snap = &on["advisories"]["snapshot"];
        assert_eq!(snap["mode"], "online");
        assert_eq!(
            snap["api_url"].as_str().unwrap(),
            format!("{}/", server.url())
        );
        assert!(snap["fetched_at"].as_u64().unwrap() > 1_700_000_000);
        assert_eq!(off["advisories"]["snapshot"]["mode"], "offline");
        assert!(server.count("/v1/querybatch") >= 1, "{name}");
    }
}

#[test]
fn a_second_scan_downloads_only_what_changed() {
    let server = api(1000);
    let db = tempfile::tempdir().unwrap();
    let (code, first, err) =
        scan_report(scan(db.path(), "affected").opt("--osv-url", server.url()));
    assert_eq!(code, 0, "{err}");
    let fetched = server.count("/v1/vulns/");
    assert!(fetched >= expected_ids("affected").len(), "{err}");
    let (_, second, err) = scan_report(scan(db.path(), "affected").opt("--osv-url", server.url()));
    assert_eq!(server.count("/v1/vulns/"), fetched, "{err}");
    assert!(err.contains("0 downloaded"), "{err}");
    assert_eq!(findings(&first), findings(&second));
}

#[test]
fn paging_follows_every_next_page_token() {
    let server = api(1);
    let db = tempfile::tempdir().unwrap();
    let (code, report, err) =
        scan_report(scan(db.path(), "affected").opt("--osv-url", server.url()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(advisory_ids(&report), expected_ids("affected"));
    let paged = server
        .requests()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("page_token"))
        .count();
    assert!(paged >= 2, "{paged} paged requests");
}

#[test]
fn too_many_requests_then_success_is_retried() {
    let inner = data().api(1000);
    let hits = AtomicUsize::new(0);
    let server = Server::start(move |r| {
        if r.path == "/v1/querybatch" && hits.fetch_add(1, Ordering::SeqCst) < 2 {
            let mut reply = Reply::bytes(429, b"slow down".to_vec());
            reply.headers.push(("Retry-After".into(), "1".into()));
            return reply;
        }
        inner(r)
    });
    let db = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (code, report, err) =
        scan_report(scan(db.path(), "affected").opt("--osv-url", server.url()));
    assert_eq!(code, 0, "{err}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After honoured"
    );
    assert_eq!(server.count("/v1/querybatch"), 3);
    assert_eq!(advisory_ids(&report), expected_ids("affected"));
}

/// A scan against `server` on a store with the fixture records must fail
/// closed: exit 3, a message naming what was not checked, store unchanged.
fn fails_closed(server: &Server, extra: &[&str], says: &str) -> String {
    let db = imported_store();
    let before = db_status(db.path());
    let (code, report, err) = scan_report(
        scan(db.path(), "affected")
            .opt("--osv-url", server.url())
            .args(extra),
    );
    assert_eq!(code, 3, "{err}");
    assert!(report.is_null(), "no verdict is printed");
    assert!(err.contains(says), "{err}");
    assert!(
        err.contains("116 packages (70 npm, 46 PyPI) could not be checked against OSV"),
        "{err}"
    );
    assert_eq!(db_status(db.path()), before, "store intact");
    let (_, offline, _) = scan_report(scan(db.path(), "affected").offline());
    assert_eq!(advisory_ids(&offline), expected_ids("affected"));
    err
}

#[test]
fn server_error_forever_fails_closed_with_exit_3() {
    let server = Server::start(|_| Reply::bytes(500, b"oops".to_vec()));
    let err = fails_closed(
        &server,
        &[],
        "gave up after 4 attempts: the server answered 500",
    );
    assert!(err.contains("--max-staleness"), "{err}");
    assert_eq!(server.count("/v1/querybatch"), 4);
}

#[test]
fn a_garbage_body_fails_closed() {
    let server = Server::start(|_| Reply::bytes(200, b"<html>captive portal</html>".to_vec()));
    fails_closed(&server, &[], "not a valid OSV answer");
}

#[test]
fn a_garbage_record_fails_closed() {
    let inner = data().api(1000);
    let server = Server::start(move |r| {
        if r.path.starts_with("/v1/vulns/") {
            return Reply::bytes(200, b"{\"id\": 5}".to_vec());
        }
        inner(r)
    });
    // A fresh store, so every named record is downloaded.
    let db = tempfile::tempdir().unwrap();
    let (code, report, err) =
        scan_report(scan(db.path(), "affected").opt("--osv-url", server.url()));
    assert_eq!(code, 3, "{err}");
    assert!(report.is_null());
    assert!(
        err.contains("/v1/vulns/") && err.contains("not a valid OSV answer"),
        "{err}"
    );
    let status = db_status(db.path());
    // One line per ecosystem, each with no records.
    let ecosystems = status.lines().filter(|l| l.contains(" records")).count();
    assert!(ecosystems >= 6, "{status}");
    assert_eq!(
        status.matches(" 0 records").count(),
        ecosystems,
        "nothing written: {status}"
    );
}

#[test]
fn a_slow_server_past_the_timeout_fails_closed_within_the_deadline() {
    let server = Server::start(|_| Reply {
        delay: Duration::from_secs(20),
        ..Reply::bytes(200, b"{}".to_vec())
    });
    let started = Instant::now();
    let err = fails_closed(
        &server,
        &["--http-timeout", "1s", "--http-deadline", "3s"],
        "timed out",
    );
    assert!(err.contains("deadline"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

/// Scans `affected` with `--max-staleness 7d` against an API that answers 503.
fn scan_while_osv_is_down(db: &Path) -> (i32, Value, String) {
    let server = Server::start(|_| Reply::bytes(503, Vec::new()));
    scan_report(
        scan(db, "affected")
            .opt("--osv-url", server.url())
            .opt("--max-staleness", "7d"),
    )
}

#[test]
fn max_staleness_allows_a_fresh_store_and_says_so() {
    let db = imported_store();
    let (code, report, err) = scan_while_osv_is_down(db.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("using the local store instead"), "{err}");
    assert_eq!(advisory_ids(&report), expected_ids("affected"));
    let snap = &report["advisories"]["snapshot"];
    assert_eq!(snap["mode"], "stale-store");
    assert!(snap["note"].as_str().unwrap().contains("503"));
    assert!(
        snap["ecosystems"][0]["import_age_seconds"]
            .as_u64()
            .unwrap()
            < 600
    );
}

#[test]
fn max_staleness_refuses_a_store_with_no_imported_data() {
    let db = tempfile::tempdir().unwrap();
    let (code, _, err) = scan_while_osv_is_down(db.path());
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no imported npm data"), "{err}");
}

#[test]
fn plain_http_off_loopback_is_refused() {
    let db = tempfile::tempdir().unwrap();
    let (code, _, err) =
        scan_report(scan(db.path(), "clean").opt("--osv-url", "http://api.osv.dev"));
    assert_eq!(code, 2);
    assert!(err.contains("only for loopback"), "{err}");
}

/// The records of a fixtures/osv folder zipped the way osv.dev publishes
/// `<ECOSYSTEM>/all.zip`.
fn all_zip(folder: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join("osv").join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap();
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn zip_server(pypi: Reply) -> Server {
    let npm = all_zip("npm");
    let ubuntu = all_zip("ubuntu");
    Server::start(move |r| match r.path.as_str() {
        "/npm/all.zip" => Reply::bytes(200, npm.clone()),
        "/Ubuntu/all.zip" => Reply::bytes(200, ubuntu.clone()),
        "/PyPI/all.zip" => pypi.clone(),
        _ => Reply::bytes(404, Vec::new()),
    })
}

fn update(db: &Path, server: &Server, extra: &[&str]) -> (i32, String) {
    let out = Cmd::store_command("update")
        .db(db)
        .opt("--data-url", server.url())
        .args(extra)
        .run();
    (out.status.code().unwrap(), stderr(&out))
}

fn pypi_zip() -> Vec<u8> {
    std::fs::read(fixtures().join("osv/PyPI-all.zip")).unwrap()
}

#[test]
fn db_update_downloads_and_imports_each_ecosystem() {
    let server = zip_server(Reply::bytes(200, pypi_zip()));
    let db = tempfile::tempdir().unwrap();
    let (code, err) = update(db.path(), &server, &[]);
    assert_eq!(code, 0, "{err}");
    let status = db_status(db.path());
    assert!(
        status.contains(&format!("from {}/npm/all.zip", server.url())),
        "{status}"
    );
    assert!(
        status.contains(&format!("from {}/PyPI/all.zip", server.url())),
        "{status}"
    );
    // The downloaded data decides a scan just as imported files do.
    let (_, report, _) = scan_report(scan(db.path(), "basic").offline());
    let (_, direct, _) = scan_report(scan(imported_store().path(), "basic").offline());
    let pypi_and_npm: BTreeSet<_> = advisory_ids(&report);
    assert!(pypi_and_npm.is_subset(&advisory_ids(&direct)));
    assert!(!std::fs::read_dir(db.path()).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with(".download")));
}

#[test]
fn db_update_takes_ubuntu() {
    let server = zip_server(Reply::bytes(404, Vec::new()));
    let db = tempfile::tempdir().unwrap();
    let (code, err) = update(db.path(), &server, &["--ecosystem", "Ubuntu"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("updated Ubuntu") && err.contains("3 records"),
        "{err}"
    );
    let status = db_status(db.path());
    let ubuntu = status
        .lines()
        .find(|l| l.starts_with("Ubuntu"))
        .unwrap_or("");
    assert!(ubuntu.contains('3'), "{status}");
    assert!(
        status.contains(&format!("from {}/Ubuntu/all.zip", server.url())),
        "{status}"
    );
}

/// `db update --ecosystem PyPI` against a bad PyPI archive must leave the
/// store exactly as before and say why.
fn update_refused(pypi: Reply, extra: &[&str], says: &str) {
    let server = zip_server(pypi);
    let db = imported_store();
    let before = db_status(db.path());
    let mut args = vec!["--ecosystem", "PyPI"];
    args.extend_from_slice(extra);
    let (code, err) = update(db.path(), &server, &args);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("PyPI was not updated"), "{err}");
    assert!(err.contains(says), "{err}");
    assert_eq!(db_status(db.path()), before, "store intact");
}

#[test]
fn db_update_refuses_a_truncated_all_zip() {
    let mut cut = pypi_zip();
    cut.truncate(cut.len() / 2);
    update_refused(Reply::bytes(200, cut), &[], "incomplete or damaged");
}

#[test]
fn db_update_refuses_a_body_shorter_than_announced() {
    let full = pypi_zip();
    let mut reply = Reply::bytes(200, full[..full.len() / 2].to_vec());
    reply.declared_len = Some(full.len());
    update_refused(
        reply,
        &["--http-timeout", "2s", "--http-deadline", "10s"],
        "PyPI/all.zip",
    );
}

#[test]
fn db_update_refuses_an_archive_over_the_size_cap() {
    update_refused(
        Reply::bytes(200, pypi_zip()),
        &["--max-size", "1000"],
        "exceeds the limit of 1000 bytes",
    );
}

#[test]
fn offline_never_touches_the_network_even_with_an_api_configured() {
    let server = api(1000);
    let db = imported_store();
    let out = scan(db.path(), "affected")
        .offline()
        .env("SUPPLYGATE_OSV_URL", server.url())
        .run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(advisory_ids(&report), expected_ids("affected"));
    assert!(server.requests().is_empty());
}

/// Regression (issue 13 item 9): the store also holds earlier imports, so an
/// API that names nothing must not be summarised as "0 advisories" while the
/// report lists matches from the store.
#[test]
fn online_summary_counts_the_matches_from_the_store() {
    let server = Server::start(|r| {
        let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let n = body["queries"].as_array().map_or(0, Vec::len);
        Reply::json(&serde_json::json!({ "results": vec![serde_json::json!({}); n] }))
    });
    let db = imported_store();
    let (code, report, err) =
        scan_report(scan(db.path(), "affected").opt("--osv-url", server.url()));
    assert_eq!(code, 0, "{err}");
    let ids = advisory_ids(&report);
    assert!(!ids.is_empty(), "the imported records still match");
    assert!(err.contains("it named 0 advisories"), "{err}");
    assert!(
        err.contains(&format!("{} advisories match", ids.len())),
        "{err}"
    );
}
