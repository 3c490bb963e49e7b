//! Recognising credentials written in plain text in configs, and redacting
//! them everywhere they could be shown (last four characters at most).
//! [`find`] is the one detector: findings and redaction both use it, so
//! what is flagged is exactly what is hidden.

use std::ops::Range;

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
    url_password_spans(text).first().map(|r| &text[r.clone()])
}

/// The byte range of the password of every URL in `text` (an `sh -c`
/// string may hold several), references and already-masked ones left out.
fn url_password_spans(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("://") {
        let start = at + 3;
        let rest = &text[start..];
        let end = rest
            .find(|c: char| {
                matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '"' || c == '\''
            })
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        let Some((userinfo, _)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some(colon) = userinfo.find(':') else {
            continue;
        };
        let password = &userinfo[colon + 1..];
        let reference = is_reference(password) || password.starts_with("****");
        if !password.is_empty() && !reference {
            let from = start + colon + 1;
            out.push(from..from + password.len());
        }
    }
    out
}

/// Published hashes, which are random-looking by nature but no credentials:
/// subresource-integrity digests (`sha512-` and 88 base64 characters) and
/// git commits (40 or 64 hex digits) after `#` or after the `@` of a git URL,
/// as npm, pip and uv print and take them, and content digests
/// (`sha256:<64 lowercase hex>`, sha384, sha512) as OCI and npm write them,
/// the pin `unpinned-image` asks for. Without this their pieces were masked
/// and an `EINTEGRITY` message lost what it compares. Only the
/// random-looking heuristic skips them: a digest written as the value of a
/// credential-named key or flag is still a secret.
fn public_digest_spans(text: &str) -> Vec<Range<usize>> {
    const SRI: &[(&str, usize)] = &[
        ("sha1-", 28),
        ("sha256-", 44),
        ("sha384-", 64),
        ("sha512-", 88),
    ];
    const HEX: &[(&str, &[usize])] = &[
        ("#", &[40, 64]),
        ("@", &[40, 64]),
        ("sha256:", &[64]),
        ("sha384:", &[96]),
        ("sha512:", &[128]),
    ];
    let bytes = text.as_bytes();
    let run = |from: usize, ok: fn(u8) -> bool| {
        from + bytes[from..].iter().take_while(|&&b| ok(b)).count()
    };
    let mut out = Vec::new();
    for (prefix, len) in SRI {
        for (at, _) in text.match_indices(prefix) {
            let from = at + prefix.len();
            let end = run(from, |b| b.is_ascii_alphanumeric() || b"+/=".contains(&b));
            if end - from == *len {
                out.push(at..end);
            }
        }
    }
    for (marker, lens) in HEX {
        for (at, _) in text.match_indices(marker) {
            let from = at + marker.len();
            let end = run(from, |b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            let next = bytes.get(end);
            let whole = if *marker == "@" {
                // `@` also ends user names: only a git URL's revision, ended
                // where a word or an argument ends.
                let word = text[..at].rsplit(char::is_whitespace).next();
                word.is_some_and(|w| w.contains("git"))
                    && next.is_none_or(|b| b.is_ascii_whitespace() || b"#\"',;&)".contains(b))
            } else {
                next.is_none_or(|b| !b.is_ascii_alphanumeric())
            };
            if whole && lens.contains(&(end - from)) {
                out.push(at..end);
            }
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

/// How a secret was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// The password of a URL (`scheme://user:PASSWORD@host`).
    UrlPassword,
    /// A token format or a random-looking string, or the value of a
    /// credential-named key or flag (`token=…`, `--password …`).
    Value,
}

/// One secret inside a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Its byte range in the text.
    pub range: Range<usize>,
    /// How it was recognised.
    pub kind: SecretKind,
}

/// Every secret in `text`: the one set of rules behind every
/// `plaintext-secret` finding and every redacted output. Covers URL
/// passwords, known token formats and random-looking strings, values of
/// credential-named keys (`key=…`, `key: …`) and of credential-named flags
/// followed by a space (`--password hunter22` inside an `sh -c` string or a
/// command line joined from arguments).
pub fn find(text: &str) -> Vec<Secret> {
    let mut out: Vec<Secret> = url_password_spans(text)
        .into_iter()
        .map(|range| Secret {
            range,
            kind: SecretKind::UrlPassword,
        })
        .collect();
    let mut scan = TokenScan {
        public: public_digest_spans(text),
        ..TokenScan::default()
    };
    for (i, c) in text.char_indices() {
        if is_separator(c) {
            scan.token(text, i, c, &mut out);
        }
    }
    scan.token(text, text.len(), ' ', &mut out);
    out.sort_by_key(|s| (s.range.start, std::cmp::Reverse(s.range.end)));
    out.dedup_by(|later, earlier| later.range.start < earlier.range.end);
    out
}

/// Every secret in a command line given as separate arguments, as
/// `(argument index, secret)`: `--password` and its value may be two
/// arguments. Ranges are within the argument.
pub fn find_in_args(args: &[String]) -> Vec<(usize, Secret)> {
    let joined = args.join(" ");
    let mut starts = Vec::with_capacity(args.len());
    let mut at = 0;
    for a in args {
        starts.push(at);
        at += a.len() + 1;
    }
    find(&joined)
        .into_iter()
        .map(|s| {
            let i = starts.partition_point(|&st| st <= s.range.start) - 1;
            let base = starts[i];
            let end = (s.range.end - base).min(args[i].len());
            let range = s.range.start - base..end;
            (i, Secret { range, ..s })
        })
        .collect()
}

fn is_separator(c: char) -> bool {
    "=:&?/@,;\"'".contains(c) || c.is_whitespace()
}

/// Walks the tokens of a text between separators, remembering the key
/// before `=`/`:` and a credential-named flag before a space.
#[derive(Default)]
struct TokenScan {
    start: usize,
    /// The token before `=` or `:`, for the token after it.
    key: Option<Range<usize>>,
    /// A `--credential-flag` word just ended by whitespace.
    flag: Option<Range<usize>>,
    /// Where the current whitespace-separated word started.
    word: usize,
    /// Published digests ([`public_digest_spans`]), never random-looking secrets.
    public: Vec<Range<usize>>,
}

impl TokenScan {
    /// True when the token at `range`, published digests cut out of it
    /// (`b.git#<commit>` leaves `b.git`), looks like a secret.
    fn random_outside_digests(&self, text: &str, range: &Range<usize>) -> bool {
        let mut at = range.start;
        let mut pieces = Vec::new();
        for p in self
            .public
            .iter()
            .filter(|p| p.start < range.end && range.start < p.end)
        {
            pieces.push(at..p.start.max(at));
            at = at.max(p.end);
        }
        pieces.push(at..range.end.max(at));
        pieces.into_iter().any(|r| looks_like_secret(&text[r]))
    }

    /// Ends the token before `sep` at `end`, recording it if it is a secret.
    fn token(&mut self, text: &str, end: usize, sep: char, out: &mut Vec<Secret>) {
        let range = self.start..end;
        let token = &text[range.clone()];
        // The value of a credential-named key or flag runs past the token
        // separators (an AWS secret key holds `/`): to the end of the word.
        let keyed = |k: &Option<Range<usize>>, stop: fn(char) -> bool| {
            let k = k.clone()?;
            let rest = &text[range.start..];
            let value = range.start..rest.find(stop).map_or(text.len(), |i| range.start + i);
            // Any key's random-looking value is a secret, published digests
            // cut out of it; a credential-named key's value is one anyway.
            let name = &text[k];
            let secret = if secret_name(name) {
                named_secret(name, &text[value.clone()])
            } else {
                self.random_outside_digests(text, &value)
            };
            secret.then_some(value)
        };
        let found = if token.is_empty() {
            None
        } else if self.random_outside_digests(text, &range) {
            Some(range.clone())
        } else {
            keyed(&self.key, |c| c.is_whitespace() || "\"'&;,".contains(c))
                .or_else(|| keyed(&self.flag, |c| c.is_whitespace() || "\"'".contains(c)))
        };
        if let Some(range) = found {
            out.push(Secret {
                range,
                kind: SecretKind::Value,
            });
        }
        if !token.is_empty() {
            self.flag = None;
        }
        self.key = matches!(sep, '=' | ':').then_some(range);
        if sep.is_whitespace() {
            let word = &text[self.word..end];
            if word.starts_with('-') && !word.contains('=') && secret_name(word) {
                self.flag = Some(self.word..end);
            }
            self.word = end + sep.len_utf8();
        }
        self.start = end + sep.len_utf8();
    }
}

/// Serialises a string redacted (for serde `serialize_with`).
pub fn serialize_redacted<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&redact_text(v))
}

/// Serialises a list of arguments redacted, a flag's value in the next
/// argument included (for serde `serialize_with`).
pub fn serialize_redacted_list<S: serde::Serializer>(
    v: &[String],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(redact_args(v))
}

/// `****` and the last four characters.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("****{tail}")
}

