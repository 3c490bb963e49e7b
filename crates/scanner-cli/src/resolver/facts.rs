//! Registry facts for a resolved tree: npm publish times and deprecations
//! from full packuments; PyPI yanked files, upload times and project status
//! from the JSON simple API (PEP 691/700/792). Replies are hostile: size
//! capped, parsed leniently, and a fact that cannot be read stays unknown
//! (a note says so).

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;

use advisories_cache::osv_api::hide_credentials;
use advisories_cache::Ecosystem;
use scanner_core::discover::Server;
use scanner_core::parse_timestamp;
use scanner_core::resolve::{InstalledPackage, InstalledTree, IssueKind, TreeIssue};
use scanner_core::version::Version;
use serde_json::Value;

use super::{flag_value, ResolverOptions};

/// Largest registry reply read (full packuments of big packages are tens of MB).
const MAX_REPLY: u64 = 64 << 20;
/// Requests in flight at once.
const WORKERS: usize = 8;

/// Fetches and records what the registries say about every package of
/// `tree`; `packuments` maps npm package names to their packument URLs (on
/// the registry each tarball came from), `None` for a bundled package
/// (shipped inside its parent's tarball, so it has no registry facts of its
/// own). Fails closed: a package whose facts could not be fetched gets a
/// `registry-facts-unknown` issue naming the registry, so a `too-new` check
/// that could not run never passes.
pub fn add(
    tree: &mut InstalledTree,
    packuments: &BTreeMap<String, Option<String>>,
    server: &Server,
    options: &ResolverOptions,
) {
    let client = match client(options) {
        Ok(c) => c,
        Err(reason) => return unknown_for_all(tree, &reason),
    };
    let index = python_index(server);
    let mut issues = Vec::new();
    // One request per distinct URL; the packages each reply is about.
    let mut urls: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in tree.packages.iter().enumerate() {
        if p.source.is_some() {
            continue; // git/URL/local: already a non-registry finding.
        }
        let url = match p.ecosystem {
            Ecosystem::Npm => match packuments.get(&p.name) {
                Some(Some(url)) => url.clone(),
                Some(None) => continue,
                None => {
                    issues.push(issue(
                        i,
                        p,
                        "npm",
                        "the resolved lockfile records no registry tarball for it",
                    ));
                    continue;
                }
            },
            Ecosystem::PyPI => format!(
                "{}/{}/",
                index.trim_end_matches('/'),
                Ecosystem::PyPI.normalize_name(&p.name)
            ),
            // Other ecosystems (images, Go) have no registry facts here.
            _ => continue,
        };
        urls.entry(url).or_default().push(i);
    }
    let mut replies: BTreeMap<String, Result<Value, String>> =
        fetch_all(&client, urls.keys().cloned().collect())
            .into_iter()
            .collect();
    for (url, packages) in &urls {
        let reply = replies
            .remove(url)
            .unwrap_or_else(|| Err("no reply was received".into()));
        for &i in packages {
            let p = &mut tree.packages[i];
            let missing = match &reply {
                Ok(doc) => apply(p, doc).err(),
                Err(e) => Some(e.clone()),
            };
            if let Some(why) = missing {
                issues.push(issue(i, p, &hide_credentials(url), &why));
            }
        }
    }
    tree.add_issues(issues);
}

