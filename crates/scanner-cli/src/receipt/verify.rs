//! `receipt verify FILE|DIR --key PUB [--home DIR --project DIR …]`: every
//! signature, the unbroken chain of a log, and (with discovery options)
//! whether the trees on disk are still the ones the last receipt approved.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Result};
use ed25519_dalek::{Signature, VerifyingKey};
use scanner_core::baseline::diff_trees;
use scanner_core::receipt::dsse::decode_base64;
use scanner_core::receipt::statement::{STATEMENT_TYPE, VSA_TYPE};
use scanner_core::receipt::{pae, tree_digest, tree_lines, Envelope, Statement, TreeLine};
use scanner_core::PackageRef;
use sha2::{Digest, Sha256};

use super::keys::load_public;
use super::log;
use crate::baseline::read_capped;
use crate::exit::Exit;

/// A receipt is a few MB at most (package lists of every tree).
const MAX_RECEIPT_BYTES: u64 = 256 << 20;

/// One receipt read and checked.
struct Checked {
    label: String,
    bytes: Vec<u8>,
    statement: Option<Statement>,
}

/// Checks the signature of the envelope in `bytes`; the statement is parsed
/// from the verified payload bytes only (never the envelope re-read).
fn check(bytes: &[u8], key: &VerifyingKey) -> Result<Statement, String> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| format!("not a DSSE envelope ({e})"))?;
    if envelope.payload_type != scanner_core::receipt::PAYLOAD_TYPE {
        return Err(format!("payloadType is {:?}", envelope.payload_type));
    }
    let payload = envelope.payload_bytes().ok_or("payload is not base64")?;
    let message = pae(&envelope.payload_type, &payload);
    let good = envelope.signatures.iter().any(|s| {
        let Some(sig) = decode_base64(&s.sig) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&sig) else {
            return false;
        };
        key.verify_strict(&message, &sig).is_ok()
    });
    if !good {
        return Err(
            "no signature verifies with the given public key (edited, or signed by another key)"
                .into(),
        );
    }
    let statement: Statement = serde_json::from_slice(&payload)
        .map_err(|e| format!("signed payload is not a supplygate statement ({e})"))?;
    if statement.type_ != STATEMENT_TYPE || statement.predicate_type != VSA_TYPE {
        return Err("signed payload is not an in-toto Statement v1 with a SLSA VSA".into());
    }
    for server in &statement.predicate.supplygate.servers {
        let subject = statement.subject.iter().find(|s| s.name == server.name);
        if subject.and_then(|s| s.sha256()) != Some(tree_digest(&server.packages).as_str()) {
            return Err(format!(
                "subject {} does not match its package list",
                server.name
            ));
        }
    }
    Ok(statement)
}

fn read(path: &Path, key: &VerifyingKey) -> Result<Checked> {
    let bytes = read_capped(path, MAX_RECEIPT_BYTES, "receipt").map(String::into_bytes);
    let label = path.display().to_string();
    Ok(match bytes {
        Ok(bytes) => {
            let statement = check(&bytes, key);
            Checked {
                label,
                bytes,
                statement: statement
                    .map_err(|e| println!("INVALID {}: {e}", path.display()))
                    .ok(),
            }
        }
        Err(e) => {
            println!("INVALID {}: {}", path.display(), crate::output::causes(&e));
            Checked {
                label,
                bytes: Vec::new(),
                statement: None,
            }
        }
    })
}

/// The chain problems of a log's entries.
fn chain(entries: &[(u64, Checked)]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut expected = 1;
    let mut previous: Option<&Checked> = None;
    for (n, c) in entries {
        if *n != expected {
            let missing: Vec<String> = (expected..*n).map(log::name).collect();
            problems.push(format!(
                "receipt {} missing (removed?) before {}",
                missing.join(", "),
                c.label
            ));
        }
        if let Some(s) = &c.statement {
            let fields = &s.predicate.supplygate;
            if fields.sequence != Some(*n) {
                problems.push(format!(
                    "{} says it is receipt {} (renamed or reordered)",
                    c.label,
                    fields.sequence.map_or("-".into(), |s| s.to_string())
                ));
            }
            let want = previous.map(|p| hex::encode(Sha256::digest(&p.bytes)));
            if *n == expected && fields.previous_envelope_sha256 != want {
                let before = previous.map_or("nothing (it should be the first)".into(), |p| {
                    p.label.clone()
                });
                problems.push(format!(
                    "{} does not chain to {before}: a receipt before it was removed, replaced or edited",
                    c.label
                ));
            }
        }
        expected = n + 1;
        previous = Some(c);
    }
    problems
}

