//! File hashing for verification: every file once (hard links share one
//! hash), on every core, with a cap per file, per package and per scan.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use advisories_cache::{NoProgress, Progress, Unit};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::confine::{open_regular, Place, Placer};
use super::verify_cache::{FileStamp, VerifyCache};
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

/// Bytes verification may read: a package over `per_package`, or past what
/// is left of `per_scan`, is not read and is reported (`verification-capped`),
/// so a tree of sparse 1 GiB files cannot make a scan read without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashBudget {
    /// Most bytes read to verify one package.
    pub per_package: u64,
    /// Most bytes read to verify every package of one scan.
    pub per_scan: u64,
}

impl Default for HashBudget {
    /// 4 GiB per package (the largest published wheels, CUDA builds of
    /// torch, install to about 2.5 GB) and 16 GiB per scan (about half a
    /// minute of hashing on two cores).
    fn default() -> Self {
        HashBudget {
            per_package: 4 << 30,
            per_scan: 16 << 30,
        }
    }
}

/// What is left of a scan's budget; shared by every tree of the scan and
/// by the threads verifying packages in parallel.
#[derive(Debug)]
pub struct Spending {
    budget: HashBudget,
    left: AtomicU64,
}

impl Spending {
    /// A fresh scan's budget.
    pub fn new(budget: HashBudget) -> Spending {
        Spending {
            budget,
            left: AtomicU64::new(budget.per_scan),
        }
    }

    /// Reserves `bytes` more for a package that already used `already`;
    /// `Err` says which cap refused it.
    pub fn reserve(&self, already: u64, bytes: u64) -> Result<(), String> {
        let total = already.saturating_add(bytes);
        if total > self.budget.per_package {
            return Err(format!(
                "its files total more than the {} bytes read per package",
                self.budget.per_package
            ));
        }
        self.left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(bytes)
            })
            .map(|_| ())
            .map_err(|_| {
                format!(
                    "the scan reached the {} bytes it may read to verify files",
                    self.budget.per_scan
                )
            })
    }
}

impl Default for Spending {
    fn default() -> Self {
        Spending::new(HashBudget::default())
    }
}

/// Where verification reports how far it has got: the CLI draws a bar on
/// a terminal; the default, [`NoProgress`], tells nobody.
#[derive(Clone)]
pub struct VerifyProgress(pub std::sync::Arc<dyn Progress>);

impl Default for VerifyProgress {
    fn default() -> Self {
        VerifyProgress(std::sync::Arc::new(NoProgress))
    }
}

impl std::fmt::Debug for VerifyProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyProgress")
    }
}

/// What verification may read, what earlier scans already verified, and
/// where it reports progress.
#[derive(Clone, Copy)]
pub(super) struct Check<'a> {
    /// The scan's byte budget.
    pub spending: &'a Spending,
    /// Files verified by earlier scans, when the caller keeps a cache.
    pub known: Option<&'a VerifyCache>,
    /// Receives the progress of this tree's verification.
    pub progress: &'a dyn Progress,
    /// What is verified, as progress names it (`` `fetch`'s files ``).
    pub label: &'a str,
}

impl Check<'_> {
    /// Verification of this tree begins: `total` units to do.
    pub fn start(&self, unit: Unit, total: u64) {
        self.progress
            .start(&format!("verifying {}", self.label), unit, Some(total));
    }
}

/// A file about to be hashed: where it really is, its size and identity.
#[derive(Debug, Clone)]
pub struct Stat {
    real: PathBuf,
    /// Its size on disk.
    pub size: u64,
    id: Option<FileId>,
    /// Its identity for the verification cache.
    pub(crate) stamp: Option<FileStamp>,
}

/// Stats every path of the tree at `root` without following a symlink out
/// of it (or a final symlink at all): a path that leads out is
/// `Unreadable`, never opened.
pub fn stat_files(root: &Path, paths: &[PathBuf]) -> Vec<Result<Stat, FileHash>> {
    let mut placer = Placer::new(root);
    let placed: Vec<Place> = paths.iter().map(|p| placer.place_file(p)).collect();
    placed.into_par_iter().map(stat).collect()
}

