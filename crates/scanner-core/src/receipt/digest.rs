//! The documented digest of a resolved tree, as receipts carry it.
//!
//! One line per installed package, `ecosystem TAB name TAB version TAB
//! integrity LF`, where `integrity` is the published integrity the tree
//! records (npm lockfile SRI, e.g. `sha512-…`) or empty when none is
//! recorded (Python installs, global npm installs). Lines are sorted
//! bytewise, then concatenated; the digest is the lowercase hex SHA-256 of
//! that text. A tree with two copies of one package has two equal lines.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::report::PackageEntry;

/// One package of a tree, as the digest reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TreeLine {
    /// `npm`, `PyPI`, …
    pub ecosystem: String,
    /// The package name.
    pub name: String,
    /// The installed version.
    pub version: String,
    /// The published integrity, or empty.
    #[serde(default)]
    pub integrity: String,
}

impl TreeLine {
    fn text(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\n",
            self.ecosystem, self.name, self.version, self.integrity
        )
    }
}

/// The sorted lines of a tree's packages.
pub fn tree_lines(packages: &[PackageEntry]) -> Vec<TreeLine> {
    let mut lines: Vec<TreeLine> = packages
        .iter()
        .map(|p| TreeLine {
            ecosystem: p.package.ecosystem.as_str().to_string(),
            name: p.package.name.clone(),
            version: p.package.version.clone(),
            integrity: p.published_integrity.clone().unwrap_or_default(),
        })
        .collect();
    lines.sort_by_key(TreeLine::text);
    lines
}

/// The digest of `lines` (sorted here, so any order gives the same digest).
pub fn tree_digest(lines: &[TreeLine]) -> String {
    let mut text: Vec<String> = lines.iter().map(TreeLine::text).collect();
    text.sort();
    hex::encode(Sha256::digest(text.concat().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, version: &str, integrity: &str) -> TreeLine {
        TreeLine {
            ecosystem: "npm".into(),
            name: name.into(),
            version: version.into(),
            integrity: integrity.into(),
        }
    }

    #[test]
    fn the_digest_is_the_documented_text() {
        let lines = [line("b", "1.0.0", ""), line("a", "2.0.0", "sha512-x")];
        let text = "npm\ta\t2.0.0\tsha512-x\nnpm\tb\t1.0.0\t\n";
        assert_eq!(tree_digest(&lines), hex::encode(Sha256::digest(text)));
        let reversed = [lines[1].clone(), lines[0].clone()];
        assert_eq!(tree_digest(&lines), tree_digest(&reversed));
        assert_ne!(
            tree_digest(&lines),
            tree_digest(&[line("a", "2.0.1", "sha512-x")])
        );
    }
}
