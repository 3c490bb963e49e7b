//! Go module versions, ordered as `golang.org/x/mod/semver` orders them.
//!
//! Written by hand rather than with the `semver` crate: Go requires the `v`,
//! accepts the `v1`/`v1.2` shorthands, ignores build metadata (so also
//! `+incompatible`), and has no limit on number size. Pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`) are pre-releases and sort by them.
//! Go toolchain versions (`go1.21.5`, `go1.21rc2`) name the standard library.

use std::cmp::Ordering;
use std::fmt;

/// A Go module version (or a Go toolchain version, for `stdlib`).
#[derive(Debug, Clone)]
pub struct GoVersion {
    major: String,
    minor: String,
    patch: String,
    prerelease: Vec<String>,
    text: String,
}

impl GoVersion {
    /// Parses a version as Go writes it: `v` required (`v1.2.3`, `v1.2`,
    /// `v1.2.3-pre+meta`), or a toolchain version (`go1.21.5`, `go1.22rc1`).
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(rest) = text.strip_prefix("go") {
            return toolchain(rest).map(|v| GoVersion {
                text: text.to_string(),
                ..v
            });
        }
        let v = semver(text.strip_prefix('v')?)?;
        Some(GoVersion {
            text: text.to_string(),
            ..v
        })
    }

    /// Parses a version as OSV `Go` records write it, without the `v`.
    pub fn parse_event(text: &str) -> Option<Self> {
        if text.starts_with('v') {
            return Self::parse(text);
        }
        Self::parse(&format!("v{text}"))
    }
}

fn semver(text: &str) -> Option<GoVersion> {
    let (core, build) = match text.split_once('+') {
        Some((c, b)) => (c, Some(b)),
        None => (text, None),
    };
    let (core, pre) = match core.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (core, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 || !parts.iter().all(|p| number(p)) {
        return None;
    }
    // `v1` and `v1.2` are shorthands only without a suffix.
    if parts.len() < 3 && (pre.is_some() || build.is_some()) {
        return None;
    }
    if build.is_some_and(|b| !b.split('.').all(|i| ident(i, false))) {
        return None;
    }
    let prerelease = match pre {
        Some(p) if p.split('.').all(|i| ident(i, true)) => {
            p.split('.').map(str::to_string).collect()
        }
        Some(_) => return None,
        None => Vec::new(),
    };
    let at = |i: usize| parts.get(i).map_or("0", |p| p).to_string();
    Some(GoVersion {
        major: at(0),
        minor: at(1),
        patch: at(2),
        prerelease,
        text: String::new(),
    })
}

/// `1.21.5`, `1.21`, `1.21rc2`, `1.9beta1` → SemVer with `-rc.2`-style pre-releases.
fn toolchain(text: &str) -> Option<GoVersion> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (nums, pre) = text.split_at(split);
    let mut v = semver(nums)?;
    if !pre.is_empty() {
        let digits = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
        let (word, n) = pre.split_at(digits);
        if !matches!(word, "rc" | "beta" | "alpha") || !(n.is_empty() || number(n)) {
            return None;
        }
        v.prerelease = std::iter::once(word.to_string())
            .chain((!n.is_empty()).then(|| n.to_string()))
            .collect();
    }
    Some(v)
}

/// A decimal number without leading zeros.
fn number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// A pre-release or build identifier; numeric pre-release ones have no leading zeros.
fn ident(s: &str, pre: bool) -> bool {
    let ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let numeric = s.bytes().all(|b| b.is_ascii_digit());
    ok && !(pre && numeric && s.len() > 1 && s.starts_with('0'))
}

fn cmp_num(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn cmp_ident(a: &str, b: &str) -> Ordering {
    let num = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match (num(a), num(b)) {
        (true, true) => cmp_num(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

fn cmp_prerelease(a: &[String], b: &[String]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.iter().zip(b) {
        let o = cmp_ident(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_num(&self.major, &other.major)
            .then_with(|| cmp_num(&self.minor, &other.minor))
            .then_with(|| cmp_num(&self.patch, &other.patch))
            .then_with(|| cmp_prerelease(&self.prerelease, &other.prerelease))
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GoVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GoVersion {}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> GoVersion {
        GoVersion::parse(text).unwrap()
    }

    #[test]
    fn incompatible_is_build_metadata() {
        assert_eq!(v("v2.0.0+incompatible"), v("v2.0.0"));
    }

    #[test]
    fn pseudo_versions_sort_before_their_base() {
        assert!(v("v0.0.0-20191109021931-daa7c04131f5") < v("v0.0.1"));
        assert!(v("v1.2.4-0.20191109021931-daa7c04131f5") > v("v1.2.3"));
    }

    #[test]
    fn toolchain_versions_for_stdlib() {
        assert!(v("go1.21rc2") < v("go1.21.0"));
        assert_eq!(v("go1.21"), v("v1.21.0"));
        assert!(v("go1.22.1") > GoVersion::parse_event("1.22.0").unwrap());
        assert!(GoVersion::parse("1.2.3").is_none());
    }
}
