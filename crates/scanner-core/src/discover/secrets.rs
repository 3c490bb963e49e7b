//! Recognising credentials written in plain text in configs, and redacting
//! them everywhere they could be shown (last four characters at most).

/// Prefixes of well-known token formats.
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "pk_live_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xapp-",
    "AKIA",
    "ASIA",
    "AIza",
    "npm_",
    "pypi-",
    "hf_",
    "shpat_",
    "dop_v1_",
    "SG.",
    "lin_api_",
    "ntn_",
    "secret_",
    "figd_",
    "pat-",
];

/// Words (split at `_`, `-`, `.`) of variable and header names that carry credentials.
const SECRET_NAME_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PAT",
    "KEY",
    "APIKEY",
    "AUTH",
    "AUTHORIZATION",
    "CREDENTIAL",
    "CREDENTIALS",
    "COOKIE",
];

/// True when `value` looks like a credential: a known token prefix, or a
/// long high-entropy string. References (`${…}`) and paths are not secrets.
pub fn looks_like_secret(value: &str) -> bool {
    let v = value.trim();
    let v = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .unwrap_or(v);
    if v.len() < 12 || v.contains('$') || v.contains(char::is_whitespace) {
        return false;
    }
    if TOKEN_PREFIXES.iter().any(|p| v.starts_with(p)) && v.len() >= 16 {
        return true;
    }
    high_entropy(v)
}

/// Long, mixed-class, random-looking strings (not paths, URLs or words).
fn high_entropy(v: &str) -> bool {
    if v.len() < 24 || v.contains('/') || v.contains('\\') || v.contains("://") || v.contains('@') {
        return false;
    }
    let classes = [
        v.chars().any(|c| c.is_ascii_lowercase()),
        v.chars().any(|c| c.is_ascii_uppercase()),
        v.chars().any(|c| c.is_ascii_digit()),
    ];
    if classes.iter().filter(|c| **c).count() < 2 || !v.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    entropy(v) >= 3.5
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = s.chars().count() as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Last words of names that point to a credential rather than hold it
/// (`GDRIVE_CREDENTIALS_PATH`, `TOKEN_FILE`).
const POINTER_WORDS: &[&str] = &[
    "PATH", "FILE", "DIR", "FOLDER", "LOCATION", "NAME", "ENV", "VAR",
];

/// True when a variable or header name says it holds a credential
/// (`GITHUB_TOKEN`, `X-Api-Key`, `--password`; not `--db-path`, not
/// `CREDENTIALS_PATH`).
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let pointer = words.last().is_some_and(|w| POINTER_WORDS.contains(w));
    !pointer && words.iter().any(|w| SECRET_NAME_WORDS.contains(w))
}

/// True when the value under a credential-like `name` is written in plain
/// text (not a reference and not empty).
pub fn named_secret(name: &str, value: &str) -> bool {
    let v = value.trim();
    let v = v.strip_prefix("Bearer ").unwrap_or(v);
    (secret_name(name) && v.len() >= 8 && !is_reference(v) && !v.contains(char::is_whitespace))
        || looks_like_secret(value)
}

/// True when `v` names where a value comes from rather than holding it:
/// `$VAR`/`${…}`, opencode's `{env:…}`/`{file:…}`, Windows `%VAR%`.
fn is_reference(v: &str) -> bool {
    let percent = v.len() > 2 && v.starts_with('%') && v.ends_with('%');
    v.contains('$') || v.contains("{env:") || v.contains("{file:") || percent
}

/// The password in a URL's user info (`scheme://user:PASSWORD@host`), if any.
pub fn url_password(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    let reference = is_reference(password) || password.starts_with("****");
    (!password.is_empty() && !reference).then_some(password)
}

/// Serialises a string redacted (for serde `serialize_with`).
pub fn serialize_redacted<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&redact_text(v))
}

/// Serialises a list of strings redacted (for serde `serialize_with`).
pub fn serialize_redacted_list<S: serde::Serializer>(
    v: &[String],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|x| redact_text(x)))
}

/// `****` and the last four characters.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("****{tail}")
}

/// `text` with every secret-looking token replaced by its redaction: tokens
/// are split at separators common in arguments and URLs (`=`, `:`, `&`, `?`,
/// `/`, `@`, `,`, spaces), so `--api-key=…`, `?token=…` and `user:pass@` are covered.
pub fn redact_text(text: &str) -> String {
    let owned;
    let text = match url_password(text) {
        Some(password) => {
            owned = text.replacen(password, &redact(password), 1);
            owned.as_str()
        }
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let mut key = String::new();
    let flush = |token: &mut String, key: &str, out: &mut String| {
        if looks_like_secret(token) || (!key.is_empty() && named_secret(key, token)) {
            out.push_str(&redact(token));
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in text.chars() {
        if "=:&?/@, ;\"'".contains(c) {
            let prev = token.clone();
            flush(&mut token, &key, &mut out);
            key = if c == '=' || c == ':' {
                prev
            } else {
                String::new()
            };
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &key, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_prefixes_and_entropy() {
        assert!(looks_like_secret(
            "ghp_1234567890abcdefABCDEF1234567890abcd"
        ));
        assert!(looks_like_secret(
            "Bearer sk-ant-api03-aaaaBBBBccccDDDD1234"
        ));
        assert!(looks_like_secret("Zx8Qp2Lm9Rt4Vw7Ky3Nb6Hd1Fg5Js0"));
        assert!(!looks_like_secret("${env:GITHUB_TOKEN}"));
        assert!(!looks_like_secret("/home/user/projects/some-long-folder"));
        assert!(!looks_like_secret(
            "@modelcontextprotocol/server-filesystem"
        ));
        assert!(!looks_like_secret("mcp-server-fetch"));
        assert!(
            secret_name("X-Api-Key") && secret_name("--password") && secret_name("GITHUB_TOKEN")
        );
        assert!(!secret_name("--db-path") && !secret_name("AUTHOR") && !secret_name("MONKEY"));
        assert!(!secret_name("GDRIVE_CREDENTIALS_PATH") && !secret_name("TOKEN_FILE"));
    }

    #[test]
    fn redaction_keeps_only_the_last_four() {
        assert_eq!(redact("ghp_abcdefgh1234"), "****1234");
        let r = redact_text("--token=ghp_1234567890abcdefABCDEF1234567890wxyz --x y");
        assert_eq!(r, "--token=****wxyz --x y");
        let u =
            redact_text("https://user:Zx8Qp2Lm9Rt4Vw7Ky3Nb6Hd1Fg5Js0@h/x?api_key=hunter2hunter2");
        assert!(!u.contains("Zx8Qp2") && !u.contains("hunter2hun"), "{u}");
        assert_eq!(
            redact_text("npx -y @scope/pkg@1.2.3"),
            "npx -y @scope/pkg@1.2.3"
        );
    }

    #[test]
    fn references_of_every_client_form_are_not_secrets() {
        for v in [
            "${env:API_TOKEN}",
            "Bearer {env:OPENCODE_TOKEN}",
            "{file:~/.secrets/key}",
            "%GITHUB_TOKEN%",
        ] {
            assert!(!named_secret("API_TOKEN", v), "{v}");
        }
        assert!(named_secret("API_TOKEN", "Pg9xR7mK2qL5vN8w"));
    }
}
