//! node-semver's range sugar (`^`, `~`, x-ranges, hyphen ranges) rewritten
//! into plain comparators, as text, exactly as node-semver's `Range` does.

use super::partial::{strip_build, Partial};
use super::RangeOptions;

/// The number after a version part (`1` → 2), saturating on absurd input.
fn next(part: Option<&str>) -> u64 {
    Partial::num(part).saturating_add(1)
}

/// Rewrites one range set (no `||`) into comparator texts.
pub(super) fn set(text: &str, options: RangeOptions) -> Vec<String> {
    let text = hyphen(text, options).unwrap_or_else(|| text.to_string());
    let mut out = Vec::new();
    for token in join_operators(&text) {
        for piece in comparator(&token, options) {
            out.extend(piece.split_whitespace().map(|p| gte0(p, options)));
        }
    }
    out
}

/// `A - B` → `>=A <=B` (with partial versions widened).
fn hyphen(text: &str, options: RangeOptions) -> Option<String> {
    let (from_text, to_text) = text.trim().split_once(" - ")?;
    let from = Partial::parse(from_text.trim(), options.loose)?;
    let to = Partial::parse(to_text.trim(), options.loose)?;
    let z = if options.include_prerelease { "-0" } else { "" };
    let lower = match (from.major, from.minor, from.patch) {
        (None, _, _) => String::new(),
        (Some(m), None, _) => format!(">={m}.0.0{z}"),
        (Some(m), Some(mi), None) => format!(">={m}.{mi}.0{z}"),
        _ if from.pre.is_some() => format!(">={}", from_text.trim()),
        _ => format!(">={}{z}", from_text.trim()),
    };
    let upper = match (to.major, to.minor, to.patch) {
        (None, _, _) => String::new(),
        (Some(m), None, _) => format!("<{}.0.0-0", next(Some(m))),
        (Some(m), Some(mi), None) => format!("<{m}.{}.0-0", next(Some(mi))),
        (Some(m), Some(mi), Some(p)) => match to.pre {
            Some(pre) => format!("<={m}.{mi}.{p}-{pre}"),
            None if options.include_prerelease => format!("<{m}.{mi}.{}-0", next(Some(p))),
            None => format!("<={}", to_text.trim()),
        },
    };
    Some(format!("{lower} {upper}").trim().to_string())
}

