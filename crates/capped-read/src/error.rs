//! Why a file was not read: the path once, the reason once.

use std::fs::Metadata;
use std::path::{Path, PathBuf};

use crate::Links;

/// A file that was not read. Displays as `PATH: REASON`; [`ReadError::kind`]
/// alone displays the reason, for messages that show the path apart. It has
/// no `source()`, so a chain of causes never repeats the reason.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct ReadError {
    pub(crate) path: PathBuf,
    pub(crate) kind: ReadErrorKind,
}

impl ReadError {
    /// The path that was not read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why it was not read.
    pub fn kind(&self) -> &ReadErrorKind {
        &self.kind
    }

    /// True when nothing exists at the path.
    pub fn is_missing(&self) -> bool {
        matches!(self.kind, ReadErrorKind::Missing)
    }
}

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// Nothing exists at the path.
    #[error("no such file")]
    Missing,
    /// Something other than a regular file is there.
    #[error("not a regular file ({0})")]
    NotRegular(FileKind),
    /// The file is larger than the cap; `size` when it was known before reading.
    #[error("{}", too_large(*size, *cap))]
    TooLarge {
        /// The size `stat` gave, if that already exceeded the cap.
        size: Option<u64>,
        /// The cap.
        cap: u64,
    },
    /// The bytes are not UTF-8.
    #[error("not valid UTF-8 (at byte {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The path named another file when it was opened than when it was checked.
    #[error("replaced while being opened")]
    Changed,
    /// Any other failure of the system calls.
    #[error("{}", io_reason(.0))]
    Io(std::io::Error),
}

impl ReadErrorKind {
    pub(crate) fn from_io(e: std::io::Error) -> ReadErrorKind {
        match e.kind() {
            std::io::ErrorKind::NotFound => ReadErrorKind::Missing,
            _ => ReadErrorKind::Io(e),
        }
    }

    /// `O_NOFOLLOW` on a symlink fails with `ELOOP`: name it for what it is.
    pub(crate) fn from_open(e: std::io::Error, links: Links) -> ReadErrorKind {
        #[cfg(unix)]
        if links == Links::Refuse && e.raw_os_error() == Some(libc::ELOOP) {
            return ReadErrorKind::NotRegular(FileKind::Symlink);
        }
        let _ = links;
        ReadErrorKind::from_io(e)
    }
}

/// What was found instead of a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileKind {
    /// A folder.
    #[error("a folder")]
    Directory,
    /// A symbolic link (only when links are refused).
    #[error("a symlink")]
    Symlink,
    /// A named pipe: reading it would wait for a writer.
    #[error("a FIFO")]
    Fifo,
    /// A character device (`/dev/zero`, a terminal).
    #[error("a character device")]
    CharDevice,
    /// A block device.
    #[error("a block device")]
    BlockDevice,
    /// A Unix socket.
    #[error("a socket")]
    Socket,
    /// Anything else.
    #[error("not a file")]
    Other,
}

impl FileKind {
    /// The kind of what `meta` describes.
    pub fn of(meta: &Metadata) -> FileKind {
        let t = meta.file_type();
        if t.is_dir() {
            return FileKind::Directory;
        }
        if t.is_symlink() {
            return FileKind::Symlink;
        }
        special(&t)
    }
}

#[cfg(unix)]
fn special(t: &std::fs::FileType) -> FileKind {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        FileKind::Fifo
    } else if t.is_char_device() {
        FileKind::CharDevice
    } else if t.is_block_device() {
        FileKind::BlockDevice
    } else if t.is_socket() {
        FileKind::Socket
    } else {
        FileKind::Other
    }
}

#[cfg(not(unix))]
fn special(_: &std::fs::FileType) -> FileKind {
    FileKind::Other
}

fn too_large(size: Option<u64>, cap: u64) -> String {
    match size {
        Some(size) => format!(
            "{} ({size} bytes), larger than the limit of {} ({cap} bytes)",
            human(size),
            human(cap)
        ),
        None => format!(
            "larger than the limit of {} ({cap} bytes) when read",
            human(cap)
        ),
    }
}

/// A size in the largest binary unit that keeps it at least 1.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The OS message without the "(os error N)" tail, once.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
