//! PyPI versions: PEP 440, and legacy versions ordered before every PEP 440 one.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A PyPI version. PEP 440 versions compare with PEP 440's equivalences
/// (`1.0 == 1.0.0`, `1.0c1 == 1.0rc1`); a version that is not PEP 440 is
/// "legacy" and sorts before all PEP 440 versions, as osv.dev orders them.
#[derive(Debug, Clone)]
pub enum PypiVersion {
    /// A valid PEP 440 version.
    Pep440(pep440_rs::Version),
    /// Anything else, with its packaging `LegacyVersion` comparison key.
    Legacy {
        /// The text as given (trimmed).
        text: String,
        /// The comparison key.
        key: Vec<String>,
    },
}

impl PypiVersion {
    /// Parses a version; text that is not PEP 440 becomes a legacy version,
    /// empty text is rejected.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        Some(match pep440_rs::Version::from_str(t) {
            Ok(v) => PypiVersion::Pep440(v),
            Err(_) => PypiVersion::Legacy {
                text: t.to_string(),
                key: super::legacy::cmp_key(t),
            },
        })
    }

    /// True for a valid PEP 440 version.
    pub fn is_pep440(&self) -> bool {
        matches!(self, PypiVersion::Pep440(_))
    }
}

impl PartialEq for PypiVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PypiVersion {}

impl PartialOrd for PypiVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PypiVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PypiVersion::Pep440(a), PypiVersion::Pep440(b)) => a.cmp(b),
            (PypiVersion::Legacy { key: a, .. }, PypiVersion::Legacy { key: b, .. }) => a.cmp(b),
            (PypiVersion::Legacy { .. }, PypiVersion::Pep440(_)) => Ordering::Less,
            (PypiVersion::Pep440(_), PypiVersion::Legacy { .. }) => Ordering::Greater,
        }
    }
}

impl fmt::Display for PypiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PypiVersion::Pep440(v) => v.fmt(f),
            PypiVersion::Legacy { text, .. } => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> PypiVersion {
        PypiVersion::parse(s).unwrap()
    }

    #[test]
    fn pep440_equivalences() {
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("1.0c1"), v("1.0rc1"));
        assert!(v("1.0+local") > v("1.0"));
        assert!(v("1.0.dev1") < v("1.0a1"));
    }

    #[test]
    fn legacy_sorts_first() {
        assert!(v("french toast") < v("0.0.0.1"));
    }
}