/// Splits on spaces, gluing a lone operator to the version after it
/// (`>= 1.2.3` → `>=1.2.3`, `~ 1` → `~1`, `^ 1` → `^1`).
fn join_operators(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending = String::new();
    for word in text.split_whitespace() {
        if matches!(word, "<" | ">" | "<=" | ">=" | "=" | "~" | "~>" | "^") {
            pending.push_str(word);
            continue;
        }
        out.push(std::mem::take(&mut pending) + word);
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

/// node-semver's `parseComparator`: build stripped, then carets, tildes,
/// x-ranges and stars replaced.
fn comparator(token: &str, options: RangeOptions) -> Vec<String> {
    let token = strip_build(token);
    caret(&token, options)
        .split_whitespace()
        .map(|t| tilde(t, options))
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .map(|t| star(&xrange(t, options)))
        .collect()
}

fn caret(token: &str, options: RangeOptions) -> String {
    let Some(p) = token
        .strip_prefix('^')
        .and_then(|t| Partial::parse(t, options.loose))
    else {
        return token.to_string();
    };
    let z = if options.include_prerelease { "-0" } else { "" };
    match (p.major, p.minor, p.patch) {
        (None, _, _) => String::new(),
        (Some(m), None, _) => format!(">={m}.0.0{z} <{}.0.0-0", next(Some(m))),
        (Some("0"), Some(mi), None) => format!(">=0.{mi}.0{z} <0.{}.0-0", next(Some(mi))),
        (Some(m), Some(mi), None) => format!(">={m}.{mi}.0{z} <{}.0.0-0", next(Some(m))),
        (Some(m), Some(mi), Some(pa)) => {
            let low = match p.pre {
                Some(pre) => format!(">={m}.{mi}.{pa}-{pre}"),
                None => format!(">={m}.{mi}.{pa}"),
            };
            let high = match (m, mi) {
                ("0", "0") => format!("<0.0.{}-0", next(Some(pa))),
                ("0", _) => format!("<0.{}.0-0", next(Some(mi))),
                _ => format!("<{}.0.0-0", next(Some(m))),
            };
            format!("{low} {high}")
        }
    }
}

fn tilde(token: &str, options: RangeOptions) -> String {
    let body = token.strip_prefix("~>").or_else(|| token.strip_prefix('~'));
    let Some(p) = body.and_then(|t| Partial::parse(t, options.loose)) else {
        return token.to_string();
    };
    let z = if options.include_prerelease { "-0" } else { "" };
    match (p.major, p.minor, p.patch) {
        (None, _, _) => String::new(),
        (Some(m), None, _) => format!(">={m}.0.0{z} <{}.0.0-0", next(Some(m))),
        (Some(m), Some(mi), None) => format!(">={m}.{mi}.0{z} <{m}.{}.0-0", next(Some(mi))),
        (Some(m), Some(mi), Some(pa)) => {
            let pre = p.pre.map(|pre| format!("-{pre}")).unwrap_or_default();
            format!(">={m}.{mi}.{pa}{pre} <{m}.{}.0-0", next(Some(mi)))
        }
    }
}

/// `GTLT XRANGEPLAIN` with a wildcard: rewritten to plain bounds.
fn xrange(token: &str, options: RangeOptions) -> String {
    let op_len = token
        .bytes()
        .take_while(|b| matches!(b, b'<' | b'>' | b'='))
        .count();
    let (op, rest) = token.split_at(op_len);
    if !matches!(op, "" | "<" | ">" | "<=" | ">=" | "=") {
        return token.to_string();
    }
    let Some(p) = Partial::parse(rest.trim_start(), options.loose) else {
        return token.to_string();
    };
    if p.patch.is_some() {
        return token.to_string();
    }
    let pr = if options.include_prerelease { "-0" } else { "" };
    let (m, mi) = (p.major, p.minor);
    match (op, m, mi) {
        ("<" | ">", None, _) => "<0.0.0-0".to_string(),
        (_, None, _) => "*".to_string(),
        ("" | "=", Some(m), None) => format!(">={m}.0.0{pr} <{}.0.0-0", next(Some(m))),
        ("" | "=", Some(m), Some(mi)) => format!(">={m}.{mi}.0{pr} <{m}.{}.0-0", next(Some(mi))),
        (">", Some(m), None) => format!(">={}.0.0{pr}", next(Some(m))),
        (">", Some(m), Some(mi)) => format!(">={m}.{}.0{pr}", next(Some(mi))),
        ("<=", Some(m), None) => format!("<{}.0.0-0", next(Some(m))),
        ("<=", Some(m), Some(mi)) => format!("<{m}.{}.0-0", next(Some(mi))),
        ("<", Some(m), mi) => format!("<{m}.{}.0-0", mi.unwrap_or("0")),
        (_, Some(m), mi) => format!("{op}{m}.{}.0{pr}", mi.unwrap_or("0")),
    }
}

fn star(token: &str) -> String {
    let bare = token.trim_start_matches(['<', '>', '=']);
    if bare.trim_start() == "*" {
        String::new()
    } else {
        token.to_string()
    }
}

/// `>=0.0.0` (or `>=0.0.0-0` when prereleases are included) means "any".
fn gte0(token: &str, options: RangeOptions) -> String {
    let any = if options.include_prerelease {
        ">=0.0.0-0"
    } else {
        ">=0.0.0"
    };
    if token == any {
        String::new()
    } else {
        token.to_string()
    }
}
