//! Reading untrusted files: the one reader every scanned or user-given file
//! goes through (client configs, policies, lockfiles, package manifests,
//! METADATA, RECORD, OSV records).
//!
//! Three guarantees, whatever is at the path:
//!
//! - **Regular files only, and never a block.** The path is checked with
//!   `stat` before it is opened, opened with `O_NONBLOCK | O_NOCTTY` (a FIFO
//!   swapped in between the check and the open cannot block the open), and
//!   checked again with `fstat` on the open file, which must be the one that
//!   was checked. FIFOs, devices, sockets and folders are refused with their
//!   kind named.
//! - **A byte cap enforced while reading**, not only on the size seen
//!   beforehand: a file that grows is cut at `cap + 1` bytes and refused.
//! - **UTF-8** for the text readers, with the offset of the first bad byte.
//!
//! ```
//! use capped_read::{read_capped_text, ReadErrorKind};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("config.json");
//! std::fs::write(&path, "{}").unwrap();
//! assert_eq!(read_capped_text(&path, 1024).unwrap(), "{}");
//! let err = read_capped_text(dir.path(), 1024).unwrap_err();
//! assert!(matches!(err.kind(), ReadErrorKind::NotRegular(_)));
//! ```

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

mod error;

pub use error::{FileKind, ReadError, ReadErrorKind};

/// Whether a symlink as the last component of the path is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Follow it (user-given paths, client configs: dotfile managers link them).
    Follow,
    /// Refuse it as [`FileKind::Symlink`] (files inside a scanned tree, where
    /// a link may point out of the tree).
    Refuse,
}

/// Reads at most `cap` bytes of the regular file at `path` (symlinks followed).
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_with(path, cap, Links::Follow)
}

/// Reads the regular file at `path` as UTF-8 text of at most `cap` bytes
/// (symlinks followed). A leading byte-order mark is dropped.
pub fn read_capped_text(path: &Path, cap: u64) -> Result<String, ReadError> {
    text(path, read_with(path, cap, Links::Follow)?)
}

/// [`read_capped`] with the choice of following a final symlink.
pub fn read_with(path: &Path, cap: u64, links: Links) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_checked(path, links)?;
    if meta.len() > cap {
        return Err(too_large(path, Some(meta.len()), cap));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte past the cap tells a file that grew from one that fits.
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::new(path, ReadErrorKind::Io(e)))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(path, None, cap));
    }
    Ok(bytes)
}

/// [`read_capped_text`] with the choice of following a final symlink.
pub fn read_text_with(path: &Path, cap: u64, links: Links) -> Result<String, ReadError> {
    text(path, read_with(path, cap, links)?)
}

/// Opens the regular file at `path` for streaming (archives too large to
/// hold in memory), with the same checks as the readers; the caller caps
/// what it reads.
pub fn open_regular(path: &Path, links: Links) -> Result<File, ReadError> {
    open_checked(path, links).map(|(file, _)| file)
}

fn text(path: &Path, bytes: Vec<u8>) -> Result<String, ReadError> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        ReadError::new(path, ReadErrorKind::NotUtf8 { offset })
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

fn too_large(path: &Path, size: Option<u64>, cap: u64) -> ReadError {
    ReadError::new(path, ReadErrorKind::TooLarge { size, cap })
}

fn open_checked(path: &Path, links: Links) -> Result<(File, Metadata), ReadError> {
    let err = |kind| ReadError::new(path, kind);
    let before = match links {
        Links::Follow => std::fs::metadata(path),
        Links::Refuse => std::fs::symlink_metadata(path),
    }
    .map_err(|e| err(ReadErrorKind::from_io(e)))?;
    if !before.is_file() {
        return Err(err(ReadErrorKind::NotRegular(FileKind::of(&before))));
    }
    let file = open_options(links)
        .open(path)
        .map_err(|e| err(ReadErrorKind::from_open(e, links)))?;
    let after = file.metadata().map_err(|e| err(ReadErrorKind::Io(e)))?;
    if !after.is_file() {
        return Err(err(ReadErrorKind::NotRegular(FileKind::of(&after))));
    }
    if !same_file(&before, &after) {
        return Err(err(ReadErrorKind::Changed));
    }
    Ok((file, after))
}

#[cfg(unix)]
fn open_options(links: Links) -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true).custom_flags(flags);
    options
}

#[cfg(not(unix))]
fn open_options(_: Links) -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    options
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata) -> bool {
    true
}

impl ReadError {
    fn new(path: &Path, kind: ReadErrorKind) -> ReadError {
        ReadError {
            path: PathBuf::from(path),
            kind,
        }
    }
}

#[cfg(test)]
mod tests;
