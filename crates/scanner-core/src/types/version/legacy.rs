//! Legacy (non-PEP 440) PyPI versions, ordered as packaging's `LegacyVersion`
//! (setuptools' historical scheme) orders them; osv.dev and osv-scalibr use
//! the same key, so OSV ranges over such versions evaluate as upstream does.

/// The comparison key of a legacy version: packaging's `_legacy_cmpkey`
/// without its constant epoch of -1 (every legacy version sorts before every
/// PEP 440 version, which the caller handles).
pub(crate) fn cmp_key(version: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for part in parse_parts(&version.to_lowercase()) {
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts
}

/// `_parse_version_parts`: split into digit runs, letter runs, `.` and `-`
/// (and whatever lies between them), rename a few tags, pad numbers to eight
/// digits so they compare as text, and end with `*final`.
fn parse_parts(s: &str) -> Vec<String> {
    let mut out: Vec<String> = split_components(s)
        .into_iter()
        .map(|p| match p {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            other => other,
        })
        .filter(|p| !p.is_empty() && *p != ".")
        .map(|p| {
            if p.starts_with(|c: char| c.is_ascii_digit()) {
                format!("{p:0>8}")
            } else {
                format!("*{p}")
            }
        })
        .collect();
    out.push("*final".to_string());
    out
}

/// `re.split(r"(\d+|[a-z]+|\.|-)", s)`: the matches and the text between them.
fn split_components(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut gap_start = 0;
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let len = token_len(&bytes[i..]);
        if len == 0 {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        out.push(&s[gap_start..i]);
        out.push(&s[i..i + len]);
        i += len;
        gap_start = i;
    }
    out.push(&s[gap_start..]);
    out
}

fn token_len(rest: &[u8]) -> usize {
    let run = |f: fn(&u8) -> bool| rest.iter().take_while(|b| f(b)).count();
    match rest[0] {
        b'0'..=b'9' => run(u8::is_ascii_digit),
        b'a'..=b'z' => run(u8::is_ascii_lowercase),
        b'.' | b'-' => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_packaging_legacy() {
        assert_eq!(
            cmp_key("1.0beta6.1"),
            ["00000001", "*beta", "00000006", "00000001", "*final"]
        );
        assert_eq!(cmp_key("0.7.4.svn.r2010")[..2], ["00000000", "00000007"]);
        assert!(cmp_key("0.3m5") < cmp_key("0.4m1"));
        assert!(cmp_key("0.7.1.fix1") < cmp_key("0.7.4.svn.r2010"));
    }
}