fn client(options: &ResolverOptions) -> Result<reqwest::blocking::Client, String> {
    with_system_roots(reqwest::blocking::Client::builder())
        .timeout(options.http_timeout)
        .user_agent(concat!("supplygate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("no HTTP client: {}", short(&e.to_string())))
}

/// The releases the index lists for `name` (PEP 700 `versions`, else the
/// versions of its files), without those whose every file is yanked.
pub fn python_versions(
    server: &Server,
    name: &str,
    options: &ResolverOptions,
) -> Result<Vec<String>, String> {
    if options.offline {
        return Err("--offline: the index was not asked".into());
    }
    let url = format!(
        "{}/{}/",
        python_index(server).trim_end_matches('/'),
        Ecosystem::PyPI.normalize_name(name)
    );
    let doc = fetch(&client(options)?, &url)?;
    let mut live: BTreeMap<String, bool> = BTreeMap::new();
    for f in doc
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(version) = f
            .get("filename")
            .and_then(Value::as_str)
            .and_then(file_version)
        else {
            continue;
        };
        let yanked = matches!(
            f.get("yanked"),
            Some(Value::String(_)) | Some(Value::Bool(true))
        );
        *live.entry(version).or_insert(false) |= !yanked;
    }
    let listed: Vec<String> = doc
        .get("versions")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_else(|| live.keys().cloned().collect());
    Ok(listed
        .into_iter()
        .filter(|v| live.get(v).copied().unwrap_or(false))
        .collect())
}

/// Offline, or no client at all: one issue for the whole tree.
pub fn unknown_for_all(tree: &mut InstalledTree, reason: &str) {
    let count = tree.packages.iter().filter(|p| p.source.is_none()).count();
    if count == 0 {
        return;
    }
    let message = format!(
        "registry facts (publish time, deprecation, yanked, project status) were not fetched for {count} package(s): {reason}; too-new, deprecated-package and yanked-version were not checked"
    );
    tree.add_issues(vec![TreeIssue {
        kind: IssueKind::RegistryFactsUnknown,
        package: None,
        message,
    }]);
}

/// A `registry-facts-unknown` issue for package `i`, fetched from `registry`.
fn issue(i: usize, p: &InstalledPackage, registry: &str, why: &str) -> TreeIssue {
    TreeIssue {
        kind: IssueKind::RegistryFactsUnknown,
        package: Some(i),
        message: format!(
            "registry facts for {}@{} could not be read from {registry} ({why}); too-new, deprecated-package and yanked-version were not checked",
            p.name, p.version
        ),
    }
}

/// Trusts the system's CA bundle too (`SSL_CERT_FILE`, else the usual
/// Debian/Red Hat path), as npm and uv do: registries behind a corporate
/// proxy or mirror are often signed by a local CA.
fn with_system_roots(
    builder: reqwest::blocking::ClientBuilder,
) -> reqwest::blocking::ClientBuilder {
    let candidates = [
        std::env::var("SSL_CERT_FILE").ok(),
        Some("/etc/ssl/certs/ca-certificates.crt".into()),
        Some("/etc/pki/tls/certs/ca-bundle.crt".into()),
    ];
    let Some(pem) = candidates
        .into_iter()
        .flatten()
        .find_map(|p| std::fs::read(p).ok().filter(|b| b.len() < 8 << 20))
    else {
        return builder;
    };
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(certs) => certs
            .into_iter()
            .fold(builder, |b, c| b.add_root_certificate(c)),
        Err(_) => builder,
    }
}

/// The index uvx would use: `--index-url`/`--default-index`, else
/// `UV_INDEX_URL`/`UV_DEFAULT_INDEX` (the server's env first), else PyPI.
fn python_index(server: &Server) -> String {
    if let Some(v) = flag_value(&server.args, &["--index-url", "-i", "--default-index"]) {
        return v;
    }
    for key in ["UV_DEFAULT_INDEX", "UV_INDEX_URL"] {
        if let Some(v) = server
            .env
            .get(key)
            .cloned()
            .or_else(|| std::env::var(key).ok())
        {
            return v;
        }
    }
    "https://pypi.org/simple".to_string()
}

/// The packument URL for a registry tarball URL (`<registry>/<name>/-/<file>.tgz`).
pub fn packument_url(tarball: &str, name: &str) -> Option<String> {
    let registry = tarball.strip_suffix(".tgz")?.split("/-/").next()?;
    let registry = registry.strip_suffix(name)?.trim_end_matches('/');
    Some(format!("{registry}/{}", name.replace('/', "%2f")))
}

