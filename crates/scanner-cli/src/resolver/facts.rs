//! Registry facts for a resolved tree: npm publish times and deprecations
//! from full packuments; PyPI yanked files, upload times and project status
//! from the JSON simple API (PEP 691/700/792). Replies are hostile: size
//! capped, parsed leniently, and a fact that cannot be read stays unknown
//! (a note says so).

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;

use advisories_cache::Ecosystem;
use scanner_core::discover::Server;
use scanner_core::facts::parse_timestamp;
use scanner_core::resolve::InstalledTree;
use scanner_core::version::Version;
use serde_json::Value;

use super::{flag_value, ResolverOptions};

/// Largest registry reply read (full packuments of big packages are tens of MB).
const MAX_REPLY: u64 = 64 << 20;
/// Requests in flight at once.
const WORKERS: usize = 8;

/// Fetches and records what the registries say about every package of
/// `tree`; `packuments` maps npm package names to their packument URLs (on
/// the registry each tarball came from).
pub fn add(
    tree: &mut InstalledTree,
    packuments: &BTreeMap<String, String>,
    server: &Server,
    options: &ResolverOptions,
) {
    let client = match with_system_roots(reqwest::blocking::Client::builder())
        .timeout(options.http_timeout)
        .user_agent(concat!("supplygate/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tree.notes.push(format!("registry facts not fetched: {e}"));
            return;
        }
    };
    let index = python_index(server);
    // One request per distinct package name.
    let mut urls: BTreeMap<String, (Ecosystem, String)> = BTreeMap::new();
    for p in &tree.packages {
        // Other ecosystems (images, Go) have no registry facts here.
        let url = if p.ecosystem == Ecosystem::Npm {
            packuments.get(&p.name).cloned()
        } else if p.ecosystem == Ecosystem::PyPI {
            Some(format!(
                "{}/{}/",
                index.trim_end_matches('/'),
                Ecosystem::PyPI.normalize_name(&p.name)
            ))
        } else {
            None
        };
        if let Some(url) = url {
            urls.insert(url, (p.ecosystem, p.name.clone()));
        }
    }
    let replies = fetch_all(&client, urls.keys().cloned().collect());
    let mut failures = Vec::new();
    for (url, reply) in replies {
        let (eco, name) = &urls[&url];
        match reply {
            Ok(doc) => apply(tree, *eco, name, &doc),
            Err(e) => failures.push(format!("{name} ({e})")),
        }
    }
    if !failures.is_empty() {
        let shown: Vec<&str> = failures.iter().take(3).map(String::as_str).collect();
        tree.notes.push(format!(
            "registry facts (publish time, deprecation, yanked) unknown for {} package(s): {}",
            failures.len(),
            shown.join(", ")
        ));
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

fn apply(tree: &mut InstalledTree, eco: Ecosystem, name: &str, doc: &Value) {
    for p in tree
        .packages
        .iter_mut()
        .filter(|p| p.name == name && p.ecosystem == eco)
    {
        if eco == Ecosystem::PyPI {
            python_facts(p, doc);
        } else if eco == Ecosystem::Npm {
            {
                let time = doc.pointer(&format!("/time/{}", escape(&p.version)));
                p.facts.published = time.and_then(Value::as_str).and_then(parse_timestamp);
                let deprecated = doc
                    .pointer(&format!("/versions/{}/deprecated", escape(&p.version)))
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty());
                if p.facts.deprecated.is_none() {
                    p.facts.deprecated = deprecated.map(str::to_string);
                }
            }
        }
    }
}

/// A JSON pointer segment.
fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn python_facts(p: &mut scanner_core::resolve::InstalledPackage, doc: &Value) {
    let status = doc
        .pointer("/project-status/status")
        .and_then(Value::as_str)
        .filter(|s| *s != "active");
    p.facts.project_status = status.map(str::to_string);
    let Ok(want) = Version::parse(Ecosystem::PyPI, &p.version) else {
        return;
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
    if any && all_yanked {
        p.facts.yanked = yanked;
    }
    p.facts.published = earliest;
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
