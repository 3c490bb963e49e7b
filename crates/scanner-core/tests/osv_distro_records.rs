//! Matching on real Debian, Ubuntu, Alpine and Go OSV records from
//! `fixtures/osv` (osv.dev's Debian and Alpine data, Canonical's Ubuntu
//! OSV files, the Go team's vulndb).

use std::path::PathBuf;

use advisories_cache::{
    AdvisoryLookup, Ecosystem, ImportLimits, ImportSource, MemoryStore, RecordReader, Vulnerability,
};
use scanner_core::matching::affects;
use scanner_core::version::Version;

fn osv_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/osv")
}

fn store() -> MemoryStore {
    let mut store = MemoryStore::default();
    for part in ["debian", "ubuntu", "alpine", "go"] {
        let source = ImportSource::detect(&osv_dir().join(part)).unwrap();
        RecordReader::new(source, ImportLimits::default())
            .for_each(|_, text| {
                store.insert(Vulnerability::from_json(&text).unwrap());
                Ok(())
            })
            .unwrap();
    }
    store
}

/// The ids of the records that affect `name` at `version` in `eco`, found
/// the way a scan finds them: lookup by name, then the range check.
fn ids(store: &MemoryStore, eco: &str, name: &str, version: &str) -> Vec<String> {
    let eco: Ecosystem = eco.parse().unwrap();
    let v = Version::parse(eco, version).unwrap();
    let mut ids: Vec<String> = store
        .advisories_for(eco, name)
        .unwrap()
        .into_iter()
        .filter(|r| affects(r, eco, name, &v))
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn debian_records_match_their_release_only() {
    let s = store();
    // fixed 1.1.0l-1~deb9u6 on Debian 9: the ~ sorts before the end.
    assert_eq!(
        ids(&s, "Debian:9", "openssl", "1.1.0l-1~deb9u5"),
        ["DLA-3008-1"]
    );
    assert!(ids(&s, "Debian:9", "openssl", "1.1.0l-1~deb9u6").is_empty());
    assert!(ids(&s, "Debian:9", "openssl", "1.1.0l-1").is_empty());
    // The same version on another release is not what the record is about.
    assert!(ids(&s, "Debian:10", "openssl", "1.1.0l-1~deb9u5").is_empty());
    assert_eq!(
        ids(&s, "Debian:9", "tzdata", "2021a-0+deb9u3"),
        ["DLA-3051-1"]
    );
    assert_eq!(
        ids(&s, "Debian:7", "nginx", "1.2.1-2.2+wheezy2"),
        ["DSA-3029-1"]
    );
    assert!(
        ids(&s, "Debian:7", "nginx", "1:1.0").is_empty(),
        "an epoch outranks"
    );
}

#[test]
fn ubuntu_records_match_their_release_and_its_pro_stream() {
    let s = store();
    // pam, fixed 1.4.0-11ubuntu2.4 on 22.04 by both the CVE and the USN.
    assert_eq!(
        ids(&s, "Ubuntu:22.04:LTS", "pam", "1.4.0-11ubuntu2.3"),
        ["CVE-2024-22365", "USN-6588-1"]
    );
    assert!(ids(&s, "Ubuntu:22.04:LTS", "pam", "1.4.0-11ubuntu2.4").is_empty());
    // No 24.04 entry: 24.04 shipped the fix.
    assert!(ids(&s, "Ubuntu:24.04:LTS", "pam", "1.5.3-5ubuntu5").is_empty());
    // 18.04 is past standard support: only its Pro (ESM) stream names the
    // fix, and a package below it is vulnerable whether Pro is attached or not.
    assert_eq!(
        ids(&s, "Ubuntu:18.04:LTS", "pam", "1.1.8-3.6ubuntu2.18.04.6"),
        ["CVE-2024-22365"]
    );
    assert!(ids(
        &s,
        "Ubuntu:18.04:LTS",
        "pam",
        "1.1.8-3.6ubuntu2.18.04.6+esm1"
    )
    .is_empty());
    // libgcrypt20 on 22.04: introduced 0, no fix yet.
    assert_eq!(
        ids(&s, "Ubuntu:22.04:LTS", "libgcrypt20", "1.9.4-3ubuntu3"),
        ["CVE-2024-2236"]
    );
    // Debian's packages are not Ubuntu's.
    assert!(ids(&s, "Debian:12", "pam", "1.4.0-11ubuntu2.3").is_empty());
}

#[test]
fn alpine_records_match_per_release() {
    let s = store();
    // introduced 0.9.13, fixed per release: 1.2.4_git20230717-r5 on v3.19.
    assert_eq!(
        ids(&s, "Alpine:v3.19", "musl", "1.2.4_git20230717-r4"),
        ["ALPINE-CVE-2025-26519"]
    );
    assert!(ids(&s, "Alpine:v3.19", "musl", "1.2.4_git20230717-r5").is_empty());
    assert_eq!(
        ids(&s, "Alpine:v3.20", "musl", "1.2.5-r0"),
        ["ALPINE-CVE-2025-26519"]
    );
    assert!(ids(&s, "Alpine:v3.20", "musl", "1.2.5-r1").is_empty());
    assert!(ids(&s, "Alpine:v3.19", "musl", "0.9.12-r0").is_empty());
    assert!(
        ids(&s, "Alpine:v3.15", "musl", "1.2.2-r7").is_empty(),
        "no record for v3.15"
    );
}

#[test]
fn go_records_with_pseudo_versions_incompatible_and_stdlib() {
    let s = store();
    assert_eq!(
        ids(&s, "Go", "github.com/gin-gonic/gin", "v1.5.0"),
        ["GO-2020-0001"]
    );
    assert!(ids(&s, "Go", "github.com/gin-gonic/gin", "v1.6.0").is_empty());
    // fixed at a pseudo-version.
    assert_eq!(
        ids(
            &s,
            "Go",
            "golang.org/x/net",
            "v0.0.0-20220906000000-aaaaaaaaaaaa"
        ),
        ["GO-2022-0969", "GO-2023-2102", "GO-2024-2687"]
    );
    assert_eq!(
        ids(&s, "Go", "golang.org/x/net", "v0.17.0"),
        ["GO-2024-2687"]
    );
    // +incompatible is build metadata.
    assert_eq!(
        ids(&s, "Go", "github.com/docker/docker", "v25.0.5+incompatible"),
        ["GO-2024-3005"]
    );
    assert!(ids(&s, "Go", "github.com/docker/docker", "v25.0.6+incompatible").is_empty());
    assert_eq!(
        ids(
            &s,
            "Go",
            "github.com/docker/distribution",
            "v2.7.0-rc.0+incompatible"
        ),
        Vec::<String>::new(),
        "fixed at 2.7.0-rc.0"
    );
    assert_eq!(
        ids(
            &s,
            "Go",
            "github.com/docker/distribution",
            "v2.6.2+incompatible"
        ),
        ["GO-2021-0072"]
    );
    // The standard library, by toolchain version.
    assert_eq!(
        ids(&s, "Go", "stdlib", "go1.21.2"),
        ["GO-2023-2102", "GO-2024-2687"]
    );
    assert_eq!(ids(&s, "Go", "stdlib", "go1.22.1"), ["GO-2024-2687"]);
    assert!(ids(&s, "Go", "stdlib", "go1.22.2").is_empty());
    // A withdrawn record never matches.
    assert!(ids(&s, "Go", "k8s.io/kubernetes", "v1.0.0").is_empty());
}
