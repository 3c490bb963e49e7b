//! End-to-end: `scan --format sarif | cyclonedx | markdown` on the fixture
//! home `affected` (real npx / uvx installs). Each format is checked against
//! what the JSON report and the files on disk say, and the exit code must not
//! depend on the format.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::support::{fixtures, imported_store, stderr, stdout, Cmd};
use serde_json::Value;

const TODAY: &str = "2026-06-01";
const FORMATS: [&str; 5] = ["table", "json", "sarif", "cyclonedx", "markdown"];

fn db() -> &'static Path {
    static DB: OnceLock<tempfile::TempDir> = OnceLock::new();
    DB.get_or_init(imported_store).path()
}

fn affected() -> PathBuf {
    fixtures().join("homes/affected")
}

/// Scans the affected home under `policy` (a file in `fixtures/policies`, or
/// the built-in policy) in `format`; returns exit code, stdout, stderr.
fn scan(format: &str, policy: Option<&str>) -> (i32, String, String) {
    let mut cmd = offline_scan(&affected()).format(format).today(TODAY);
    if let Some(p) = policy {
        cmd = cmd.policy(fixtures().join("policies").join(p));
    }
    cmd.outcome()
}

/// An offline scan of `home` against the shared store.
fn offline_scan(home: &Path) -> Cmd {
    Cmd::scan().db(db()).offline().home(home)
}

fn scan_value(format: &str, policy: Option<&str>) -> (i32, Value) {
    let (code, out, err) = scan(format, policy);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad {format} ({e}): {err}"));
    (code, v)
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

#[test]
fn exit_codes_do_not_depend_on_the_format() {
    for (policy, expected) in [
        (None, 0),
        (Some("pass.toml"), 0),
        (Some("warn.toml"), 0),
        (Some("block.toml"), 1),
        (Some("invalid.toml"), 2),
    ] {
        for format in FORMATS {
            let (code, out, err) = scan(format, policy);
            assert_eq!(code, expected, "{format} under {policy:?}: {err}");
            if expected == 2 {
                assert!(out.is_empty(), "no report on invalid input: {out}");
            }
        }
    }
}

/// The line of `"key":` in a config file, found by reading the file.
fn line_of(file: &Path, key: &str) -> u64 {
    let text = std::fs::read_to_string(file).unwrap();
    let needle = format!("\"{key}\"");
    1 + text.lines().position(|l| l.contains(&needle)).unwrap() as u64
}

/// The required properties of SARIF 2.1.0 (sarif-schema-2.1.0.json) for
/// every object this log uses.
fn assert_sarif_shape(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "supplygate");
    let rules = driver["rules"].as_array().unwrap();
    for rule in rules {
        assert!(rule["id"].is_string());
        assert!(rule["shortDescription"]["text"].is_string());
    }
    for inv in run["invocations"].as_array().unwrap() {
        assert!(inv["executionSuccessful"].is_boolean());
        for n in inv["toolExecutionNotifications"].as_array().unwrap() {
            assert!(n["message"]["text"].is_string());
        }
    }
    for r in run["results"].as_array().unwrap() {
        assert!(r["message"]["text"].is_string(), "{r}");
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(["error", "warning", "note", "none"].contains(&str_of(&r["level"])));
        for l in r["locations"].as_array().unwrap() {
            let p = &l["physicalLocation"];
            assert!(p["artifactLocation"]["uri"].is_string());
            if let Some(line) = p.get("region").map(|g| &g["startLine"]) {
                assert!(line.as_u64().unwrap() >= 1);
            }
        }
        for s in r
            .get("suppressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            assert!(["inSource", "external"].contains(&str_of(&s["kind"])));
        }
    }
}

