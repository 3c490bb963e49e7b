//! `--output FILE`: the report is written to a temporary file beside FILE,
//! flushed to disk, then renamed over FILE, so a reader (a CI upload step)
//! sees the old file or the whole new one, never half a report.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Renders into a temporary file in FILE's folder, then renames it to FILE.
/// On any failure FILE is left as it was and the temporary file is removed.
pub fn write_atomically(
    file: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".supplygate-report.")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "--output {}: cannot create a file in {}",
                file.display(),
                dir.display()
            )
        })?;
    {
        let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
        render(&mut buffered)
            .and_then(|()| buffered.flush())
            .with_context(|| format!("--output {}: writing the report failed", file.display()))?;
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("--output {}: flushing the report failed", file.display()))?;
    tmp.persist(file)
        .map_err(|e| e.error)
        .with_context(|| format!("--output {}: cannot replace the file", file.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_render_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.json");
        std::fs::write(&file, "old").unwrap();
        let err = write_atomically(&file, |out| {
            out.write_all(b"half")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomically(&file, |out| out.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
    }
}
