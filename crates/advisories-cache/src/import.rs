//! Reading OSV records from osv.dev's `all.zip` layout or from folders of
//! `.json` files, with caps so a hostile archive cannot exhaust the machine.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::Ecosystem;

/// Caps applied while reading records.
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    /// Largest single record, in bytes.
    pub max_record_bytes: u64,
    /// Most records (zip entries or files) in one source.
    pub max_records: usize,
    /// Most bytes read in total (uncompressed).
    pub max_total_bytes: u64,
    /// Deepest folder nesting walked.
    pub max_depth: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            max_record_bytes: 4 << 20,
            max_records: 2_000_000,
            max_total_bytes: 8 << 30,
            max_depth: 16,
        }
    }
}

/// Why an import failed. Nothing is written when it does.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The source could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The zip archive is malformed.
    #[error("{path}: not a readable zip archive: {source}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The underlying error.
        source: zip::result::ZipError,
    },
    /// A record is not valid OSV JSON.
    #[error("{path}: entry `{entry}` is not a valid OSV record: {source}")]
    Record {
        /// The archive or folder.
        path: PathBuf,
        /// The entry or file inside it.
        entry: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A cap was exceeded.
    #[error("{path}: {what} exceeds the limit of {limit}")]
    TooLarge {
        /// The archive, folder or file.
        path: PathBuf,
        /// What was too large.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// The path is neither a zip, a `.json` file nor a folder.
    #[error("{0}: expected an OSV all.zip, a .json record, or a folder of .json records")]
    Unsupported(PathBuf),
    /// The store rejected the write.
    #[error(transparent)]
    Store(#[from] crate::StoreError),
}

/// Where records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSource {
    /// An osv.dev `<ECOSYSTEM>/all.zip` (one `<ID>.json` per entry).
    Zip(PathBuf),
    /// A folder walked for `*.json` files.
    Dir(PathBuf),
    /// One `.json` record.
    File(PathBuf),
}

impl ImportSource {
    /// Decides the kind of source from what is on disk.
    pub fn detect(path: &Path) -> Result<Self, ImportError> {
        let meta = fs::metadata(path).map_err(|source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if meta.is_dir() {
            Ok(ImportSource::Dir(path.to_path_buf()))
        } else if ext.eq_ignore_ascii_case("zip") {
            Ok(ImportSource::Zip(path.to_path_buf()))
        } else if ext.eq_ignore_ascii_case("json") {
            Ok(ImportSource::File(path.to_path_buf()))
        } else {
            Err(ImportError::Unsupported(path.to_path_buf()))
        }
    }

    /// The path this source reads.
    pub fn path(&self) -> &Path {
        match self {
            ImportSource::Zip(p) | ImportSource::Dir(p) | ImportSource::File(p) => p,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Records stored, per ecosystem (a record naming two ecosystems counts in both).
    pub stored: Vec<(Ecosystem, u64)>,
    /// Records that name no ecosystem supplygate handles.
    pub skipped_other_ecosystems: u64,
    /// Records marked withdrawn (stored, never matched).
    pub withdrawn: u64,
}

/// Reads raw record texts from a source, enforcing [`ImportLimits`].
pub struct RecordReader {
    source: ImportSource,
    limits: ImportLimits,
}

impl RecordReader {
    /// A reader over `source`.
    pub fn new(source: ImportSource, limits: ImportLimits) -> Self {
        RecordReader { source, limits }
    }

    /// Calls `f(entry_name, text)` for every record, stopping at the first error.
    pub fn for_each(
        &self,
        mut f: impl FnMut(&str, String) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        match &self.source {
            ImportSource::Zip(p) => self.read_zip(p, &mut f),
            ImportSource::Dir(p) => {
                let mut files = Vec::new();
                self.collect_json(p, 0, &mut files)?;
                files.sort();
                self.read_files(p, &files, &mut f)
            }
            ImportSource::File(p) => {
                let parent = p.parent().unwrap_or(Path::new("."));
                self.read_files(parent, std::slice::from_ref(p), &mut f)
            }
        }
    }

    fn too_large(&self, path: &Path, what: impl Into<String>, limit: u64) -> ImportError {
        ImportError::TooLarge {
            path: path.to_path_buf(),
            what: what.into(),
            limit,
        }
    }

    fn read_zip(
        &self,
        path: &Path,
        f: &mut impl FnMut(&str, String) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        let io = |source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        };
        let zip_err = |source| ImportError::Zip {
            path: path.to_path_buf(),
            source,
        };
        let mut archive = zip::ZipArchive::new(File::open(path).map_err(io)?).map_err(zip_err)?;
        if archive.len() > self.limits.max_records {
            return Err(self.too_large(path, "number of entries", self.limits.max_records as u64));
        }
        let mut total = 0u64;
        for i in 0..archive.len() {
            let entry = archive.by_index(i).map_err(zip_err)?;
            if entry.is_dir() || !entry.name().ends_with(".json") {
                continue;
            }
            let name = entry.name().to_string();
            if entry.size() > self.limits.max_record_bytes {
                return Err(self.too_large(
                    path,
                    format!("entry `{name}`"),
                    self.limits.max_record_bytes,
                ));
            }
            // The declared size can lie: cap what is actually inflated too.
            let mut text = String::new();
            entry
                .take(self.limits.max_record_bytes + 1)
                .read_to_string(&mut text)
                .map_err(io)?;
            if text.len() as u64 > self.limits.max_record_bytes {
                return Err(self.too_large(
                    path,
                    format!("entry `{name}`"),
                    self.limits.max_record_bytes,
                ));
            }
            total += text.len() as u64;
            if total > self.limits.max_total_bytes {
                return Err(self.too_large(path, "uncompressed size", self.limits.max_total_bytes));
            }
            f(&name, text)?;
        }
        Ok(())
    }

    fn collect_json(
        &self,
        dir: &Path,
        depth: usize,
        out: &mut Vec<PathBuf>,
    ) -> Result<(), ImportError> {
        if depth > self.limits.max_depth {
            return Err(self.too_large(dir, "folder depth", self.limits.max_depth as u64));
        }
        let io = |source| ImportError::Io {
            path: dir.to_path_buf(),
            source,
        };
        for entry in fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            // file_type() does not follow symlinks: links are never walked.
            let kind = entry.file_type().map_err(io)?;
            let path = entry.path();
            if kind.is_dir() {
                self.collect_json(&path, depth + 1, out)?;
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "json") {
                out.push(path);
                if out.len() > self.limits.max_records {
                    return Err(self.too_large(
                        dir,
                        "number of records",
                        self.limits.max_records as u64,
                    ));
                }
            }
        }
        Ok(())
    }

    fn read_files(
        &self,
        root: &Path,
        files: &[PathBuf],
        f: &mut impl FnMut(&str, String) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        for file in files {
            let io = |source| ImportError::Io {
                path: file.clone(),
                source,
            };
            let len = fs::metadata(file).map_err(io)?.len();
            if len > self.limits.max_record_bytes {
                return Err(self.too_large(file, "record", self.limits.max_record_bytes));
            }
            let text = fs::read_to_string(file).map_err(io)?;
            let name = file
                .strip_prefix(root)
                .unwrap_or(file)
                .display()
                .to_string();
            f(&name, text)?;
        }
        Ok(())
    }
}