/// Hashes `paths` of the tree at `root` in parallel (see `stat_files`);
/// a file reached through several hard links is read once.
pub fn hash_files(root: &Path, paths: &[PathBuf]) -> HashMap<PathBuf, FileHash> {
    let stats = stat_files(root, paths);
    hash_stats(paths.iter().cloned().zip(stats).collect(), &NoProgress)
}

/// Hashes the files already statted, reporting every byte read to
/// `progress`; errors pass through unchanged.
pub fn hash_stats(
    items: Vec<(PathBuf, Result<Stat, FileHash>)>,
    progress: &dyn Progress,
) -> HashMap<PathBuf, FileHash> {
    let mut by_id: HashMap<FileId, usize> = HashMap::new();
    let mut unique: Vec<(usize, &Stat)> = Vec::new();
    for (i, (_, stat)) in items.iter().enumerate() {
        let Ok(stat) = stat else { continue };
        match stat.id {
            Some(id) if by_id.contains_key(&id) => {}
            Some(id) => {
                by_id.insert(id, i);
                unique.push((i, stat));
            }
            None => unique.push((i, stat)),
        }
    }
    let hashed: HashMap<usize, FileHash> = unique
        .par_iter()
        .map(|&(i, stat)| (i, hash_one(&stat.real, stat.size, progress)))
        .collect();
    items
        .into_iter()
        .enumerate()
        .map(|(i, (p, stat))| {
            let h = match stat {
                Err(e) => e,
                Ok(stat) => {
                    let first = stat.id.and_then(|id| by_id.get(&id).copied());
                    hashed[&first.unwrap_or(i)].clone()
                }
            };
            (p, h)
        })
        .collect()
}

fn stat(place: Place) -> Result<Stat, FileHash> {
    let real = match place {
        Place::Inside(real) => real,
        Place::Outside(real) => {
            return Err(FileHash::Unreadable(format!(
                "leads outside the tree through a symlink, to {}; not read",
                real.display()
            )))
        }
        Place::Missing => return Err(FileHash::Missing),
    };
    match std::fs::symlink_metadata(&real) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FileHash::Missing),
        Err(e) => Err(FileHash::Unreadable(e.to_string())),
        Ok(m) if !m.is_file() => Err(FileHash::Unreadable("not a regular file".into())),
        Ok(m) if m.len() > MAX_FILE_BYTES => Err(FileHash::Unreadable("too big".into())),
        Ok(m) => Ok(Stat {
            size: m.len(),
            id: file_id(&m),
            stamp: FileStamp::of(&m),
            real,
        }),
    }
}

/// Streams the file through sha256; reads at most one byte more than its
/// size when statted (a file growing meanwhile then simply differs).
fn hash_one(path: &Path, size: u64, progress: &dyn Progress) -> FileHash {
    let read = || -> std::io::Result<FileHash> {
        let mut file = open_regular(path)?.take(size.saturating_add(1));
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
            progress.advance(n as u64);
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
pub(super) fn verify_tree(tree: &mut super::InstalledTree, check: &Check<'_>) {
    let issues = if let Some(cache) = tree.npm_cache.clone() {
        super::npm::cacache::verify_tree(tree, &cache, check)
    } else {
        super::python::venv::verify_env(tree, check)
    };
    check.progress.finish();
    tree.issues.extend(issues);
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
        let h = hash_files(dir.path(), &paths);
        assert_eq!(h[&a], h[&b]);
        assert!(matches!(h[&a], FileHash::Hashed { size: 5, .. }));
        assert_eq!(h[&dir.path().join("gone")], FileHash::Missing);
        #[cfg(unix)]
        {
            let l = dir.path().join("l");
            std::os::unix::fs::symlink(&a, &l).unwrap();
            assert!(matches!(
                hash_files(dir.path(), std::slice::from_ref(&l))[&l],
                FileHash::Unreadable(_)
            ));
        }
    }
}
