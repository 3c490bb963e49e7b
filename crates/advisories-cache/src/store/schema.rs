//! The store's tables, and bringing an older store file up to date.
//!
//! The schema version lives in SQLite's `user_version`. Opening a store that
//! is already current only reads it, so a scan never waits behind an import
//! that holds the write lock.

use rusqlite::{Connection, TransactionBehavior};

/// The schema version this build writes.
pub(crate) const VERSION: i64 = 2;

/// Version 1 is the walking skeleton's layout; version 2 adds
/// `record_ecosystems`, which keeps per-ecosystem counts and freshness cheap
/// (an index range count instead of a join over every record).
const TABLES: &str = "
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
CREATE TABLE IF NOT EXISTS record_ecosystems (
    ecosystem TEXT NOT NULL,
    id        TEXT NOT NULL,
    modified  TEXT NOT NULL,
    PRIMARY KEY (ecosystem, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS imports (
    ecosystem   TEXT NOT NULL,
    source      TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    records     INTEGER NOT NULL,
    PRIMARY KEY (ecosystem, source)
);
";

/// Fills `record_ecosystems` for records written by a version-1 store.
const BACKFILL_V2: &str = "
INSERT OR IGNORE INTO record_ecosystems (ecosystem, id, modified)
SELECT DISTINCT a.ecosystem, a.id, r.modified FROM affected a JOIN records r ON r.id = a.id;
";

/// The schema version of the open file.
pub(crate) fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Creates or upgrades the tables when the file is older than [`VERSION`],
/// in one write transaction (checked again inside it: another process may
/// have upgraded the file meanwhile). A newer file is left alone.
pub(crate) fn ensure(conn: &mut Connection) -> rusqlite::Result<()> {
    if version(conn)? >= VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    if found < VERSION {
        tx.execute_batch(TABLES)?;
        tx.execute_batch(BACKFILL_V2)?;
        tx.pragma_update(None, "user_version", VERSION)?;
    }
    tx.commit()
}
