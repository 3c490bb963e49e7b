//! CycloneDX 1.6 JSON: an SBOM of what was resolved. Each server is an
//! `application` component, each installed package (one per install path
//! and tree) a `library` with its purl; `dependencies` follow the resolved
//! graph; `vulnerabilities` carry one entry per advisory finding.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;

use advisories_cache::Ecosystem;
use scanner_core::discover::secrets::redact_text;
use scanner_core::policy::{Classification, Date, ExceptionNote};
use scanner_core::report::{PackageEntry, ServerReport};
use scanner_core::{Finding, Outcome, PackageRef, Report, Severity};
use serde_json::{json, Value};

use super::common::{digest, osv_url, percent_encode};

/// Writes `report` as a CycloneDX 1.6 JSON BOM stamped with the current time.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let timestamp = report.generated_at.clone().unwrap_or_else(now);
    serde_json::to_writer_pretty(&mut *out, &bom(report, &timestamp))?;
    writeln!(out)
}

/// The BOM of `report`. Everything but `timestamp` is derived from the
/// report, so the serial number is the same for the same scan result.
pub fn bom(report: &Report, timestamp: &str) -> Value {
    let refs = Refs::build(&report.servers);
    let vulnerabilities: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| f.advisory.is_some())
        .map(|f| vulnerability(f, &refs, &report.servers))
        .collect();
    let body = json!([refs.components, refs.dependencies, vulnerabilities]);
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial(&body.to_string()),
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [{
                "type": "application",
                "name": "supplygate",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
            "properties": [prop("supplygate:outcome", outcome(report))],
        },
        "components": refs.components,
        "dependencies": refs.dependencies,
        "vulnerabilities": vulnerabilities,
    })
}

/// The purl of a listed package: a dpkg package whose advisories are
/// filed under another (source) package carries `upstream=<source>`, or
/// `upstream=<source>@<version>` when the source version differs, as syft
/// and Trivy write it, so a consumer can match the same advisories.
fn entry_purl(p: &PackageEntry) -> String {
    let upstream = match (p.package.ecosystem, &p.source_package) {
        (Ecosystem::Debian(_) | Ecosystem::Ubuntu(_), Some(source)) => {
            Some(match &source.version {
                Some(v) => format!("{}@{v}", source.name),
                None => source.name.clone(),
            })
        }
        _ => None,
    };
    purl_with(&p.package, upstream.as_deref())
}

/// The package URL of a package: `pkg:npm/%40scope/name@1.2.3`,
/// `pkg:pypi/pep-503-name@1.2.3`, `pkg:deb/debian/openssl@3.0.11-1?distro=debian-12`,
/// `pkg:deb/ubuntu/libpam0g@1.4.0-11ubuntu2?distro=ubuntu-22.04`,
/// `pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.19`, `pkg:golang/golang.org/x/net@v0.1.0`,
/// with an `upstream` qualifier when given.
fn purl_with(p: &PackageRef, upstream: Option<&str>) -> String {
    // Qualifiers in key order, as the purl spec's canonical form wants.
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    let (kind, name) = match p.ecosystem {
        Ecosystem::Npm => ("npm", p.name.clone()),
        Ecosystem::PyPI => ("pypi", Ecosystem::PyPI.normalize_name(&p.name)),
        Ecosystem::Debian(release) => {
            if let Some(m) = release {
                qualifiers.push(("distro", format!("debian-{m}")));
            }
            ("deb", format!("debian/{}", p.name))
        }
        Ecosystem::Ubuntu(release) => {
            if let Some(r) = release {
                qualifiers.push(("distro", format!("ubuntu-{:02}.{:02}", r.year, r.month)));
            }
            ("deb", format!("ubuntu/{}", p.name))
        }
        Ecosystem::Alpine(release) => {
            if let Some((a, b)) = release {
                qualifiers.push(("distro", format!("alpine-{a}.{b}")));
            }
            ("apk", format!("alpine/{}", p.name))
        }
        Ecosystem::Go => ("golang", p.name.clone()),
    };
    if let Some(upstream) = upstream {
        qualifiers.push(("upstream", upstream.to_string()));
    }
    // Each `/` separates namespace segments and name; every other byte is encoded.
    let segments: Vec<String> = name.split('/').map(|s| percent_encode(s, false)).collect();
    let query: Vec<String> = qualifiers
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v, false)))
        .collect();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    format!(
        "pkg:{kind}/{}@{}{query}",
        segments.join("/"),
        percent_encode(&p.version, false)
    )
}

