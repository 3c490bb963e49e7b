//! Reading OSV records from osv.dev's `all.zip` layout or from folders of
//! `.json` files, with caps so a hostile archive cannot exhaust the machine.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::Ecosystem;

/// Caps applied while reading records.
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    /// Largest single record, in bytes (a zip entry's declared size and what
    /// it actually inflates to are both checked).
    pub max_record_bytes: u64,
    /// Most records (zip entries or files) in one source.
    pub max_records: usize,
    /// Most bytes read in total (uncompressed), declared and actual.
    pub max_total_bytes: u64,
    /// Highest inflated/compressed size ratio of a zip entry (past
    /// [`RATIO_FLOOR_BYTES`]): OSV JSON deflates about 4–10×, a zip bomb
    /// by hundreds or thousands.
    pub max_compression_ratio: u64,
    /// Most `affected[].versions` entries in one record, summed.
    pub max_versions_per_record: usize,
    /// Deepest folder nesting walked.
    pub max_depth: usize,
}

/// Entries inflating to less than this are not ratio-checked: tiny files can
/// compress very well without doing harm.
pub const RATIO_FLOOR_BYTES: u64 = 64 << 10;

impl Default for ImportLimits {
    /// Room for the whole of osv.dev's npm or PyPI data (≈215,000 records,
    /// ≈1 GB inflated in 2026) with a wide margin; the largest real records
    /// are well under 1 MiB and list a few thousand versions.
    fn default() -> Self {
        ImportLimits {
            max_record_bytes: 4 << 20,
            max_records: 2_000_000,
            max_total_bytes: 4 << 30,
            max_compression_ratio: 100,
            max_versions_per_record: 100_000,
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
    /// A file was refused by the capped reader (not a regular file, too
    /// large, not UTF-8) or could not be read.
    #[error("{0}")]
    Read(capped_read::ReadError),
    /// The zip archive is malformed.
    #[error("{path}: not a readable zip archive: {cause}\nhint: the file is damaged or incomplete (an interrupted download?); download it again")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The underlying error (shown in the message, not chained: the hint comes last).
        cause: zip::result::ZipError,
    },
    /// A zip entry could not be inflated (a truncated or damaged archive).
    #[error("{path}: entry `{entry}` cannot be read: {cause}\nhint: the archive is damaged or incomplete; download it again")]
    Entry {
        /// The archive.
        path: PathBuf,
        /// The entry inside it.
        entry: String,
        /// The underlying error (shown in the message, not chained: the hint comes last).
        cause: std::io::Error,
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
    /// A record's id is not an OSV id (empty, control characters, a path).
    #[error("{path}: entry `{entry}` has an invalid OSV id {id}: {reason}\nhint: nothing was imported; the source is damaged or not OSV data")]
    InvalidId {
        /// The archive or folder.
        path: PathBuf,
        /// The entry or file inside it.
        entry: String,
        /// The id, escaped and cut to 64 characters.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
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
        let zip_err = |cause| ImportError::Zip {
            path: path.to_path_buf(),
            cause,
        };
        let file = capped_read::open_regular(path, capped_read::Links::Follow)
            .map_err(ImportError::Read)?;
        let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
        self.check_declared(path, &mut archive)?;
        let mut total = 0u64;
        for i in 0..archive.len() {
            let entry = archive.by_index(i).map_err(zip_err)?;
            if entry.is_dir() || !entry.name().ends_with(".json") {
                continue;
            }
            let name = entry.name().to_string();
            let text = self.inflate(path, &name, entry)?;
            total += text.len() as u64;
            if total > self.limits.max_total_bytes {
                return Err(self.too_large(path, "uncompressed size", self.limits.max_total_bytes));
            }
            f(&name, text)?;
        }
        Ok(())
    }

    /// Refuses an archive on what its central directory declares, before
    /// inflating anything: entry count, sizes and compression ratios.
    fn check_declared(
        &self,
        path: &Path,
        archive: &mut zip::ZipArchive<File>,
    ) -> Result<(), ImportError> {
        if archive.len() > self.limits.max_records {
            return Err(self.too_large(path, "number of entries", self.limits.max_records as u64));
        }
        let mut total = 0u64;
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(|cause| ImportError::Zip {
                path: path.to_path_buf(),
                cause,
            })?;
            let name = entry.name().to_string();
            self.check_entry_size(path, &name, entry.size(), entry.compressed_size())?;
            total = total.saturating_add(entry.size());
            if total > self.limits.max_total_bytes {
                return Err(self.too_large(
                    path,
                    "declared uncompressed size",
                    self.limits.max_total_bytes,
                ));
            }
        }
        Ok(())
    }

    fn check_entry_size(
        &self,
        path: &Path,
        name: &str,
        inflated: u64,
        compressed: u64,
    ) -> Result<(), ImportError> {
        let limits = &self.limits;
        if inflated > limits.max_record_bytes {
            return Err(self.too_large(path, format!("entry `{name}`"), limits.max_record_bytes));
        }
        let ratio_cap = compressed
            .max(1)
            .saturating_mul(limits.max_compression_ratio);
        if inflated > RATIO_FLOOR_BYTES && inflated > ratio_cap {
            return Err(self.too_large(
                path,
                format!(
                    "compression ratio of entry `{name}` ({inflated} bytes from {compressed}; a zip bomb?)"
                ),
                limits.max_compression_ratio,
            ));
        }
        Ok(())
    }

    /// Inflates one entry, capping what is actually produced: a declared
    /// size can lie.
    fn inflate(
        &self,
        path: &Path,
        name: &str,
        entry: zip::read::ZipFile<'_, File>,
    ) -> Result<String, ImportError> {
        let compressed = entry.compressed_size();
        let mut bytes = Vec::new();
        entry
            .take(self.limits.max_record_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|cause| ImportError::Entry {
                path: path.to_path_buf(),
                entry: name.to_string(),
                cause,
            })?;
        self.check_entry_size(path, name, bytes.len() as u64, compressed)?;
        String::from_utf8(bytes).map_err(|_| ImportError::Entry {
            path: path.to_path_buf(),
            entry: name.to_string(),
            cause: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
        })
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
            let text =
                capped_read::read_capped_text(file, self.limits.max_record_bytes).map_err(|e| {
                    match e.kind() {
                        capped_read::ReadErrorKind::TooLarge { .. } => {
                            self.too_large(file, "record", self.limits.max_record_bytes)
                        }
                        _ => ImportError::Read(e),
                    }
                })?;
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Writes a deflated zip of `(name, bytes)` entries and returns its path.
    fn zip_of(dir: &Path, entries: &[(&str, Vec<u8>)]) -> PathBuf {
        let path = dir.join("all.zip");
        let mut w = zip::ZipWriter::new(File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
        path
    }

    fn record(id: &str) -> Vec<u8> {
        format!(r#"{{"id":"{id}","modified":"2025-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"npm","name":"{id}"}}}}]}}"#).into_bytes()
    }

    fn read_all(path: &Path, limits: ImportLimits) -> Result<Vec<String>, ImportError> {
        let mut names = Vec::new();
        RecordReader::new(ImportSource::Zip(path.into()), limits).for_each(|name, _| {
            names.push(name.to_string());
            Ok(())
        })?;
        Ok(names)
    }

    /// Bytes that do not compress: a zip of them has a ratio near 1.
    fn noise(len: usize) -> Vec<u8> {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b'a' + (x % 26) as u8
            })
            .collect()
    }

    #[test]
    fn reads_every_json_entry_of_an_all_zip() {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(
            dir.path(),
            &[
                ("A.json", record("A")),
                ("B.json", record("B")),
                ("x.txt", b"hi".to_vec()),
            ],
        );
        assert_eq!(
            read_all(&zip, ImportLimits::default()).unwrap(),
            ["A.json", "B.json"]
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_by_its_compression_ratio() {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(dir.path(), &[("BOMB.json", vec![b' '; 3 << 20])]);
        let err = read_all(&zip, ImportLimits::default()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("compression ratio of entry `BOMB.json`"),
            "{msg}"
        );
        assert!(msg.contains("all.zip"), "{msg}");
    }

    /// The error reading a zip of `entries` under `limits`.
    fn zip_refusal(entries: &[(&str, Vec<u8>)], limits: ImportLimits) -> String {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(dir.path(), entries);
        read_all(&zip, limits).unwrap_err().to_string()
    }

    #[test]
    fn too_many_entries_are_refused_before_reading() {
        let entries = [
            ("A.json", record("A")),
            ("B.json", record("B")),
            ("C.json", record("C")),
        ];
        let limits = ImportLimits {
            max_records: 2,
            ..ImportLimits::default()
        };
        let err = zip_refusal(&entries, limits);
        assert!(
            err.contains("number of entries exceeds the limit of 2"),
            "{err}"
        );
    }

    #[test]
    fn an_oversized_entry_is_refused_on_its_declared_size() {
        let limits = ImportLimits {
            max_record_bytes: 1000,
            ..ImportLimits::default()
        };
        let err = zip_refusal(&[("BIG.json", noise(5000))], limits);
        assert!(
            err.contains("entry `BIG.json` exceeds the limit of 1000"),
            "{err}"
        );
    }

    /// Rewrites every declared uncompressed size (local and central headers)
    /// to 10 bytes: the archive now lies about what it inflates to.
    fn lie_about_sizes(path: &Path) {
        let mut bytes = fs::read(path).unwrap();
        let patch = |bytes: &mut Vec<u8>, sig: [u8; 4], at: usize| {
            let starts: Vec<usize> = bytes
                .windows(4)
                .enumerate()
                .filter(|(_, w)| *w == sig)
                .map(|(i, _)| i)
                .collect();
            for s in starts {
                bytes[s + at..s + at + 4].copy_from_slice(&10u32.to_le_bytes());
            }
        };
        patch(&mut bytes, [0x50, 0x4b, 0x03, 0x04], 22);
        patch(&mut bytes, [0x50, 0x4b, 0x01, 0x02], 24);
        fs::write(path, bytes).unwrap();
    }

    #[test]
    fn an_entry_inflating_past_its_declared_size_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(dir.path(), &[("LIAR.json", noise(5000))]);
        lie_about_sizes(&zip);
        let limits = ImportLimits {
            max_record_bytes: 1000,
            ..ImportLimits::default()
        };
        let err = read_all(&zip, limits).unwrap_err().to_string();
        assert!(
            err.contains("entry `LIAR.json` exceeds the limit of 1000"),
            "{err}"
        );
        assert!(err.contains("all.zip"), "{err}");
    }

    #[test]
    fn total_inflated_size_is_capped() {
        let limits = ImportLimits {
            max_total_bytes: 1000,
            ..ImportLimits::default()
        };
        let err = zip_refusal(&[("A.json", noise(600)), ("B.json", noise(600))], limits);
        assert!(
            err.contains("declared uncompressed size exceeds the limit of 1000"),
            "{err}"
        );
    }

    #[test]
    fn an_oversized_record_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("BIG.json"), noise(2000)).unwrap();
        let limits = ImportLimits {
            max_record_bytes: 1000,
            ..ImportLimits::default()
        };
        let err = RecordReader::new(ImportSource::Dir(dir.path().into()), limits)
            .for_each(|_, _| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("BIG.json: record exceeds the limit of 1000"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_in_a_folder_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("SECRET.json"), record("SECRET")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("A.json"), record("A")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("SECRET.json"),
            dir.path().join("L.json"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("sub")).unwrap();
        let mut names = Vec::new();
        RecordReader::new(
            ImportSource::Dir(dir.path().into()),
            ImportLimits::default(),
        )
        .for_each(|name, _| {
            names.push(name.to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(names, ["A.json"]);
    }

    #[test]
    fn a_truncated_zip_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(
            dir.path(),
            &[("A.json", record("A")), ("B.json", record("B"))],
        );
        let bytes = fs::read(&zip).unwrap();
        fs::write(&zip, &bytes[..bytes.len() / 2]).unwrap();
        let err = read_all(&zip, ImportLimits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("all.zip: not a readable zip archive"), "{err}");
    }

    #[test]
    fn a_damaged_entry_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(dir.path(), &[("A.json", noise(4000))]);
        let mut bytes = fs::read(&zip).unwrap();
        for b in &mut bytes[200..400] {
            *b = !*b;
        }
        fs::write(&zip, bytes).unwrap();
        let err = read_all(&zip, ImportLimits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("all.zip"), "{err}");
        assert!(err.contains("A.json"), "{err}");
    }
}
