//! Config-level findings: what a config says that is risky before any
//! package is looked at. Messages never carry a secret (last four
//! characters at most).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::formats::Node;
use super::launcher::Launch;
use super::parse::Written;
use super::schema::Entry;
use super::secrets::{self, named_secret, redact, Secret, SecretKind};
use super::Server;
use crate::types::finding::Code;

/// A finding about a config file or one of its entries.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigFinding {
    /// The stable code.
    pub code: Code,
    /// The server it is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The config file.
    pub path: PathBuf,
    /// 1-based line in it (0 when the whole file is meant).
    pub line: usize,
    /// What is wrong, and what to do.
    pub message: String,
}

fn at(code: Code, server: &Server, message: String) -> ConfigFinding {
    ConfigFinding {
        code,
        server: Some(server.name.clone()),
        path: server.config_path.clone(),
        line: server.line,
        message: format!(
            "server `{}` ({}:{}): {message}",
            server.name,
            server.config_path.display(),
            server.line
        ),
    }
}

/// Every config-level finding for one server.
pub fn check(
    server: &Server,
    w: &Written,
    unresolved: &[String],
    home: &Path,
) -> Vec<ConfigFinding> {
    let mut out = secrets(server, w);
    out.extend(transport(server));
    out.extend(filesystem(server, w, home));
    out.extend(image(server));
    let mut seen: Vec<&String> = Vec::new();
    for r in unresolved {
        if seen.contains(&r) {
            continue;
        }
        seen.push(r);
        let why = if ["${file:", "{file:"].iter().any(|p| r.starts_with(p)) {
            "is read from a file by the client; supplygate never reads it, so the value is unknown"
        } else if ["${input:", "${{", "${user_config."]
            .iter()
            .any(|p| r.starts_with(p))
        {
            "is prompted for or kept in a secret store by the client; it cannot be resolved offline"
        } else {
            "is not set here and has no default; the value the client will use is unknown"
        };
        out.push(at(Code::UnresolvedVariable, server, format!("`{r}` {why}")));
    }
    out
}

fn secrets(server: &Server, w: &Written) -> Vec<ConfigFinding> {
    let mut out = Vec::new();
    let mut flag = |place: String, text: &str, secret: &Secret| {
        let value = &text[secret.range.clone()];
        let what = match secret.kind {
            SecretKind::UrlPassword => " (URL password)",
            SecretKind::Value => "",
        };
        let message = format!("{place}{what} holds a credential in plain text ({}); hint: reference it from the environment or a secret store instead", redact(value.trim()));
        out.push(at(Code::PlaintextSecret, server, message));
    };
    let maps = [("env", &w.env), ("header", &w.headers)];
    for (place, map) in maps {
        for (k, v) in map.iter() {
            if let Some(s) = named_value(k, v) {
                flag(format!("{place} `{k}`"), v, &s);
            }
        }
    }
    let mut seen = Vec::new();
    for (i, s) in secrets::find_in_args(&w.args) {
        if !seen.contains(&i) {
            seen.push(i);
            flag(format!("argument {}", i + 1), &w.args[i], &s);
        }
    }
    if let Some(url) = &w.url {
        if let Some(s) = secrets::find(url).into_iter().next() {
            flag("the URL".into(), url, &s);
        }
    }
    out
}

/// The secret in the value of a variable or header: the whole value under a
/// credential name, else the first secret inside it (a URL password in
/// `DATABASE_URL`).
fn named_value(name: &str, value: &str) -> Option<Secret> {
    if named_secret(name, value) {
        return Some(Secret {
            range: 0..value.len(),
            kind: SecretKind::Value,
        });
    }
    secrets::find(value).into_iter().next()
}

/// `http://` to a host that is not this machine.
fn transport(server: &Server) -> Vec<ConfigFinding> {
    let mut urls: Vec<&str> = server.args.iter().map(String::as_str).collect();
    if let Launch::Remote { url } = &server.launch {
        urls.push(url);
    }
    urls.into_iter()
        .filter_map(insecure_host)
        .map(|host| at(Code::InsecureTransport, server, format!("connects over plain http:// to `{host}`, which is not this machine; hint: use https://")))
        .collect()
}

fn insecure_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.starts_with("127.")
        || host == "::1"
        || host.ends_with(".localhost");
    (!loopback).then(|| host.to_string())
}