/// `urn:uuid:` from a digest of `content` (version nibble 8: custom).
fn serial(content: &str) -> String {
    let mut hex: Vec<u8> = digest(&[content]).into_bytes()[..32].to_vec();
    hex[12] = b'8';
    let variant = (hex[16] as char).to_digit(16).unwrap_or(0) & 0x3 | 0x8;
    hex[16] = std::char::from_digit(variant, 16).map_or(b'8', |c| c as u8);
    let h = String::from_utf8_lossy(&hex).into_owned();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The current UTC time as RFC 3339, to the second.
/// Now, as an RFC 3339 UTC timestamp (`2026-11-25T19:04:51Z`).
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let day = Date::from_unix_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

fn outcome(report: &Report) -> &'static str {
    match report.summary.outcome {
        Outcome::Passed => "passed",
        Outcome::Blocked => "blocked",
        Outcome::Incomplete => "incomplete",
    }
}

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "value": value })
}

/// Components with unique bom-refs, and the dependency graph between them.
struct Refs {
    components: Vec<Value>,
    dependencies: Vec<Value>,
    /// (tree root, install path) → bom-ref; a tree shared by servers is listed once.
    packages: HashMap<(PathBuf, String), String>,
    /// Per server (by index): its bom-ref.
    servers: Vec<String>,
    used: HashSet<String>,
}

impl Refs {
    fn build(servers: &[ServerReport]) -> Refs {
        let mut refs = Refs {
            components: Vec::new(),
            dependencies: Vec::new(),
            packages: HashMap::new(),
            servers: Vec::new(),
            used: HashSet::new(),
        };
        for s in servers {
            refs.add_server(s);
        }
        refs
    }

    /// `base`, or `base#2`, `base#3`… when taken.
    fn unique(&mut self, base: String) -> String {
        let mut candidate = base.clone();
        let mut n = 1;
        while !self.used.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{base}#{n}");
        }
        candidate
    }

    fn add_server(&mut self, s: &ServerReport) {
        let server_ref = self.unique(format!("server:{}/{}", s.client.id(), s.name));
        self.components.push(server_component(s, &server_ref));
        self.servers.push(server_ref.clone());
        let Some(root) = s.tree.as_ref().map(|t| t.root.clone()) else {
            self.dependencies
                .push(json!({ "ref": server_ref, "dependsOn": [] }));
            return;
        };
        let new: Vec<&PackageEntry> = s
            .packages
            .iter()
            .filter(|p| !self.packages.contains_key(&(root.clone(), p.path.clone())))
            .collect();
        for p in &new {
            let r = self.unique(entry_purl(p));
            self.components.push(package_component(p, &r));
            self.packages.insert((root.clone(), p.path.clone()), r);
        }
        let top = top_entry(s).and_then(|p| self.package_ref(&root, &p.path));
        self.dependencies
            .push(json!({ "ref": server_ref, "dependsOn": top.into_iter().collect::<Vec<_>>() }));
        for p in new {
            let depends: BTreeSet<String> = p
                .dependencies
                .iter()
                .filter_map(|d| self.package_ref(&root, d))
                .collect();
            let r = self.package_ref(&root, &p.path);
            self.dependencies
                .push(json!({ "ref": r, "dependsOn": depends }));
        }
    }

    fn package_ref(&self, root: &std::path::Path, path: &str) -> Option<String> {
        self.packages
            .get(&(root.to_path_buf(), path.to_string()))
            .cloned()
    }

    /// The bom-refs of `f`'s package in the servers it concerns.
    fn affected(&self, f: &Finding, servers: &[ServerReport]) -> BTreeSet<String> {
        let Some(package) = &f.package else {
            return BTreeSet::new();
        };
        let at = f.location.as_ref().map(|l| &l.path);
        servers
            .iter()
            .filter(|s| s.name == f.server && at.is_none_or(|p| *p == s.config_path))
            .filter_map(|s| Some((s.tree.as_ref()?.root.clone(), &s.packages)))
            .flat_map(|(root, packages)| {
                packages
                    .iter()
                    .filter(|p| p.package == *package)
                    .filter_map(move |p| self.package_ref(&root, &p.path))
            })
            .collect()
    }
}

