//! The verification cache on disk: one file beside the advisories store,
//! loaded before a scan and rewritten when the scan verified new files.
//!
//! A cache that is damaged, too large, not this user's, writable by others
//! or written for another user or machine is ignored (every file is read
//! again) and replaced: it can cost time, never turn a change into a pass.
//!
//! The format is hand-written because it is a flat list of fixed-size keys
//! with a checksum: (magic, version, generation, salt, counts, entries,
//! sha256 of everything before it), little-endian.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{bail, Context, Result};
use scanner_core::resolve::verify_cache::{CacheEntries, CacheKey};
use scanner_core::resolve::VerifyCache;
use sha2::{Digest, Sha256};

/// The cache's file name inside the store folder.
pub const FILE: &str = "verify-cache.bin";

const MAGIC: &[u8; 8] = b"SGVCACHE";
const VERSION: u32 = 1;
/// Largest cache read: about a million files.
const MAX_BYTES: u64 = 64 << 20;
/// Most paths in one npm tarball listing (the verifier's entry cap).
const MAX_LISTING: u32 = 100_000;
/// An entry no scan used over this many rewrites of the cache is dropped.
const KEEP_GENERATIONS: u32 = 8;
/// Most file entries kept (the most recently used first).
const MAX_FILES: usize = 1_000_000;

/// The cache a scan uses, where it lives, and what it was loaded with.
pub struct Loaded {
    /// Where the cache is kept.
    pub path: PathBuf,
    /// What the scan reads and adds to.
    pub cache: Arc<VerifyCache>,
    stored: Stored,
    /// True when the file on disk was unusable and must be replaced.
    rejected: bool,
}

/// The cache as stored: entries with the generation that last used them.
#[derive(Debug, Default, PartialEq)]
struct Stored {
    generation: u32,
    salt: [u8; 32],
    files: Vec<(CacheKey, u32)>,
    listings: Vec<(CacheKey, u32, Vec<String>)>,
}

/// Loads the cache of the store in `db` for a scan starting at `started`;
/// a cache that cannot be trusted is said on stderr and treated as empty.
pub fn load(db: &Path, started: SystemTime) -> Loaded {
    let path = db.join(FILE);
    let salt = salt();
    let (stored, rejected) = match read(&path, &salt) {
        Ok(Some(stored)) => (stored, false),
        Ok(None) => (Stored::default(), false),
        Err(e) => {
            say!(
                "warning: verification cache {} ignored ({e:#}): every file is read again and the cache is rewritten",
                path.display()
            );
            (Stored::default(), true)
        }
    };
    let known = CacheEntries {
        files: stored.files.iter().map(|(k, _)| *k).collect(),
        listings: stored
            .listings
            .iter()
            .map(|(k, _, paths)| (*k, paths.clone()))
            .collect(),
    };
    Loaded {
        path,
        cache: Arc::new(VerifyCache::new(salt, started, known)),
        stored: Stored { salt, ..stored },
        rejected,
    }
}

/// Saves what the scan learned, unless nothing changed or the cache would
/// be written inside a scanned tree. A store folder this user cannot write
/// (a shared, read-only store) is no error: the cache is only not kept.
pub fn save(loaded: Loaded, tree_roots: &[&Path]) {
    let learned = loaded.cache.learned();
    if learned.files.is_empty() && learned.listings.is_empty() && !loaded.rejected {
        return;
    }
    if let Some(root) = inside_tree(&loaded.path, tree_roots) {
        say!(
            "warning: verification cache {} not written: it is inside the scanned tree {}",
            loaded.path.display(),
            root.display()
        );
        return;
    }
    let used = loaded.cache.used();
    let next = merged(loaded.stored, learned, &used);
    if let Err(e) = write(&loaded.path, &next) {
        let denied = e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>().is_some_and(|io| {
                matches!(
                    io.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                )
            })
        });
        if !denied {
            say!(
                "warning: verification cache {} not written: {e:#}",
                loaded.path.display()
            );
        }
    }
}

fn inside_tree<'a>(path: &Path, roots: &[&'a Path]) -> Option<&'a Path> {
    let dir = path.parent()?.canonicalize().ok()?;
    roots
        .iter()
        .copied()
        .find(|root| root.canonicalize().is_ok_and(|root| dir.starts_with(root)))
}

