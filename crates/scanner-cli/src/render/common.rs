//! Helpers shared by the machine-readable renderers (SARIF, CycloneDX, Markdown).

use std::path::Path;

use scanner_core::finding::Finding;
use scanner_core::report::Summary;

/// The totals line: `2 servers, 116 packages; 1 blocked, … ; 0 not checked`.
pub fn totals(s: &Summary) -> String {
    format!(
        "{} servers, {} packages; {} blocked, {} warned, {} allowed, {} excepted; {} not checked",
        s.servers,
        s.packages,
        s.blocked,
        s.warned,
        s.allowed,
        s.excepted,
        s.incomplete.len()
    )
}

/// Percent-encodes every byte outside RFC 3986's unreserved set
/// (`A-Z a-z 0-9 - . _ ~`), plus `/` when `keep_slash`.
pub fn percent_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The osv.dev page of an advisory id.
pub fn osv_url(id: &str) -> String {
    format!(
        "https://osv.dev/vulnerability/{}",
        percent_encode(id, false)
    )
}

/// A URI for a config path: `file:///…` when absolute (Windows drive paths
/// too), else a relative reference, as SARIF consumers resolve against the
/// checkout.
pub fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let bytes = text.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if drive {
        // The drive's colon stays readable: `file:///C:/…`.
        let rest = percent_encode(&text[2..], true);
        format!("file:///{}:{rest}", &text[..1])
    } else if text.starts_with('/') {
        format!("file://{}", percent_encode(&text, true))
    } else {
        percent_encode(&text, true)
    }
}

pub use scanner_core::finding::digest_parts as digest;

/// The finding's stable fingerprint (one function, in scanner-core).
pub fn fingerprint(f: &Finding) -> String {
    f.fingerprint()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        assert_eq!(percent_encode("@scope/name", false), "%40scope%2Fname");
        assert_eq!(percent_encode("a b/c", true), "a%20b/c");
        assert_eq!(
            percent_encode("1.0.0+local~x_y", false),
            "1.0.0%2Blocal~x_y"
        );
        assert_eq!(percent_encode("é", false), "%C3%A9");
    }

    #[test]
    fn osv_links_cannot_escape_the_path() {
        assert_eq!(
            osv_url("GHSA-r683-j2x4-v87g"),
            "https://osv.dev/vulnerability/GHSA-r683-j2x4-v87g"
        );
        assert_eq!(
            osv_url("X) [a](http://evil"),
            "https://osv.dev/vulnerability/X%29%20%5Ba%5D%28http%3A%2F%2Fevil"
        );
    }

    #[test]
    fn file_uris_for_unix_and_windows_paths() {
        assert_eq!(
            file_uri(Path::new("/home/a b/.cursor/mcp.json")),
            "file:///home/a%20b/.cursor/mcp.json"
        );
        assert_eq!(
            file_uri(Path::new("C:\\Users\\x\\mcp.json")),
            "file:///C:/Users/x/mcp.json"
        );
        assert_eq!(file_uri(Path::new("proj/.mcp.json")), "proj/.mcp.json");
    }
}
