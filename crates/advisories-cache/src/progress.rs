//! How far long work has got (importing records, downloading archives,
//! asking the API about packages), for whoever shows it. Libraries never
//! print: the CLI draws progress bars on a terminal; everyone else leaves
//! the default, [`NoProgress`].

use std::sync::Arc;

/// What a stage of work counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// OSV records read or stored.
    Records,
    /// Bytes downloaded.
    Bytes,
    /// Packages asked about.
    Packages,
}

/// Receives the progress of long work. Calls come from the thread doing the
/// work (several, for parallel work): implementations must be cheap.
pub trait Progress: Send + Sync {
    /// A stage begins: `what` (e.g. `downloading …/npm/all.zip`), counted
    /// in `unit`, `total` units when known.
    fn start(&self, what: &str, unit: Unit, total: Option<u64>);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The stage is over, done or failed.
    fn finish(&self);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: Unit, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// The default receiver: [`NoProgress`].
pub(crate) fn none() -> Arc<dyn Progress> {
    Arc::new(NoProgress)
}

/// A reader that reports every byte read as progress.
pub(crate) struct Counting<'a, R> {
    pub(crate) inner: R,
    pub(crate) progress: &'a dyn Progress,
}

impl<R: std::io::Read> std::io::Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}