#[test]
fn sarif_has_one_result_per_finding_located_at_the_server_entry() {
    let (_, report) = scan_value("json", Some("block.toml"));
    let (code, log) = scan_value("sarif", Some("block.toml"));
    assert_eq!(code, 1);
    assert_sarif_shape(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let level = |d: &str| match d {
        "block" => "error",
        "warn" => "warning",
        _ => "note",
    };
    for (r, f) in results.iter().zip(findings) {
        // An advisory finding's rule is its advisory (carrying the score
        // GitHub reads); every other finding's rule is its code.
        let rule = f["advisory"]["id"]
            .as_str()
            .unwrap_or_else(|| str_of(&f["code"]));
        assert_eq!(r["ruleId"], rule);
        assert_eq!(r["properties"]["code"], f["code"]);
        assert_eq!(r["level"], level(str_of(&f["decision"])));
        assert_eq!(r["properties"]["decision"], f["decision"]);
        assert_eq!(r["properties"]["severity"], f["severity"]);
        // The JSON `id` is the SARIF fingerprint: one identity per finding.
        assert_eq!(r["partialFingerprints"]["supplygate/v1"], f["id"]);
        assert_eq!(str_of(&f["id"]).len(), 64);
    }
    let node_fetch = results
        .iter()
        .find(|r| r["properties"]["advisoryId"] == "GHSA-r683-j2x4-v87g")
        .expect("node-fetch result");
    assert_eq!(node_fetch["level"], "error");
    assert_eq!(node_fetch["properties"]["aliases"][0], "CVE-2022-0235");
    assert_eq!(node_fetch["properties"]["cvssScore"], 8.8);
    let path = node_fetch["properties"]["dependencyPath"]
        .as_array()
        .unwrap();
    assert_eq!(path.first().unwrap(), "gdrive");
    assert_eq!(path.last().unwrap(), "node-fetch@2.7.0");
    let config = affected().join(".cursor/mcp.json");
    let location = &node_fetch["locations"][0]["physicalLocation"];
    assert_eq!(
        str_of(&location["artifactLocation"]["uri"]),
        format!("file://{}", config.display())
    );
    assert_eq!(location["region"]["startLine"], line_of(&config, "gdrive"));
}

#[test]
fn sarif_fingerprints_are_stable_and_distinct() {
    let prints = || -> Vec<String> {
        let (_, log) = scan_value("sarif", Some("warn.toml"));
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| str_of(&r["partialFingerprints"]["supplygate/v1"]).to_string())
            .collect()
    };
    let first = prints();
    assert_eq!(first, prints());
    let distinct: BTreeSet<&String> = first.iter().collect();
    assert_eq!(distinct.len(), first.len());
}

#[test]
fn excepted_findings_are_sarif_suppressions_with_the_justification() {
    let (code, log) = scan_value("sarif", Some("pass.toml"));
    assert_eq!(code, 0);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1, "only node-fetch is excepted");
    let r = suppressed[0];
    assert_eq!(r["properties"]["decision"], "excepted");
    assert_eq!(r["level"], "note");
    let s = &r["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["status"], "accepted");
    assert!(str_of(&s["justification"]).starts_with("gaxios only fetches Google API hosts"));
    assert!(str_of(&s["justification"]).contains("docs-team@example.com"));
}

/// Every package of every server in the JSON report, as purl strings,
/// computed here from the report's ecosystem, name and version.
fn expected_purls(report: &Value) -> BTreeSet<String> {
    let mut purls = BTreeSet::new();
    for s in report["servers"].as_array().unwrap() {
        for p in s["packages"].as_array().unwrap() {
            let (name, version) = (str_of(&p["name"]), str_of(&p["version"]));
            let purl = match str_of(&p["ecosystem"]) {
                "npm" => format!("pkg:npm/{}@{version}", name.replace('@', "%40")),
                _ => {
                    let n = name.to_lowercase().replace(['_', '.'], "-");
                    format!("pkg:pypi/{n}@{version}")
                }
            };
            purls.insert(purl);
        }
    }
    purls
}