/// The server's own package entry: the shortest install path with its name and version.
fn top_entry(s: &ServerReport) -> Option<&PackageEntry> {
    let top = s.package.as_ref()?;
    s.packages
        .iter()
        .filter(|p| p.package == *top)
        .min_by_key(|p| p.path.len())
}

fn server_component(s: &ServerReport, bom_ref: &str) -> Value {
    let mut props = vec![
        prop("supplygate:client", s.client.id()),
        prop("supplygate:scope", &s.scope.to_string()),
        prop("supplygate:launcher", &s.launcher),
        prop(
            "supplygate:config",
            &format!("{}:{}", s.config_path.display(), s.line),
        ),
    ];
    if let Some(requested) = &s.requested {
        props.push(prop("supplygate:requested", requested));
    }
    if let Some(owner) = &s.owner {
        props.push(prop("supplygate:owner", owner));
    }
    json!({
        "type": "application",
        "bom-ref": bom_ref,
        "name": s.name,
        "properties": props,
    })
}

fn package_component(p: &PackageEntry, bom_ref: &str) -> Value {
    let pkg = &p.package;
    let mut c = json!({
        "type": "library",
        "bom-ref": bom_ref,
        "name": pkg.name,
        "version": pkg.version,
        "purl": entry_purl(p),
        "properties": package_properties(p),
    });
    if let Some((scope, name)) = pkg
        .name
        .split_once('/')
        .filter(|_| pkg.name.starts_with('@'))
    {
        c["group"] = json!(scope);
        c["name"] = json!(name);
    }
    c
}

/// Install path, integrity state, install script, direct, and a
/// non-registry source, as `supplygate:` properties.
fn package_properties(p: &PackageEntry) -> Vec<Value> {
    let integrity = p.integrity.as_str();
    let mut props = vec![
        prop("supplygate:install-path", &p.path),
        prop("supplygate:integrity", integrity),
        prop("supplygate:direct", &p.direct.to_string()),
        prop(
            "supplygate:install-script",
            &p.has_install_script.to_string(),
        ),
    ];
    if let Some(source) = &p.source {
        props.push(prop("supplygate:source", &redact_text(source)));
    }
    props
}

fn vulnerability(f: &Finding, refs: &Refs, servers: &[ServerReport]) -> Value {
    let Some(a) = &f.advisory else {
        return Value::Null;
    };
    let source = json!({ "name": "OSV", "url": osv_url(&a.id) });
    let references: Vec<Value> = a
        .aliases
        .iter()
        .map(|id| json!({ "id": id, "source": { "name": "OSV", "url": osv_url(id) } }))
        .collect();
    let affects: Vec<Value> = refs
        .affected(f, servers)
        .into_iter()
        .map(|r| json!({ "ref": r }))
        .collect();
    let mut v = json!({
        "bom-ref": format!("finding:{}", &f.id[..16]),
        "id": a.id,
        "source": source,
        "references": references,
        "ratings": [rating(f)],
        "affects": affects,
        "properties": [
            prop("supplygate:server", &f.server),
            prop("supplygate:decision", f.decision.as_str()),
            prop("supplygate:decided-by", &f.decided_by.to_string()),
        ],
    });
    if let Some(summary) = &a.summary {
        v["description"] = json!(summary);
    }
    if let Some(e) = &f.exception {
        v["analysis"] = analysis(e);
    }
    v
}

fn rating(f: &Finding) -> Value {
    let severity = match f.severity {
        None | Some(Severity::Unscored) => "unknown",
        Some(other) => other.as_str(),
    };
    let mut r = json!({ "source": { "name": "OSV" }, "severity": severity });
    if let Some(cvss) = f.advisory.as_ref().and_then(|a| a.cvss.as_ref()) {
        r["score"] = json!(cvss.score);
        r["vector"] = json!(cvss.vector);
        r["method"] = json!(match cvss.version.as_str() {
            "3.1" => "CVSSv31",
            "4.0" => "CVSSv4",
            _ => "CVSSv3",
        });
    }
    r
}

