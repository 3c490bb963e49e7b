//! `db update`: download `<base>/<ECOSYSTEM>/all.zip` to a temporary file
//! beside the store, check it is a complete archive, then import it through
//! the normal (all-or-nothing) import path.

use std::path::{Path, PathBuf};

use super::{ApiUrl, OsvApiError, Transport};
use crate::{Ecosystem, ImportLimits, ImportSource, ImportSummary, Store};

/// What an update did for one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSummary {
    /// The archive's URL.
    pub url: ApiUrl,
    /// Bytes downloaded.
    pub bytes: u64,
    /// What the import stored.
    pub import: ImportSummary,
}

/// Downloads and imports `eco`'s `all.zip` from `base`, refusing archives
/// over `max_bytes`. On any failure the store is left as it was.
pub fn update_ecosystem(
    transport: &Transport,
    base: &ApiUrl,
    store: &mut Store,
    eco: Ecosystem,
    max_bytes: u64,
) -> Result<UpdateSummary, OsvApiError> {
    let url = base.join(&[eco.as_str(), "all.zip"]);
    let dir = store
        .path()
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let temp = TempFile(dir.join(format!(
        ".download-{}-{}.zip",
        eco.as_str(),
        std::process::id()
    )));
    let bytes = transport.download(&url, &temp.0, max_bytes)?;
    // A truncated archive has no readable central directory: refuse it
    // before anything is imported.
    let file = std::fs::File::open(&temp.0).map_err(|source| OsvApiError::Io {
        path: temp.0.clone(),
        source,
    })?;
    zip::ZipArchive::new(file).map_err(|e| OsvApiError::BadResponse {
        url: url.clone(),
        reason: format!("the archive is incomplete or damaged ({e})"),
    })?;
    let import = store.import_labelled(
        &ImportSource::Zip(temp.0.clone()),
        ImportLimits::default(),
        &url.to_string(),
    )?;
    Ok(UpdateSummary { url, bytes, import })
}

/// A file removed when dropped, whatever happened.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