#[test]
fn cyclonedx_lists_every_resolved_package_with_its_purl_and_graph() {
    let (_, report) = scan_value("json", None);
    let (code, bom) = scan_value("cyclonedx", None);
    assert_eq!(code, 0);
    // Required by the CycloneDX 1.6 JSON schema: bomFormat, specVersion;
    // per component: type, name; per dependency: ref; per affects: ref.
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    let serial = str_of(&bom["serialNumber"]);
    assert!(
        serial.starts_with("urn:uuid:") && serial.len() == 45,
        "{serial}"
    );
    assert!(str_of(&bom["metadata"]["timestamp"]).ends_with('Z'));
    let components = bom["components"].as_array().unwrap();
    let refs: BTreeSet<&str> = components.iter().map(|c| str_of(&c["bom-ref"])).collect();
    assert_eq!(refs.len(), components.len(), "bom-refs are unique");
    for c in components {
        assert!(["application", "library"].contains(&str_of(&c["type"])));
        assert!(c["name"].is_string());
    }
    let purls: BTreeSet<String> = components
        .iter()
        .filter_map(|c| c.get("purl"))
        .map(|p| str_of(p).to_string())
        .collect();
    assert_eq!(purls, expected_purls(&report));
    assert!(purls.contains("pkg:npm/%40modelcontextprotocol/server-gdrive@0.6.2"));
    assert!(purls.contains("pkg:pypi/mcp-server-fetch@2026.10.24"));
    let libraries = components.iter().filter(|c| c["type"] == "library").count();
    assert_eq!(
        libraries as u64,
        report["summary"]["packages"].as_u64().unwrap()
    );
    let deps = bom["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), components.len());
    for d in deps {
        assert!(refs.contains(str_of(&d["ref"])));
        for on in d["dependsOn"].as_array().unwrap() {
            assert!(refs.contains(str_of(on)), "dangling {on}");
        }
    }
    let gdrive = deps
        .iter()
        .find(|d| d["ref"] == "server:cursor/gdrive")
        .unwrap();
    assert_eq!(
        gdrive["dependsOn"],
        serde_json::json!(["pkg:npm/%40modelcontextprotocol/server-gdrive@0.6.2"])
    );
    let gaxios = deps
        .iter()
        .find(|d| d["ref"] == "pkg:npm/gaxios@6.7.1")
        .unwrap();
    assert!(gaxios["dependsOn"]
        .as_array()
        .unwrap()
        .contains(&Value::from("pkg:npm/node-fetch@2.7.0")));
}

#[test]
fn cyclonedx_vulnerabilities_affect_the_installed_component() {
    let (_, bom) = scan_value("cyclonedx", Some("pass.toml"));
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    let ids: BTreeSet<&str> = vulns.iter().map(|v| str_of(&v["id"])).collect();
    let expected: BTreeSet<&str> = [
        "GHSA-r683-j2x4-v87g",
        "GHSA-34jh-p97f-mpxf",
        "GHSA-h8pj-cxx2-jfg2",
    ]
    .into();
    assert_eq!(ids, expected);
    let nf = vulns
        .iter()
        .find(|v| v["id"] == "GHSA-r683-j2x4-v87g")
        .unwrap();
    assert_eq!(
        nf["affects"],
        serde_json::json!([{ "ref": "pkg:npm/node-fetch@2.7.0" }])
    );
    assert_eq!(nf["ratings"][0]["score"], 8.8);
    assert_eq!(nf["ratings"][0]["severity"], "high");
    assert!(str_of(&nf["ratings"][0]["vector"]).starts_with("CVSS:3"));
    assert_eq!(nf["references"][0]["id"], "CVE-2022-0235");
    // The exception (classification dependency-only) is the analysis.
    assert_eq!(nf["analysis"]["state"], "not_affected");
    assert_eq!(nf["analysis"]["justification"], "code_not_reachable");
    assert!(str_of(&nf["analysis"]["detail"]).contains("docs-team@example.com"));
    let urllib3 = vulns
        .iter()
        .find(|v| v["id"] == "GHSA-34jh-p97f-mpxf")
        .unwrap();
    assert_eq!(urllib3["affects"][0]["ref"], "pkg:pypi/urllib3@2.2.1");
    assert!(urllib3.get("analysis").is_none());
}

#[test]
fn cyclonedx_is_deterministic_apart_from_the_timestamp() {
    let strip = |mut v: Value| {
        v["metadata"]["timestamp"] = Value::Null;
        v
    };
    let (_, a) = scan_value("cyclonedx", Some("warn.toml"));
    let (_, b) = scan_value("cyclonedx", Some("warn.toml"));
    assert_eq!(strip(a.clone()), strip(b));
    let (_, other) = scan_value("cyclonedx", Some("pass.toml"));
    assert_ne!(a["serialNumber"], other["serialNumber"], "content differs");
}

#[test]
fn markdown_report_snapshot() {
    let (code, out, _) = scan("markdown", Some("block.toml"));
    assert_eq!(code, 1);
    let root = fixtures().canonicalize().unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(&root.display().to_string()), "[FIXTURES]");
    settings.add_filter(
        &regex_escape(&fixtures().display().to_string()),
        "[FIXTURES]",
    );
    // The checkout's path as a Markdown cell escapes it (`_` → `\_`).
    settings.add_filter(r"[^\s|(]*fixtures/(homes|policies)", "[FIXTURES]/$1");
    settings.add_filter(r"sha256 [0-9a-f]{64}", "sha256 [SHA]");
    settings.bind(|| insta::assert_snapshot!(out));
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

#[test]
fn markdown_findings_link_to_osv_and_cells_stay_in_their_columns() {
    let (_, out, _) = scan("markdown", Some("block.toml"));
    assert!(
        out.contains("[GHSA-r683-j2x4-v87g](https://osv.dev/vulnerability/GHSA-r683-j2x4-v87g)")
    );
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("### Findings"))
        .filter(|l| l.starts_with('|'))
        .collect();
    for row in &table {
        // Unescaped pipes: 9 per row of 8 cells.
        let pipes = row.matches('|').count() - row.matches("\\|").count();
        assert_eq!(pipes, 9, "{row}");
    }
    assert!(out.contains("expired exception"), "{out}");
}