/// An exception as a CycloneDX analysis: the triage class maps onto
/// `state` and `justification`; the reason, owner and expiry go in `detail`.
fn analysis(e: &ExceptionNote) -> Value {
    let detail = format!(
        "{} (owner {}, expires {}, policy line {})",
        e.reason, e.owner, e.expires, e.line
    );
    let (state, justification) = match e.classification {
        Classification::DependencyOnly => ("not_affected", Some("code_not_reachable")),
        Classification::ReachableHardening => {
            ("not_affected", Some("protected_by_mitigating_control"))
        }
        Classification::ConfirmedReachable => ("exploitable", None),
    };
    let mut a = json!({ "state": state, "detail": detail });
    if let Some(j) = justification {
        a["justification"] = json!(j);
    }
    if e.classification == Classification::ConfirmedReachable {
        a["response"] = json!(["will_not_fix"]);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(ecosystem: Ecosystem, name: &str, version: &str) -> PackageRef {
        PackageRef {
            ecosystem,
            name: name.into(),
            version: version.into(),
        }
    }

    fn purl(p: &PackageRef) -> String {
        purl_with(p, None)
    }

    fn entry(package: PackageRef, source: Option<(&str, Option<&str>)>) -> PackageEntry {
        PackageEntry {
            package,
            path: "var/lib/dpkg/status".into(),
            dependencies: Vec::new(),
            direct: false,
            has_install_script: false,
            integrity: scanner_core::resolve::Integrity::Verified,
            source: None,
            published_integrity: None,
            facts: Default::default(),
            source_package: source.map(|(name, version)| scanner_core::resolve::SourcePackage {
                name: name.into(),
                version: version.map(Into::into),
            }),
        }
    }

    #[test]
    fn deb_purls_name_the_source_package_as_upstream() {
        let bsdutils = pkg(
            Ecosystem::Debian(Some(12)),
            "bsdutils",
            "1:2.38.1-5+deb12u3",
        );
        assert_eq!(
            entry_purl(&entry(bsdutils.clone(), Some(("util-linux", Some("2.38.1-5+deb12u3"))))),
            "pkg:deb/debian/bsdutils@1%3A2.38.1-5%2Bdeb12u3?distro=debian-12&upstream=util-linux%402.38.1-5%2Bdeb12u3"
        );
        let zlib = pkg(Ecosystem::Debian(Some(12)), "zlib1g", "1:1.2.13.dfsg-1");
        assert_eq!(
            entry_purl(&entry(zlib, Some(("zlib", None)))),
            "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?distro=debian-12&upstream=zlib"
        );
        let pam = pkg(
            "Ubuntu:22.04:LTS".parse().unwrap(),
            "libpam0g",
            "1.4.0-11ubuntu2",
        );
        assert_eq!(
            entry_purl(&entry(pam, Some(("pam", None)))),
            "pkg:deb/ubuntu/libpam0g@1.4.0-11ubuntu2?distro=ubuntu-22.04&upstream=pam"
        );
        assert_eq!(
            entry_purl(&entry(bsdutils, None)),
            "pkg:deb/debian/bsdutils@1%3A2.38.1-5%2Bdeb12u3?distro=debian-12"
        );
    }

    #[test]
    fn purls_encode_scopes_and_normalise_python_names() {
        let scoped = pkg(
            Ecosystem::Npm,
            "@modelcontextprotocol/server-gdrive",
            "0.6.2",
        );
        assert_eq!(
            purl(&scoped),
            "pkg:npm/%40modelcontextprotocol/server-gdrive@0.6.2"
        );
        assert_eq!(
            purl(&pkg(Ecosystem::Npm, "node-fetch", "2.7.0")),
            "pkg:npm/node-fetch@2.7.0"
        );
        let py = pkg(Ecosystem::PyPI, "Typing_Extensions", "4.12.2");
        assert_eq!(purl(&py), "pkg:pypi/typing-extensions@4.12.2");
        let local = pkg(Ecosystem::PyPI, "zope.interface", "1.0+local");
        assert_eq!(purl(&local), "pkg:pypi/zope-interface@1.0%2Blocal");
        let hostile = pkg(Ecosystem::Npm, "a b?c#d@e", "1.0.0");
        assert_eq!(purl(&hostile), "pkg:npm/a%20b%3Fc%23d%40e@1.0.0");
    }

    #[test]
    fn serials_are_uuids_derived_from_content() {
        let a = serial("x");
        assert_eq!(a, serial("x"));
        assert_ne!(a, serial("y"));
        let uuid = a.strip_prefix("urn:uuid:").unwrap();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(&uuid[14..15], "8");
        assert!("89ab".contains(&uuid[19..20]));
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && &t[10..11] == "T", "{t}");
    }
}
