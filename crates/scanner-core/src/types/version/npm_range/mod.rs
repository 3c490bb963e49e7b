//! npm version ranges (`^1.2.3`, `~1.2`, `1.x || >=2.0.0 <3`, `1 - 2`) with
//! node-semver's semantics, for checking an installed version against the
//! spec a server's configuration names.
//!
//! OSV ranges are not npm ranges: the matcher never uses this module.

mod desugar;
mod partial;

use std::cmp::Ordering;
use std::fmt;

use super::NpmVersion;

/// The longest range text accepted (a hostile config must not make
/// parsing slow); real ranges are a few dozen characters.
pub const MAX_RANGE_LENGTH: usize = 16 * 1024;

/// node-semver's range options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RangeOptions {
    /// Accept loosely written versions (`=1.2.3`, `1.2.3beta`, leading zeros).
    pub loose: bool,
    /// Let prereleases satisfy ranges whose bounds are not prereleases.
    pub include_prerelease: bool,
}

/// A string that node-semver would not accept as a range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid npm version range")]
pub struct RangeError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One comparator; `None` is node-semver's `ANY` (matches everything).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Comparator(Option<(Op, NpmVersion)>);

/// A parsed npm range: a union (`||`) of intersections of comparators.
#[derive(Debug, Clone)]
pub struct NpmRange {
    sets: Vec<Vec<Comparator>>,
    options: RangeOptions,
}

impl NpmRange {
    /// Parses a range with node-semver's default options.
    pub fn parse(text: &str) -> Result<Self, RangeError> {
        Self::parse_with(text, RangeOptions::default())
    }

    /// Parses a range with the given options.
    /// Texts longer than [`MAX_RANGE_LENGTH`] are refused.
    pub fn parse_with(text: &str, options: RangeOptions) -> Result<Self, RangeError> {
        if text.len() > MAX_RANGE_LENGTH {
            let head: String = text.chars().take(64).collect();
            return Err(RangeError(format!("{head}…")));
        }
        let raw = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut sets = Vec::new();
        for set in raw.split("||") {
            let parsed =
                parse_set(set.trim(), options).ok_or_else(|| RangeError(text.to_string()))?;
            if !parsed.is_empty() {
                sets.push(parsed);
            }
        }
        if sets.is_empty() {
            return Err(RangeError(text.to_string()));
        }
        Ok(NpmRange {
            sets: simplify(sets),
            options,
        })
    }

    /// True when `version` is in the range, prereleases handled as
    /// node-semver's `satisfies` does.
    pub fn satisfies(&self, version: &NpmVersion) -> bool {
        self.sets.iter().any(|set| self.set_satisfies(set, version))
    }

    fn set_satisfies(&self, set: &[Comparator], version: &NpmVersion) -> bool {
        if !set.iter().all(|c| c.test(version)) {
            return false;
        }
        if version.as_semver().pre.is_empty() || self.options.include_prerelease {
            return true;
        }
        // A prerelease only satisfies a set that names a prerelease of the
        // same major.minor.patch.
        let core = |v: &NpmVersion| {
            let s = v.as_semver();
            (s.major, s.minor, s.patch)
        };
        set.iter()
            .filter_map(|c| c.0.as_ref())
            .any(|(_, bound)| !bound.as_semver().pre.is_empty() && core(bound) == core(version))
    }
}

fn parse_set(text: &str, options: RangeOptions) -> Option<Vec<Comparator>> {
    let mut out: Vec<Comparator> = Vec::new();
    for piece in desugar::set(text, options).iter().filter(|p| !p.is_empty()) {
        let Some(c) = Comparator::parse(piece, options) else {
            if options.loose {
                continue;
            }
            return None;
        };
        if c.is_null_set() {
            return Some(vec![c]);
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty()
        && (!options.loose || desugar::set(text, options).iter().all(String::is_empty))
    {
        out.push(Comparator(None));
    }
    Some(out)
}

/// node-semver drops null sets when others exist, and a set that is just
/// `ANY` makes the whole range `ANY`.
fn simplify(sets: Vec<Vec<Comparator>>) -> Vec<Vec<Comparator>> {
    if sets.len() < 2 {
        return sets;
    }
    let first = sets[0].clone();
    let live: Vec<Vec<Comparator>> = sets.into_iter().filter(|s| !s[0].is_null_set()).collect();
    if live.is_empty() {
        return vec![first];
    }
    match live.iter().find(|s| s.len() == 1 && s[0].0.is_none()) {
        Some(any) => vec![any.clone()],
        None => live,
    }
}

impl Comparator {
    fn parse(text: &str, options: RangeOptions) -> Option<Self> {
        let op_len = text
            .bytes()
            .take_while(|b| matches!(b, b'<' | b'>' | b'='))
            .count();
        let (op, rest) = text.split_at(op_len);
        let op = match op {
            "" | "=" => Op::Eq,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            _ if options.loose && op.ends_with('=') && !op.starts_with(['<', '>']) => Op::Eq,
            _ => return None,
        };
        let version = if options.loose {
            NpmVersion::parse_node_loose(rest)
        } else {
            NpmVersion::parse(rest)
        }?;
        Some(Comparator(Some((op, version))))
    }

    fn is_null_set(&self) -> bool {
        matches!(&self.0, Some((Op::Lt, v)) if v.as_semver().to_string() == "0.0.0-0")
    }

    fn test(&self, version: &NpmVersion) -> bool {
        let Some((op, bound)) = &self.0 else {
            return true;
        };
        let ord = version.cmp(bound);
        match op {
            Op::Eq => ord == Ordering::Equal,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
        }
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((op, v)) = &self.0 else {
            return Ok(());
        };
        let op = match op {
            Op::Eq => "",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        };
        let s = v.as_semver();
        write!(f, "{op}{}.{}.{}", s.major, s.minor, s.patch)?;
        if !s.pre.is_empty() {
            write!(f, "-{}", s.pre)?;
        }
        Ok(())
    }
}

/// node-semver's canonical form (`validRange`): `*` for "any version".
impl fmt::Display for NpmRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self
            .sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("||");
        f.write_str(if text.is_empty() { "*" } else { &text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sat(range: &str, version: &str) -> bool {
        NpmRange::parse(range)
            .unwrap()
            .satisfies(&NpmVersion::parse(version).unwrap())
    }

    #[test]
    fn caret_tilde_and_x_ranges() {
        assert!(sat("^1.2.3", "1.9.0"));
        assert!(!sat("^1.2.3", "2.0.0"));
        assert!(!sat("^0.2.3", "0.3.0"));
        assert!(sat("~1.2", "1.2.9"));
        assert!(sat("1.x || >=3", "3.1.0"));
        assert!(!sat("1.x", "1.1.0-beta"));
        assert_eq!(
            NpmRange::parse("1.0 - 2.0").unwrap().to_string(),
            ">=1.0.0 <2.1.0-0"
        );
    }

    #[test]
    fn hostile_ranges_are_errors_not_panics() {
        for text in [
            "^18446744073709551615",
            "~18446744073709551615.1",
            "<=1.18446744073709551615",
            "1 - 18446744073709551615",
            ">18446744073709551615",
        ] {
            assert!(NpmRange::parse(text).is_err(), "{text}");
        }
        assert!(NpmRange::parse(&"^1.2.3 || ".repeat(1_000)).is_ok());
        assert!(NpmRange::parse(&"^1.2.3 || ".repeat(10_000)).is_err());
        let junk = "\u{0}~^<>=*x.X-+ ".repeat(10_000);
        assert!(NpmRange::parse(&junk).is_err());
    }
}
