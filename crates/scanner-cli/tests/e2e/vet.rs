//! `vet` against a loopback npm registry and a loopback PyPI index served by
//! the test (packuments and tarballs built here; PEP 691 JSON pages with
//! PEP 658 metadata), with advisories from a loopback OSV API. Needs `npm`
//! and `uv` on PATH (`.ci/run` installs uv); no other network.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::osv_server::{OsvData, Reply, Request, Server};
use crate::support::{fixtures, imported_store, require_tool, stderr, Cmd};

/// RFC 3339 for Unix seconds (civil-from-days, H. Hinnant).
fn iso(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// One npm version: (name, version, dependencies, extra manifest keys, published secs ago).
struct NpmVersion {
    name: &'static str,
    version: &'static str,
    deps: Value,
    extra: Value,
    age: i64,
}

/// A tarball holding `package/package.json` (with any scripts).
fn tarball(manifest: &Value) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    {
        let mut tar = tar::Builder::new(&mut gz);
        let body = serde_json::to_vec_pretty(manifest).unwrap();
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "package/package.json", &body[..])
            .unwrap();
        tar.finish().unwrap();
    }
    gz.finish().unwrap()
}

struct Registry {
    packuments: std::collections::HashMap<String, Value>,
    tarballs: std::collections::HashMap<String, Vec<u8>>,
    simple: std::collections::HashMap<String, Value>,
    metadata: std::collections::HashMap<String, String>,
}

fn npm_versions(marker: &Path) -> Vec<NpmVersion> {
    let script = format!(
        "node -e \"require('fs').writeFileSync('{}','ran')\"",
        marker.display()
    );
    vec![
        NpmVersion {
            name: "srv-ok",
            version: "1.0.0",
            deps: json!({"old-dep": "^1.0.0", "script-dep": "1.0.0"}),
            extra: json!({}),
            age: 30 * 86_400,
        },
        NpmVersion {
            name: "old-dep",
            version: "1.0.0",
            deps: json!({}),
            extra: json!({"deprecated": "old-dep is no longer maintained"}),
            age: 400 * 86_400,
        },
        NpmVersion {
            name: "script-dep",
            version: "1.0.0",
            deps: json!({}),
            extra: json!({"scripts": {"postinstall": script}, "hasInstallScript": true}),
            age: 30 * 86_400,
        },
        NpmVersion {
            name: "srv-new",
            version: "2.0.0",
            deps: json!({}),
            extra: json!({}),
            age: 3600,
        },
        NpmVersion {
            name: "srv-deprecated",
            version: "1.0.0",
            deps: json!({}),
            extra: json!({"deprecated": "do not use: moved to srv-ok"}),
            age: 30 * 86_400,
        },
        // npm resolves it; supplygate's request for its facts (publish
        // time) gets HTTP 500.
        NpmVersion {
            name: "srv-flaky",
            version: "1.0.0",
            deps: json!({}),
            extra: json!({}),
            age: 3600,
        },
        // Published an hour ago, on a registry that serves no `time`.
        NpmVersion {
            name: "srv-notime",
            version: "1.0.0",
            deps: json!({}),
            extra: json!({}),
            age: 3600,
        },
        // A blocked server whose newest release is blocked too, an older
        // newer one is clean, and a pre-release is never suggested.
        NpmVersion {
            name: "srv-fix",
            version: "1.0.0",
            deps: json!({}),
            extra: json!({"deprecated": "1.0.0 leaks tokens: upgrade"}),
            age: 90 * 86_400,
        },
        NpmVersion {
            name: "srv-fix",
            version: "1.1.0",
            deps: json!({}),
            extra: json!({}),
            age: 60 * 86_400,
        },
        NpmVersion {
            name: "srv-fix",
            version: "2.0.0",
            deps: json!({}),
            extra: json!({"deprecated": "2.0.0 was published by mistake"}),
            age: 30 * 86_400,
        },
        NpmVersion {
            name: "srv-fix",
            version: "2.1.0-beta.1",
            deps: json!({}),
            extra: json!({}),
            age: 20 * 86_400,
        },
        NpmVersion {
            name: "srv-git",
            version: "1.0.0",
            deps: json!({"gitdep": "git+https://127.0.0.1:9/nowhere/gitdep.git"}),
            extra: json!({}),
            age: 30 * 86_400,
        },
    ]
}

