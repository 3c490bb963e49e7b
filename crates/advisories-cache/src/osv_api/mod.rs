//! OSV over HTTP: `POST /v1/querybatch`, `GET /v1/vulns/{id}` into the
//! store, and `<ECOSYSTEM>/all.zip` downloads for `db update`.
//!
//! Every request goes through one [`Transport`]: a per-request timeout,
//! retries with exponential backoff on 429, 5xx and network failures
//! (honouring `Retry-After`), and a global deadline after which it gives up.
//! Callers fail closed on any [`OsvApiError`].

mod batch;
mod download;
mod fetch;
mod transport;
mod url;

pub use batch::{query_batch, PackageQuery, VulnRef, MAX_BATCH};
pub use download::{update_ecosystem, UpdateSummary};
pub use fetch::{fetch_into_store, FetchSummary};
pub use transport::{ClientOptions, Transport};
pub use url::{hide_credentials, ApiUrl};

/// The public OSV API.
pub const DEFAULT_API_URL: &str = "https://api.osv.dev";
/// Where osv.dev publishes `<ECOSYSTEM>/all.zip`.
pub const DEFAULT_DATA_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Why an online lookup or download did not complete. Nothing is written to
/// the store when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum OsvApiError {
    /// The URL is unusable (not http(s), or plain http to a non-loopback host).
    #[error("{url}: {reason}")]
    BadUrl {
        /// The URL as given (credentials hidden).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Every attempt failed with a retryable error.
    #[error("{url}: gave up after {attempts} attempts: {last}")]
    GaveUp {
        /// The request URL.
        url: ApiUrl,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The global deadline passed.
    #[error("{url}: the deadline of {deadline:?} for all OSV requests passed ({last})")]
    Deadline {
        /// The request URL.
        url: ApiUrl,
        /// The deadline.
        deadline: std::time::Duration,
        /// The last failure, if any.
        last: String,
    },
    /// The server refused the request with a status that is not retried.
    #[error("{url}: the server answered {status}")]
    Status {
        /// The request URL.
        url: ApiUrl,
        /// The HTTP status.
        status: u16,
    },
    /// The server answered something that is not what the API promises.
    #[error("{url}: not a valid OSV answer: {reason}")]
    BadResponse {
        /// The request URL.
        url: ApiUrl,
        /// What is wrong.
        reason: String,
    },
    /// A body was larger than allowed.
    #[error("{url}: the answer exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The request URL.
        url: ApiUrl,
        /// The limit.
        limit: u64,
    },
    /// A local file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The store rejected the fetched records.
    #[error(transparent)]
    Store(#[from] crate::StoreError),
    /// A downloaded archive did not import.
    #[error(transparent)]
    Import(#[from] crate::ImportError),
}