fn fetch_all(
    client: &reqwest::blocking::Client,
    urls: Vec<String>,
) -> Vec<(String, Result<Value, String>)> {
    let queue = Mutex::new(urls);
    let out = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.pop()).ok().flatten();
                let Some(url) = next else { break };
                let reply = fetch(client, &url);
                if let Ok(mut o) = out.lock() {
                    o.push((url, reply));
                }
            });
        }
    });
    out.into_inner().unwrap_or_default()
}

fn fetch(client: &reqwest::blocking::Client, url: &str) -> Result<Value, String> {
    let accept = if url.ends_with('/') {
        "application/vnd.pypi.simple.v1+json"
    } else {
        "application/json"
    };
    let reply = client
        .get(url)
        .header("Accept", accept)
        .send()
        .map_err(|e| short(&e.to_string()))?;
    if !reply.status().is_success() {
        return Err(format!("HTTP {}", reply.status().as_u16()));
    }
    let mut body = Vec::new();
    reply
        .take(MAX_REPLY + 1)
        .read_to_end(&mut body)
        .map_err(|e| short(&e.to_string()))?;
    if body.len() as u64 > MAX_REPLY {
        return Err(format!("reply larger than {MAX_REPLY} bytes"));
    }
    serde_json::from_slice(&body).map_err(|_| "reply is not JSON".to_string())
}

fn short(text: &str) -> String {
    text.chars().take(120).collect()
}

/// Records what `doc` says about `p`; `Err` says which fact it lacks.
fn apply(p: &mut InstalledPackage, doc: &Value) -> Result<(), String> {
    match p.ecosystem {
        Ecosystem::PyPI => python_facts(p, doc),
        _ => npm_facts(p, doc),
    }
}

/// Publish time and deprecation from a full packument.
fn npm_facts(p: &mut InstalledPackage, doc: &Value) -> Result<(), String> {
    let version = escape(&p.version);
    if p.facts.deprecated.is_none() {
        p.facts.deprecated = doc
            .pointer(&format!("/versions/{version}/deprecated"))
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .map(str::to_string);
    }
    let time = doc.pointer(&format!("/time/{version}"));
    p.facts.published = time.and_then(Value::as_str).and_then(parse_timestamp);
    if doc.pointer(&format!("/versions/{version}")).is_none() {
        return Err("the packument does not list this version".into());
    }
    match (time, p.facts.published) {
        (_, Some(_)) => Ok(()),
        (None, None) => Err("the packument has no publish time for this version".into()),
        (Some(_), None) => {
            Err("the packument's publish time for this version is not a date".into())
        }
    }
}

/// A JSON pointer segment.
fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Yanked files, upload time and project status from a PEP 691 page.
fn python_facts(p: &mut InstalledPackage, doc: &Value) -> Result<(), String> {
    if doc.get("files").and_then(Value::as_array).is_none() {
        return Err("the reply is not a PEP 691 JSON project page".into());
    }
    let status = doc
        .pointer("/project-status/status")
        .and_then(Value::as_str)
        .filter(|s| *s != "active");
    p.facts.project_status = status.map(str::to_string);
    let Ok(want) = Version::parse(Ecosystem::PyPI, &p.version) else {
        return Err("the version is not a valid PEP 440 version".into());
    };
    let files = doc.get("files").and_then(Value::as_array);
    let mut yanked = None;
    let mut all_yanked = true;
    let mut any = false;
    let mut earliest: Option<i64> = None;
    for f in files.into_iter().flatten() {
        let Some(filename) = f.get("filename").and_then(Value::as_str) else {
            continue;
        };
        let matches = file_version(filename)
            .and_then(|v| Version::parse(Ecosystem::PyPI, &v).ok())
            .is_some_and(|v| v == want);
        if !matches {
            continue;
        }
        any = true;
        match f.get("yanked") {
            Some(Value::String(reason)) => yanked = Some(reason.clone()),
            Some(Value::Bool(true)) => yanked = yanked.or(Some(String::new())),
            _ => all_yanked = false,
        }
        if let Some(t) = f
            .get("upload-time")
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
        {
            earliest = Some(earliest.map_or(t, |e: i64| e.min(t)));
        }
    }
    if !any {
        return Err("the index lists no file of this version".into());
    }
    if all_yanked {
        p.facts.yanked = yanked;
    }
    p.facts.published = earliest;
    if earliest.is_none() {
        return Err("the index gives no upload time for this version's files (PEP 700)".into());
    }
    Ok(())
}