/// Python projects: (name, version, requires, yanked, status, wheel?).
fn python_projects() -> Vec<(&'static str, &'static str, Value, bool)> {
    vec![
        ("srv-yanked", "1.0.0", json!(true), true),
        ("srv-archived", "1.0.0", json!(false), true),
        ("srv-sdist", "1.0.0", json!(false), false),
        ("srv-clean", "1.0.0", json!(false), true),
        // An index without PEP 700 upload times.
        ("srv-no-upload-time", "1.0.0", json!(false), true),
        // Installable on Python 3.12 and later only.
        ("srv-py312", "1.0.0", json!(false), true),
        // Yanked, then a clean release, then a yanked one (never suggested).
        ("srv-pyfix", "1.0.0", json!(true), true),
        ("srv-pyfix", "1.1.0", json!(false), true),
        ("srv-pyfix", "1.2.0", json!(true), true),
    ]
}

fn registry(base: &str, marker: &Path) -> Registry {
    let mut r = Registry {
        packuments: Default::default(),
        tarballs: Default::default(),
        simple: Default::default(),
        metadata: Default::default(),
    };
    for v in npm_versions(marker) {
        let mut manifest = json!({"name": v.name, "version": v.version, "dependencies": v.deps});
        for (k, val) in v.extra.as_object().unwrap() {
            if k != "hasInstallScript" && k != "deprecated" {
                manifest[k] = val.clone();
            }
        }
        let tgz = tarball(&manifest);
        let file = format!("{}-{}.tgz", v.name, v.version);
        let mut doc = manifest.clone();
        for (k, val) in v.extra.as_object().unwrap() {
            doc[k] = val.clone();
        }
        doc["dist"] = json!({"tarball": format!("{base}/npm/{}/-/{file}", v.name)});
        let published = iso(now() - v.age);
        // Versions of one name are listed oldest first: the last final one is `latest`.
        let packument = r.packuments.entry(v.name.to_string()).or_insert_with(
            || json!({"name": v.name, "dist-tags": {}, "versions": {}, "time": {"created": published}}),
        );
        packument["versions"][v.version] = doc;
        packument["time"][v.version] = json!(published);
        packument["time"]["modified"] = json!(published);
        if !v.version.contains('-') {
            packument["dist-tags"]["latest"] = json!(v.version);
        }
        if v.name == "srv-notime" {
            packument.as_object_mut().unwrap().remove("time");
        }
        r.tarballs.insert(format!("/npm/{}/-/{file}", v.name), tgz);
    }
    for (name, version, yanked, wheel) in python_projects() {
        let stem = name.replace('-', "_");
        let filename = if wheel {
            format!("{stem}-{version}-py3-none-any.whl")
        } else {
            format!("{stem}-{version}.tar.gz")
        };
        let requires_python = (name == "srv-py312").then_some(">=3.12");
        let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        if let Some(r) = requires_python {
            metadata.push_str(&format!("Requires-Python: {r}\n"));
        }
        let meta_sha = hex::encode(Sha256::digest(metadata.as_bytes()));
        r.metadata
            .insert(format!("/files/{filename}.metadata"), metadata);
        let status = if name == "srv-archived" {
            "archived"
        } else {
            "active"
        };
        let mut file = json!({
            "filename": filename,
            "url": format!("{base}/files/{filename}"),
            "hashes": {"sha256": hex::encode(Sha256::digest(filename.as_bytes()))},
            "upload-time": iso(now() - 30 * 86_400),
            "yanked": if yanked == json!(true) { json!("broken release") } else { json!(false) },
        });
        if wheel {
            file["core-metadata"] = json!({"sha256": meta_sha});
        }
        if let Some(r) = requires_python {
            file["requires-python"] = json!(r);
        }
        if name == "srv-no-upload-time" {
            file.as_object_mut().unwrap().remove("upload-time");
        }
        // Releases of one project are listed oldest first, on one page.
        let page = r.simple.entry(name.to_string()).or_insert_with(|| {
            json!({
                "meta": {"api-version": "1.4"},
                "name": name,
                "project-status": {"status": status},
                "versions": [],
                "files": [],
            })
        });
        page["versions"]
            .as_array_mut()
            .unwrap()
            .push(json!(version));
        page["files"].as_array_mut().unwrap().push(file);
    }
    r
}

