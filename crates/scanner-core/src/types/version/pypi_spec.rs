//! PEP 440 version specifiers (`>=1.0,<2`, `~=1.4`, `==1.*`, `===foo`), for
//! checking an installed version against the spec a server's configuration
//! names. Built on pep440_rs; `===` (arbitrary equality) is handled here
//! because it compares text and also applies to non-PEP 440 versions.
//!
//! OSV ranges are not specifiers: the matcher never uses this module.

use std::str::FromStr;

use pep440_rs::{Operator, Version, VersionSpecifier};

use super::PypiVersion;

/// A specifier set that is not valid PEP 440.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a valid PEP 440 specifier: {reason}")]
pub struct SpecifierError {
    /// The text as given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

#[derive(Debug, Clone)]
enum Clause {
    /// `===text`, compared case-insensitively with the version as written.
    Arbitrary(String),
    /// Any other operator.
    Pep440(VersionSpecifier),
}

/// A comma-separated set of PEP 440 specifiers; empty means "any version".
#[derive(Debug, Clone)]
pub struct PypiSpecifiers {
    clauses: Vec<Clause>,
}

impl PypiSpecifiers {
    /// Parses a specifier set such as `>=1.0, !=1.3.*`.
    pub fn parse(text: &str) -> Result<Self, SpecifierError> {
        let clauses = text
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                clause(c).map_err(|reason| SpecifierError {
                    text: text.to_string(),
                    reason,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(PypiSpecifiers { clauses })
    }

    /// Plain membership, the question for an installed version: pre-releases
    /// are never excluded by policy (only by PEP 440's own rules, e.g.
    /// `<2.0` excludes `2.0a1`). `version` is the text as installed.
    pub fn contains(&self, version: &str) -> bool {
        self.contains_with(version, Some(true))
    }

    /// Membership under packaging's pre-release policy: with
    /// `prereleases == Some(false)` a pre-release or dev release never
    /// matches; `None` and `Some(true)` ask only for membership.
    pub fn contains_with(&self, version: &str, prereleases: Option<bool>) -> bool {
        let parsed = PypiVersion::parse(version);
        if let (Some(PypiVersion::Pep440(v)), Some(false)) = (&parsed, prereleases) {
            if v.any_prerelease() {
                return false;
            }
        }
        self.clauses.iter().all(|c| match (c, &parsed) {
            (Clause::Arbitrary(text), _) => version.trim().to_lowercase() == *text,
            (Clause::Pep440(spec), Some(PypiVersion::Pep440(v))) => spec_contains(spec, v),
            (Clause::Pep440(_), _) => false,
        })
    }
}

/// pep440_rs's `contains`, except for the exclusive comparisons, which
/// follow current packaging: `<V` excludes only pre-releases *of V*
/// (`<1.0.post1` admits `1.0.dev0`; `<3.0a8` admits `3.0a7`), and `>V`
/// excludes only post-releases and local versions *of V*.
fn spec_contains(spec: &VersionSpecifier, v: &Version) -> bool {
    let bound = spec.version();
    match spec.operator() {
        Operator::LessThan => {
            v < bound && !(!bound.any_prerelease() && v.any_prerelease() && &release_of(v) == bound)
        }
        Operator::GreaterThan => {
            let public = v.clone().without_local();
            v > bound
                && !(!bound.is_post()
                    && v.is_post()
                    && &public.clone().with_post(None).with_dev(None) == bound)
                && !(v.is_local() && &public == bound)
        }
        _ => spec.contains(v),
    }
}

/// The version a pre-release leads to: `2.0a1.post1` → `2.0`, `1.0.post0.dev0` → `1.0.post0`.
fn release_of(v: &Version) -> Version {
    let v = v.clone().without_local().with_dev(None);
    if v.is_pre() {
        v.with_pre(None).with_post(None)
    } else {
        v
    }
}

fn clause(text: &str) -> Result<Clause, String> {
    if let Some(rest) = text.strip_prefix("===") {
        let rest = rest.trim();
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            return Err("`===` needs one word to compare with".to_string());
        }
        return Ok(Clause::Arbitrary(rest.to_lowercase()));
    }
    VersionSpecifier::from_str(text)
        .map(Clause::Pep440)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_and_arbitrary_equality() {
        let s = PypiSpecifiers::parse(">=1.0, !=1.3.*").unwrap();
        assert!(s.contains("1.2"));
        assert!(!s.contains("1.3.4"));
        assert!(PypiSpecifiers::parse("===Foo").unwrap().contains("foo"));
        assert!(PypiSpecifiers::parse("").unwrap().contains("0.1"));
        assert!(PypiSpecifiers::parse("2.0").is_err());
    }
}
