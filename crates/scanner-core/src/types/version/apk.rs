//! Alpine package versions, ordered as apk-tools 2.x orders them
//! (`src/version.c`: a token stream of digits, letters, `_suffix`es and the
//! `-rN` revision).
//!
//! Written by hand: no maintained crate implements apk's ordering. apk 2.x
//! is what Alpine v3.x releases run, and it accepts forms apk 3.x refuses
//! (`1.8.1p1-r1`) that Alpine's own security data uses.

use std::cmp::Ordering;
use std::fmt;

/// An Alpine version that apk 2.x accepts.
#[derive(Debug, Clone)]
pub struct ApkVersion {
    text: String,
}

impl ApkVersion {
    /// Parses `text`, refusing what apk's validity check refuses.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || !valid(text.as_bytes()) {
            return None;
        }
        Some(ApkVersion {
            text: text.to_string(),
        })
    }
}

/// Token kinds, in apk's numeric order (the order matters in comparisons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

struct Cursor<'a> {
    s: &'a [u8],
    kind: Token,
}

impl Cursor<'_> {
    /// apk's `next_token`: the kind of the token that starts here.
    fn next_kind(&mut self) {
        let prev = self.kind;
        let mut n = Token::Invalid;
        match self.s.first() {
            None | Some(0) => n = Token::End,
            Some(c)
                if matches!(prev, Token::Digit | Token::DigitOrZero) && c.is_ascii_lowercase() =>
            {
                n = Token::Letter
            }
            Some(c) if prev == Token::Letter && c.is_ascii_digit() => n = Token::Digit,
            Some(c) if prev == Token::Suffix && c.is_ascii_digit() => n = Token::SuffixNo,
            Some(c) => {
                match c {
                    b'.' => n = Token::DigitOrZero,
                    b'_' => n = Token::Suffix,
                    b'-' if self.s.get(1) == Some(&b'r') => {
                        n = Token::RevisionNo;
                        self.s = &self.s[1..];
                    }
                    _ => {}
                }
                self.s = &self.s[1..];
            }
        }
        let allowed_backwards = matches!(
            (n, prev),
            (Token::DigitOrZero, Token::Digit)
                | (Token::Suffix, Token::SuffixNo)
                | (Token::Digit, Token::Letter)
        );
        if n < prev && !allowed_backwards {
            n = Token::Invalid;
        }
        self.kind = n;
    }

    /// apk's `get_token`: the value of the current token, then advance.
    fn value(&mut self) -> i128 {
        if self.s.is_empty() {
            self.kind = Token::End;
            return 0;
        }
        let mut next = None;
        let (v, used): (i128, usize) = match self.kind {
            // Leading zeros after a dot weigh against the number (`1.01 < 1.1`);
            // the last zero stays to be read as the number itself.
            Token::DigitOrZero if self.s[0] == b'0' => {
                let zeros = self.s.iter().take_while(|c| **c == b'0').count() - 1;
                next = Some(Token::Digit);
                (-(zeros as i128), zeros)
            }
            Token::DigitOrZero | Token::Digit | Token::SuffixNo | Token::RevisionNo => {
                let digits = self.s.iter().take_while(|c| c.is_ascii_digit()).count();
                let v = self.s[..digits].iter().fold(0i128, |acc, d| {
                    acc.saturating_mul(10).saturating_add(i128::from(d - b'0'))
                });
                (v, digits)
            }
            Token::Letter => (i128::from(self.s[0]), 1),
            Token::Suffix => match suffix(self.s) {
                Some(found) => found,
                None => {
                    self.kind = Token::Invalid;
                    return -1;
                }
            },
            _ => {
                self.kind = Token::Invalid;
                return -1;
            }
        };
        self.s = &self.s[used..];
        if self.s.is_empty() {
            self.kind = Token::End;
        } else if let Some(kind) = next {
            self.kind = kind;
        } else {
            self.next_kind();
        }
        v
    }
}

/// A `_suffix`: pre-release ones are negative, post-release ones are not.
fn suffix(s: &[u8]) -> Option<(i128, usize)> {
    let pre = PRE_SUFFIXES
        .iter()
        .position(|p| s.starts_with(p.as_bytes()));
    if let Some(i) = pre {
        return Some((
            i as i128 - PRE_SUFFIXES.len() as i128,
            PRE_SUFFIXES[i].len(),
        ));
    }
    let post = POST_SUFFIXES
        .iter()
        .position(|p| s.starts_with(p.as_bytes()))?;
    Some((post as i128, POST_SUFFIXES[post].len()))
}

impl ApkVersion {
    /// apk's comparison of any two strings, valid or not: apk compares an
    /// invalid version token by token up to the fault. supplygate never
    /// matches an invalid version (it is an `invalid-version` gap); this is
    /// here so the order can be checked against apk's own data.
    pub fn compare_text(a: &str, b: &str) -> Ordering {
        compare(a.trim().as_bytes(), b.trim().as_bytes())
    }
}

/// apk's `apk_version_validate`: the token stream reaches its end.
fn valid(s: &[u8]) -> bool {
    let mut c = Cursor {
        s,
        kind: Token::Digit,
    };
    while c.kind != Token::End && c.kind != Token::Invalid {
        c.value();
    }
    c.kind == Token::End
}

/// apk's `apk_version_compare_blob` (without the fuzzy operators).
fn compare(a: &[u8], b: &[u8]) -> Ordering {
    let mut x = Cursor {
        s: a,
        kind: Token::Digit,
    };
    let mut y = Cursor {
        s: b,
        kind: Token::Digit,
    };
    let (mut av, mut bv) = (0, 0);
    while x.kind == y.kind && !matches!(x.kind, Token::End | Token::Invalid) && av == bv {
        av = x.value();
        bv = y.value();
    }
    if av != bv {
        return av.cmp(&bv);
    }
    if x.kind == y.kind {
        return Ordering::Equal;
    }
    // The longer version is newer, unless what follows is a pre-release suffix.
    if x.kind == Token::Suffix
        && (Cursor {
            s: x.s,
            kind: x.kind,
        })
        .value()
            < 0
    {
        return Ordering::Less;
    }
    if y.kind == Token::Suffix
        && (Cursor {
            s: y.s,
            kind: y.kind,
        })
        .value()
            < 0
    {
        return Ordering::Greater;
    }
    y.kind.cmp(&x.kind)
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(self.text.as_bytes(), other.text.as_bytes())
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApkVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApkVersion {}

impl fmt::Display for ApkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> ApkVersion {
        ApkVersion::parse(text).unwrap()
    }

    #[test]
    fn suffixes_and_revisions() {
        assert!(v("1.2.3_rc1") < v("1.2.3"));
        assert!(v("1.2.3_p1") > v("1.2.3"));
        assert!(v("1.2.3-r1") > v("1.2.3-r0"));
        assert!(v("1.2.10") > v("1.2.9"));
    }

    #[test]
    fn refuses_unknown_suffixes() {
        assert!(ApkVersion::parse("1.0_foo").is_none());
        assert!(ApkVersion::parse("").is_none());
    }
}
