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

/// Checks an id against the OSV id grammar `<DB>-<ENTRYID>`
/// (<https://ossf.github.io/osv-schema/#id-modified-fields>): a database
/// prefix of ASCII letters and digits starting with a letter, a `-`, and an
/// entry id of ASCII letters, digits and `-` `_` `.` `:` (`GHSA-xxxx-xxxx-xxxx`,
/// `RHSA-2024:1234`, `openSUSE-SU-2024:0001-1`), at most 128 bytes. Ids
/// become file names, URLs and report lines: empty ids, control
/// characters, spaces and path parts (`../x`) are refused.
pub fn check_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() {
        return Err("the id is empty");
    }
    if id.len() > 128 {
        return Err("the id is longer than 128 bytes");
    }
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':');
    if !id.bytes().all(allowed) {
        return Err("the id holds a character outside A-Z a-z 0-9 - _ . :");
    }
    let Some((db, entry)) = id.split_once('-') else {
        return Err("the id is not of the form DB-ENTRYID");
    };
    let db_ok = db.starts_with(|c: char| c.is_ascii_alphabetic())
        && db.bytes().all(|b| b.is_ascii_alphanumeric());
    if !db_ok || entry.is_empty() || entry.contains("..") {
        return Err("the id is not of the form DB-ENTRYID");
    }
    Ok(())
}

/// An RFC 3339 time as (seconds since 1970, nanoseconds), for ordering
/// `modified` times whatever their precision or offset; `None` when it is
/// not one.
pub fn rfc3339_key(text: &str) -> Option<(i64, u32)> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':' || b[16] != b':' || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let kept = &frac[..digits.min(9)];
        nanos = kept.parse::<u32>().ok()? * 10u32.pow(9 - kept.len() as u32);
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let ob = rest.as_bytes();
            if rest.len() != 6 || ob[3] != b':' {
                return None;
            }
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset;
    Some((secs, nanos))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod id_and_time_tests {
    use super::*;

    #[test]
    fn ids_follow_the_osv_grammar() {
        for ok in [
            "GHSA-34jh-p97f-mpxf",
            "PYSEC-2024-1",
            "MAL-2025-46969",
            "RHSA-2024:1234",
            "openSUSE-SU-2024:0001-1",
            "ASB-A-1234",
            "RUSTSEC-2024-0001",
        ] {
            assert_eq!(check_id(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "GHSA-a\0b",
            "MAL-\u{1b}[2J\u{1b}[31mFAKE",
            "../../x",
            "MAL-../x",
            "x",
            "-1",
            "1A-2",
            "GHSA x",
            "a/b",
        ] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
        assert!(check_id(&format!("MAL-{}", "1".repeat(200))).is_err());
    }

    #[test]
    fn modified_times_order_by_instant_not_by_text() {
        let k = |t| rfc3339_key(t).unwrap();
        assert!(k("2026-01-01T00:00:00Z") > k("2020-01-01T00:00:00Z"));
        assert!(k("2025-01-01T00:00:00.5Z") > k("2025-01-01T00:00:00Z"));
        assert_eq!(k("2025-01-01T02:00:00+02:00"), k("2025-01-01T00:00:00Z"));
        assert_eq!(k("1970-01-02T00:00:00Z"), (86_400, 0));
        for bad in [
            "",
            "yesterday",
            "2025-13-01T00:00:00Z",
            "2025-01-01T00:00:00",
        ] {
            assert_eq!(rfc3339_key(bad), None, "{bad}");
        }
    }
}
