//! `bench-store`: the advisories store at osv.dev scale.
//!
//! Generates an npm `all.zip` of osv.dev's size and shape from real records,
//! then measures import time, size on disk, matching 5,000 packages and the
//! peak memory of a scan, each next to a baseline measured in the same run.
//! Run it through `scripts/bench-store.sh` (release build).

mod corpus;
mod measure;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::corpus::Shape;
use crate::measure::timed;

/// Command line: `bench-store REPO_ROOT SUPPLYGATE_BIN [RECORDS] [MALICIOUS]`.
struct Args {
    repo: PathBuf,
    supplygate: PathBuf,
    shape: Shape,
}

fn args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let usage = "usage: bench-store REPO_ROOT SUPPLYGATE_BIN [RECORDS] [MALICIOUS]";
    let repo = PathBuf::from(it.next().context(usage)?);
    let supplygate = PathBuf::from(it.next().context(usage)?);
    let records = it
        .next()
        .map_or(Ok(214_000), |s| s.parse())
        .context(usage)?;
    let malicious = it
        .next()
        .map_or(Ok(records * 209 / 214), |s| s.parse())
        .context(usage)?;
    Ok(Args {
        repo,
        supplygate,
        shape: Shape { records, malicious },
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// 5,000 lookups as a scan makes them: most names have no advisory, some are
/// malicious packages, some have ordinary advisories.
fn triples(packages: &[(String, String)], malicious: usize) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(5000);
    let step = (malicious / 250).max(1);
    out.extend(
        packages[..malicious]
            .iter()
            .step_by(step)
            .take(250)
            .cloned(),
    );
    out.extend(packages[malicious..].iter().take(250).cloned());
    let misses = 5000 - out.len();
    out.extend((0..misses).map(|k| {
        (
            format!("not-advised-{k}"),
            format!("1.{}.{}", k % 20, k % 7),
        )
    }));
    out
}

fn main() -> Result<()> {
    let args = args()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let work = tempfile::tempdir()?;
    let osv = args.repo.join("fixtures/osv");
    println!(
        "machine: {cores} cores; corpus: {} records ({} MAL-)",
        args.shape.records, args.shape.malicious
    );

    let (corpus, t_gen) = timed(|| corpus::generate(work.path(), &osv, args.shape))?;
    let zip_bytes = std::fs::metadata(&corpus.zip)?.len();
    println!(
        "corpus: all.zip {:.1} MiB, {:.1} MiB of JSON inflated (generated in {:.1} s)",
        mib(zip_bytes),
        mib(corpus.json_bytes),
        t_gen.as_secs_f64()
    );

    let (memory, t_parse) = timed(|| measure::unzip_and_parse(&corpus.zip))?;
    let db = work.path().join("store");
    let (store, t_import) = timed(|| measure::import(&db, &corpus.zip))?;
    println!(
        "import: {:.1} s (target ≤ 60 s); baseline unzip+parse only {:.1} s; ratio {:.2}×",
        t_import.as_secs_f64(),
        t_parse.as_secs_f64(),
        t_import.as_secs_f64() / t_parse.as_secs_f64()
    );
    let disk = measure::size_on_disk(&db)?;
    println!(
        "size on disk: {:.1} MiB; ratio to inflated JSON {:.2}×, to all.zip {:.2}×",
        mib(disk),
        disk as f64 / corpus.json_bytes as f64,
        disk as f64 / zip_bytes as f64
    );

    let triples = triples(&corpus.packages, args.shape.malicious);
    let (hits, t_store) = measure::best_match(&store, &triples, 5)?;
    let (mem_hits, t_mem) = measure::best_match(&memory, &triples, 5)?;
    anyhow::ensure!(
        hits == mem_hits,
        "store found {hits} matches, memory {mem_hits}"
    );
    drop(memory);
    println!(
        "match {} packages: {:.1} ms (target ≤ 50 ms), {hits} matches; baseline in-memory HashMap {:.1} ms; ratio {:.1}×",
        triples.len(), ms(t_store), ms(t_mem), ms(t_store) / ms(t_mem)
    );
    let (_, t_hits) = measure::best_match(&store, &triples[..500], 5)?;
    let (_, t_misses) = measure::best_match(&store, &triples[500..], 5)?;
    println!(
        "  (timed apart: the 500 advised packages {:.1} ms, the 4,500 others {:.1} ms)",
        ms(t_hits),
        ms(t_misses)
    );
    drop(store);
    rss(&args, &db, work.path())
}

/// Peak RSS of a real scan against the big store and against a store with
/// only the bundled fixtures.
fn rss(args: &Args, big: &std::path::Path, work: &std::path::Path) -> Result<()> {
    let home = args.repo.join("fixtures/homes/affected");
    let small = work.join("small");
    let mut store = advisories_cache::Store::open(&small)?;
    for src in ["PyPI-all.zip", "npm", "PyPI-ghsa-mal"] {
        let source =
            advisories_cache::ImportSource::detect(&args.repo.join("fixtures/osv").join(src))?;
        store.import(&source, advisories_cache::ImportLimits::default())?;
    }
    let records: u64 = store.status()?.iter().map(|s| s.records).sum();
    drop(store);
    let big_kib = measure::scan_peak_rss(&args.supplygate, big, &home)?;
    let small_kib = measure::scan_peak_rss(&args.supplygate, &small, &home)?;
    println!(
        "scan peak RSS: {:.1} MiB (target ≤ 150 MiB); baseline with the {}-record fixture store {:.1} MiB; ratio {:.2}×",
        big_kib as f64 / 1024.0, records, small_kib as f64 / 1024.0, big_kib as f64 / small_kib as f64
    );
    Ok(())
}
