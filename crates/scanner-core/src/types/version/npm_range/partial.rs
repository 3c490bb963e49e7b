//! node-semver's `XRANGEPLAIN`: a version that may be partial (`1`, `1.2`)
//! or have wildcards (`1.x`, `*`), as written inside ranges.

/// A possibly partial version. `None` parts are wildcards (or absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Partial<'a> {
    pub major: Option<&'a str>,
    pub minor: Option<&'a str>,
    pub patch: Option<&'a str>,
    pub pre: Option<&'a str>,
}

impl<'a> Partial<'a> {
    /// Parses the whole of `text`; `None` when it is not an x-range.
    /// A wildcard followed by a number (`1.x.5`, `x.1`) is rejected.
    pub fn parse(text: &'a str, loose: bool) -> Option<Self> {
        let mut rest = text.trim_start_matches(['v', '=', ' ', '\t']);
        let mut parts: Vec<Option<&str>> = Vec::with_capacity(3);
        loop {
            let (part, after) = xid(rest, loose)?;
            parts.push(part);
            rest = after;
            match rest.strip_prefix('.') {
                Some(after) if parts.len() < 3 => rest = after,
                _ => break,
            }
        }
        let seen_x = parts.iter().position(Option::is_none);
        if seen_x.is_some_and(|i| parts[i..].iter().any(Option::is_some)) {
            return None;
        }
        let pre = if parts.len() == 3 {
            let (pre, after) = prerelease(rest, loose)?;
            rest = build(after)?;
            pre
        } else {
            None
        };
        rest.is_empty().then(|| Partial {
            major: parts[0],
            minor: parts.get(1).copied().flatten(),
            patch: parts.get(2).copied().flatten(),
            pre,
        })
    }

    /// The number of a present part, for arithmetic.
    pub fn num(part: Option<&str>) -> u64 {
        part.and_then(|p| p.parse().ok()).unwrap_or(0)
    }
}

/// One `XRANGEIDENTIFIER`: a number, `x`, `X` or `*` (a wildcard is `None`).
#[allow(clippy::type_complexity)]
fn xid(text: &str, loose: bool) -> Option<(Option<&str>, &str)> {
    if let Some(rest) = text.strip_prefix(['x', 'X', '*']) {
        return Some((None, rest));
    }
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    let digits = &text[..len];
    let valid = !digits.is_empty() && (loose || digits == "0" || !digits.starts_with('0'));
    valid.then(|| (Some(digits), &text[len..]))
}

/// An optional prerelease: `-id.id` (loose: the hyphen may be missing).
#[allow(clippy::type_complexity)]
fn prerelease(text: &str, loose: bool) -> Option<(Option<&str>, &str)> {
    let body = match text.strip_prefix('-') {
        Some(body) => body,
        None if loose && text.starts_with(|c: char| c.is_ascii_alphanumeric()) => text,
        None => return Some((None, text)),
    };
    let end = body.find('+').unwrap_or(body.len());
    let pre = &body[..end];
    pre.split('.')
        .all(|id| prerelease_id(id, loose))
        .then_some((Some(pre), &body[end..]))
}

fn prerelease_id(id: &str, loose: bool) -> bool {
    let alnum =
        |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if id.bytes().all(|b| b.is_ascii_digit()) {
        !id.is_empty() && (loose || id == "0" || !id.starts_with('0'))
    } else {
        alnum(id)
    }
}

/// An optional `+build.ids`; returns what follows it.
fn build(text: &str) -> Option<&str> {
    let Some(body) = text.strip_prefix('+') else {
        return Some(text);
    };
    let end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .unwrap_or(body.len());
    body[..end]
        .split('.')
        .all(|id| !id.is_empty())
        .then_some(&body[end..])
}

/// Removes the first `+build` suffix, as node-semver does before desugaring.
pub(super) fn strip_build(text: &str) -> String {
    let Some(at) = text.find('+') else {
        return text.to_string();
    };
    let end = text[at + 1..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .map_or(text.len(), |i| at + 1 + i);
    if end == at + 1 {
        return text.to_string();
    }
    format!("{}{}", &text[..at], &text[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_partial_and_wildcard_versions() {
        let p = Partial::parse("1.x", false).unwrap();
        assert_eq!((p.major, p.minor, p.patch), (Some("1"), None, None));
        assert!(Partial::parse("1.x.5", false).is_none());
        assert!(Partial::parse("01.2.3", false).is_none());
        assert!(Partial::parse("01.2.3", true).is_some());
        assert_eq!(Partial::parse("1.2.3beta", true).unwrap().pre, Some("beta"));
        assert!(Partial::parse("1.2.3beta", false).is_none());
        assert_eq!(strip_build(">=1.x+build.1"), ">=1.x");
    }
}
