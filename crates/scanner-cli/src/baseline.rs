//! Reading `--baseline FILE`: a capped read of a regular file, then
//! [`scanner_core::baseline::Baseline::parse`].

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};
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

/// Reads a regular file of at most `cap` bytes as UTF-8; a folder, a FIFO,
/// a device or a larger file is refused without being read.
pub fn read_capped(path: &Path, cap: u64, what: &str) -> Result<String> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("{what} {}: cannot be read", path.display()))?;
    if !meta.is_file() {
        bail!("{what} {}: not a regular file", path.display());
    }
    let file = std::fs::File::open(path)
        .with_context(|| format!("{what} {}: cannot be opened", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{what} {}: cannot be read", path.display()))?;
    if bytes.len() as u64 > cap {
        bail!(
            "{what} {}: larger than {cap} bytes; refused",
            path.display()
        );
    }
    String::from_utf8(bytes).with_context(|| format!("{what} {}: not UTF-8", path.display()))
}
