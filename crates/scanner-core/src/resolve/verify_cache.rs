//! What earlier scans verified, so a repeat scan reads only what changed.
//!
//! A file is known by its identity on disk, the way git's index knows it:
//! device, inode, size, mtime and ctime. Any write to a file, a `touch -r`
//! that puts its mtime back, a chmod or a rename changes its ctime, which no
//! user can set. A cache entry is the sha256 of that identity, of what the
//! file was checked against (a RECORD sha256, or a path inside a published
//! npm tarball) and of a salt naming this user on this machine: an entry
//! can only say "this exact file was found to hold exactly this", and a
//! cache copied from another machine or user matches nothing.
//!
//! Off Unix, stable std gives no inode and no ctime: the identity is size,
//! mtime, creation time and file attributes, which is WEAKER (a same-size
//! rewrite with its mtime put back is not seen; see `FileStamp::portable`);
//! `--no-verify-cache` reads every file every time.
//!
//! The scanner core only holds the entries; the CLI loads them from beside
//! the advisories store and saves what a scan learned.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

/// One cache entry: the sha256 of a salt, a file identity and an expectation.
pub type CacheKey = [u8; 32];

/// A file changed less than this before a scan started is not remembered:
/// a later write within the same timestamp tick (coarse clocks, 2-second
/// FAT times) could keep its identity (git calls such entries racy).
pub const RACY_MARGIN: Duration = Duration::from_secs(2);

/// The entries a scan starts from, or the new ones it learned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheEntries {
    /// Files known to hold what they were checked against.
    pub files: Vec<CacheKey>,
    /// The regular files of each published npm tarball verified before (by
    /// [`VerifyCache::listing_key`]), as paths inside the package.
    pub listings: Vec<(CacheKey, Vec<String>)>,
}

/// What one scan did with the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// Files found unchanged since an earlier scan verified them: not read.
    pub unchanged: u64,
    /// Files read and compared.
    pub read: u64,
}

/// Earlier verification results and what this scan learns. Shared by the
/// threads verifying packages.
#[derive(Debug)]
pub struct VerifyCache {
    salt: [u8; 32],
    /// Files changed at or after this instant are not remembered.
    trust_before: SystemTime,
    files: HashSet<CacheKey>,
    listings: HashMap<CacheKey, Vec<String>>,
    used: Mutex<HashSet<CacheKey>>,
    learned: Mutex<CacheEntries>,
    unchanged: AtomicU64,
    read: AtomicU64,
}

/// What a file was checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expected<'a> {
    /// A RECORD row's sha256.
    Sha256(&'a [u8; 32]),
    /// The file at `path` inside the npm tarball whose sha512 is `tarball`.
    InTarball { tarball: &'a [u8], path: &'a str },
    /// The npm tarball itself, with this sha512.
    Tarball(&'a [u8]),
}

/// A file's identity on disk. On Unix any change to the file changes it
/// (its ctime moves); elsewhere it is weaker, see [`FileStamp::portable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    /// Unix: the device. Elsewhere: the file attributes (Windows), or 0.
    dev: u64,
    /// Unix: the inode. Elsewhere: 0 (stable std gives no file index).
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    /// Unix: the status change time, which no user can set. Elsewhere: the
    /// creation time, which a user can set.
    ctime: (i64, i64),
}

