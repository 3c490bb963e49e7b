//! npm's content cache (`<cache>/_cacache`): the published tarball of a
//! package, found by the lockfile's `integrity`, checked against the
//! installed files.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Component, Path, PathBuf};

use advisories_cache::Unit;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use flate2::read::GzDecoder;
use sha2::{Digest, Sha512};

use rayon::prelude::*;

use crate::resolve::confine::{open_regular, Place, Placer};
use crate::resolve::verify::{Check, Spending};
use crate::resolve::verify_cache::{Expected, FileStamp, VerifyCache};
use crate::resolve::{InstalledTree, Integrity, IssueKind, TreeIssue};

/// Largest tarball read from the cache.
const MAX_TARBALL_BYTES: u64 = 256 << 20;
/// Most entries read from a tarball.
const MAX_ENTRIES: usize = 100_000;

/// The sha512 digest of an SRI string (`sha512-<base64>`), if it has one.
pub fn sha512_of(integrity: &str) -> Option<Vec<u8>> {
    integrity
        .split_whitespace()
        .find_map(|h| h.strip_prefix("sha512-"))
        .and_then(|b| STANDARD.decode(b).ok())
        .filter(|d| d.len() == 64)
}

/// `content-v2/sha512/<2>/<2>/<rest>` of a digest.
pub fn content_path(cache: &Path, digest: &[u8]) -> PathBuf {
    let hex = hex::encode(digest);
    cache
        .join("_cacache/content-v2/sha512")
        .join(&hex[..2])
        .join(&hex[2..4])
        .join(&hex[4..])
}

/// Verifies every npm package of `tree` that has a recorded integrity
/// against its cached tarball, in parallel; returns an issue for each
/// package the byte budget stopped.
pub fn verify_tree(tree: &mut InstalledTree, cache: &Path, check: &Check<'_>) -> Vec<TreeIssue> {
    let root = tree.root.clone();
    check.start(Unit::Packages, tree.packages.len() as u64);
    let capped: Vec<(usize, String)> = tree
        .packages
        .par_iter_mut()
        .enumerate()
        .filter_map(|(i, p)| {
            let sri = p.published.clone();
            let verified = sri.map(|sri| verify(cache, &sri, &root, &p.path, check));
            check.progress.advance(1);
            let (integrity, capped) = verified?;
            p.integrity = integrity;
            capped.map(|why| {
                (
                    i,
                    format!("{}@{} ({}): not verified: {why}", p.name, p.version, p.path),
                )
            })
        })
        .collect();
    capped
        .into_iter()
        .map(|(i, message)| TreeIssue {
            kind: IssueKind::VerificationCapped,
            package: Some(i),
            message,
        })
        .collect()
}

/// Verifies the package installed at `root/rel` against its cached
/// tarball; the second value says why the byte budget stopped it.
fn verify(
    cache: &Path,
    integrity: &str,
    root: &Path,
    rel: &str,
    check: &Check<'_>,
) -> (Integrity, Option<String>) {
    let unverified = |reason: &str| Integrity::Unverified {
        reason: reason.into(),
    };
    let Some(digest) = sha512_of(integrity) else {
        return (unverified("integrity is not a sha512 SRI"), None);
    };
    let path = content_path(cache, &digest);
    let mut placer = Placer::new(root);
    let dir = root.join(rel);
    if let Some(known) = check.known {
        if unchanged(known, &path, &digest, &mut placer, &dir) {
            return (Integrity::Verified, None);
        }
    }
    let (tarball, tarball_stamp) = match open_tarball(&path, &digest) {
        Ok(Some(file)) => file,
        Ok(None) => return (unverified("tarball not in the npm cache"), None),
        Err(e) => return (mismatch_other(format!("cached tarball: {e}")), None),
    };
    match compare_tarball(tarball, &mut placer, &dir, check.spending) {
        Ok(Compared::Done(integrity, files)) => {
            if let Some(known) = check.known {
                known.count(0, files.len() as u64);
                if integrity == Integrity::Verified {
                    remember(known, &digest, tarball_stamp, files);
                }
            }
            (integrity, None)
        }
        Ok(Compared::Capped(why)) => (
            Integrity::Unverified {
                reason: format!("not verified: {why}"),
            },
            Some(why),
        ),
        Err(e) => (mismatch_other(format!("tarball: {e}")), None),
    }
}

/// True when the cached tarball and every file an earlier scan compared
/// with it are unchanged since that scan found them equal: the package is
/// verified without reading either.
fn unchanged(
    known: &VerifyCache,
    tarball: &Path,
    digest: &[u8],
    placer: &mut Placer,
    dir: &Path,
) -> bool {
    let Some(listing) = known.listing(digest) else {
        return false;
    };
    let stamp = |path: &Path| {
        std::fs::symlink_metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| FileStamp::of(&m))
    };
    if !known.knows(stamp(tarball).as_ref(), Expected::Tarball(digest)) {
        return false;
    }
    let all = listing
        .iter()
        .all(|rel| match placer.place_file(&dir.join(rel)) {
            Place::Inside(real) => known.knows(
                stamp(&real).as_ref(),
                Expected::InTarball {
                    tarball: digest,
                    path: rel,
                },
            ),
            Place::Outside(_) | Place::Missing => false,
        });
    if all {
        known.count(listing.len() as u64, 0);
    }
    all
}

