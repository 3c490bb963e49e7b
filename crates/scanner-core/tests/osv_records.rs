//! Matching, grouping and severity on real OSV records from `fixtures/osv`
//! (GitHub advisory database, OSSF malicious-packages, PyPA advisory database).

use std::path::{Path, PathBuf};

use advisories_cache::{
    AdvisoryLookup, Ecosystem, ImportLimits, ImportSource, MemoryStore, RecordReader, Vulnerability,
};
use scanner_core::grouping::{group, AdvisoryGroup};
use scanner_core::matching::{affects, only_git_ranges};
use scanner_core::version::Version;
use scanner_core::Severity;

fn osv_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/osv")
}

fn read_records(path: &Path) -> Vec<Vulnerability> {
    let source = ImportSource::detect(path).unwrap();
    let mut out = Vec::new();
    RecordReader::new(source, ImportLimits::default())
        .for_each(|name, text| {
            out.push(Vulnerability::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}")));
            Ok(())
        })
        .unwrap();
    out
}

fn store(parts: &[&str]) -> MemoryStore {
    let mut store = MemoryStore::default();
    for part in parts {
        read_records(&osv_dir().join(part))
            .into_iter()
            .for_each(|r| store.insert(r));
    }
    store
}

fn record(part: &str, id: &str) -> Vulnerability {
    let text = std::fs::read_to_string(osv_dir().join(part).join(format!("{id}.json"))).unwrap();
    Vulnerability::from_json(&text).unwrap()
}

/// What a scan would report for one installed package.
fn matches(store: &MemoryStore, eco: Ecosystem, name: &str, version: &str) -> Vec<AdvisoryGroup> {
    let v = Version::parse(eco, version).unwrap();
    let hits: Vec<Vulnerability> = store
        .advisories_for(eco, name)
        .unwrap()
        .into_iter()
        .filter(|r| affects(r, eco, name, &v))
        .collect();
    group(&hits)
}

fn hit(part: &str, id: &str, name: &str, version: &str) -> bool {
    let eco = if part == "npm" {
        Ecosystem::Npm
    } else {
        Ecosystem::PyPI
    };
    affects(
        &record(part, id),
        eco,
        name,
        &Version::parse(eco, version).unwrap(),
    )
}

#[test]
fn several_introduced_last_affected_pairs_out_of_order() {
    // MAL-2025-47197 (ngx-bootstrap): ranges 20.0.3..=20.0.6 and 19.0.3..=19.0.4
    // written out of order, plus a versions list that adds 18.1.4.
    for (version, want) in [
        ("18.1.4", true),
        ("18.1.5", false),
        ("19.0.2", false),
        ("19.0.3", true),
        ("19.0.4", true),
        ("19.0.5", false),
        ("20.0.2", false),
        ("20.0.6", true),
        ("20.0.7", false),
    ] {
        assert_eq!(
            hit("npm", "MAL-2025-47197", "ngx-bootstrap", version),
            want,
            "{version}"
        );
    }
}

#[test]
fn several_affected_entries_with_ranges_and_versions() {
    // GHSA-c4w7-xm78-47vh (y18n): three entries for one package.
    for (version, want) in [
        ("3.2.1", true),
        ("3.2.2", false),
        ("4.0.0", true),
        ("4.0.1", false),
        ("5.0.4", true),
        ("5.0.5", false),
    ] {
        assert_eq!(
            hit("npm", "GHSA-c4w7-xm78-47vh", "y18n", version),
            want,
            "{version}"
        );
    }
    // GHSA-hrpp-h998-j3pp (qs): nine entries, one per release line.
    for (version, want) in [
        ("6.2.3", true),
        ("6.2.4", false),
        ("6.5.2", true),
        ("6.5.3", false),
        ("6.10.2", true),
        ("6.11.0", false),
    ] {
        assert_eq!(
            hit("npm", "GHSA-hrpp-h998-j3pp", "qs", version),
            want,
            "{version}"
        );
    }
}

#[test]
fn last_affected_is_inclusive() {
    assert!(hit("npm", "GHSA-m95q-7qp3-xv42", "zod", "3.22.2"));
    assert!(!hit("npm", "GHSA-m95q-7qp3-xv42", "zod", "3.22.3"));
    // MAL-2025-47141: `introduced: 0` in one range covers every version,
    // whatever the other range's last_affected says.
    assert!(hit("npm", "MAL-2025-47141", "@ctrl/tinycolor", "4.1.3"));
    assert!(hit("npm", "MAL-2025-47141", "@ctrl/tinycolor", "0.0.1"));
}

#[test]
fn limit_caps_a_range() {
    // A record of our own: OSV's example of `limit` on a branch.
    let v = Vulnerability::from_json(
        r#"{"id":"TEST-LIMIT","affected":[{"package":{"ecosystem":"PyPI","name":"Some_Pkg"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"limit":"1.5"}]},
                  {"type":"ECOSYSTEM","events":[{"introduced":"2.0"},{"fixed":"2.3"},{"limit":"3"}]}]}]}"#,
    )
    .unwrap();
    let at = |s: &str| {
        affects(
            &v,
            Ecosystem::PyPI,
            "some-pkg",
            &Version::parse(Ecosystem::PyPI, s).unwrap(),
        )
    };
    assert!(at("1.0.0") && at("1.4.9") && !at("1.5") && !at("0.9"));
    assert!(at("2.2") && !at("2.3") && !at("3.1"));
}