fn serve(r: Arc<Registry>, osv: Arc<OsvData>) -> impl Fn(&Request) -> Reply + Send + Sync {
    let api = osv.api(1000);
    move |req: &Request| {
        let path = req.path.as_str();
        if let Some(t) = r.tarballs.get(path) {
            return Reply::bytes(200, t.clone());
        }
        if let Some(name) = path.strip_prefix("/npm/") {
            if name == "srv-flaky" && req.user_agent.starts_with("supplygate") {
                return Reply::bytes(500, b"internal error".to_vec());
            }
            return match r.packuments.get(name) {
                Some(doc) => Reply::json(doc),
                None => Reply::bytes(404, b"{\"error\":\"Not found\"}".to_vec()),
            };
        }
        if let Some(name) = path.strip_prefix("/simple/") {
            let name = name.trim_end_matches('/');
            return match r.simple.get(name) {
                Some(doc) => {
                    let mut reply = Reply::json(doc);
                    reply.headers.push((
                        "Content-Type".into(),
                        "application/vnd.pypi.simple.v1+json".into(),
                    ));
                    reply
                }
                None => Reply::bytes(404, Vec::new()),
            };
        }
        if let Some(m) = r.metadata.get(path) {
            return Reply::bytes(200, m.clone().into_bytes());
        }
        api(req)
    }
}

struct Loopback {
    server: Server,
    marker: PathBuf,
    _tmp: tempfile::TempDir,
    home: PathBuf,
    db: PathBuf,
}

fn loopback() -> Loopback {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("postinstall-ran");
    let osv = Arc::new(OsvData::load(&fixtures().join("osv")));
    // The server's URL is known only once it listens: start it with a
    // registry filled in afterwards.
    let cell: Arc<std::sync::OnceLock<Arc<Registry>>> = Arc::new(std::sync::OnceLock::new());
    let c2 = cell.clone();
    let api = osv.clone();
    let server = Server::start(move |req| match c2.get() {
        Some(r) => serve(r.clone(), api.clone())(req),
        None => Reply::bytes(503, Vec::new()),
    });
    cell.set(Arc::new(registry(&server.url(), &marker))).ok();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let db = tmp.path().join("db");
    Loopback {
        server,
        marker,
        home,
        db,
        _tmp: tmp,
    }
}

fn vet(lb: &Loopback, servers: &[String], extra: &[&str]) -> (i32, Value) {
    let url = lb.server.url();
    let out = Cmd::new(["vet"])
        .db(&lb.db)
        .home(&lb.home)
        .opt("--osv-url", &url)
        .format("json")
        .args(extra)
        .args(servers)
        .env("HOME", &lb.home)
        .env("npm_config_registry", format!("{url}/npm"))
        .run();
    let code = out.status.code().unwrap_or(-1);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("exit {code}, not JSON ({e}); stderr:\n{}", stderr(&out)));
    (code, report)
}

/// `scan --format json` of `project` (online against the loopback OSV),
/// with the loopback home as `HOME`.
fn project_scan(lb: &Loopback, project: &Path) -> Cmd {
    Cmd::scan()
        .db(&lb.db)
        .home(&lb.home)
        .project(project)
        .opt("--osv-url", lb.server.url())
        .format("json")
        .env("HOME", &lb.home)
}

fn findings<'a>(report: &'a Value, server: &str) -> Vec<(&'a str, &'a str)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["server"] == server)
        .map(|f| (f["code"].as_str().unwrap(), f["decision"].as_str().unwrap()))
        .collect()
}

fn npx(lb: &Loopback, spec: &str) -> String {
    format!("npx -y --registry {}/npm {spec}", lb.server.url())
}

