//! Keeping reads inside a tree. A scanned tree is hostile: any folder in it
//! may be a symlink to `/etc`, to `/`, or to a device. A path of the tree is
//! used only when its real location (every symlink resolved) stays under the
//! tree's real root, and a file is opened only when it is a regular file
//! that is not under `/proc`, `/sys` or `/dev`.
//!
//! Checking the real path before opening (rather than `openat2` with
//! `RESOLVE_BENEATH`) keeps the code safe Rust and portable; the open itself
//! refuses a final symlink and never blocks on a FIFO, so a file swapped
//! after the check cannot hang or escape the read.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Where a path of the tree really is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Inside the tree, at this real path.
    Inside(PathBuf),
    /// It leads out of the tree (through a symlink) to this real path.
    Outside(PathBuf),
    /// Nothing is there (or a symlink loop, or a dangling link).
    Missing,
}

/// Pseudo-filesystems whose files are never read, wherever a tree points.
const SPECIAL: [&str; 3] = ["/proc", "/sys", "/dev"];

/// The real root of a tree, against which its paths are checked.
#[derive(Debug, Clone)]
pub struct TreeRoot {
    real: PathBuf,
}

impl TreeRoot {
    /// The tree rooted at `root` (`None` if the root itself does not exist).
    pub fn new(root: &Path) -> Option<TreeRoot> {
        root.canonicalize().ok().map(|real| TreeRoot { real })
    }

    /// The root's real path.
    pub fn real(&self) -> &Path {
        &self.real
    }

    /// Where `path` really is, relative to this tree.
    pub fn place(&self, path: &Path) -> Place {
        match path.canonicalize() {
            Ok(real) if self.holds(&real) => Place::Inside(real),
            Ok(real) => Place::Outside(real),
            Err(_) => Place::Missing,
        }
    }

    /// True when the real path `real` is under the root and not special.
    pub fn holds(&self, real: &Path) -> bool {
        real.starts_with(&self.real) && !SPECIAL.iter().any(|s| real.starts_with(s))
    }
}

/// Places many files of one tree, resolving each parent folder once: the
/// final component is never followed (a symlinked file is refused by the
/// caller), only the folders above it.
#[derive(Debug)]
pub struct Placer {
    root: Option<TreeRoot>,
    parents: HashMap<PathBuf, Place>,
}

impl Placer {
    /// A placer for the tree at `root`.
    pub fn new(root: &Path) -> Placer {
        Placer {
            root: TreeRoot::new(root),
            parents: HashMap::new(),
        }
    }

    /// Where the file `path` is: its folder resolved, its name kept.
    pub fn place_file(&mut self, path: &Path) -> Place {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Place::Missing;
        };
        let Some(root) = &self.root else {
            return Place::Missing;
        };
        let dir = self
            .parents
            .entry(parent.to_path_buf())
            .or_insert_with(|| root.place(parent));
        match dir {
            Place::Inside(real) => Place::Inside(real.join(name)),
            Place::Outside(real) => Place::Outside(real.join(name)),
            Place::Missing => Place::Missing,
        }
    }
}

/// Opens `path` for reading only if it is a regular file: a final symlink
/// is refused, a FIFO or device is never waited on, and the type is checked
/// again on the open handle (the one capped reader's open).
pub fn open_regular(path: &Path) -> io::Result<File> {
    capped_read::open_regular(path, capped_read::Links::Refuse).map_err(|e| match e.kind() {
        capped_read::ReadErrorKind::Missing => io::Error::from(io::ErrorKind::NotFound),
        kind => io::Error::other(kind.to_string()),
    })
}

/// Why a file of a tree was not read.
#[derive(Debug)]
pub enum TreeReadError {
    /// Its real path (links resolved) is outside the tree, or special.
    Outside(PathBuf),
    /// The capped reader refused it (missing, not a regular file, too
    /// large, not UTF-8).
    Read(capped_read::ReadError),
}

impl std::fmt::Display for TreeReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TreeReadError::Outside(real) => {
                write!(
                    f,
                    "leads outside the tree (to {}); not read",
                    real.display()
                )
            }
            TreeReadError::Read(e) => write!(f, "{}", e.kind()),
        }
    }
}

/// Reads the text file `path` of the tree rooted at `root`, at most `cap`
/// bytes: only if its real path (every link resolved) stays under the
/// tree's real root, outside `/proc`, `/sys` and `/dev`, and is a regular
/// file there. A link within the tree is read at its real path; one leading
/// out is never opened.
pub fn read_text(root: &Path, path: &Path, cap: u64) -> Result<String, TreeReadError> {
    let place = match TreeRoot::new(root) {
        Some(tree) => tree.place(path),
        None => Place::Missing,
    };
    let real = match place {
        Place::Inside(real) => real,
        Place::Outside(real) => return Err(TreeReadError::Outside(real)),
        // Let the reader say why (no such file, a link loop).
        Place::Missing => path.to_path_buf(),
    };
    capped_read::read_text_with(&real, cap, capped_read::Links::Refuse).map_err(TreeReadError::Read)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_out_of_the_tree_are_outside_and_links_within_are_inside() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("root");
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::write(root.join("real/f"), "x").unwrap();
        std::os::unix::fs::symlink("real", root.join("in")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("out")).unwrap();
        let tree = TreeRoot::new(&root).unwrap();
        assert!(matches!(tree.place(&root.join("in/f")), Place::Inside(_)));
        assert!(matches!(tree.place(&root.join("out")), Place::Outside(_)));
        assert_eq!(tree.place(&root.join("gone")), Place::Missing);
        let mut placer = Placer::new(&root);
        assert!(matches!(
            placer.place_file(&root.join("out/passwd")),
            Place::Outside(p) if p == Path::new("/etc/passwd")
        ));
        assert!(matches!(
            placer.place_file(&root.join("in/f")),
            Place::Inside(_)
        ));
    }

    #[test]
    fn only_regular_files_open_and_a_fifo_does_not_block() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(open_regular(&fifo).is_err());
        }
        assert!(open_regular(Path::new("/dev/null")).is_err());
        std::fs::write(d.path().join("f"), "x").unwrap();
        std::os::unix::fs::symlink(d.path().join("f"), d.path().join("l")).unwrap();
        assert!(open_regular(&d.path().join("f")).is_ok());
        assert!(open_regular(&d.path().join("l")).is_err());
    }

    #[test]
    fn tree_reads_stay_in_the_tree_and_follow_links_within_it() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("root");
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::write(root.join("real/METADATA"), "Name: x").unwrap();
        std::fs::write(d.path().join("secret"), "outside").unwrap();
        std::os::unix::fs::symlink("real/METADATA", root.join("in")).unwrap();
        std::os::unix::fs::symlink(d.path().join("secret"), root.join("out")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("etc")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero")).unwrap();
        assert_eq!(read_text(&root, &root.join("in"), 100).unwrap(), "Name: x");
        for link in ["out", "etc/passwd", "zero"] {
            let err = read_text(&root, &root.join(link), 100).unwrap_err();
            assert!(matches!(err, TreeReadError::Outside(_)), "{link}: {err}");
        }
        let err = read_text(&root, &root.join("gone"), 100).unwrap_err();
        assert_eq!(err.to_string(), "no such file");
        std::fs::write(root.join("big"), "x".repeat(200)).unwrap();
        let err = read_text(&root, &root.join("big"), 100).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
        let fifo = root.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let err = read_text(&root, &fifo, 100).unwrap_err();
            assert!(err.to_string().contains("FIFO"), "{err}");
        }
    }
}