#[test]
fn aliases_group_into_one_finding_listing_every_id() {
    let store = store(&["npm"]);
    let found = matches(&store, Ecosystem::Npm, "debug", "4.4.2");
    assert_eq!(found.len(), 1, "{found:?}");
    let g = &found[0];
    assert_eq!(g.advisory.id, "MAL-2025-46974");
    assert_eq!(
        g.advisory.aliases,
        ["GHSA-4x49-vf9v-38px", "GHSA-8mgj-vmr8-frr6"]
    );
    assert!(g.malicious);
    assert_eq!(g.severity, Severity::Critical);
    assert!(matches(&store, Ecosystem::Npm, "debug", "4.4.1").is_empty());
}

#[test]
fn pypi_names_normalise_and_pysec_ghsa_aliases_join() {
    let store = store(&["PyPI-all.zip", "PyPI-ghsa-mal"]);
    // Installed as `gitpython` (the wheel's METADATA may say GitPython).
    let found = matches(&store, Ecosystem::PyPI, "gitpython", "3.1.40");
    let ids: Vec<&str> = found.iter().map(|g| g.advisory.id.as_str()).collect();
    assert_eq!(
        ids,
        ["GHSA-2mqj-m65w-jghx"],
        "only CVE-2024-22190 is unfixed in 3.1.40"
    );
    let g = &found[0];
    assert_eq!(g.advisory.records, ["GHSA-2mqj-m65w-jghx", "PYSEC-2024-4"]);
    assert!(g.advisory.aliases.contains(&"CVE-2024-22190".to_string()));
    let cvss = g.advisory.cvss.as_ref().unwrap();
    assert_eq!((cvss.version.as_str(), cvss.score), ("3.1", 7.8));
    assert_eq!(g.severity, Severity::High);
    // 3.1.30 is hit by every later fix; CVE-2022-24439 was fixed in it.
    // Queried as `GITPYTHON`: PEP 503 names compare case-insensitively.
    let older = matches(&store, Ecosystem::PyPI, "GITPYTHON", "3.1.30");
    assert_eq!(
        older.len(),
        4,
        "{:?}",
        older.iter().map(|g| &g.advisory.id).collect::<Vec<_>>()
    );
}

#[test]
fn withdrawn_records_never_match() {
    let r = record("PyPI-ghsa-mal", "MAL-2026-4750");
    assert!(r.withdrawn.is_some());
    let v = Version::parse(Ecosystem::PyPI, "0.136.3").unwrap();
    assert!(!affects(&r, Ecosystem::PyPI, "fastapi", &v));
    assert!(!only_git_ranges(&r, Ecosystem::PyPI, "fastapi"));
}

#[test]
fn cvss_vectors_set_severity_over_labels() {
    // y18n: CVSS 3.1 AV:N/AC:L/PR:N/UI:N/C:L/I:L/A:L = 7.3, label HIGH.
    let g = &group(&[record("npm", "GHSA-c4w7-xm78-47vh")])[0];
    assert_eq!(g.advisory.cvss.as_ref().unwrap().score, 7.3);
    assert_eq!(g.severity, Severity::High);
    // zod: no vector, GHSA label LOW.
    let g = &group(&[record("npm", "GHSA-m95q-7qp3-xv42")])[0];
    assert!(g.advisory.cvss.is_none());
    assert_eq!(g.severity, Severity::Low);
}

/// Every range event and listed version in the bundled real records parses
/// in its ecosystem, so none is silently skipped by the matcher.
#[test]
fn every_event_in_the_bundled_records_parses() {
    let mut bad = Vec::new();
    for part in ["npm", "PyPI-ghsa-mal", "PyPI-all.zip"] {
        for r in read_records(&osv_dir().join(part)) {
            for a in &r.affected {
                let Some(eco) = a
                    .package
                    .as_ref()
                    .and_then(|p| p.ecosystem.parse::<Ecosystem>().ok())
                else {
                    continue;
                };
                let events = a
                    .ranges
                    .iter()
                    .filter(|g| g.kind != advisories_cache::RangeType::Git)
                    .flat_map(|g| g.events.iter())
                    .map(|e| match e {
                        advisories_cache::Event::Introduced(t)
                        | advisories_cache::Event::Fixed(t)
                        | advisories_cache::Event::LastAffected(t)
                        | advisories_cache::Event::Limit(t) => t,
                    })
                    .filter(|t| *t != "0");
                for t in events {
                    if Version::parse_event(eco, t).is_err() {
                        bad.push(format!("{} event {t}", r.id));
                    }
                }
                for t in &a.versions {
                    if Version::parse(eco, t).is_err() {
                        bad.push(format!("{} version {t}", r.id));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}