/// What drifted between the approved trees and the trees now.
pub fn drift(statement: &Statement, now: &[scanner_core::report::ServerReport]) -> Vec<String> {
    let approved: BTreeMap<&str, &Vec<TreeLine>> = statement
        .predicate
        .supplygate
        .servers
        .iter()
        .map(|s| (s.name.as_str(), &s.packages))
        .collect();
    let mut drifted = Vec::new();
    let mut seen = Vec::new();
    for s in now {
        let name = s.key().to_string();
        seen.push(name.clone());
        let Some(before) = approved.get(name.as_str()) else {
            if s.tree.is_some() {
                drifted.push(format!(
                    "server {name}: not in the receipt (configured since)"
                ));
            }
            continue;
        };
        if s.tree.is_none() {
            drifted.push(format!("server {name}: its tree is not found now"));
            continue;
        }
        let lines = tree_lines(&s.packages);
        if tree_digest(&lines) != tree_digest(before) {
            drifted.push(format!(
                "server {name}: tree changed: {}",
                what_changed(before, &lines)
            ));
        }
    }
    for name in approved.keys().filter(|n| !seen.iter().any(|s| s == *n)) {
        drifted.push(format!("server {name}: in the receipt, not configured now"));
    }
    drifted
}

fn refs(lines: &[TreeLine]) -> Vec<PackageRef> {
    lines
        .iter()
        .filter_map(|l| {
            let ecosystem = serde_json::from_value(serde_json::json!(l.ecosystem)).ok()?;
            Some(PackageRef {
                ecosystem,
                name: l.name.clone(),
                version: l.version.clone(),
            })
        })
        .collect()
}

fn what_changed(before: &[TreeLine], now: &[TreeLine]) -> String {
    let changes = diff_trees(&refs(before), &refs(now));
    if !changes.is_empty() {
        return changes.summary();
    }
    let moved: Vec<String> = now
        .iter()
        .filter(|l| !before.contains(l))
        .map(|l| format!("{}@{} integrity now {:?}", l.name, l.version, l.integrity))
        .collect();
    moved.join("; ")
}

/// Runs `receipt verify`. `trees` is the servers found now, when discovery
/// options were given.
pub fn run(
    path: &Path,
    key_path: &Path,
    trees: Option<Box<dyn FnOnce() -> Result<Vec<scanner_core::report::ServerReport>>>>,
) -> Result<Exit> {
    let key = load_public(key_path)?;
    let meta = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("receipt {}: cannot be read: {e}", path.display()))?;
    let mut problems = Vec::new();
    let mut checked: Vec<(u64, Checked)> = Vec::new();
    if meta.is_dir() {
        let entries = log::entries(path)?;
        if entries.is_empty() {
            bail!(
                "receipt log {}: holds no receipts (NNNNNN.intoto.json)",
                path.display()
            );
        }
        for (n, file) in entries {
            checked.push((n, read(&file, &key)?));
        }
        problems.extend(chain(&checked));
    } else {
        checked.push((0, read(path, &key)?));
    }
    let invalid = checked
        .iter()
        .filter(|(_, c)| c.statement.is_none())
        .count();
    let mut out = std::io::stdout().lock();
    for (_, c) in &checked {
        if let Some(s) = &c.statement {
            let p = &s.predicate;
            writeln!(
                out,
                "ok {}: {} at {}, {} subjects",
                c.label,
                p.verification_result,
                p.time_verified,
                s.subject.len()
            )?;
        }
    }
    for p in &problems {
        writeln!(out, "INVALID {p}")?;
    }
    let mut drifted = Vec::new();
    if let (Some(trees), Some((_, last))) = (trees, checked.last()) {
        match &last.statement {
            Some(s) => drifted = drift(s, &trees()?),
            None => writeln!(out, "DRIFT not checked: {} is not valid", last.label)?,
        }
        for d in &drifted {
            writeln!(out, "DRIFT {d}")?;
        }
    }
    let verdict = if invalid + problems.len() > 0 {
        "INVALID"
    } else if !drifted.is_empty() {
        "DRIFTED"
    } else {
        "VALID"
    };
    writeln!(
        out,
        "{verdict}: {} receipt(s), {invalid} invalid, {} chain problem(s), {} drifted server(s)",
        checked.len(),
        problems.len(),
        drifted.len()
    )?;
    Ok(if verdict == "VALID" {
        Exit::Passed
    } else {
        Exit::Blocked
    })
}
