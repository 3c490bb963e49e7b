//! The embedded advisories store: one SQLite file, records kept verbatim and
//! indexed by (ecosystem, normalised package name).
//!
//! Imports run in one transaction, so a failed or killed import leaves the
//! previous data as it was; WAL mode lets scans read while an import writes,
//! and a second writer waits (up to a busy timeout) for the first.

mod schema;
mod status;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::config::DbConfig;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use crate::import::{ImportError, ImportLimits, ImportSource, ImportSummary, RecordReader};
use crate::lookup::{AdvisoryLookup, LookupError};
use crate::{Ecosystem, Vulnerability};

pub use status::{EcosystemStatus, ImportRecord};

/// The file name of the database inside the store folder.
pub const DB_FILE: &str = "advisories.sqlite3";

/// Page cache for an import's write transaction (negative: KiB). Large enough
/// that the index b-trees stay in memory while a whole all.zip is written.
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

/// A failure of the store itself.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("{path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// Another process held the write lock for longer than the busy timeout.
    #[error(
        "{path}: the advisories store is busy: another process (an import?) has been writing to it for over {waited:?}\nhint: retry when that import has finished"
    )]
    Busy {
        /// The database file.
        path: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
    /// The file was written by a newer supplygate.
    #[error("{path}: the store has schema version {found}; this supplygate reads up to {supported}\nhint: upgrade supplygate, or pass --db DIR to use another store")]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The newest this build understands.
        supported: i64,
    },
    /// A reader was pointed at a folder that holds no store.
    #[error("{path}: no advisories store here (nothing was imported into it)")]
    Missing {
        /// The database file that does not exist.
        path: PathBuf,
    },
    /// Something other than a folder is where the store folder should be
    /// (`--db /dev/null`, `--db some-file`).
    #[error("{path} is not a folder; the advisories store is a folder\nhint: pass --db DIR with a folder (it is created if missing)")]
    NotAFolder {
        /// What `--db` named.
        path: PathBuf,
    },
    /// The store folder could not be created.
    #[error("{path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A stored record no longer parses (the file was damaged).
    #[error("{path}: stored record `{id}` is damaged: {source}")]
    Damaged {
        /// The database file.
        path: PathBuf,
        /// The record id.
        id: String,
        /// The parse error.
        source: serde_json::Error,
    },
}

/// How a store is opened.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// How long a writer waits for another process's write to finish before
    /// failing with [`StoreError::Busy`].
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(120),
        }
    }
}

/// The on-disk advisories store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    options: StoreOptions,
    progress: std::sync::Arc<dyn crate::Progress>,
}

