//! Validated base URLs: https anywhere, plain http only to loopback.

use std::fmt;
use std::net::IpAddr;

use super::OsvApiError;

/// A URL supplygate may send requests to. Its `Display` hides credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUrl(Box<reqwest::Url>);

impl ApiUrl {
    /// Parses and checks `text`: `https://` for any host, `http://` only for
    /// `localhost`, `127.0.0.0/8` and `::1`.
    pub fn parse(text: &str) -> Result<Self, OsvApiError> {
        let bad = |reason: &str| OsvApiError::BadUrl {
            url: hide_credentials(text),
            reason: reason.to_string(),
        };
        let url = reqwest::Url::parse(text.trim()).map_err(|e| bad(&e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(bad("plain http is accepted only for loopback addresses (127.0.0.1, ::1, localhost); use https")),
            _ => return Err(bad("expected an http(s) URL")),
        }
        if url.host().is_none() {
            return Err(bad("the URL has no host"));
        }
        Ok(ApiUrl(Box::new(url)))
    }

    /// This URL with `segments` appended to its path (each one escaped).
    pub fn join(&self, segments: &[&str]) -> ApiUrl {
        let mut url = (*self.0).clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        ApiUrl(Box::new(url))
    }

    /// The URL for the HTTP client.
    pub(crate) fn as_url(&self) -> &reqwest::Url {
        &self.0
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// `text` with any user name and password of a URL removed (what is not a
/// URL is cut to 200 characters).
pub fn hide_credentials(text: &str) -> String {
    match reqwest::Url::parse(text) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => text.chars().take(200).collect(),
    }
}

impl fmt::Display for ApiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hide_credentials(self.0.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(ApiUrl::parse("https://api.osv.dev").is_ok());
        assert!(ApiUrl::parse("http://127.0.0.1:8080").is_ok());
        assert!(ApiUrl::parse("http://127.1.2.3/").is_ok());
        assert!(ApiUrl::parse("http://[::1]:9/").is_ok());
        assert!(ApiUrl::parse("http://localhost/osv").is_ok());
        let err = ApiUrl::parse("http://api.osv.dev").unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(ApiUrl::parse("http://127.0.0.1.evil.example/").is_err());
        assert!(ApiUrl::parse("ftp://127.0.0.1/").is_err());
        assert!(ApiUrl::parse("not a url").is_err());
    }

    #[test]
    fn join_escapes_segments_and_display_hides_credentials() {
        let base = ApiUrl::parse("https://user:secret@mirror.example/osv/").unwrap();
        let url = base.join(&["v1", "vulns", "GHSA-x/../y"]);
        assert_eq!(
            url.to_string(),
            "https://mirror.example/osv/v1/vulns/GHSA-x%2F..%2Fy"
        );
        assert_eq!(url.as_url().password(), Some("secret"));
    }
}