/// The next cache: what this scan learned or used at a new generation,
/// what it did not use kept for a few generations, the newest first.
fn merged(old: Stored, learned: CacheEntries, used: &HashSet<CacheKey>) -> Stored {
    let now = old.generation.wrapping_add(1);
    let fresh = |gen: u32| now.wrapping_sub(gen) <= KEEP_GENERATIONS;
    let mut files: HashMap<CacheKey, u32> = old
        .files
        .into_iter()
        .map(|(k, g)| (k, if used.contains(&k) { now } else { g }))
        .filter(|(_, g)| fresh(*g))
        .collect();
    files.extend(learned.files.into_iter().map(|k| (k, now)));
    let mut files: Vec<(CacheKey, u32)> = files.into_iter().collect();
    files.sort_by_key(|(k, g)| (now.wrapping_sub(*g), *k));
    files.truncate(MAX_FILES);
    let mut listings: HashMap<CacheKey, (u32, Vec<String>)> = old
        .listings
        .into_iter()
        .map(|(k, g, p)| (k, (if used.contains(&k) { now } else { g }, p)))
        .filter(|(_, (g, _))| fresh(*g))
        .collect();
    listings.extend(learned.listings.into_iter().map(|(k, p)| (k, (now, p))));
    let mut listings: Vec<(CacheKey, u32, Vec<String>)> =
        listings.into_iter().map(|(k, (g, p))| (k, g, p)).collect();
    listings.sort_by_key(|(k, g, _)| (now.wrapping_sub(*g), *k));
    Stored {
        generation: now,
        salt: old.salt,
        files,
        listings,
    }
}

/// This user on this machine: keys made elsewhere never match here.
fn salt() -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"supplygate verify cache salt 1\0");
    h.update(owner().map(|u| u.to_string()).unwrap_or_default());
    h.update(b"\0");
    for file in [
        "/etc/machine-id",
        "/var/lib/dbus/machine-id",
        "/etc/hostname",
    ] {
        if let Ok(text) = capped_read::read_capped_text(Path::new(file), 4096) {
            h.update(text.trim());
            break;
        }
    }
    h.finalize().into()
}

/// The user this process runs as, where the platform says.
#[cfg(unix)]
fn owner() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .ok()
        .or_else(|| std::fs::metadata(dirs::home_dir()?).ok())
        .map(|m| m.uid())
}

#[cfg(not(unix))]
fn owner() -> Option<u32> {
    None
}

/// The stored cache; `None` when there is none; an error when it must not
/// be trusted.
fn read(path: &Path, salt: &[u8; 32]) -> Result<Option<Stored>> {
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        other => other.context("cannot be read")?,
    };
    trusted_file(&meta)?;
    let bytes = capped_read::read_capped(path, MAX_BYTES).context("cannot be read")?;
    let stored = parse(&bytes)?;
    if &stored.salt != salt {
        bail!("it was written for another user or machine");
    }
    Ok(Some(stored))
}

/// A regular file of this user that no one else may write.
fn trusted_file(meta: &std::fs::Metadata) -> Result<()> {
    if !meta.is_file() {
        bail!("not a regular file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.mode() & 0o022 != 0 {
            bail!("other users may write it (mode {:o})", meta.mode() & 0o777);
        }
        if owner().is_some_and(|me| me != meta.uid()) {
            bail!("it belongs to another user (uid {})", meta.uid());
        }
    }
    Ok(())
}

/// Reads little-endian fields from a byte slice, failing at its end.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            bail!("damaged: it ends early");
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn key(&mut self) -> Result<CacheKey> {
        let mut k = [0u8; 32];
        k.copy_from_slice(self.take(32)?);
        Ok(k)
    }

    /// A count of items of at least `size` bytes each, checked against
    /// what is left (a forged count cannot make a huge allocation).
    fn count(&mut self, size: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(size) > self.0.len() {
            bail!("damaged: a count is larger than the file");
        }
        Ok(n)
    }
}

