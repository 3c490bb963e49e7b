//! npm's content cache (`<cache>/_cacache`): the published tarball of a
//! package, found by the lockfile's `integrity`, checked against the
//! installed files.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use flate2::read::GzDecoder;
use sha2::{Digest, Sha512};

use crate::resolve::Integrity;

/// Largest tarball read from the cache.
const MAX_TARBALL_BYTES: u64 = 256 << 20;
/// Largest unpacked size of a tarball.
const MAX_UNPACKED_BYTES: u64 = 1 << 30;
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

/// Verifies the package installed at `dir` against its cached tarball.
pub fn verify(cache: &Path, integrity: Option<&str>, dir: &Path) -> Integrity {
    let unverified = |reason: &str| Integrity::Unverified {
        reason: reason.into(),
    };
    let Some(integrity) = integrity else {
        return unverified("no integrity recorded (no lockfile entry)");
    };
    let Some(digest) = sha512_of(integrity) else {
        return unverified("integrity is not a sha512 SRI");
    };
    let path = content_path(cache, &digest);
    let tarball = match read_capped(&path, MAX_TARBALL_BYTES) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return unverified("tarball not in the npm cache"),
        Err(e) => return mismatch_other(format!("cached tarball unreadable: {e}")),
    };
    if Sha512::digest(&tarball).as_slice() != digest.as_slice() {
        return mismatch_other("cached tarball does not match the lockfile integrity".into());
    }
    compare_tarball(&tarball, dir).unwrap_or_else(|e| mismatch_other(format!("tarball: {e}")))
}

fn mismatch_other(what: String) -> Integrity {
    Integrity::Mismatch {
        modified: Vec::new(),
        missing: Vec::new(),
        other: vec![what],
    }
}

/// `Ok(None)` when the file does not exist; symlinks are not followed.
fn read_capped(path: &Path, cap: u64) -> Result<Option<Vec<u8>>, capped_read::ReadError> {
    match capped_read::read_with(path, cap, capped_read::Links::Refuse) {
        Err(e) if e.is_missing() => Ok(None),
        other => other.map(Some),
    }
}

/// Compares every regular file of the tarball with the installed copy.
fn compare_tarball(tarball: &[u8], dir: &Path) -> std::io::Result<Integrity> {
    let mut archive = tar::Archive::new(GzDecoder::new(tarball).take(MAX_UNPACKED_BYTES));
    let (mut modified, mut missing) = (Vec::new(), Vec::new());
    for (n, entry) in archive.entries()?.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(std::io::Error::other("too many entries"));
        }
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let Some(rel) = inner_path(&entry.path()?) else {
            continue;
        };
        let mut published = Vec::new();
        entry.read_to_end(&mut published)?;
        let shown = rel.to_string_lossy().into_owned();
        match read_capped(
            &dir.join(&rel),
            MAX_TARBALL_BYTES.max(published.len() as u64),
        ) {
            Ok(Some(installed)) if installed == published => {}
            Ok(None) => missing.push(shown),
            _ => modified.push(shown),
        }
    }
    Ok(if modified.is_empty() && missing.is_empty() {
        Integrity::Verified
    } else {
        Integrity::Mismatch {
            modified,
            missing,
            other: Vec::new(),
        }
    })
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
