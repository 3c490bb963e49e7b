//! Reading `--baseline FILE`: a capped read of a regular file, then
//! [`scanner_core::baseline::Baseline::parse`].

use std::path::Path;

use anyhow::{Context, Result};
use scanner_core::baseline::{Baseline, MAX_BASELINE_BYTES};

/// Reads and parses the baseline report at `path`.
pub fn load(path: &Path) -> Result<Baseline> {
    let text = read_capped(path, MAX_BASELINE_BYTES, "baseline report")?;
    Baseline::parse(&text).with_context(|| {
        format!(
            "baseline {}: cannot be used\nhint: pass a report written by `supplygate scan --format json`",
            path.display()
        )
    })
}

/// Reads a regular file of at most `cap` bytes as UTF-8 through the one
/// capped reader: a folder, a FIFO, a device or a larger file is refused
/// without being read (and without blocking).
pub fn read_capped(path: &Path, cap: u64, what: &str) -> Result<String> {
    capped_read::read_capped_text(path, cap).with_context(|| format!("{what} cannot be read"))
}