fn parse(bytes: &[u8]) -> Result<Stored> {
    let Some(body_len) = bytes.len().checked_sub(32) else {
        bail!("damaged: too short");
    };
    let (body, sum) = bytes.split_at(body_len);
    if Sha256::digest(body).as_slice() != sum {
        bail!("damaged: its checksum does not match");
    }
    let mut f = Fields(body);
    if f.take(MAGIC.len())? != MAGIC {
        bail!("not a supplygate verification cache");
    }
    let version = f.u32()?;
    if version != VERSION {
        bail!("format version {version}, this supplygate reads {VERSION}");
    }
    let generation = f.u32()?;
    let salt = f.key()?;
    let nfiles = f.count(36)?;
    let mut files = Vec::with_capacity(nfiles);
    for _ in 0..nfiles {
        files.push((f.key()?, f.u32()?));
    }
    let nlistings = f.count(40)?;
    let mut listings = Vec::with_capacity(nlistings);
    for _ in 0..nlistings {
        let (key, gen) = (f.key()?, f.u32()?);
        let npaths = f.count(4)?;
        if npaths > MAX_LISTING as usize {
            bail!("damaged: a listing of {npaths} paths");
        }
        let mut paths = Vec::with_capacity(npaths);
        for _ in 0..npaths {
            let len = f.count(1)?;
            let path = std::str::from_utf8(f.take(len)?).context("damaged: a path is not UTF-8")?;
            paths.push(path.to_string());
        }
        listings.push((key, gen, paths));
    }
    if !f.0.is_empty() {
        bail!("damaged: bytes after the last entry");
    }
    Ok(Stored {
        generation,
        salt,
        files,
        listings,
    })
}

fn encode(s: &Stored) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&s.generation.to_le_bytes());
    out.extend_from_slice(&s.salt);
    out.extend_from_slice(&len(s.files.len()));
    for (k, g) in &s.files {
        out.extend_from_slice(k);
        out.extend_from_slice(&g.to_le_bytes());
    }
    out.extend_from_slice(&len(s.listings.len()));
    for (k, g, paths) in &s.listings {
        out.extend_from_slice(k);
        out.extend_from_slice(&g.to_le_bytes());
        out.extend_from_slice(&len(paths.len()));
        for p in paths {
            out.extend_from_slice(&len(p.len()));
            out.extend_from_slice(p.as_bytes());
        }
    }
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}

/// Writes the cache atomically (a temporary file beside it, mode 0600,
/// then renamed): a concurrent scan reads the old cache or the new one.
fn write(path: &Path, stored: &Stored) -> Result<()> {
    let bytes = encode(stored);
    if bytes.len() as u64 > MAX_BYTES {
        bail!("it would exceed {MAX_BYTES} bytes");
    }
    crate::atomic_file::replace(path, ".verify-cache", |out| out.write_all(&bytes))
        .map_err(|(_, e)| e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Stored {
        Stored {
            generation: 3,
            salt: [9; 32],
            files: vec![([1; 32], 3), ([2; 32], 1)],
            listings: vec![([3; 32], 2, vec!["index.js".into(), "lib/a.js".into()])],
        }
    }

    #[test]
    fn round_trips() {
        assert_eq!(parse(&encode(&sample())).unwrap(), sample());
    }

    #[test]
    fn any_damaged_byte_is_refused() {
        let good = encode(&sample());
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x40;
            assert!(parse(&bad).is_err(), "byte {i}");
        }
        for n in 0..good.len() {
            assert!(parse(&good[..n]).is_err(), "cut at {n}");
        }
    }

    #[test]
    fn forged_counts_are_refused_without_allocating() {
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&VERSION.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&[0; 32]);
        body.extend_from_slice(&u32::MAX.to_le_bytes());
        let sum = Sha256::digest(&body);
        body.extend_from_slice(&sum);
        assert!(format!("{:#}", parse(&body).unwrap_err()).contains("count"));
    }

    #[test]
    fn unused_entries_age_out_and_used_ones_stay() {
        let old = Stored {
            generation: 20,
            salt: [9; 32],
            files: vec![([1; 32], 20), ([2; 32], 5), ([3; 32], 5)],
            listings: Vec::new(),
        };
        let used: HashSet<CacheKey> = [[3; 32]].into_iter().collect();
        let learned = CacheEntries {
            files: vec![[4; 32]],
            listings: Vec::new(),
        };
        let next = merged(old, learned, &used);
        let keys: Vec<u8> = next.files.iter().map(|(k, _)| k[0]).collect();
        assert_eq!(next.generation, 21);
        assert_eq!(keys, vec![3, 4, 1]);
    }
}
