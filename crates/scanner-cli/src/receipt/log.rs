//! A receipt log: a folder of numbered envelopes, `000001.intoto.json`,
//! `000002.intoto.json`, …; each signed payload records the SHA-256 of the
//! previous file, so a removed, reordered or edited receipt shows.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

const SUFFIX: &str = ".intoto.json";

/// The number of a log file name, when it is one.
pub fn number(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SUFFIX)?;
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The file name of entry `n`.
pub fn name(n: u64) -> String {
    format!("{n:06}{SUFFIX}")
}

/// The numbered entries of `dir`, in order.
pub fn entries(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    let listing = std::fs::read_dir(dir)
        .with_context(|| format!("receipt log {}: cannot be read", dir.display()))?;
    for entry in listing {
        let entry = entry?;
        if let Some(n) = entry.file_name().to_str().and_then(number) {
            found.push((n, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// Where the next receipt goes and what it must chain to.
pub struct Next {
    /// Its path.
    pub path: PathBuf,
    /// Its sequence number.
    pub sequence: u64,
    /// SHA-256 of the last entry.
    pub previous: Option<String>,
}

/// The next entry of the log in `dir` (created when missing).
pub fn next(dir: &Path) -> Result<Next> {
    if dir.exists() && !dir.is_dir() {
        bail!("receipt log {}: not a folder", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let last = entries(dir)?.pop();
    let previous = match &last {
        Some((_, path)) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("receipt log: cannot read {}", path.display()))?;
            Some(hex::encode(Sha256::digest(&bytes)))
        }
        None => None,
    };
    let sequence = last.map_or(1, |(n, _)| n + 1);
    let path = dir.join(name(sequence));
    if path.exists() {
        bail!("receipt log: {} already exists", path.display());
    }
    Ok(Next {
        path,
        sequence,
        previous,
    })
}