#[test]
fn vet_npm_resolves_without_running_scripts_and_reports_registry_facts() {
    require_tool("npm", "CI has node 20 + npm");
    let lb = loopback();
    let (code, report) = vet(
        &lb,
        &[npx(&lb, "srv-ok@1.0.0"), npx(&lb, "srv-new@2.0.0")],
        &[],
    );
    assert_eq!(code, 0, "{report:#}");
    let ok = report["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "srv-ok")
        .unwrap();
    assert_eq!(ok["tree"]["kind"], "resolved");
    let names: Vec<&str> = ok["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let f = findings(&report, "srv-ok");
    assert!(
        f.contains(&("deprecated-package", "warn")),
        "transitive deprecated warns: {f:?}"
    );
    assert!(f.contains(&("install-script", "warn")), "{f:?}");
    assert!(findings(&report, "srv-new").contains(&("too-new", "warn")));
    assert!(ok["pinned"].as_str().unwrap().contains("srv-ok@1.0.0"));
    assert!(!lb.marker.exists(), "a postinstall script ran");
    // Only packuments were fetched: no tarball (nothing unpacked, nothing run).
    assert_eq!(
        lb.server
            .requests()
            .iter()
            .filter(|r| r.path.ends_with(".tgz"))
            .count(),
        0
    );
}

#[test]
fn vet_blocks_a_deprecated_server_package_and_refuses_git_dependencies() {
    let lb = loopback();
    let (code, report) = vet(&lb, &[npx(&lb, "srv-deprecated@1.0.0")], &[]);
    assert_eq!(code, 1, "{report:#}");
    assert!(findings(&report, "srv-deprecated").contains(&("deprecated-package", "block")));
    let (code, report) = vet(&lb, &[npx(&lb, "srv-git@1.0.0")], &[]);
    assert_eq!(code, 3, "{report:#}");
    let f = findings(&report, "srv-git");
    assert!(f.iter().any(|(c, _)| *c == "resolution-failed"), "{f:?}");
    assert!(f.iter().any(|(c, _)| *c == "non-registry-source"), "{f:?}");
}

#[test]
fn vet_suggests_the_newest_newer_release_without_blocking_findings() {
    let lb = loopback();
    let (code, report) = vet(
        &lb,
        &[npx(&lb, "srv-fix@1.0.0"), npx(&lb, "srv-ok@1.0.0")],
        &[],
    );
    assert_eq!(code, 1, "{report:#}");
    let servers = report["servers"].as_array().unwrap();
    let fix = &servers.iter().find(|s| s["name"] == "srv-fix").unwrap()["remediation"];
    let tried: Vec<(&str, &str)> = fix["tried"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["version"].as_str().unwrap(),
                t["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    // Newest first; the pre-release is skipped; 2.0.0 is deprecated (blocks).
    assert_eq!(
        tried,
        [("2.0.0", "blocked"), ("1.1.0", "passed")],
        "{fix:#}"
    );
    assert_eq!(fix["tried"][0]["blocking"], json!(["deprecated-package"]));
    assert_eq!(fix["version"], "1.1.0");
    let pinned = fix["pinned"].as_str().unwrap();
    assert!(
        pinned.contains("\"srv-fix@1.1.0\"") && pinned.contains("\"-y\""),
        "{pinned}"
    );
    // srv-ok warns (a deprecated dependency, an install script): no newer release exists.
    let ok = &servers.iter().find(|s| s["name"] == "srv-ok").unwrap()["remediation"];
    assert!(ok["version"].is_null(), "{ok:#}");
    assert!(ok["note"]
        .as_str()
        .unwrap()
        .contains("no final release newer than 1.0.0"));

    // Bounded: one try finds nothing, and says so.
    let (code, report) = vet(&lb, &[npx(&lb, "srv-fix@1.0.0")], &["--remedy-tries", "1"]);
    assert_eq!(code, 1);
    let fix = &report["servers"][0]["remediation"];
    assert_eq!(fix["tried"].as_array().unwrap().len(), 1, "{fix:#}");
    assert!(fix["version"].is_null());
    // The table prints the remedy's pinned entry.
    let out = Cmd::new(["vet"])
        .db(&lb.db)
        .home(&lb.home)
        .opt("--osv-url", lb.server.url())
        .arg(npx(&lb, "srv-fix@1.0.0"))
        .env("HOME", &lb.home)
        .run();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("remedy for `srv-fix`: 1.1.0"), "{table}");
    assert!(table.contains("srv-fix@1.1.0"), "{table}");
}

#[test]
fn vet_suggests_a_newer_python_release_skipping_yanked_ones() {
    require_tool("uv", "`pip install uv`; .ci/run installs it");
    let lb = loopback();
    let spec = format!("uvx --index-url {}/simple srv-pyfix@1.0.0", lb.server.url());
    let (code, report) = vet(&lb, &[spec], &[]);
    assert_eq!(code, 1, "{report:#}");
    assert!(findings(&report, "srv-pyfix").contains(&("yanked-version", "block")));
    let fix = &report["servers"][0]["remediation"];
    // 1.2.0 is yanked: not a candidate; 1.1.0 is resolved, checked and clean.
    assert_eq!(fix["tried"].as_array().unwrap().len(), 1, "{fix:#}");
    assert_eq!(fix["version"], "1.1.0", "{fix:#}");
    assert!(fix["pinned"]
        .as_str()
        .unwrap()
        .contains("\"srv-pyfix@1.1.0\""));
}

#[test]
fn vet_is_incomplete_when_registry_facts_cannot_be_fetched() {
    let lb = loopback();
    // Both versions are an hour old: a too-new check that could not run
    // must not let them pass.
    let (code, report) = vet(
        &lb,
        &[npx(&lb, "srv-flaky@1.0.0"), npx(&lb, "srv-notime@1.0.0")],
        &[],
    );
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(report["summary"]["outcome"], "incomplete");
    let registry = format!("{}/npm/", lb.server.url());
    for (server, why) in [("srv-flaky", "HTTP 500"), ("srv-notime", "no publish time")] {
        let gap = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["server"] == server && f["code"] == "registry-facts-unknown")
            .unwrap_or_else(|| panic!("no registry-facts-unknown for {server}: {report:#}"));
        let message = gap["message"].as_str().unwrap();
        assert!(message.contains(&format!("{server}@1.0.0")), "{message}");
        assert!(message.contains(&registry), "names the registry: {message}");
        assert!(message.contains(why), "{message}");
        assert_eq!(gap["package"]["name"], server);
        let incomplete = report["summary"]["incomplete"].to_string();
        assert!(incomplete.contains(server), "{incomplete}");
    }
    // npm resolved it; supplygate's own request got the 500.
    assert_eq!(report["servers"][0]["tree"]["kind"], "resolved");
}

#[test]
fn vet_is_incomplete_when_the_index_gives_no_upload_time() {
    require_tool("uv", "`pip install uv`; .ci/run installs it");
    let lb = loopback();
    let index = format!("{}/simple", lb.server.url());
    let spec = format!("uvx --index-url {index} srv-no-upload-time@1.0.0");
    let (code, report) = vet(&lb, &[spec], &[]);
    assert_eq!(code, 3, "{report:#}");
    let f = findings(&report, "srv-no-upload-time");
    assert!(
        f.iter().any(|(c, _)| *c == "registry-facts-unknown"),
        "{f:?}"
    );
    assert!(report["summary"]["incomplete"]
        .to_string()
        .contains("upload time"));
}

#[test]
fn vet_resolves_python_servers_for_the_interpreter_the_launcher_uses() {
    require_tool("uv", "`pip install uv`; .ci/run installs it");
    let lb = loopback();
    let index = format!("{}/simple", lb.server.url());
    let uvx = |python: &str| format!("uvx --index-url {index} {python} srv-py312@1.0.0");
    // The launch command's --python decides what resolves.
    let (code, report) = vet(&lb, &[uvx("--python 3.11")], &[]);
    assert_eq!(code, 3, "{report:#}");
    let f = findings(&report, "srv-py312");
    assert!(f.iter().any(|(c, _)| *c == "resolution-failed"), "{f:?}");
    let (code, report) = vet(&lb, &[uvx("--python 3.12")], &[]);
    assert_eq!(code, 0, "{report:#}");
    let notes = report["servers"][0]["tree"]["notes"].to_string();
    assert!(
        notes.contains("Python 3.12 (from the launch command's --python)"),
        "{notes}"
    );
    // Without one in the command, supplygate's --python says which.
    let (code, report) = vet(&lb, &[uvx("")], &["--python", "3.13"]);
    assert_eq!(code, 0, "{report:#}");
    let notes = report["servers"][0]["tree"]["notes"].to_string();
    assert!(notes.contains("Python 3.13 (from --python)"), "{notes}");
    let (code, _) = vet(&lb, &[uvx("")], &["--python", "3.10"]);
    assert_eq!(code, 3);
}

/// The names and sizes of every file under `dir`.
fn listing(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), meta.len()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn vet_offline_resolves_from_the_users_npm_cache_only() {
    require_tool("npm", "CI has node 20 + npm");
    let lb = loopback();
    let store = imported_store();
    let offline = |home: &Path| {
        Cmd::vet([npx(&lb, "srv-ok@1.0.0")])
            .db(store.path())
            .home(home)
            .offline()
            .format("json")
            .env("HOME", home)
            .json()
    };
    // No cache: a clear resolution failure, nothing asked of the registry.
    let (code, report) = offline(&lb.home);
    assert_eq!(code, 3, "{report:#}");
    let failed = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "resolution-failed")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(
        failed["message"].as_str().unwrap().contains("offline"),
        "{failed:#}"
    );
    assert_eq!(
        lb.server.requests().len(),
        0,
        "--offline asked the registry"
    );
    // The user's cache, filled the way npx fills it (same registry).
    let cache = lb.home.join(".npm");
    let fill = std::process::Command::new("npm")
        .args([
            "cache",
            "add",
            "srv-ok@1.0.0",
            "old-dep@1.0.0",
            "script-dep@1.0.0",
        ])
        .arg(format!("--cache={}", cache.display()))
        .arg(format!("--registry={}/npm", lb.server.url()))
        .current_dir(&lb.home)
        .output()
        .unwrap();
    assert!(
        fill.status.success(),
        "{}",
        String::from_utf8_lossy(&fill.stderr)
    );
    let before = (lb.server.requests().len(), listing(&cache));
    let (code, report) = offline(&lb.home);
    // Registry facts are never fetched offline: incomplete, and it says why.
    assert_eq!(code, 3, "{report:#}");
    let server = &report["servers"][0];
    assert_eq!(server["tree"]["kind"], "resolved", "{report:#}");
    assert_eq!(server["packages"].as_array().unwrap().len(), 3);
    let codes: Vec<&str> = findings(&report, "srv-ok")
        .iter()
        .map(|(c, _)| *c)
        .collect();
    assert!(codes.contains(&"registry-facts-unknown"), "{codes:?}");
    assert!(!codes.contains(&"resolution-failed"), "{codes:?}");
    assert!(codes.contains(&"install-script"), "{codes:?}");
    assert!(report["summary"]["incomplete"]
        .to_string()
        .contains("--offline"));
    // Nothing was asked of the registry, nothing written to the user's cache.
    assert_eq!((lb.server.requests().len(), listing(&cache)), before);
    assert!(!lb.marker.exists());
}

#[test]
fn vet_matches_the_declared_package_when_it_is_gone_from_the_registry() {
    let lb = loopback();
    let (code, report) = vet(&lb, &[npx(&lb, "postmark-mcp@1.0.16")], &[]);
    assert_eq!(code, 1, "{report:#}");
    let f = findings(&report, "postmark-mcp");
    assert!(f.contains(&("malicious-package", "block")), "{f:?}");
    assert_eq!(report["servers"][0]["tree"]["kind"], "declared");
}

#[test]
fn vet_python_yanked_archived_and_sdist_only() {
    require_tool("uv", "`pip install uv`; .ci/run installs it");
    let lb = loopback();
    let index = format!("{}/simple", lb.server.url());
    let uvx = |spec: &str| format!("uvx --index-url {index} {spec}");
    let (code, report) = vet(
        &lb,
        &[uvx("srv-yanked@1.0.0"), uvx("srv-archived@1.0.0")],
        &[],
    );
    assert_eq!(code, 1, "{report:#}");
    assert!(
        findings(&report, "srv-yanked").contains(&("yanked-version", "block")),
        "{report:#}"
    );
    assert!(findings(&report, "srv-archived").contains(&("deprecated-package", "block")));
    let (code, report) = vet(&lb, &[uvx("srv-sdist@1.0.0")], &[]);
    assert_eq!(code, 3, "{report:#}");
    assert!(findings(&report, "srv-sdist")
        .iter()
        .any(|(c, _)| *c == "needs-build"));
    // Nothing was built: the sdist was never even downloaded.
    assert_eq!(lb.server.count("/files/srv_sdist-1.0.0.tar.gz"), 0);
}

#[test]
fn vet_refuses_what_is_not_a_launch_command() {
    let lb = loopback();
    let out = Cmd::vet(["ls -la"]).db(&lb.db).run();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a launch command"),
        "{}",
        stderr(&out)
    );
    let out = Cmd::new(["vet"]).db(&lb.db).run();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn scan_resolve_missing_gates_a_fresh_runner() {
    let lb = loopback();
    let url = lb.server.url();
    let project = lb.home.parent().unwrap().join("repo");
    std::fs::create_dir_all(&project).unwrap();
    let mcp = json!({"mcpServers": {
        "ok": {"command": "npx", "args": ["-y", "--registry", format!("{url}/npm"), "srv-ok@1.0.0"]},
        "py": {"command": "uvx", "args": ["--index-url", format!("{url}/simple"), "srv-clean@1.0.0"]},
    }});
    std::fs::write(project.join(".mcp.json"), mcp.to_string()).unwrap();
    let scan = || project_scan(&lb, &project);
    let without = scan().run();
    assert_eq!(
        without.status.code(),
        Some(3),
        "nothing installed: incomplete"
    );
    let out = scan().arg("--resolve-missing").run();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}\n{}", stderr(&out));
    for s in report["servers"].as_array().unwrap() {
        assert_eq!(s["tree"]["kind"], "resolved", "{s:#}");
    }
    assert!(!lb.marker.exists());
}

