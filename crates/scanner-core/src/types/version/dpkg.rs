//! Debian package versions, ordered as dpkg orders them
//! (`[epoch:]upstream[-revision]`, compared with dpkg's `verrevcmp`).
//!
//! Written by hand: no maintained crate implements dpkg's ordering, and the
//! algorithm is a few dozen lines of dpkg's `lib/dpkg/version.c`.

use std::cmp::Ordering;
use std::fmt;

/// A Debian version. Parsing follows `dpkg --compare-versions`: what dpkg
/// refuses (empty parts, a non-numeric or oversized epoch, inner spaces) is
/// an error; what dpkg only warns about (an upstream part not starting with a
/// digit, odd characters) is accepted and compared, as dpkg does.
#[derive(Debug, Clone)]
pub struct DpkgVersion {
    epoch: u32,
    upstream: String,
    revision: String,
    text: String,
}

impl DpkgVersion {
    /// Parses `text` (surrounding whitespace is ignored, as dpkg does).
    pub fn parse(text: &str) -> Option<Self> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.chars().any(char::is_whitespace) {
            return None;
        }
        let (epoch, rest) = match trimmed.split_once(':') {
            Some((e, rest)) => (parse_epoch(e)?, rest),
            None => (0, trimmed),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((_, "")) => return None,
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return None;
        }
        Some(DpkgVersion {
            epoch,
            upstream: upstream.to_string(),
            revision: revision.to_string(),
            text: trimmed.to_string(),
        })
    }
}

/// dpkg refuses an empty, negative, non-numeric or out-of-range epoch.
fn parse_epoch(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok().filter(|e| *e <= i32::MAX as u32)
}

/// dpkg's character weight: `~` before everything (even the end), letters
/// before other symbols; a digit (or the end) weighs 0.
fn order(c: u8) -> i32 {
    match c {
        0 => 0,
        c if c.is_ascii_digit() => 0,
        b'~' => -1,
        c if c.is_ascii_alphabetic() => i32::from(c),
        c => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`: alternating non-digit and digit runs.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (ac, bc) = (order(at(a, i)), order(at(b, j)));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while at(a, i) == b'0' {
            i += 1;
        }
        while at(b, j) == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while at(a, i).is_ascii_digit() && at(b, j).is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if at(a, i).is_ascii_digit() {
            return Ordering::Greater;
        }
        if at(b, j).is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

impl PartialOrd for DpkgVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DpkgVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DpkgVersion {}

impl fmt::Display for DpkgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> DpkgVersion {
        DpkgVersion::parse(text).unwrap()
    }

    #[test]
    fn tilde_sorts_before_the_end() {
        assert!(v("1.0~rc1-1") < v("1.0-1"));
        assert!(v("1:0.1") > v("9.9"));
        assert_eq!(v("1.0-0"), v("1.0"));
    }

    #[test]
    fn refuses_what_dpkg_refuses() {
        for bad in ["", "0:", ":1.0", "1.0-", "a:1", "0:0 0-1", "-1:0-1"] {
            assert!(DpkgVersion::parse(bad).is_none(), "{bad}");
        }
    }
}