/// A filesystem server given the whole disk or the whole home.
fn filesystem(server: &Server, w: &Written, home: &Path) -> Vec<ConfigFinding> {
    let package = match &server.launch {
        Launch::Npx { package, .. } | Launch::PackageRunner { package, .. } => package.name.clone(),
        Launch::Docker { image, .. } => image.clone(),
        _ => server.command.clone().unwrap_or_default(),
    };
    if !package.contains("filesystem") {
        return Vec::new();
    }
    let home_s = home.display().to_string();
    let broad = |a: &str| {
        let t = a.trim_end_matches(['/', '\\']);
        matches!(
            t,
            "" | "~" | "${userHome}" | "$HOME" | "${HOME}" | "%USERPROFILE%"
        ) || t == home_s.trim_end_matches('/')
            || (t.len() == 2 && t.ends_with(':'))
            || t.starts_with("--mount") && t.contains("src=/,")
    };
    w.args
        .iter()
        .zip(&server.args)
        .filter(|(written, resolved)| !written.starts_with('-') && (broad(written) || broad(resolved)))
        .map(|(written, _)| at(Code::BroadFilesystemAccess, server, format!("the filesystem server is given `{written}`: the whole disk or home folder; hint: list only the folders it needs")))
        .take(1)
        .collect()
}

/// A docker image by tag (or no tag) rather than by digest.
fn image(server: &Server) -> Option<ConfigFinding> {
    let Launch::Docker {
        image,
        digest: None,
        ..
    } = &server.launch
    else {
        return None;
    };
    Some(at(Code::UnpinnedImage, server, format!("image `{image}` is not pinned by digest; a tag can be moved to other code; hint: use `{image}@sha256:…`")))
}

/// Most `duplicate-key` findings listed one by one per file; the rest are
/// summed up in one more. A file of a million repeated keys made a million
/// findings (1.4 GB peak RSS and a 533 MB JSON report for a 16 MiB config).
const MAX_DUPLICATE_FINDINGS: usize = 20;

/// Keys written twice in one object: all but one are silently ignored by
/// the client, which can hide a server. Past [`MAX_DUPLICATE_FINDINGS`], one
/// finding counts the rest.
pub fn duplicates(root: &Node, path: &Path) -> Vec<ConfigFinding> {
    let all = root.duplicate_keys();
    let finding = |line: usize, message: String| ConfigFinding {
        code: Code::DuplicateKey,
        server: None,
        path: path.to_path_buf(),
        line,
        message: format!("{}:{line}: {message}", path.display()),
    };
    let mut out: Vec<ConfigFinding> = all
        .iter()
        .take(MAX_DUPLICATE_FINDINGS)
        .map(|d| {
            finding(
                d.line,
                format!(
                    "key `{}` appears more than once; only the last is used",
                    d.key
                ),
            )
        })
        .collect();
    if let Some(first) = all.get(MAX_DUPLICATE_FINDINGS) {
        let more = all.len() - MAX_DUPLICATE_FINDINGS;
        out.push(finding(
            first.line,
            format!("{more} more keys appear more than once (from this line on); only the last of each is used"),
        ));
    }
    out
}

/// An entry that could not be read as a server.
pub fn skipped_entry(path: &Path, entry: &Entry<'_>, reason: &str) -> ConfigFinding {
    ConfigFinding {
        code: Code::ConfigSkipped,
        server: Some(entry.name.clone()),
        path: path.to_path_buf(),
        line: entry.node.line,
        message: format!(
            "{}:{}: server `{}` skipped: {reason}",
            path.display(),
            entry.node.line,
            entry.name
        ),
    }
}

/// A config file that was present but could not be read; `error` names
/// the file (and line, for syntax errors).
pub fn skipped_file(path: &Path, line: usize, error: &str) -> ConfigFinding {
    ConfigFinding {
        code: Code::ConfigSkipped,
        server: None,
        path: path.to_path_buf(),
        line,
        message: format!("{error} (skipped: the servers it may name were not checked)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_not_insecure() {
        assert_eq!(insecure_host("http://localhost:3000/mcp"), None);
        assert_eq!(insecure_host("http://127.0.0.1/x"), None);
        assert_eq!(insecure_host("http://[::1]:80/"), None);
        assert_eq!(insecure_host("https://example.com"), None);
        assert_eq!(
            insecure_host("http://u:p@mcp.example.com:80/x").as_deref(),
            Some("mcp.example.com")
        );
    }
}