/// Keeps a verified package in the cache: its tarball, its file list and
/// each installed file as found when compared.
fn remember(
    known: &VerifyCache,
    digest: &[u8],
    tarball: Option<FileStamp>,
    files: Vec<(String, Option<FileStamp>)>,
) {
    let mut entries = vec![(tarball, Expected::Tarball(digest))];
    entries.extend(files.iter().map(|(rel, stamp)| {
        let expected = Expected::InTarball {
            tarball: digest,
            path: rel,
        };
        (*stamp, expected)
    }));
    if known.remember(&entries) {
        known.remember_listing(digest, files.into_iter().map(|(rel, _)| rel).collect());
    }
}

fn mismatch_other(what: String) -> Integrity {
    Integrity::Mismatch {
        modified: Vec::new(),
        missing: Vec::new(),
        other: vec![what],
    }
}

/// The cached tarball, opened and checked against its sha512 by streaming
/// it (never held in memory); `Ok(None)` when it is not cached. Symlinks
/// are not followed.
fn open_tarball(path: &Path, digest: &[u8]) -> std::io::Result<Option<(File, Option<FileStamp>)>> {
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        other => other?,
    };
    if !meta.is_file() || meta.len() > MAX_TARBALL_BYTES {
        return Err(std::io::Error::other(
            "not a regular file under the size cap",
        ));
    }
    let mut file = open_regular(path)?;
    let mut hasher = Sha512::new();
    std::io::copy(&mut (&mut file).take(MAX_TARBALL_BYTES), &mut hasher)?;
    if hasher.finalize().as_slice() != digest {
        return Err(std::io::Error::other(
            "does not match the lockfile integrity",
        ));
    }
    file.rewind()?;
    Ok(Some((file, FileStamp::of(&meta))))
}

enum Compared {
    /// The package's integrity, and each regular file of the tarball with
    /// the identity of its installed copy when it was compared.
    Done(Integrity, Vec<(String, Option<FileStamp>)>),
    Capped(String),
}

/// Compares every regular file of the tarball with the installed copy,
/// streaming both: memory stays flat whatever the tarball inflates to, and
/// every byte inflated is charged to the budget before it is read.
fn compare_tarball(
    tarball: File,
    placer: &mut Placer,
    dir: &Path,
    spending: &Spending,
) -> std::io::Result<Compared> {
    let mut archive = tar::Archive::new(GzDecoder::new(BufReader::new(tarball)));
    let (mut modified, mut missing) = (Vec::new(), Vec::new());
    let mut files = Vec::new();
    let mut spent = 0u64;
    for (n, entry) in archive.entries()?.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(std::io::Error::other("too many entries"));
        }
        let mut entry = entry?;
        let size = entry.size();
        if let Err(why) = spending.reserve(spent, size) {
            return Ok(Compared::Capped(why));
        }
        spent += size;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let Some(rel) = inner_path(&entry.path()?) else {
            continue;
        };
        let shown = rel.to_string_lossy().into_owned();
        match placer.place_file(&dir.join(&rel)) {
            Place::Missing => missing.push(shown),
            Place::Outside(_) => {
                modified.push(format!("{shown} (leads outside the tree; not read)"))
            }
            Place::Inside(real) => match same_content(&mut entry, size, &real) {
                Ok(Some(stamp)) => files.push((shown, stamp)),
                Ok(None) => modified.push(shown),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(shown),
                Err(e) => modified.push(format!("{shown} ({e})")),
            },
        }
    }
    let integrity = if modified.is_empty() && missing.is_empty() {
        Integrity::Verified
    } else {
        Integrity::Mismatch {
            modified,
            missing,
            other: Vec::new(),
        }
    };
    Ok(Compared::Done(integrity, files))
}

/// `Some` (with its identity when statted) when the installed file at
/// `real` holds exactly what `published` (of `size` bytes) streams; a size
/// that differs is seen without reading.
fn same_content(
    published: &mut impl Read,
    size: u64,
    real: &Path,
) -> std::io::Result<Option<Option<FileStamp>>> {
    let meta = std::fs::symlink_metadata(real)?;
    if !meta.is_file() || meta.len() != size {
        return Ok(None);
    }
    let stamp = FileStamp::of(&meta);
    let mut installed = open_regular(real)?.take(size);
    let (mut a, mut b) = (vec![0u8; 64 << 10], vec![0u8; 64 << 10]);
    let mut published = published.take(size);
    loop {
        let n = published.read(&mut a)?;
        if n == 0 {
            return Ok(Some(stamp));
        }
        if installed.read_exact(&mut b[..n]).is_err() || a[..n] != b[..n] {
            return Ok(None);
        }
    }
}

/// `package/lib/a.js` → `lib/a.js`; `None` for paths that would leave the
/// package folder.
fn inner_path(path: &Path) -> Option<PathBuf> {
    let mut parts = path.components();
    parts.next()?;
    let rest: PathBuf = parts.collect();
    let safe = rest.components().all(|c| matches!(c, Component::Normal(_)));
    (safe && !rest.as_os_str().is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_path_follows_cacache_layout() {
        let digest = vec![0xabu8; 64];
        let p = content_path(Path::new("/c"), &digest);
        assert!(p
            .to_string_lossy()
            .starts_with("/c/_cacache/content-v2/sha512/ab/ab/abab"));
        let sri = format!("sha512-{}", STANDARD.encode(&digest));
        assert_eq!(sha512_of(&sri), Some(digest));
        assert_eq!(sha512_of("sha1-abc"), None);
    }

    #[test]
    fn tar_paths_stay_inside_the_package() {
        assert_eq!(
            inner_path(Path::new("package/lib/a.js")),
            Some(PathBuf::from("lib/a.js"))
        );
        assert_eq!(inner_path(Path::new("package/../../x")), None);
        assert_eq!(inner_path(Path::new("package")), None);
    }
}