#[test]
fn scan_resolve_missing_covers_bunx_pnpm_yarn_and_uv_run() {
    require_tool("npm", "CI has node 20 + npm");
    require_tool("uv", "`pip install uv`; .ci/run installs it");
    let lb = loopback();
    let url = lb.server.url();
    let project = lb.home.parent().unwrap().join("launchers");
    std::fs::create_dir_all(&project).unwrap();
    let script = project.join("server.py");
    std::fs::write(
        &script,
        "# /// script\n# dependencies = [\"srv-clean==1.0.0\"]\n# ///\nimport srv_clean\n",
    )
    .unwrap();
    let npm_env = json!({ "npm_config_registry": format!("{url}/npm") });
    let uv_env = json!({ "UV_INDEX_URL": format!("{url}/simple") });
    let mcp = json!({"mcpServers": {
        "bunx": {"command": "bunx", "args": ["srv-ok@1.0.0"], "env": npm_env},
        "pnpm": {"command": "pnpm", "args": ["dlx", "srv-ok@1.0.0"], "env": npm_env},
        "yarn": {"command": "yarn", "args": ["dlx", "-p", "srv-ok@1.0.0", "srv-ok"], "env": npm_env},
        "with": {"command": "uv", "args": ["run", "--no-project", "--with", "srv-clean==1.0.0", "srv-clean"], "env": uv_env},
        "script": {"command": "uv", "args": ["run", script.display().to_string()], "env": uv_env},
    }});
    std::fs::write(project.join(".mcp.json"), mcp.to_string()).unwrap();
    let out = project_scan(&lb, &project).arg("--resolve-missing").run();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}\n{}", stderr(&out));
    let servers = report["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 5);
    for s in servers {
        assert_eq!(s["tree"]["kind"], "resolved", "{s:#}");
        let notes = s["tree"]["notes"].to_string();
        match s["name"].as_str().unwrap() {
            "bunx" | "pnpm" | "yarn" => assert!(notes.contains("npm's resolution"), "{notes}"),
            _ => assert!(notes.contains("srv-clean==1.0.0"), "{notes}"),
        }
    }
    assert!(!lb.marker.exists());
}
