//! Reading config files safely: regular files only, size-capped, UTF-8.

use std::path::{Path, PathBuf};

/// Largest config file read.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// A config file that could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file does not exist.
    #[error("{0}: no such file")]
    Missing(PathBuf),
    /// The path is not a regular file, is too large, is not UTF-8 or could
    /// not be read.
    #[error("{path}: {reason}")]
    NotReadable {
        /// The file.
        path: PathBuf,
        /// Why it was not read.
        reason: String,
    },
    /// The file is not valid in its format.
    #[error("{path}:{line}:{column}: invalid {format}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// `JSON`, `TOML` or `YAML`.
        format: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The document is valid but not a config of the expected shape.
    #[error("{path}: {message}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// The reason without the path, for "skipped" lines that show the path apart.
    pub fn reason(&self) -> String {
        let full = self.to_string();
        let path = match self {
            ConfigError::Missing(p) => p,
            ConfigError::NotReadable { path, .. }
            | ConfigError::Syntax { path, .. }
            | ConfigError::Shape { path, .. } => path,
        };
        let prefix = path.display().to_string();
        full.strip_prefix(&prefix)
            .map(|r| r.trim_start_matches([':', ' ']).to_string())
            .unwrap_or(full)
    }
}

/// Reads a config file through the one capped reader: a regular file of at
/// most [`MAX_CONFIG_BYTES`] (FIFOs and devices are refused before they can
/// block; a symlink loop fails in `stat`), UTF-8, a BOM dropped.
pub fn read_capped(path: &Path) -> Result<String, ConfigError> {
    capped_read::read_capped_text(path, MAX_CONFIG_BYTES).map_err(ConfigError::from)
}

impl From<capped_read::ReadError> for ConfigError {
    fn from(e: capped_read::ReadError) -> Self {
        let path = e.path().to_path_buf();
        match e.kind() {
            capped_read::ReadErrorKind::Missing => ConfigError::Missing(path),
            kind => ConfigError::NotReadable {
                path,
                reason: kind.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_files_are_refused_with_a_reason() {
        let d = tempfile::tempdir().unwrap();
        let big = d.path().join("big.json");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_CONFIG_BYTES + 1)
            .unwrap();
        assert!(read_capped(&big)
            .unwrap_err()
            .reason()
            .contains("larger than the limit"));
        let bad = d.path().join("bad.json");
        std::fs::write(&bad, b"{\"a\": \"\xff\"}").unwrap();
        assert!(read_capped(&bad).unwrap_err().reason().contains("UTF-8"));
        assert!(read_capped(d.path())
            .unwrap_err()
            .reason()
            .contains("regular file"));
        let bom = d.path().join("bom.json");
        std::fs::write(&bom, "\u{feff}{}").unwrap();
        assert_eq!(read_capped(&bom).unwrap(), "{}");
    }

    #[cfg(unix)]
    #[test]
    fn fifo_device_and_symlink_loop_never_hang() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo.json");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(ok.success());
        assert!(read_capped(&fifo)
            .unwrap_err()
            .reason()
            .contains("regular file"));
        assert!(read_capped(Path::new("/dev/zero"))
            .unwrap_err()
            .reason()
            .contains("regular file"));
        let a = d.path().join("a.json");
        std::os::unix::fs::symlink(d.path().join("b.json"), &a).unwrap();
        std::os::unix::fs::symlink(&a, d.path().join("b.json")).unwrap();
        assert!(read_capped(&a)
            .unwrap_err()
            .reason()
            .contains("symbolic links"));
    }
}
