//! The measurements: each runs the real code path and a baseline doing the
//! least the same job needs, on the same input.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use advisories_cache::{
    AdvisoryLookup, Ecosystem, ImportError, ImportLimits, ImportSource, MemoryStore, RecordReader,
    Store, Vulnerability,
};
use anyhow::{Context, Result};
use scanner_core::matching::affects;
use scanner_core::version::Version;

/// Times `f`.
pub fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, Duration)> {
    let start = Instant::now();
    let out = f()?;
    Ok((out, start.elapsed()))
}

/// Baseline for import: unzip and parse every record, store nothing.
pub fn unzip_and_parse(zip: &Path) -> Result<MemoryStore> {
    let mut memory = MemoryStore::default();
    RecordReader::new(ImportSource::Zip(zip.into()), ImportLimits::default()).for_each(
        |entry, text| {
            let vuln = Vulnerability::from_json(&text).map_err(|source| ImportError::Record {
                path: zip.into(),
                entry: entry.into(),
                source,
            })?;
            memory.insert(vuln);
            Ok(())
        },
    )?;
    Ok(memory)
}

/// The real import into a fresh store in `dir`.
pub fn import(dir: &Path, zip: &Path) -> Result<Store> {
    let mut store = Store::open(dir)?;
    store.import(&ImportSource::Zip(zip.into()), ImportLimits::default())?;
    Ok(store)
}

/// Bytes on disk of the store folder (database, WAL and shared memory).
pub fn size_on_disk(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for e in std::fs::read_dir(dir)? {
        total += e?.metadata()?.len();
    }
    Ok(total)
}

/// Matches every triple through `lookup` and the real matcher; returns how
/// many (triple, record) pairs matched.
pub fn match_all(lookup: &dyn AdvisoryLookup, triples: &[(String, String)]) -> Result<usize> {
    let mut hits = 0;
    for (name, version) in triples {
        let v = Version::parse(Ecosystem::Npm, version)?;
        for vuln in lookup.advisories_for(Ecosystem::Npm, name)? {
            hits += usize::from(affects(&vuln, Ecosystem::Npm, name, &v));
        }
    }
    Ok(hits)
}

/// The best of `runs` timings of [`match_all`], and its hit count.
pub fn best_match(
    lookup: &dyn AdvisoryLookup,
    triples: &[(String, String)],
    runs: usize,
) -> Result<(usize, Duration)> {
    let mut best = (0, Duration::MAX);
    for _ in 0..runs {
        let (hits, t) = timed(|| match_all(lookup, triples))?;
        best = (hits, best.1.min(t));
    }
    Ok(best)
}

/// Peak RSS (KiB) of `supplygate scan --offline` against the store in `db`,
/// read from `/usr/bin/time -v`.
pub fn scan_peak_rss(supplygate: &Path, db: &Path, home: &Path) -> Result<u64> {
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(supplygate)
        .args(["--db".as_ref(), db.as_os_str()])
        .args([
            "scan".as_ref(),
            "--offline".as_ref(),
            "--home".as_ref(),
            home.as_os_str(),
        ])
        .args(["--format", "json"])
        .output()
        .context("running /usr/bin/time -v supplygate scan")?;
    let err = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    anyhow::ensure!(
        matches!(code, Some(0..=1 | 3)),
        "scan failed ({code:?}): {err}"
    );
    err.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("no peak RSS in: {err}"))
}
