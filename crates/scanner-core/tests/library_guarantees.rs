//! What the library guarantees a caller without the CLI: a policy file
//! that lies inside a scanned tree never decides a scan, and a pin
//! requirement or finding code is a typed value once parsed.

use std::path::{Path, PathBuf};

use advisories_cache::MemoryStore;
use scanner_core::policy::Date;
use scanner_core::{collect, scan, Code, Policy, PolicyPlacementError, ScanError, ScanOptions};

fn affected() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/homes/affected")
}

fn today() -> Date {
    "2026-06-01".parse().unwrap()
}

/// A file the `gdrive` server's npx tree holds: what a package could plant.
fn planted() -> PathBuf {
    affected().join(".npm/_npx/318566bc6fad3ab8/package.json")
}

#[test]
fn a_policy_parsed_from_a_file_inside_a_scanned_tree_is_refused_by_scan() {
    assert!(planted().is_file());
    let policy = Policy::parse("", &planted(), today()).unwrap();
    let err = scan(
        &ScanOptions::new(affected()),
        &MemoryStore::default(),
        &policy,
    )
    .unwrap_err();
    let ScanError::PolicyInsideTree(PolicyPlacementError::InsideTree { path, root }) = &err else {
        panic!("expected the policy to be refused, got {err}");
    };
    assert_eq!(path, &planted());
    assert!(planted().canonicalize().unwrap().starts_with(root));
    assert!(err.to_string().contains("inside the scanned tree"), "{err}");
}

#[test]
fn collected_trees_refuse_a_planted_policy_before_it_is_parsed() {
    let collected = collect(&ScanOptions::new(affected())).unwrap();
    assert!(matches!(
        collected.refuse_policy_inside(&planted()),
        Err(PolicyPlacementError::InsideTree { .. })
    ));
    let outside = tempfile::NamedTempFile::new().unwrap();
    assert!(collected.refuse_policy_inside(outside.path()).is_ok());
    assert!(matches!(
        collected.refuse_policy_inside(Path::new("/nonexistent/supplygate.toml")),
        Err(PolicyPlacementError::Unreadable { .. })
    ));
}

#[test]
fn a_policy_outside_the_trees_decides_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("supplygate.toml");
    let text =
        "[[rule]]\nid = \"block-unpinned\"\naction = \"block\"\ncode = \"unpinned-server\"\n";
    std::fs::write(&file, text).unwrap();
    let policy = Policy::load(&file, today()).unwrap();
    let report = scan(
        &ScanOptions::new(affected()),
        &MemoryStore::default(),
        &policy,
    )
    .unwrap();
    let unpinned = report
        .findings
        .iter()
        .find(|f| f.code == Code::UnpinnedServer)
        .expect("the affected home has an unpinned server");
    let by = unpinned.decided_by.to_string();
    assert!(
        by.starts_with("rule `block-unpinned` (") && by.ends_with("supplygate.toml:1)"),
        "{by}"
    );
}

#[test]
fn codes_parse_at_the_edge_and_unknown_ones_are_named() {
    assert_eq!("too-new".parse::<Code>(), Ok(Code::TooNew));
    let err = "too_new".parse::<Code>().unwrap_err();
    assert_eq!(err.to_string(), "unknown finding code `too_new`");
}
