//! One HTTP client with timeouts, retries, backoff and a global deadline.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::StatusCode;

use super::{ApiUrl, OsvApiError};

/// How patient the client is.
#[derive(Debug, Clone, Copy)]
pub struct ClientOptions {
    /// Longest a single request may take, body included.
    pub timeout: Duration,
    /// Longest all requests of one run may take together.
    pub deadline: Duration,
    /// Attempts per request (the first one included).
    pub attempts: u32,
    /// The wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
    /// Requests in flight at once when fetching records.
    pub parallel: usize,
    /// Largest JSON answer accepted, in bytes.
    pub max_response_bytes: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(300),
            attempts: 4,
            backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(30),
            parallel: 8,
            max_response_bytes: 64 << 20,
        }
    }
}

/// A failed attempt: worth retrying, or not.
pub(crate) enum Failure {
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    Fatal(OsvApiError),
}

/// The HTTP client every OSV request goes through.
pub struct Transport {
    client: Client,
    options: ClientOptions,
    started: Instant,
    progress: std::sync::Arc<dyn crate::Progress>,
}

impl Transport {
    /// A client whose global deadline starts now.
    pub fn new(options: ClientOptions) -> Result<Self, OsvApiError> {
        let client = Client::builder()
            .user_agent(concat!("supplygate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.timeout)
            .https_only(false) // ApiUrl already refuses plain http off loopback
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OsvApiError::BadUrl {
                url: String::new(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Transport {
            client,
            options,
            started: Instant::now(),
            progress: crate::progress::none(),
        })
    }

    /// Reports downloads (bytes) and lookups (packages) to `progress`.
    pub fn with_progress(mut self, progress: std::sync::Arc<dyn crate::Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// Where progress is reported.
    pub(crate) fn progress(&self) -> &dyn crate::Progress {
        &*self.progress
    }

    /// The options in force.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// `GET url`, the body as bytes.
    pub(crate) fn get(&self, url: &ApiUrl) -> Result<Vec<u8>, OsvApiError> {
        self.retrying(url, |client, timeout| {
            let resp = send(url, client.get(url.as_url().clone()).timeout(timeout))?;
            read_capped(url, resp, self.options.max_response_bytes)
        })
    }

    /// `POST url` with a JSON body, the answer as bytes.
    pub(crate) fn post_json(&self, url: &ApiUrl, body: &[u8]) -> Result<Vec<u8>, OsvApiError> {
        self.retrying(url, |client, timeout| {
            let request = client
                .post(url.as_url().clone())
                .header("content-type", "application/json")
                .body(body.to_vec())
                .timeout(timeout);
            read_capped(url, send(url, request)?, self.options.max_response_bytes)
        })
    }

    /// `GET url` streamed into `file` (rewritten on each attempt), refusing
    /// more than `cap` bytes and a body shorter than its `Content-Length`.
    pub(crate) fn download(
        &self,
        url: &ApiUrl,
        file: &std::path::Path,
        cap: u64,
    ) -> Result<u64, OsvApiError> {
        let io = |source| {
            Failure::Fatal(OsvApiError::Io {
                path: file.to_path_buf(),
                source,
            })
        };
        self.retrying(url, |client, _| {
            // A download may take longer than one API call: only the global
            // deadline bounds it.
            let resp = send(
                url,
                client.get(url.as_url().clone()).timeout(self.remaining()),
            )?;
            let declared = resp.content_length();
            if declared.is_some_and(|n| n > cap) {
                return Err(Failure::Fatal(too_large(url, cap)));
            }
            let mut out = std::fs::File::create(file).map_err(io)?;
            let progress = self.progress();
            progress.start(&format!("downloading {url}"), crate::Unit::Bytes, declared);
            let mut body = crate::progress::Counting {
                inner: resp.take(cap + 1),
                progress,
            };
            let copied = std::io::copy(&mut body, &mut out);
            progress.finish();
            let n = copied.map_err(transient)?;
            out.flush().map_err(io)?;
            if n > cap {
                return Err(Failure::Fatal(too_large(url, cap)));
            }
            match declared {
                Some(want) if want != n => Err(Failure::Retry {
                    reason: format!("the body ended after {n} of {want} bytes"),
                    after: None,
                }),
                _ => Ok(n),
            }
        })
    }

    fn remaining(&self) -> Duration {
        self.options.deadline.saturating_sub(self.started.elapsed())
    }

    /// Runs `once` until it succeeds, fails fatally, runs out of attempts or
    /// the deadline passes.
    fn retrying<T>(
        &self,
        url: &ApiUrl,
        mut once: impl FnMut(&Client, Duration) -> Result<T, Failure>,
    ) -> Result<T, OsvApiError> {
        let mut last = String::from("no attempt was made");
        for attempt in 1..=self.options.attempts.max(1) {
            let remaining = self.remaining();
            if remaining.is_zero() {
                return Err(self.deadline(url, last));
            }
            let after = match once(&self.client, self.options.timeout.min(remaining)) {
                Ok(value) => return Ok(value),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retry { reason, after }) => {
                    last = reason;
                    after
                }
            };
            if attempt == self.options.attempts {
                break;
            }
            let wait = after
                .map(|a| a.min(self.options.max_retry_after))
                .unwrap_or(self.options.backoff * 2u32.saturating_pow(attempt - 1));
            if wait >= self.remaining() {
                return Err(self.deadline(url, last));
            }
            std::thread::sleep(wait);
        }
        Err(OsvApiError::GaveUp {
            url: url.clone(),
            attempts: self.options.attempts,
            last,
        })
    }

    fn deadline(&self, url: &ApiUrl, last: String) -> OsvApiError {
        OsvApiError::Deadline {
            url: url.clone(),
            deadline: self.options.deadline,
            last,
        }
    }
}

fn too_large(url: &ApiUrl, limit: u64) -> OsvApiError {
    OsvApiError::TooLarge {
        url: url.clone(),
        limit,
    }
}

fn transient(e: impl std::fmt::Display) -> Failure {
    Failure::Retry {
        reason: e.to_string(),
        after: None,
    }
}

/// Sends a request; 429 and 5xx are retried, other non-2xx statuses are not.
fn send(url: &ApiUrl, request: RequestBuilder) -> Result<Response, Failure> {
    let resp = request.send().map_err(|e| transient(describe(&e)))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(Failure::Retry {
            reason: format!("the server answered {status}"),
            after: retry_after(&resp),
        });
    }
    Err(Failure::Fatal(OsvApiError::Status {
        url: url.clone(),
        status: status.as_u16(),
    }))
}

/// The error with its innermost cause (reqwest's own text names only the URL).
fn describe(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if e.is_timeout() {
        "the request timed out".to_string()
    } else if e.is_connect() {
        format!("cannot connect: {cause}")
    } else {
        format!("{e}: {cause}")
    }
}

/// `Retry-After` in seconds (the HTTP-date form is treated as absent).
fn retry_after(resp: &Response) -> Option<Duration> {
    let value = resp.headers().get(reqwest::header::RETRY_AFTER)?;
    let secs: u64 = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

fn read_capped(url: &ApiUrl, resp: Response, cap: u64) -> Result<Vec<u8>, Failure> {
    if resp.content_length().is_some_and(|n| n > cap) {
        return Err(Failure::Fatal(too_large(url, cap)));
    }
    let mut body = Vec::new();
    resp.take(cap + 1)
        .read_to_end(&mut body)
        .map_err(|e| transient(format!("reading the answer failed: {e}")))?;
    if body.len() as u64 > cap {
        return Err(Failure::Fatal(too_large(url, cap)));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(attempts: u32, deadline: Duration) -> Transport {
        Transport::new(ClientOptions {
            attempts,
            deadline,
            backoff: Duration::from_millis(1),
            ..ClientOptions::default()
        })
        .unwrap()
    }

    fn url() -> ApiUrl {
        ApiUrl::parse("http://127.0.0.1:1/").unwrap()
    }

    fn retry(after: Option<Duration>) -> Failure {
        Failure::Retry {
            reason: "the server answered 503".into(),
            after,
        }
    }

    #[test]
    fn retries_until_success() {
        let mut calls = 0;
        let got = transport(4, Duration::from_secs(10)).retrying(&url(), |_, _| {
            calls += 1;
            if calls < 3 {
                Err(retry(None))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(got.unwrap(), 3);
    }

    #[test]
    fn gives_up_after_the_attempts_naming_the_last_failure() {
        let mut calls = 0;
        let err = transport(3, Duration::from_secs(10))
            .retrying(&url(), |_, _| -> Result<(), _> {
                calls += 1;
                Err(retry(None))
            })
            .unwrap_err();
        assert_eq!(calls, 3);
        assert_eq!(
            err.to_string(),
            "http://127.0.0.1:1/: gave up after 3 attempts: the server answered 503"
        );
    }

    #[test]
    fn a_retry_after_past_the_deadline_fails_at_once() {
        let started = Instant::now();
        let err = transport(4, Duration::from_secs(2))
            .retrying(&url(), |_, _| -> Result<(), _> {
                Err(retry(Some(Duration::from_secs(20))))
            })
            .unwrap_err();
        assert!(matches!(err, OsvApiError::Deadline { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn fatal_failures_are_not_retried() {
        let mut calls = 0;
        let err = transport(4, Duration::from_secs(10))
            .retrying(&url(), |_, _| -> Result<(), _> {
                calls += 1;
                Err(Failure::Fatal(too_large(&url(), 1)))
            })
            .unwrap_err();
        assert_eq!(calls, 1);
        assert!(err.to_string().contains("limit of 1 bytes"));
    }
}