#[test]
fn what_was_not_checked_is_in_every_format_and_exits_3() {
    let home = fixtures().join("homes/broken");
    let run = |format: &str| {
        let out = offline_scan(&home).format(format).run();
        assert_eq!(out.status.code(), Some(3), "{format}: {}", stderr(&out));
        stdout(&out)
    };
    let report: Value = serde_json::from_str(&run("json")).unwrap();
    let gaps = report["summary"]["incomplete"].as_array().unwrap().len();
    assert_eq!(gaps, 2, "a truncated config and a tree not installed");
    let markdown = run("markdown");
    assert!(
        markdown.contains("## supplygate: ⚠️ INCOMPLETE"),
        "{markdown}"
    );
    let not_checked = markdown
        .lines()
        .skip_while(|l| !l.starts_with("### Not checked"))
        .take_while(|l| !l.starts_with("### Policy"))
        .filter(|l| l.starts_with("- "))
        .count();
    assert_eq!(not_checked, gaps);
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_sarif_shape(&sarif);
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes.as_array().unwrap().len(), gaps);
    // An incomplete run is not a successful execution (GitHub shows it).
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    assert_github_upload_rules(&sarif);
    let bom: Value = serde_json::from_str(&run("cyclonedx")).unwrap();
    assert_eq!(bom["metadata"]["properties"][0]["value"], "incomplete");
}

