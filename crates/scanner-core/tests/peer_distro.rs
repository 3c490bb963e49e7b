//! The Debian, Alpine and Go cases in `fixtures/peer` (dpkg, apk-tools,
//! golang.org/x/mod, osv.dev and osv-scalibr test data) run against
//! supplygate's dpkg, apk and Go version orders.

mod peer_support;

use advisories_cache::Ecosystem;
use peer_support::{assert_cases, comparisons, jsonl, lines, tsv, Comparison};
use scanner_core::version::{ApkVersion, Version};

fn check_order(file: &str, parse: impl Fn(&str) -> Option<Version>) {
    let cases = comparisons(file);
    assert!(!cases.is_empty(), "{file} has no cases");
    assert_cases(file, &cases, |Comparison { a, op, b, line }| {
        match (parse(a), parse(b)) {
            (Some(x), Some(y)) if x.cmp(&y) == *op => None,
            (x, y) => Some(format!("line {line}: {a} {op:?} {b}: got {x:?} vs {y:?}")),
        }
    });
}

fn debian(text: &str) -> Option<Version> {
    Version::parse(Ecosystem::Debian(Some(12)), text).ok()
}

fn alpine(text: &str) -> Option<Version> {
    Version::parse(Ecosystem::Alpine(Some((3, 19))), text).ok()
}

fn go(text: &str) -> Option<Version> {
    Version::parse(Ecosystem::Go, text).ok()
}

#[test]
fn debian_version_order() {
    check_order("version-order/debian.txt", debian);
}

/// One row (`1-r0-1 = 1-r0-2`, osv-scalibr's hand-written data) compares two
/// versions apk itself calls invalid; it is checked with apk's raw comparison.
#[test]
fn alpine_version_order() {
    let cases = comparisons("version-order/alpine.txt");
    let invalid: Vec<_> = cases
        .iter()
        .filter(|c| alpine(&c.a).is_none() || alpine(&c.b).is_none())
        .collect();
    assert_eq!(invalid.len(), 1);
    assert_eq!(
        ApkVersion::compare_text(&invalid[0].a, &invalid[0].b),
        invalid[0].op
    );
    assert_cases(
        "version-order/alpine.txt",
        &cases,
        |Comparison { a, op, b, line }| match (alpine(a), alpine(b)) {
            (Some(x), Some(y)) if x.cmp(&y) != *op => Some(format!("line {line}: {a} {op:?} {b}")),
            _ => None,
        },
    );
}

#[test]
fn go_version_order() {
    check_order("version-order/go.txt", go);
}

/// dpkg's answer (the `dpkg` column) for the rows it warns about; whitespace
/// is stripped. For osv.dev's sentinels dpkg's order gives the same answer
/// as osv.dev (`<end-of-life>` and `invalid` above everything), except `0`,
/// which the matcher reads as OSV's "before everything" before any order.
#[test]
fn debian_nonstandard_rows_follow_dpkg() {
    for (case, line) in jsonl("version-order/debian-nonstandard.jsonl") {
        let (a, b) = (case["a"].as_str().unwrap(), case["b"].as_str().unwrap());
        let dpkg = peer_support::op(case["dpkg"].as_str().unwrap());
        let (x, y) = (debian(a).unwrap(), debian(b).unwrap());
        assert_eq!(x.cmp(&y), dpkg, "line {line}: {a} vs {b}");
    }
}

/// Rows apk-tools' test data asserts where a re-implementation disagrees:
/// supplygate follows apk-tools (the `op` column).
#[test]
fn alpine_crosscheck_rows_follow_apk() {
    let rows = jsonl("version-order/alpine-crosscheck.jsonl");
    assert_eq!(rows.len(), 76);
    for (case, line) in rows {
        let (a, b) = (case["a"].as_str().unwrap(), case["b"].as_str().unwrap());
        let op = peer_support::op(case["op"].as_str().unwrap());
        assert_eq!(
            alpine(a).unwrap().cmp(&alpine(b).unwrap()),
            op,
            "line {line}"
        );
    }
}

/// Sections of a validity file: (is the section dpkg's `error` kind?, line).
fn sections(file: &str) -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(peer_support::path(file)).unwrap();
    let mut kind_error = false;
    let mut out = Vec::new();
    for l in text.lines() {
        if l.starts_with("# source:") {
            kind_error = l.ends_with("dpkg: error");
        } else if !l.is_empty() && !l.starts_with('#') {
            out.push((l.to_string(), kind_error));
        }
    }
    out
}

#[test]
fn debian_valid_and_invalid_versions() {
    for (text, line) in lines("version-valid/debian.txt") {
        assert!(debian(&text).is_some(), "line {line}: {text}");
    }
    // What dpkg refuses is refused; what it only warns about is compared, as dpkg does.
    for (text, error) in sections("version-invalid/debian.txt") {
        assert_eq!(debian(&text).is_none(), error, "{text}");
    }
}

#[test]
fn go_valid_and_invalid_versions() {
    for (text, line) in lines("version-invalid/go.txt") {
        assert!(go(&text).is_none(), "line {line}: {text}");
    }
    for (row, line) in tsv("version-valid/go-pseudo.tsv") {
        if row[0] != "version" && row[2] != "-" {
            assert!(go(&row[0]).is_some(), "line {line}: {}", row[0]);
        }
    }
}

/// Versions seen in Alpine's security data must parse (apk 2.x accepts the
/// letter+digit forms apk 3.x refuses).
#[test]
fn alpine_secdb_versions_are_valid() {
    let text = std::fs::read_to_string(peer_support::path("version-valid/alpine.txt")).unwrap();
    let secdb = text.split("# source: google/osv.dev").nth(1).unwrap();
    let versions: Vec<&str> = secdb
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .skip(1)
        .collect();
    assert!(versions.len() > 150);
    for v in versions {
        assert!(alpine(v).is_some(), "{v}");
    }
}
