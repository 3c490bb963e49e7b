//! The OSV schema (<https://ossf.github.io/osv-schema/>), the parts supplygate reads.
//!
//! Unknown fields are ignored here; the store keeps every record verbatim, so
//! reports can always show the record as published.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// One OSV record: a vulnerability or a malicious-package report (`MAL-`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// The record id, e.g. `GHSA-rv95-896h-c2vc` or `MAL-2025-46969`.
    pub id: String,
    /// RFC 3339 time of the last change.
    #[serde(default)]
    pub modified: String,
    /// RFC 3339 time of publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the record was withdrawn: such records never match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Other ids for the same problem (CVE, GHSA, PYSEC, MAL …).
    #[serde(default, deserialize_with = "null_as_default")]
    pub aliases: Vec<String>,
    /// A one-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Severity vectors (CVSS) attached to the whole record.
    #[serde(default, deserialize_with = "null_as_default")]
    pub severity: Vec<Severity>,
    /// The packages and versions the record applies to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub affected: Vec<Affected>,
    /// Database-specific data, e.g. the GHSA severity label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

impl Vulnerability {
    /// Parses one record from JSON text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The (ecosystem, normalised name) of every package the record names in
    /// an ecosystem supplygate handles, sorted and deduplicated: the keys a
    /// store files it under. Ecosystems are taken as a whole (`Debian`, not
    /// `Debian:12`); the matcher checks the release.
    pub fn package_keys(&self) -> Vec<(crate::Ecosystem, String)> {
        let mut keys: Vec<(crate::Ecosystem, String)> = self
            .affected
            .iter()
            .filter_map(|a| a.package.as_ref())
            .filter_map(|p| {
                let eco: crate::Ecosystem = p.ecosystem.parse().ok()?;
                Some((eco.base(), eco.normalize_name(&p.name)))
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// True for malicious-package reports (`MAL-` ids or aliases).
    pub fn is_malicious(&self) -> bool {
        std::iter::once(&self.id)
            .chain(&self.aliases)
            .any(|id| id.starts_with("MAL-"))
    }
}

/// A severity score or vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    /// `CVSS_V3`, `CVSS_V4`, `CVSS_V2`, `Ubuntu` …
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector or score.
    pub score: String,
}

/// One affected package and the versions of it the record applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package; absent in some records, which then match nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<OsvPackage>,
    /// Version ranges.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, deserialize_with = "null_as_default")]
    pub versions: Vec<String>,
    /// Severity for this package only.
    #[serde(default, deserialize_with = "null_as_default")]
    pub severity: Vec<Severity>,
    /// Database-specific data for this package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

/// A package as OSV names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvPackage {
    /// The ecosystem, as OSV spells it (`npm`, `PyPI`, …).
    pub ecosystem: String,
    /// The package name as published.
    pub name: String,
    /// A package URL, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// The kind of a range: how its versions are ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeType {
    /// SemVer 2.0 ordering.
    Semver,
    /// The ecosystem's own ordering.
    Ecosystem,
    /// Git commits: not evaluated by supplygate.
    Git,
    /// Anything else a future schema adds.
    #[serde(other)]
    Unknown,
}

/// A range: an ordered list of events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// How the versions are ordered.
    #[serde(rename = "type")]
    pub kind: RangeType,
    /// The events, in the order given.
    #[serde(default, deserialize_with = "null_as_default")]
    pub events: Vec<Event>,
}

/// One range event. Each OSV event object carries exactly one of these keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Versions from here on are affected (`"0"` means from the start).
    Introduced(String),
    /// Versions from here on are not affected.
    Fixed(String),
    /// The last affected version (inclusive).
    LastAffected(String),
    /// An upper bound (exclusive) on the range.
    Limit(String),
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_from_single_key_objects() {
        let r: Range = serde_json::from_str(
            r#"{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"},{"last_affected":"3"},{"limit":"4"}]}"#,
        )
        .unwrap();
        assert_eq!(r.kind, RangeType::Ecosystem);
        assert_eq!(
            r.events,
            vec![
                Event::Introduced("0".into()),
                Event::Fixed("1.2".into()),
                Event::LastAffected("3".into()),
                Event::Limit("4".into())
            ]
        );
    }

    #[test]
    fn unknown_range_types_do_not_fail_the_record() {
        let r: Range = serde_json::from_str(r#"{"type":"NEWKIND","events":[]}"#).unwrap();
        assert_eq!(r.kind, RangeType::Unknown);
    }

    #[test]
    fn malicious_by_id_or_alias() {
        let v = Vulnerability::from_json(r#"{"id":"GHSA-x","aliases":["MAL-2025-1"]}"#).unwrap();
        assert!(v.is_malicious());
        let v = Vulnerability::from_json(r#"{"id":"GHSA-x","aliases":null}"#).unwrap();
        assert!(!v.is_malicious());
    }
}