/// The rules GitHub code scanning documents for SARIF uploads ("SARIF
/// support for code scanning" and "About code scanning limits on SARIF
/// results", docs.github.com): SARIF 2.1.0; at most 20 runs, 25,000 results
/// and 25,000 rules per run, 1,000 locations per result and 20 tags per
/// rule; a file under 10 MB; every result with a `ruleId`, a message, a
/// location whose `artifactLocation.uri` is relative to a declared
/// `uriBaseId` (or absolute) with `region.startLine`, and
/// `partialFingerprints`; `security-severity` a string score 0.0–10.0;
/// short descriptions of at most 1,024 characters.
fn assert_github_upload_rules(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    assert!(serde_json::to_vec(log).unwrap().len() < 10 << 20);
    let runs = log["runs"].as_array().unwrap();
    assert!(!runs.is_empty() && runs.len() <= 20);
    for run in runs {
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        assert!(rules.len() <= 25_000 && results.len() <= 25_000);
        let mut ids = BTreeSet::new();
        for rule in rules {
            let id = str_of(&rule["id"]);
            assert!(!id.is_empty() && ids.insert(id), "rule ids unique: {id}");
            assert!(str_of(&rule["shortDescription"]["text"]).chars().count() <= 1024);
            let tags = rule["properties"]["tags"].as_array().unwrap();
            assert!(
                tags.len() <= 20 && tags.iter().all(Value::is_string),
                "{rule}"
            );
            if let Some(score) = rule["properties"].get("security-severity") {
                let score: f64 = str_of(score).parse().unwrap();
                assert!((0.0..=10.0).contains(&score), "{rule}");
            }
        }
        let bases = run.get("originalUriBaseIds");
        if let Some(bases) = bases {
            for (_, base) in bases.as_object().unwrap() {
                let uri = str_of(&base["uri"]);
                assert!(uri.starts_with("file:///") && uri.ends_with('/'), "{uri}");
            }
        }
        for r in results {
            let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], r["ruleId"]);
            assert!(!str_of(&r["message"]["text"]).is_empty());
            assert!(r["partialFingerprints"]["supplygate/v1"].is_string());
            let locations = r["locations"].as_array().unwrap();
            assert!(!locations.is_empty() && locations.len() <= 1000, "{r}");
            for l in locations {
                let p = &l["physicalLocation"];
                let uri = str_of(&p["artifactLocation"]["uri"]);
                match p["artifactLocation"].get("uriBaseId") {
                    Some(base) => {
                        assert!(bases.unwrap().get(str_of(base)).is_some(), "{r}");
                        assert!(!uri.starts_with('/') && !uri.contains("://"), "{uri}");
                    }
                    None => assert!(uri.starts_with("file:///"), "{uri}"),
                }
                assert!(p["region"]["startLine"].as_u64().unwrap() >= 1);
            }
        }
    }
}

