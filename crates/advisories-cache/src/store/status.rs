//! What the store holds, per ecosystem: counts, freshness and import history.

use rusqlite::{params, Connection};

use crate::Ecosystem;

/// One import of a source, as recorded in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    /// The file or folder imported, as given on the command line, or the URL
    /// `db update` downloaded it from.
    pub source: String,
    /// When it was imported, in seconds since the Unix epoch (UTC).
    pub imported_at: u64,
    /// How many of its records were filed under this ecosystem.
    pub records: u64,
}

/// What the store holds for one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcosystemStatus {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// Records naming at least one package of it (withdrawn ones included).
    pub records: u64,
    /// The newest `modified` among them.
    pub newest_modified: Option<String>,
    /// Every import that brought records of it, oldest first.
    pub imports: Vec<ImportRecord>,
}

/// Records filed under `eco`: an index range count, cheap at any store size.
pub(crate) fn record_count(conn: &Connection, eco: Ecosystem) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM record_ecosystems WHERE ecosystem = ?1")?
        .query_row(params![eco.as_str()], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// Everything `db status` shows for `eco`.
pub(crate) fn status_of(conn: &Connection, eco: Ecosystem) -> rusqlite::Result<EcosystemStatus> {
    let newest_modified = conn.query_row(
        "SELECT MAX(modified) FROM record_ecosystems WHERE ecosystem = ?1",
        params![eco.as_str()],
        |r| r.get::<_, Option<String>>(0),
    )?;
    let mut stmt = conn.prepare(
        "SELECT source, imported_at, records FROM imports WHERE ecosystem = ?1
         ORDER BY imported_at, source",
    )?;
    let imports = stmt
        .query_map(params![eco.as_str()], |row| {
            Ok(ImportRecord {
                source: row.get(0)?,
                imported_at: row.get::<_, i64>(1)? as u64,
                records: row.get::<_, i64>(2)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(EcosystemStatus {
        ecosystem: eco,
        records: record_count(conn, eco)?,
        newest_modified,
        imports,
    })
}
