//! The embedded advisories store: one SQLite file, records kept verbatim and
//! indexed by (ecosystem, normalised package name).
//!
//! Imports run in one transaction, so a failed or killed import leaves the
//! previous data as it was; WAL mode lets scans read while an import writes.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::import::{ImportError, ImportLimits, ImportSource, ImportSummary, RecordReader};
use crate::lookup::{AdvisoryLookup, LookupError};
use crate::{Ecosystem, Vulnerability};

/// The file name of the database inside the store folder.
pub const DB_FILE: &str = "advisories.sqlite3";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    id        TEXT PRIMARY KEY,
    modified  TEXT NOT NULL,
    withdrawn INTEGER NOT NULL,
    json      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS affected (
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    id        TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS affected_by_id ON affected (id);
CREATE TABLE IF NOT EXISTS imports (
    ecosystem   TEXT NOT NULL,
    source      TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    records     INTEGER NOT NULL,
    PRIMARY KEY (ecosystem, source)
);
";

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

/// What the store holds for one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcosystemStatus {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// Records naming at least one package of it.
    pub records: u64,
    /// The newest `modified` among them.
    pub newest_modified: Option<String>,
    /// Every import: (source, unix seconds when imported, records).
    pub imports: Vec<(String, u64, u64)>,
}

/// The on-disk advisories store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store in folder `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let conn = Connection::open(&path).map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let store = Store { conn, path };
        store.init()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql<T>(&self, r: rusqlite::Result<T>) -> Result<T, StoreError> {
        r.map_err(|source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        })
    }

    fn init(&self) -> Result<(), StoreError> {
        self.sql(self.conn.busy_timeout(Duration::from_secs(30)))?;
        self.sql(self.conn.pragma_update(None, "journal_mode", "WAL"))?;
        self.sql(self.conn.pragma_update(None, "synchronous", "NORMAL"))?;
        self.sql(self.conn.execute_batch(SCHEMA))
    }

    /// Imports every record of `source` in one transaction: either all of it
    /// lands or none of it does.
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
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut summary = ImportSummary::default();
        let mut per_eco: std::collections::BTreeMap<Ecosystem, u64> = Default::default();
        {
            RecordReader::new(source.clone(), limits).for_each(|entry, text| {
                let vuln = Vulnerability::from_json(&text).map_err(|e| ImportError::Record {
                    path: source.path().to_path_buf(),
                    entry: entry.to_string(),
                    source: e,
                })?;
                let ecos = write_record(&tx, &vuln, &text).map_err(sql)?;
                if ecos.is_empty() {
                    summary.skipped_other_ecosystems += 1;
                    return Ok(());
                }
                summary.withdrawn += u64::from(vuln.withdrawn.is_some());
                for eco in ecos {
                    *per_eco.entry(eco).or_default() += 1;
                }
                Ok(())
            })?;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            for (eco, n) in &per_eco {
                tx.execute(
                    "INSERT OR REPLACE INTO imports (ecosystem, source, imported_at, records) VALUES (?1, ?2, ?3, ?4)",
                    params![eco.as_str(), label, now as i64, *n as i64],
                )
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        summary.stored = per_eco.into_iter().collect();
        Ok(summary)
    }

    /// Stores records fetched one by one (e.g. from OSV's HTTP API), each
    /// given with its verbatim JSON text, in one transaction.
    pub fn upsert(&mut self, records: &[(Vulnerability, String)]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
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
            .map(|&eco| self.status_of(eco))
            .collect()
    }

    fn status_of(&self, eco: Ecosystem) -> Result<EcosystemStatus, StoreError> {
        let (records, newest_modified) = self.sql(self.conn.query_row(
            "SELECT COUNT(DISTINCT r.id), MAX(r.modified) FROM records r
             JOIN affected a ON a.id = r.id WHERE a.ecosystem = ?1",
            params![eco.as_str()],
            |row| {
                Ok((
                    row.get::<_, i64>(0)? as u64,
                    row.get::<_, Option<String>>(1)?,
                ))
            },
        ))?;
        let mut stmt = self.sql(self.conn.prepare(
            "SELECT source, imported_at, records FROM imports WHERE ecosystem = ?1 ORDER BY imported_at",
        ))?;
        let imports = self.sql(
            stmt.query_map(params![eco.as_str()], |row| {
                Ok((
                    row.get(0)?,
                    row.get::<_, i64>(1)? as u64,
                    row.get::<_, i64>(2)? as u64,
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>()),
        )?;
        Ok(EcosystemStatus {
            ecosystem: eco,
            records,
            newest_modified,
            imports,
        })
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
}

/// Writes one record (replacing any earlier version of it) and its index
/// rows: the one way records enter the store. Returns the ecosystems it is
/// filed under; a record naming none supplygate handles is not written.
pub(crate) fn write_record(
    tx: &rusqlite::Transaction<'_>,
    vuln: &Vulnerability,
    text: &str,
) -> rusqlite::Result<Vec<Ecosystem>> {
    let keys = index_keys(vuln);
    if keys.is_empty() {
        return Ok(Vec::new());
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
    let mut ecos: Vec<Ecosystem> = keys.into_iter().map(|k| k.0).collect();
    ecos.dedup();
    Ok(ecos)
}

/// The (ecosystem, normalised name) pairs a record is filed under.
fn index_keys(vuln: &Vulnerability) -> Vec<(Ecosystem, String)> {
    let mut keys: Vec<(Ecosystem, String)> = vuln
        .affected
        .iter()
        .filter_map(|a| a.package.as_ref())
        .filter_map(|p| {
            let eco: Ecosystem = p.ecosystem.parse().ok()?;
            Some((eco, eco.normalize_name(&p.name)))
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

impl AdvisoryLookup for Store {
    fn advisories_for(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Vec<Vulnerability>, LookupError> {
        let mut stmt = self.sql(self.conn.prepare_cached(
            "SELECT r.id, r.json FROM affected a JOIN records r ON r.id = a.id
             WHERE a.ecosystem = ?1 AND a.name = ?2 AND r.withdrawn = 0 ORDER BY r.id",
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
        Ok(self.status_of(ecosystem)?.records)
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
}