impl Store {
    /// Opens (creating if needed) the store in folder `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        Self::open_with(dir, StoreOptions::default())
    }

    /// Opens the store in folder `dir` only if it exists: readers (`scan
    /// --offline`, `db status`) never create a folder or an empty store.
    pub fn open_existing(dir: &Path) -> Result<Self, StoreError> {
        check_folder(dir)?;
        let path = dir.join(DB_FILE);
        if !path.is_file() {
            return Err(StoreError::Missing { path });
        }
        Self::open(dir)
    }

    /// Reports the progress of imports (records stored) to `progress`.
    pub fn set_progress(&mut self, progress: std::sync::Arc<dyn crate::Progress>) {
        self.progress = progress;
    }

    /// Opens (creating if needed) the store in folder `dir` with `options`.
    pub fn open_with(dir: &Path, options: StoreOptions) -> Result<Self, StoreError> {
        check_folder(dir)?;
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let conn = Connection::open(&path).map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let mut store = Store {
            conn,
            path,
            options,
            progress: crate::progress::none(),
        };
        store.init()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql<T>(&self, r: rusqlite::Result<T>) -> Result<T, StoreError> {
        r.map_err(|source| sqlite_error(&self.path, self.options, source))
    }

    fn init(&mut self) -> Result<(), StoreError> {
        self.sql(self.conn.busy_timeout(self.options.busy_timeout))?;
        // The bundled SQLite has STAT4, which re-plans a statement whenever a
        // bound name changes: measured 4x slower lookups. One plan suits all
        // names here, so ask for plan stability.
        self.sql(
            self.conn
                .set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true),
        )?;
        // Switching to WAL needs the write lock only the first time; asking
        // again on a WAL file is a read, so a scan opens beside an import.
        let mode: String = self.sql(
            self.conn
                .pragma_query_value(None, "journal_mode", |r| r.get(0)),
        )?;
        if !mode.eq_ignore_ascii_case("wal") {
            self.sql(self.conn.pragma_update(None, "journal_mode", "WAL"))?;
        }
        self.sql(self.conn.pragma_update(None, "synchronous", "NORMAL"))?;
        let found = self.sql(schema::version(&self.conn))?;
        if found > schema::VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                supported: schema::VERSION,
            });
        }
        let r = schema::ensure(&mut self.conn);
        self.sql(r)
    }

    /// Imports every record of `source` in one transaction: either all of it
    /// lands or none of it does, whether the import fails or is killed.
    pub fn import(
        &mut self,
        source: &ImportSource,
        limits: ImportLimits,
    ) -> Result<ImportSummary, ImportError> {
        let label = source.path().display().to_string();
        self.import_labelled(source, limits, &label)
    }

    /// [`Store::import`], recording `label` (e.g. the URL a downloaded file
    /// came from) as the source instead of the file's path.
    pub fn import_labelled(
        &mut self,
        source: &ImportSource,
        limits: ImportLimits,
        label: &str,
    ) -> Result<ImportSummary, ImportError> {
        self.sql(
            self.conn
                .pragma_update(None, "cache_size", -IMPORT_CACHE_KIB),
        )?;
        let progress = self.progress.clone();
        progress.start(
            &format!("importing {}", source.path().display()),
            crate::Unit::Records,
            None,
        );
        let result = self.import_in_transaction(source, limits, label);
        progress.finish();
        // Back to SQLite's default (2 MiB): the store serves scans with little memory.
        self.sql(self.conn.pragma_update(None, "cache_size", -2000))?;
        let summary = result?;
        self.checkpoint()?;
        Ok(summary)
    }

    /// Copies the WAL into the database file and empties it, so the store's
    /// size on disk is its data. It never waits: with a reader in an older
    /// snapshot or another writer busy, it does what it can and the data is
    /// safe either way (a later checkpoint finishes the job).
    fn checkpoint(&self) -> Result<(), StoreError> {
        self.sql(self.conn.busy_timeout(Duration::ZERO))?;
        let done = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        self.sql(self.conn.busy_timeout(self.options.busy_timeout))?;
        match done {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => Ok(()),
            other => self.sql(other),
        }
    }

    fn import_in_transaction(
        &mut self,
        source: &ImportSource,
        limits: ImportLimits,
        label: &str,
    ) -> Result<ImportSummary, ImportError> {
        let (path, options) = (self.path.clone(), self.options);
        let sql = |e| sqlite_error(&path, options, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut summary = ImportSummary::default();
        let mut per_eco: std::collections::BTreeMap<Ecosystem, u64> = Default::default();
        let progress = self.progress.clone();
        RecordReader::new(source.clone(), limits).for_each(|entry, text| {
            let vuln = parse_record(source, limits, entry, &text)?;
            let ecos = write_record(&tx, &vuln, &text).map_err(sql)?;
            if ecos.is_empty() {
                summary.skipped_other_ecosystems += 1;
            }
            summary.withdrawn += u64::from(vuln.withdrawn.is_some() && !ecos.is_empty());
            for eco in ecos {
                *per_eco.entry(eco).or_default() += 1;
            }
            progress.advance(1);
            Ok(())
        })?;
        record_import(&tx, label, &per_eco).map_err(sql)?;
        tx.commit().map_err(sql)?;
        summary.stored = per_eco.into_iter().collect();
        Ok(summary)
    }

    /// Stores records fetched one by one (e.g. from OSV's HTTP API), each
    /// given with its verbatim JSON text, in one transaction.
    pub fn upsert(&mut self, records: &[(Vulnerability, String)]) -> Result<(), StoreError> {
        let (path, options) = (self.path.clone(), self.options);
        let sql = |e| sqlite_error(&path, options, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        for (vuln, text) in records {
            write_record(&tx, vuln, text).map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// The stored `modified` time of each of `ids` that is in the store.
    pub fn modified_of(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut stmt = self.sql(
            self.conn
                .prepare_cached("SELECT modified FROM records WHERE id = ?1"),
        )?;
        let mut out = std::collections::HashMap::new();
        for id in ids {
            if let Some(m) = self.sql(
                stmt.query_row(params![id], |r| r.get::<_, String>(0))
                    .optional(),
            )? {
                out.insert(id.clone(), m);
            }
        }
        Ok(out)
    }

    /// Per-ecosystem counts, freshness and import history.
    pub fn status(&self) -> Result<Vec<EcosystemStatus>, StoreError> {
        Ecosystem::ALL
            .iter()
            .map(|&eco| self.sql(status::status_of(&self.conn, eco)))
            .collect()
    }

    /// The verbatim JSON text of a record, as imported.
    pub fn raw_record(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.sql(
            self.conn
                .query_row("SELECT json FROM records WHERE id = ?1", params![id], |r| {
                    r.get(0)
                })
                .optional(),
        )
    }

    /// SQLite's own consistency check (`PRAGMA integrity_check`): `Ok(())`
    /// when the file is sound, else the problems it lists.
    pub fn integrity_check(&self) -> Result<Result<(), Vec<String>>, StoreError> {
        let mut stmt = self.sql(self.conn.prepare("PRAGMA integrity_check"))?;
        let lines = self.sql(
            stmt.query_map([], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>()),
        )?;
        Ok(if lines == ["ok"] { Ok(()) } else { Err(lines) })
    }
}

/// Turns SQLite's "busy" into the message naming the store; everything else
/// is passed on with the file's path.
/// A store folder that exists must be a folder (followed through links).
fn check_folder(dir: &Path) -> Result<(), StoreError> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(StoreError::NotAFolder {
            path: dir.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

fn sqlite_error(path: &Path, options: StoreOptions, source: rusqlite::Error) -> StoreError {
    let busy = matches!(
        source.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    );
    if busy {
        StoreError::Busy {
            path: path.to_path_buf(),
            waited: options.busy_timeout,
        }
    } else {
        StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Parses one imported record and applies the per-record caps.
fn parse_record(
    source: &ImportSource,
    limits: ImportLimits,
    entry: &str,
    text: &str,
) -> Result<Vulnerability, ImportError> {
    let vuln = Vulnerability::from_json(text).map_err(|e| ImportError::Record {
        path: source.path().to_path_buf(),
        entry: entry.to_string(),
        source: e,
    })?;
    if let Err(reason) = crate::check_id(&vuln.id) {
        let shown: String = vuln.id.escape_debug().take(64).collect();
        return Err(ImportError::InvalidId {
            path: source.path().to_path_buf(),
            entry: entry.escape_debug().to_string(),
            id: format!("\"{shown}\""),
            reason,
        });
    }
    let versions: usize = vuln.affected.iter().map(|a| a.versions.len()).sum();
    if versions > limits.max_versions_per_record {
        return Err(ImportError::TooLarge {
            path: source.path().to_path_buf(),
            what: format!("entry `{entry}`: {versions} listed versions"),
            limit: limits.max_versions_per_record as u64,
        });
    }
    Ok(vuln)
}

/// Notes the import of `source` in the history `db status` shows.
fn record_import(
    tx: &rusqlite::Transaction<'_>,
    label: &str,
    per_eco: &std::collections::BTreeMap<Ecosystem, u64>,
) -> rusqlite::Result<()> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO imports (ecosystem, source, imported_at, records) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (eco, n) in per_eco {
        stmt.execute(params![eco.as_str(), label, now as i64, *n as i64])?;
    }
    Ok(())
}

/// Writes one record (replacing any earlier version of it) and its index
/// rows: the one way records enter the store. Returns the ecosystems it is
/// filed under; a record naming none supplygate handles is not written.
pub(crate) fn write_record(
    tx: &rusqlite::Transaction<'_>,
    vuln: &Vulnerability,
    text: &str,
) -> rusqlite::Result<Vec<Ecosystem>> {
    let keys = vuln.package_keys();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut ecos: Vec<Ecosystem> = keys.iter().map(|k| k.0).collect();
    ecos.dedup();
    if newer_stored(tx, vuln)? {
        return Ok(ecos);
    }
    tx.prepare_cached(
        "INSERT OR REPLACE INTO records (id, modified, withdrawn, json) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        vuln.id,
        vuln.modified,
        vuln.withdrawn.is_some(),
        text
    ])?;
    tx.prepare_cached("DELETE FROM affected WHERE id = ?1")?
        .execute(params![vuln.id])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO affected (ecosystem, name, id) VALUES (?1, ?2, ?3)",
    )?;
    for (eco, name) in &keys {
        insert.execute(params![eco.as_str(), name, vuln.id])?;
    }
    file_under_ecosystems(tx, vuln, &ecos)?;
    Ok(ecos)
}

/// True when the store already holds a copy of the record with a later
/// `modified`: of two copies of one id (twice in one archive, or an older
/// archive imported after a newer one) the newest wins, whatever the order.
/// A copy whose time does not parse counts as the oldest.
fn newer_stored(tx: &rusqlite::Transaction<'_>, vuln: &Vulnerability) -> rusqlite::Result<bool> {
    let stored: Option<String> = tx
        .prepare_cached("SELECT modified FROM records WHERE id = ?1")?
        .query_row(params![vuln.id], |r| r.get(0))
        .optional()?;
    Ok(stored.is_some_and(|s| crate::rfc3339_key(&s) > crate::rfc3339_key(&vuln.modified)))
}

/// Keeps `record_ecosystems` in step with `affected` for one record.
fn file_under_ecosystems(
    tx: &rusqlite::Transaction<'_>,
    vuln: &Vulnerability,
    ecos: &[Ecosystem],
) -> rusqlite::Result<()> {
    let mut delete =
        tx.prepare_cached("DELETE FROM record_ecosystems WHERE ecosystem = ?1 AND id = ?2")?;
    for eco in Ecosystem::ALL {
        delete.execute(params![eco.as_str(), vuln.id])?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO record_ecosystems (ecosystem, id, modified) VALUES (?1, ?2, ?3)",
    )?;
    for eco in ecos {
        insert.execute(params![eco.as_str(), vuln.id, vuln.modified])?;
    }
    Ok(())
}

impl AdvisoryLookup for Store {
    fn advisories_for(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Vec<Vulnerability>, LookupError> {
        let mut stmt = self.sql(self.conn.prepare_cached(
            "SELECT r.id, r.json FROM affected a JOIN records r ON r.id = a.id
             WHERE a.ecosystem = ?1 AND a.name = ?2 AND r.withdrawn = 0 ORDER BY a.id",
        ))?;
        let rows = self.sql(
            stmt.query_map(
                params![ecosystem.as_str(), ecosystem.normalize_name(name)],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>()),
        )?;
        let parsed = rows.into_iter().map(|(id, json)| {
            Vulnerability::from_json(&json).map_err(|source| StoreError::Damaged {
                path: self.path.clone(),
                id,
                source,
            })
        });
        Ok(parsed.collect::<Result<_, _>>()?)
    }

    fn record_count(&self, ecosystem: Ecosystem) -> Result<u64, LookupError> {
        Ok(self.sql(status::record_count(&self.conn, ecosystem))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn import_then_lookup_by_normalised_name() {
        let recs = tempfile::tempdir().unwrap();
        write(
            recs.path(),
            "a.json",
            r#"{"id":"PYSEC-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"Git_Python"},"versions":["1.0"]}]}"#,
        );
        write(
            recs.path(),
            "b.json",
            r#"{"id":"MAL-9","modified":"2024-02-01T00:00:00Z","withdrawn":"2024-03-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"GIT-python"}}]}"#,
        );
        write(
            recs.path(),
            "c.json",
            r#"{"id":"RUSTSEC-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"crates.io","name":"x"}}]}"#,
        );
        let db = tempfile::tempdir().unwrap();
        let mut store = Store::open(db.path()).unwrap();
        let summary = store
            .import(
                &ImportSource::Dir(recs.path().into()),
                ImportLimits::default(),
            )
            .unwrap();
        assert_eq!(summary.stored, vec![(Ecosystem::PyPI, 2)]);
        assert_eq!(summary.skipped_other_ecosystems, 1);
        assert_eq!(summary.withdrawn, 1);
        let found = store.advisories_for(Ecosystem::PyPI, "git.python").unwrap();
        let ids: Vec<_> = found.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["PYSEC-1"], "withdrawn records never match");
        let status = store.status().unwrap();
        assert_eq!(status[1].records, 2);
        assert!(store.integrity_check().unwrap().is_ok());
        assert_eq!(
            status[1].newest_modified.as_deref(),
            Some("2024-02-01T00:00:00Z")
        );
        assert_eq!(store.record_count(Ecosystem::Npm).unwrap(), 0);
    }

    #[test]
    fn a_failed_import_leaves_previous_data() {
        let recs = tempfile::tempdir().unwrap();
        write(
            recs.path(),
            "a.json",
            r#"{"id":"GHSA-1","modified":"x","affected":[{"package":{"ecosystem":"npm","name":"qs"}}]}"#,
        );
        let db = tempfile::tempdir().unwrap();
        let mut store = Store::open(db.path()).unwrap();
        store
            .import(
                &ImportSource::Dir(recs.path().into()),
                ImportLimits::default(),
            )
            .unwrap();
        write(
            recs.path(),
            "b.json",
            r#"{"id":"GHSA-2","modified":"x","affected":[{"package":{"ecosystem":"npm","name":"ws"}}]}"#,
        );
        write(recs.path(), "c.json", "{not json");
        let err = store
            .import(
                &ImportSource::Dir(recs.path().into()),
                ImportLimits::default(),
            )
            .unwrap_err();
        assert!(err.to_string().contains("c.json"), "{err}");
        assert_eq!(store.record_count(Ecosystem::Npm).unwrap(), 1);
        assert!(store
            .advisories_for(Ecosystem::Npm, "ws")
            .unwrap()
            .is_empty());
    }

    fn one_record_store(dir: &Path) -> Store {
        let recs = dir.join("recs");
        std::fs::create_dir_all(&recs).unwrap();
        write(
            &recs,
            "a.json",
            r#"{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"qs"}}]}"#,
        );
        let mut store = Store::open(&dir.join("db")).unwrap();
        store
            .import(&ImportSource::Dir(recs), ImportLimits::default())
            .unwrap();
        store
    }

    /// Holds the write lock from another connection, with an uncommitted
    /// record in it, as a running import does.
    fn writer_in_progress(db: &Path) -> Connection {
        let conn = Connection::open(db.join(DB_FILE)).unwrap();
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             INSERT INTO records VALUES ('GHSA-2', 'x', 0, '{}');
             INSERT INTO affected VALUES ('npm', 'qs', 'GHSA-2');
             INSERT INTO record_ecosystems VALUES ('npm', 'GHSA-2', 'x');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_scan_opens_and_reads_while_an_import_writes() {
        let dir = tempfile::tempdir().unwrap();
        drop(one_record_store(dir.path()));
        let _writer = writer_in_progress(&dir.path().join("db"));
        let started = std::time::Instant::now();
        let reader = Store::open(&dir.path().join("db")).unwrap();
        let ids: Vec<_> = reader
            .advisories_for(Ecosystem::Npm, "qs")
            .unwrap()
            .into_iter()
            .map(|v| v.id)
            .collect();
        assert_eq!(ids, ["GHSA-1"], "only committed data is seen");
        assert_eq!(reader.record_count(Ecosystem::Npm).unwrap(), 1);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the reader waited"
        );
    }

    #[test]
    fn a_second_writer_fails_with_a_message_naming_the_store() {
        let dir = tempfile::tempdir().unwrap();
        drop(one_record_store(dir.path()));
        let db = dir.path().join("db");
        let _writer = writer_in_progress(&db);
        let options = StoreOptions {
            busy_timeout: Duration::from_millis(200),
        };
        let mut second = Store::open_with(&db, options).unwrap();
        let recs = dir.path().join("recs");
        let err = second
            .import(&ImportSource::Dir(recs), ImportLimits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("advisories.sqlite3"), "{err}");
        assert!(err.contains("the advisories store is busy"), "{err}");
        assert!(second.integrity_check().unwrap().is_ok());
    }

    #[test]
    fn a_record_listing_too_many_versions_is_refused() {
        let recs = tempfile::tempdir().unwrap();
        write(
            recs.path(),
            "a.json",
            r#"{"id":"GHSA-1","modified":"x","affected":[{"package":{"ecosystem":"npm","name":"qs"},"versions":["1","2"]},{"package":{"ecosystem":"npm","name":"ws"},"versions":["3","4"]}]}"#,
        );
        let db = tempfile::tempdir().unwrap();
        let mut store = Store::open(db.path()).unwrap();
        let limits = ImportLimits {
            max_versions_per_record: 3,
            ..ImportLimits::default()
        };
        let err = store
            .import(&ImportSource::Dir(recs.path().into()), limits)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("entry `a.json`: 4 listed versions exceeds the limit of 3"),
            "{err}"
        );
        assert_eq!(store.record_count(Ecosystem::Npm).unwrap(), 0);
    }

    #[test]
    fn a_skeleton_store_is_upgraded_with_its_counts() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute_batch(
            "CREATE TABLE records (id TEXT PRIMARY KEY, modified TEXT NOT NULL, withdrawn INTEGER NOT NULL, json TEXT NOT NULL);
             CREATE TABLE affected (ecosystem TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (ecosystem, name, id)) WITHOUT ROWID;
             CREATE TABLE imports (ecosystem TEXT NOT NULL, source TEXT NOT NULL, imported_at INTEGER NOT NULL, records INTEGER NOT NULL, PRIMARY KEY (ecosystem, source));
             INSERT INTO records VALUES ('GHSA-1', '2024-05-01T00:00:00Z', 0, '{\"id\":\"GHSA-1\"}');
             INSERT INTO affected VALUES ('npm', 'qs', 'GHSA-1'), ('npm', 'ws', 'GHSA-1');",
        )
        .unwrap();
        drop(conn);
        let store = Store::open(dir.path()).unwrap();
        let npm = &store.status().unwrap()[0];
        assert_eq!(npm.records, 1);
        assert_eq!(npm.newest_modified.as_deref(), Some("2024-05-01T00:00:00Z"));
    }

    #[test]
    fn a_store_from_a_newer_supplygate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(dir.path()).err().unwrap().to_string();
        assert!(err.contains("schema version 99"), "{err}");
    }
}
