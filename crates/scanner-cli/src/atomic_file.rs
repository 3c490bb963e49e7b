//! Files replaced whole: the bytes go to a temporary file beside the target,
//! flushed to disk, then renamed over it, so a reader (a CI upload step, a
//! concurrent scan, `receipt verify`) sees the old file or the whole new
//! one, never half of one. Used for `--output FILE`, receipts and the
//! verification cache.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

/// The step of a replacement that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Creating the temporary file in the target's folder.
    Create,
    /// Writing the content into it.
    Write,
    /// Flushing it to disk.
    Sync,
    /// Renaming it over the target.
    Rename,
}

/// Writes what `render` produces into a temporary file named `prefix…` in
/// `file`'s folder (mode 0600 on Unix), then renames it to `file`. On any
/// failure `file` is left as it was and the temporary file is removed.
pub fn replace(
    file: &Path,
    prefix: &str,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), (Step, std::io::Error)> {
    let mut tmp = tempfile::Builder::new()
        .prefix(prefix)
        .tempfile_in(folder(file))
        .map_err(|e| (Step::Create, e))?;
    {
        let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
        render(&mut buffered)
            .and_then(|()| buffered.flush())
            .map_err(|e| (Step::Write, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| (Step::Sync, e))?;
    tmp.persist(file).map_err(|e| (Step::Rename, e.error))?;
    Ok(())
}

/// `--output FILE`: the report rendered into FILE by [`replace`], with the
/// failed step named in the error.
pub fn write_report(
    file: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    replace(file, ".supplygate-report.", render).map_err(|(step, e)| {
        let what = match step {
            Step::Create => format!("cannot create a file in {}", folder(file).display()),
            Step::Write => "writing the report failed".to_string(),
            Step::Sync => "flushing the report failed".to_string(),
            Step::Rename => "cannot replace the file".to_string(),
        };
        anyhow::Error::new(e).context(format!("--output {}: {what}", file.display()))
    })
}

/// The folder `file` is in (`.` for a bare file name).
fn folder(file: &Path) -> &Path {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_render_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.json");
        std::fs::write(&file, "old").unwrap();
        let err = write_report(&file, |out| {
            out.write_all(b"half")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_report(&file, |out| out.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
    }
}