/// With `--sarif-root` (or `--project`), config files inside the root are
/// named relative to `%SRCROOT%`, as GitHub needs to place alerts; advisory
/// rules carry GitHub's `security-severity` and `tags`.
#[test]
fn sarif_for_github_is_relative_to_the_source_root_and_scored() {
    let root = affected();
    let out = offline_scan(&affected())
        .format("sarif")
        .opt("--sarif-root", &root)
        .policy(fixtures().join("policies/block.toml"))
        .today(TODAY)
        .run();
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_github_upload_rules(&log);
    let run = &log["runs"][0];
    assert_eq!(
        str_of(&run["originalUriBaseIds"]["%SRCROOT%"]["uri"]),
        format!("file://{}/", root.display())
    );
    let results = run["results"].as_array().unwrap();
    let node_fetch = results
        .iter()
        .find(|r| r["ruleId"] == "GHSA-r683-j2x4-v87g")
        .expect("node-fetch result");
    let artifact = &node_fetch["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], ".cursor/mcp.json");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = &rules[node_fetch["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["properties"]["security-severity"], "8.8");
    let tags: Vec<&str> = rule["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    assert!(tags.contains(&"security") && tags.contains(&"vulnerable-dependency"));
    assert!(str_of(&node_fetch["message"]["text"]).contains("(fixed in 3.1.1)"));
    assert_eq!(node_fetch["properties"]["nearestFix"], "3.1.1");
}

/// A validator for a schema in `fixtures/schemas`, with the schemas it
/// references registered under their `$id`s (no retrieval: offline).
fn validator(file: &str, references: &[&str]) -> jsonschema::Validator {
    let load = |name: &str| -> Value {
        let text = std::fs::read_to_string(fixtures().join("schemas").join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let mut builder = jsonschema::Registry::new();
    for name in references {
        let uri = format!("http://cyclonedx.org/schema/{name}");
        builder = builder.add(uri, load(name)).unwrap();
    }
    let registry = builder.prepare().unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .build(&load(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn sarif_and_cyclonedx_validate_against_the_official_schemas() {
    let sarif = validator("sarif-schema-2.1.0.json", &[]);
    let bom = validator(
        "bom-1.6.schema.json",
        &["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"],
    );
    for policy in [None, Some("pass.toml"), Some("block.toml")] {
        let (_, log) = scan_value("sarif", policy);
        assert_valid(&sarif, &log, &format!("sarif {policy:?}"));
        let (_, doc) = scan_value("cyclonedx", policy);
        assert_valid(&bom, &doc, &format!("cyclonedx {policy:?}"));
    }
    for policy in [None, Some("block.toml")] {
        let (_, log) = scan_value("sarif", policy);
        assert_github_upload_rules(&log);
        assert_eq!(
            log["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
    }
    // The validators do reject: a result without a message, a bad serial.
    let (_, mut log) = scan_value("sarif", None);
    log["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!sarif.is_valid(&log));
    let (_, mut doc) = scan_value("cyclonedx", None);
    doc["serialNumber"] = Value::from("urn:uuid:not-a-uuid");
    assert!(!bom.is_valid(&doc));
}

/// Made-up credentials in `fixtures/configs/secrets/cursor.json`.
const SECRETS: [&str; 4] = [
    "ghp_Zq8Lm2Xc7Vb4Nn1Kk9Jh3Gf6Dd5Ss0Aa2Ww",
    "ghp_R3dact3dV4lu3Th4tMustN0tL3akXyZ1234",
    "Hx7Pq2Lz9Rt4Vw8Ky3Nb6Md1Fg5Js0Qe",
    "sk-ant-api03-S3cr3tV4lu3N0tF0rY0urEy3sAbCd",
];

#[test]
fn no_format_prints_a_secret_and_messages_stay_on_stderr() {
    let config = fixtures().join("configs/secrets/cursor.json");
    let mut codes = BTreeSet::new();
    for format in FORMATS {
        let out = Cmd::scan()
            .db(db())
            .offline()
            .no_default_configs()
            .config(&config)
            .format(format)
            .run();
        codes.insert(out.status.code().unwrap());
        let all = format!("{}{}", stdout(&out), stderr(&out));
        for s in SECRETS {
            for piece in s.as_bytes().windows(8) {
                let piece = std::str::from_utf8(piece).unwrap();
                assert!(!all.contains(piece), "{format} leaks `{piece}`");
            }
        }
        assert!(!stdout(&out).contains("incomplete:"), "{format}");
        if format != "table" && format != "markdown" {
            serde_json::from_slice::<Value>(&out.stdout).expect("stdout is only the report");
        }
    }
    assert_eq!(codes.len(), 1, "one exit code for every format: {codes:?}");
}

#[test]
fn inventory_refuses_report_only_formats() {
    let out = Cmd::inventory().format("sarif").no_default_configs().run();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("[possible values: table, json]"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

/// JSON findings carry their stable `id`, advisory findings their `fixed`
/// versions and the nearest fix above the installed version; the report
/// says when it was made. The table and Markdown show the fix too.
#[test]
fn advisory_findings_name_their_fixes_in_every_format() {
    let (_, report) = scan_value("json", None);
    let at = str_of(&report["generated_at"]);
    assert!(
        at.len() == 20 && at.ends_with('Z') && &at[10..11] == "T",
        "{at}"
    );
    let findings = report["findings"].as_array().unwrap();
    let node_fetch = findings
        .iter()
        .find(|f| f["advisory"]["id"] == "GHSA-r683-j2x4-v87g")
        .unwrap();
    assert_eq!(
        node_fetch["advisory"]["fixed"],
        serde_json::json!(["2.6.7", "3.1.1"])
    );
    assert_eq!(node_fetch["advisory"]["nearest_fix"], "3.1.1");
    assert_eq!(str_of(&node_fetch["id"]).len(), 64);
    let (_, table, _) = scan("table", None);
    let line = table
        .lines()
        .find(|l| l.contains("GHSA-r683-j2x4-v87g"))
        .unwrap();
    assert!(line.contains("3.1.1"), "{line}");
    assert!(table.contains(" FIX "), "{table}");
    let (_, markdown, _) = scan("markdown", None);
    let row = markdown
        .lines()
        .find(|l| l.contains("GHSA-r683-j2x4-v87g") && l.starts_with('|'))
        .unwrap();
    assert!(row.contains("| 3.1.1 |"), "{row}");
}