/// `text` with every secret [`find`] sees replaced by its redaction. The
/// one redaction every output uses (with [`redact_args`] for arguments).
pub fn redact_text(text: &str) -> String {
    replace(text, find(text).into_iter().map(|s| s.range))
}

/// Each argument with every secret [`find_in_args`] sees redacted.
pub fn redact_args(args: &[String]) -> Vec<String> {
    let mut per_arg: Vec<Vec<Range<usize>>> = vec![Vec::new(); args.len()];
    for (i, s) in find_in_args(args) {
        per_arg[i].push(s.range);
    }
    args.iter()
        .zip(per_arg)
        .map(|(a, spans)| replace(a, spans.into_iter()))
        .collect()
}

/// `text` with each of the sorted, disjoint `spans` redacted.
fn replace(text: &str, spans: impl Iterator<Item = Range<usize>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str(&redact(&text[span.clone()]));
        at = span.end;
    }
    out.push_str(&text[at..]);
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
    fn a_flag_or_key_value_is_redacted_to_the_end_of_its_word() {
        // An AWS secret key holds `/`: the whole value is the secret.
        let args: Vec<String> = [
            "--aws-secret-access-key",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8vK3mQpL",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(redact_args(&args)[1], "****mQpL");
        assert_eq!(
            redact_text("run --password corr/ect/horse | tee"),
            "run --password ****orse | tee"
        );
        assert_eq!(
            redact_text("h/x?api_key=ab/cd/efgh12&page=2"),
            "h/x?api_key=****gh12&page=2"
        );
    }

    #[test]
    fn a_git_commit_pinned_with_at_is_not_a_secret() {
        let sha = "3f786850e387550fdab836ed7e6dc881de23001b";
        for text in [
            format!("git+https://github.com/o/r@{sha}"),
            format!("git+https://github.com/o/r.git@{sha}#egg=x"),
            format!("x @ git+https://github.com/o/r@{sha}"),
        ] {
            assert!(find(&text).is_empty(), "{text}");
        }
        // Still secrets: a token before `@`, a credential-named value, and
        // hex that is not a git revision.
        for text in [
            format!("git+https://{sha}@github.com/o/r"),
            format!("--token {sha}"),
            format!("pkg@{sha}"),
            format!("git+https://github.com/o/r@{sha}.example.com"),
        ] {
            assert!(!find(&text).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_digest_pinned_image_is_not_a_secret() {
        let hex = "750afe4181b3e0130ade7a87e938c810da8b7adfa1bcffa04fc6089c0c19fcf8";
        for image in [
            format!("mcp/memory@sha256:{hex}"),
            format!("ghcr.io/github/github-mcp-server:v0.20.1@sha256:{hex}"),
            format!("127.0.0.1:5000/mcp/memory:test@sha256:{hex}"),
        ] {
            let args = ["run", "-i", "--rm", image.as_str()].map(String::from);
            assert!(find_in_args(&args).is_empty(), "{image}");
            assert_eq!(redact_text(&image), image);
        }
        // Only the exact shape: not another key, length or case, and a
        // credential-named key still holds a secret.
        for text in [
            format!("md5:{hex}"),
            format!("sha256:{hex}0"),
            format!("sha256:{}", hex.to_uppercase()),
            format!("token=sha256:{hex} --password {hex}"),
        ] {
            assert!(!find(&text).is_empty(), "{text}");
        }
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

    #[test]
    fn published_digests_in_tool_messages_stay_readable() {
        let wanted = format!(
            "sha512-{}==",
            "Zx8Qp2Lm9Rt4/w7Ky3Nb6Hd1Fg5Js0"
                .repeat(3)
                .get(..86)
                .unwrap()
        );
        let got = format!("sha1-{}=", "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7".get(..27).unwrap());
        let commit = "5f3c2e1a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e";
        let npm = format!(
            "npm error code EINTEGRITY | npm error {wanted} integrity checksum failed when using sha512: wanted {wanted} but got {got}. | resolved git+ssh://git@github.com/a/b.git#{commit}"
        );
        assert_eq!(redact_text(&npm), npm);
        // Secrets beside them are still hidden: a token, a URL password, a
        // credential-named value that looks like a digest.
        let secrets = format!(
            "{npm} https://u:hunter2hunter2@h/x Zx8Qp2Lm9Rt4Vw7Ky3Nb6Hd1Fg5Js0 token={wanted}"
        );
        let shown = redact_text(&secrets);
        assert!(
            shown.contains(&format!("wanted {wanted} but got {got}.")),
            "{shown}"
        );
        assert!(!shown.contains("hunter2hunter2"), "{shown}");
        assert!(!shown.contains("Zx8Qp2Lm9Rt4Vw7Ky3"), "{shown}");
        assert!(
            shown.ends_with(&format!("token=****{}", &wanted[wanted.len() - 4..])),
            "{shown}"
        );
        // Not a digest: a wrong length, or hex running into more letters.
        assert!(
            !redact_text(&format!("sha512-{}", "Zx8Qp2Lm9Rt4Vw7Ky3Nb6Hd1Fg5Js0"))
                .contains("Zx8Qp2Lm9Rt4Vw7Ky3")
        );
        assert!(!redact_text(&format!("#{commit}Zx8Qp2Lm9Rt4")).contains(commit));
    }
}