impl FileStamp {
    /// The identity of the file `meta` describes.
    #[cfg(unix)]
    pub(crate) fn of(meta: &std::fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        Some(FileStamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// The identity of the file `meta` describes, from what stable std
    /// offers off Unix (see [`FileStamp::portable`]).
    #[cfg(not(unix))]
    pub(crate) fn of(meta: &std::fs::Metadata) -> Option<FileStamp> {
        #[cfg(windows)]
        let attributes = u64::from(std::os::windows::fs::MetadataExt::file_attributes(meta));
        #[cfg(not(windows))]
        let attributes = 0;
        FileStamp::portable(meta.len(), meta.modified(), meta.created(), attributes)
    }

    /// An identity from size, modification time, creation time and file
    /// attributes: all that stable std gives on every platform (no inode,
    /// no status change time). WEAKER than the Unix identity: a file
    /// rewritten at the same size whose modification time is then put back
    /// (`SetFileTime`, `touch -r`) keeps it, so a repeat scan would not read
    /// it again. `None` (nothing cached, every file read) when the platform
    /// gives no modification time or a time before 1970.
    #[cfg_attr(unix, allow(dead_code))]
    pub(crate) fn portable(
        size: u64,
        modified: std::io::Result<SystemTime>,
        created: std::io::Result<SystemTime>,
        attributes: u64,
    ) -> Option<FileStamp> {
        let split = |t: SystemTime| {
            let d = t.duration_since(UNIX_EPOCH).ok()?;
            Some((
                i64::try_from(d.as_secs()).ok()?,
                i64::from(d.subsec_nanos()),
            ))
        };
        let mtime = split(modified.ok()?)?;
        // Not every file system records a creation time: the mtime stands in.
        let ctime = created.ok().and_then(split).unwrap_or(mtime);
        Some(FileStamp {
            dev: attributes,
            ino: 0,
            size,
            mtime,
            ctime,
        })
    }

    /// True when neither time is before `limit`.
    fn changed_since(&self, limit: SystemTime) -> bool {
        let nanos = |(s, n): (i64, i64)| i128::from(s) * 1_000_000_000 + i128::from(n);
        let limit = match limit.duration_since(UNIX_EPOCH) {
            Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
            Err(_) => return true,
        };
        nanos(self.mtime) >= limit || nanos(self.ctime) >= limit
    }
}

impl VerifyCache {
    /// A cache holding `known` entries for the user and machine `salt`
    /// names, for a scan that started at `started`.
    pub fn new(salt: [u8; 32], started: SystemTime, known: CacheEntries) -> VerifyCache {
        VerifyCache {
            salt,
            trust_before: started.checked_sub(RACY_MARGIN).unwrap_or(UNIX_EPOCH),
            files: known.files.into_iter().collect(),
            listings: known.listings.into_iter().collect(),
            used: Mutex::new(HashSet::new()),
            learned: Mutex::new(CacheEntries::default()),
            unchanged: AtomicU64::new(0),
            read: AtomicU64::new(0),
        }
    }

    /// The key under which the file list of the npm tarball with sha512
    /// `tarball` is kept.
    pub fn listing_key(&self, tarball: &[u8]) -> CacheKey {
        let mut h = self.hasher(b'L');
        h.update(tarball);
        h.finalize().into()
    }

    /// The entries this scan learned (files verified that were not known).
    pub fn learned(&self) -> CacheEntries {
        lock(&self.learned).clone()
    }

    /// The known entries this scan found still true.
    pub fn used(&self) -> HashSet<CacheKey> {
        lock(&self.used).clone()
    }

    /// How many files were found unchanged, and how many were read.
    pub fn usage(&self) -> CacheUse {
        CacheUse {
            unchanged: self.unchanged.load(Ordering::Relaxed),
            read: self.read.load(Ordering::Relaxed),
        }
    }

    /// True when the file with identity `stamp` was verified against
    /// `expected` by an earlier scan and has not changed since.
    pub(crate) fn knows(&self, stamp: Option<&FileStamp>, expected: Expected<'_>) -> bool {
        let Some(key) = stamp.map(|s| self.key(s, expected)) else {
            return false;
        };
        let known = self.files.contains(&key);
        if known {
            lock(&self.used).insert(key);
        }
        known
    }

    /// Counts files found unchanged (not read) and files read.
    pub(crate) fn count(&self, unchanged: u64, read: u64) {
        self.unchanged.fetch_add(unchanged, Ordering::Relaxed);
        self.read.fetch_add(read, Ordering::Relaxed);
    }

    /// Remembers files found to hold what they were checked against, all
    /// or none: `false` (nothing kept) when one changed too recently to be
    /// trusted by identity or has no identity.
    pub(crate) fn remember(&self, verified: &[(Option<FileStamp>, Expected<'_>)]) -> bool {
        let mut keys = Vec::with_capacity(verified.len());
        for (stamp, expected) in verified {
            match stamp {
                Some(s) if !s.changed_since(self.trust_before) => keys.push(self.key(s, *expected)),
                _ => return false,
            }
        }
        let new: Vec<CacheKey> = keys
            .into_iter()
            .filter(|k| !self.files.contains(k))
            .collect();
        lock(&self.learned).files.extend(new);
        true
    }

    /// The file list of a tarball verified before, if every path in it is
    /// a plain relative path (a damaged list is not used).
    pub(crate) fn listing(&self, tarball: &[u8]) -> Option<&[String]> {
        let key = self.listing_key(tarball);
        let paths = self.listings.get(&key)?;
        let plain = |p: &String| {
            !p.is_empty()
                && Path::new(p)
                    .components()
                    .all(|c| matches!(c, Component::Normal(_)))
        };
        if !paths.iter().all(plain) {
            return None;
        }
        lock(&self.used).insert(key);
        Some(paths)
    }

    /// Keeps the file list of a tarball whose files were all verified.
    pub(crate) fn remember_listing(&self, tarball: &[u8], paths: Vec<String>) {
        let key = self.listing_key(tarball);
        if self.listings.get(&key) != Some(&paths) {
            lock(&self.learned).listings.push((key, paths));
        }
    }

    fn hasher(&self, kind: u8) -> Sha256 {
        let mut h = Sha256::new();
        h.update(b"supplygate verify cache 1\0");
        h.update(self.salt);
        h.update([kind]);
        h
    }

    fn key(&self, s: &FileStamp, expected: Expected<'_>) -> CacheKey {
        let mut h = self.hasher(b'F');
        for n in [s.dev, s.ino, s.size] {
            h.update(n.to_le_bytes());
        }
        for n in [s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1] {
            h.update(n.to_le_bytes());
        }
        let mut field = |tag: u8, bytes: &[u8]| {
            h.update([tag]);
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        match expected {
            Expected::Sha256(d) => field(b's', d),
            Expected::InTarball { tarball, path } => {
                field(b't', tarball);
                field(b'p', path.as_bytes());
            }
            Expected::Tarball(d) => field(b'T', d),
        }
        h.finalize().into()
    }
}

/// A poisoned lock only means another verifying thread panicked; the sets
/// it guards are still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn stamp_of(path: &Path) -> Option<FileStamp> {
        FileStamp::of(&std::fs::symlink_metadata(path).unwrap())
    }

    #[cfg(unix)]
    #[test]
    fn a_remembered_file_is_known_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.py");
        std::fs::write(&f, b"print(1)").unwrap();
        let later = SystemTime::now() + Duration::from_secs(10);
        let digest = [7u8; 32];
        let first = VerifyCache::new([1; 32], later, CacheEntries::default());
        assert!(first.remember(&[(stamp_of(&f), Expected::Sha256(&digest))]));
        let learned = first.learned();
        assert_eq!(learned.files.len(), 1);

        let second = VerifyCache::new([1; 32], later, learned.clone());
        assert!(second.knows(stamp_of(&f).as_ref(), Expected::Sha256(&digest)));
        assert!(!second.knows(stamp_of(&f).as_ref(), Expected::Sha256(&[8; 32])));
        let other_user = VerifyCache::new([2; 32], later, learned.clone());
        assert!(!other_user.knows(stamp_of(&f).as_ref(), Expected::Sha256(&digest)));

        let mtime = std::fs::metadata(&f).unwrap().modified().unwrap();
        std::fs::write(&f, b"print(2)").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let third = VerifyCache::new([1; 32], later, learned);
        assert!(!third.knows(stamp_of(&f).as_ref(), Expected::Sha256(&digest)));
    }

    #[cfg(unix)]
    #[test]
    fn files_changed_just_before_the_scan_are_not_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.py");
        std::fs::write(&f, b"x").unwrap();
        let cache = VerifyCache::new([1; 32], SystemTime::now(), CacheEntries::default());
        assert!(!cache.remember(&[(stamp_of(&f), Expected::Sha256(&[0; 32]))]));
        assert!(cache.learned().files.is_empty());
    }

    /// The identity used off Unix, checked here on every platform: a
    /// change of size or modification time is seen; the documented
    /// weakness (same size, mtime put back) is not.
    #[test]
    fn the_portable_identity_sees_size_and_mtime_changes_only() {
        let t = |s: u64| Ok(UNIX_EPOCH + Duration::from_secs(s));
        let base = FileStamp::portable(10, t(1_000), t(500), 32).unwrap();
        assert_eq!(FileStamp::portable(10, t(1_000), t(500), 32), Some(base));
        assert_ne!(FileStamp::portable(11, t(1_000), t(500), 32), Some(base));
        assert_ne!(FileStamp::portable(10, t(1_001), t(500), 32), Some(base));
        assert_ne!(FileStamp::portable(10, t(1_000), t(501), 32), Some(base));
        assert_ne!(FileStamp::portable(10, t(1_000), t(500), 33), Some(base));
        let no_birth = Err(std::io::Error::other("no creation time here"));
        let fallback = FileStamp::portable(10, t(1_000), no_birth, 32).unwrap();
        assert_eq!(fallback.ctime, fallback.mtime);
        let no_mtime = Err(std::io::Error::other("no modification time"));
        assert_eq!(FileStamp::portable(10, no_mtime, t(500), 32), None);
        let before_1970 = Ok(UNIX_EPOCH - Duration::from_secs(1));
        assert_eq!(FileStamp::portable(10, before_1970, t(500), 32), None);

        // Keys differ for differing identities, and the racy rule applies.
        let later = UNIX_EPOCH + Duration::from_secs(10_000);
        let cache = VerifyCache::new([1; 32], later, CacheEntries::default());
        let other = FileStamp::portable(11, t(1_000), t(500), 32).unwrap();
        let d = [3u8; 32];
        assert_ne!(
            cache.key(&base, Expected::Sha256(&d)),
            cache.key(&other, Expected::Sha256(&d))
        );
        assert!(cache.remember(&[(Some(base), Expected::Sha256(&d))]));
        let fresh = FileStamp::portable(10, t(9_999), t(500), 32).unwrap();
        assert!(!cache.remember(&[(Some(fresh), Expected::Sha256(&d))]));
    }

    #[test]
    fn listings_with_unsafe_paths_are_not_used() {
        let probe = VerifyCache::new([1; 32], SystemTime::now(), CacheEntries::default());
        let key = probe.listing_key(b"t");
        for bad in ["../x", "/etc/passwd", "", "a/../../b"] {
            let known = CacheEntries {
                files: Vec::new(),
                listings: vec![(key, vec!["ok.js".into(), bad.into()])],
            };
            let cache = VerifyCache::new([1; 32], SystemTime::now(), known);
            assert_eq!(cache.listing(b"t"), None, "{bad}");
        }
    }
}
