//! File hashing for verification: every file once (hard links share one
//! hash), on every core, with a cap per file.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::Integrity;

/// Largest installed file hashed; bigger files are reported as unreadable.
const MAX_FILE_BYTES: u64 = 1 << 30;

/// The sha256 and size of a file, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileHash {
    /// The file's size and sha256.
    Hashed {
        /// Its size in bytes.
        size: u64,
        /// Its sha256.
        sha256: [u8; 32],
    },
    /// Not there.
    Missing,
    /// There but not a regular file, too big, or unreadable.
    Unreadable(String),
}

/// Identity of a file's content on disk: hard links share it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FileId(u64, u64);

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some(FileId(meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> Option<FileId> {
    None
}

/// Hashes `paths` in parallel. Symlinks are never followed (a symlink is
/// `Unreadable`); a file reached through several hard links is read once.
pub fn hash_files(paths: &[PathBuf]) -> HashMap<PathBuf, FileHash> {
    let stats: Vec<(&PathBuf, Result<std::fs::Metadata, FileHash>)> =
        paths.par_iter().map(|p| (p, stat(p))).collect();
    let mut by_id: HashMap<FileId, &PathBuf> = HashMap::new();
    let mut unique: Vec<&PathBuf> = Vec::new();
    for (p, meta) in &stats {
        let Ok(meta) = meta else { continue };
        match file_id(meta) {
            Some(id) if by_id.contains_key(&id) => {}
            Some(id) => {
                by_id.insert(id, p);
                unique.push(p);
            }
            None => unique.push(p),
        }
    }
    let hashed: HashMap<&PathBuf, FileHash> =
        unique.par_iter().map(|p| (*p, hash_one(p))).collect();
    stats
        .into_iter()
        .map(|(p, meta)| {
            let h = match meta {
                Err(e) => e,
                Ok(meta) => {
                    let first = file_id(&meta).and_then(|id| by_id.get(&id).copied());
                    hashed[first.unwrap_or(p)].clone()
                }
            };
            (p.clone(), h)
        })
        .collect()
}

fn stat(path: &Path) -> Result<std::fs::Metadata, FileHash> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FileHash::Missing),
        Err(e) => Err(FileHash::Unreadable(e.to_string())),
        Ok(m) if !m.is_file() => Err(FileHash::Unreadable("not a regular file".into())),
        Ok(m) if m.len() > MAX_FILE_BYTES => Err(FileHash::Unreadable("too big".into())),
        Ok(m) => Ok(m),
    }
}

fn hash_one(path: &Path) -> FileHash {
    let read = || -> std::io::Result<FileHash> {
        let mut file = std::fs::File::open(path)?.take(MAX_FILE_BYTES);
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 << 10];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            size += n as u64;
            hasher.update(&buf[..n]);
        }
        Ok(FileHash::Hashed {
            size,
            sha256: hasher.finalize().into(),
        })
    };
    read().unwrap_or_else(|e| FileHash::Unreadable(e.to_string()))
}

/// Verifies every package of `tree` in place: npm packages against their
/// cached tarballs, Python packages against their RECORDs. Adds an issue
/// for each RECORD path that leaves the environment.
pub(super) fn verify_tree(tree: &mut super::InstalledTree) {
    if let Some(cache) = tree.npm_cache.clone() {
        let root = tree.root.clone();
        tree.packages.par_iter_mut().for_each(|p| {
            if let Some(sri) = p.published.as_deref() {
                p.integrity = super::npm::cacache::verify(&cache, Some(sri), &root.join(&p.path));
            }
        });
    } else {
        let escapes = super::python::venv::verify_env(tree);
        tree.issues.extend(escapes);
    }
    // Whatever no verifier reached is not verified: never left pending.
    for p in &mut tree.packages {
        if p.integrity == Integrity::Pending {
            p.integrity = Integrity::Unverified {
                reason: "not checked".into(),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_links_share_one_hash_and_symlinks_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"hello").unwrap();
        let b = dir.path().join("b");
        std::fs::hard_link(&a, &b).unwrap();
        let paths = vec![a.clone(), b.clone(), dir.path().join("gone")];
        let h = hash_files(&paths);
        assert_eq!(h[&a], h[&b]);
        assert!(matches!(h[&a], FileHash::Hashed { size: 5, .. }));
        assert_eq!(h[&dir.path().join("gone")], FileHash::Missing);
        #[cfg(unix)]
        {
            let l = dir.path().join("l");
            std::os::unix::fs::symlink(&a, &l).unwrap();
            assert!(matches!(
                hash_files(std::slice::from_ref(&l))[&l],
                FileHash::Unreadable(_)
            ));
        }
    }
}