/// The version in a wheel or sdist file name.
fn file_version(filename: &str) -> Option<String> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        return stem.split('-').nth(1).map(str::to_string);
    }
    let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz"]
        .iter()
        .find_map(|ext| filename.strip_suffix(ext))?;
    stem.rsplit_once('-').map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packument_urls_from_tarballs() {
        assert_eq!(
            packument_url("http://127.0.0.1:9/@s/n/-/n-1.0.0.tgz", "@s/n").as_deref(),
            Some("http://127.0.0.1:9/@s%2fn")
        );
        assert_eq!(
            packument_url("https://r.example/npm/a/-/a-1.0.0.tgz", "a").as_deref(),
            Some("https://r.example/npm/a")
        );
        assert_eq!(packument_url("git+ssh://x", "a"), None);
    }

    fn package(eco: Ecosystem) -> InstalledPackage {
        InstalledPackage::new(eco, "a".into(), "1.0.0".into(), "a".into())
    }

    #[test]
    fn a_fact_missing_from_a_reply_is_an_error_not_a_pass() {
        let mut p = package(Ecosystem::Npm);
        let full = serde_json::json!({"versions": {"1.0.0": {}}, "time": {"1.0.0": "2026-11-25T18:00:00Z"}});
        assert_eq!(npm_facts(&mut p, &full), Ok(()));
        assert!(p.facts.published.is_some());
        let corgi = serde_json::json!({"versions": {"1.0.0": {}}});
        assert!(npm_facts(&mut p, &corgi)
            .unwrap_err()
            .contains("no publish time"));
        let bad = serde_json::json!({"versions": {"1.0.0": {}}, "time": {"1.0.0": "soon"}});
        assert!(npm_facts(&mut p, &bad).is_err());
        let other = serde_json::json!({"versions": {"2.0.0": {}}, "time": {"1.0.0": "2026-11-25T18:00:00Z"}});
        assert!(npm_facts(&mut p, &other).is_err());
        let mut p = package(Ecosystem::PyPI);
        let page = |file: serde_json::Value| serde_json::json!({"files": [file]});
        let ok = page(
            serde_json::json!({"filename": "a-1.0.0-py3-none-any.whl", "upload-time": "2026-11-25T18:00:00Z"}),
        );
        assert_eq!(python_facts(&mut p, &ok), Ok(()));
        let no_time = page(serde_json::json!({"filename": "a-1.0.0-py3-none-any.whl"}));
        assert!(python_facts(&mut p, &no_time).is_err());
        let other = page(
            serde_json::json!({"filename": "a-2.0.0-py3-none-any.whl", "upload-time": "2026-11-25T18:00:00Z"}),
        );
        assert!(python_facts(&mut p, &other).is_err());
        assert!(python_facts(&mut p, &serde_json::json!({"html": true})).is_err());
    }

    #[test]
    fn versions_from_file_names() {
        assert_eq!(
            file_version("a_b-1.2.0-py3-none-any.whl").as_deref(),
            Some("1.2.0")
        );
        assert_eq!(file_version("a-b-1.2.0.tar.gz").as_deref(), Some("1.2.0"));
        assert_eq!(file_version("x.exe"), None);
    }
}
