//! Registry facts as findings: deprecated packages, yanked versions,
//! versions younger than the minimum release age, install scripts.
//!
//! The facts themselves come from lockfiles (npm copies `deprecated` and
//! `hasInstallScript` into every entry) or from registry replies the CLI
//! fetched; this module only judges them. No clock is read here: "now" is
//! given.

use crate::resolve::InstalledPackage;
use crate::types::finding::Code;

/// The registry-fact findings for one package: (code, message).
pub fn findings(p: &InstalledPackage, now: Option<i64>, min_age_secs: i64) -> Vec<(Code, String)> {
    let mut out = Vec::new();
    let id = format!("{}@{}", p.name, p.version);
    if let Some(message) = &p.facts.deprecated {
        out.push((
            Code::DeprecatedPackage,
            format!("{id} is deprecated: {}", one_line(message)),
        ));
    }
    if let Some(status) = &p.facts.project_status {
        out.push((
            Code::DeprecatedPackage,
            format!("{id}: the project is {status} on the package index"),
        ));
    }
    if let Some(reason) = &p.facts.yanked {
        let why = if reason.is_empty() {
            String::new()
        } else {
            format!(" (reason: {})", one_line(reason))
        };
        out.push((Code::YankedVersion, format!("{id} is yanked{why}")));
    }
    if let (Some(published), Some(now)) = (p.facts.published, now) {
        let age = now - published;
        if age < min_age_secs {
            out.push((
                Code::TooNew,
                format!(
                    "{id} was published {} ago, less than the minimum release age of {}",
                    show_age(age.max(0)),
                    show_age(min_age_secs)
                ),
            ));
        }
    }
    if p.has_install_script {
        out.push((
            Code::InstallScript,
            format!("{id} runs an install script when installed"),
        ));
    }
    out
}

/// A registry message on one line, at most 200 characters.
fn one_line(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(200).collect()
}

/// `3d2h`, `5h`, `42m`, `10s`.
fn show_age(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, _) => format!("{h}h"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d{h}h"),
    }
}

/// Parses an age: a whole number and one unit, `s`, `m`, `h`, `d` or `w`
/// (`2d`, `36h`). `None` when it is not one.
pub fn parse_age(text: &str) -> Option<i64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().ok()?;
    let unit = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// Parses an RFC 3339 timestamp (`2026-11-25T18:00:00Z`, fractional
/// seconds and offsets allowed) into Unix seconds, with the advisories
/// store's parser. A time without an offset (PyPI's legacy `upload_time`)
/// is UTC.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let has_offset = text
        .get(19..)
        .is_some_and(|rest| rest.contains(['Z', 'z', '+', '-']));
    let key = if !has_offset {
        advisories_cache::rfc3339_key(&format!("{text}Z"))
    } else {
        advisories_cache::rfc3339_key(text)
    };
    key.map(|(secs, _)| secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use advisories_cache::Ecosystem;

    #[test]
    fn timestamps_parse_like_rfc3339() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp("2026-11-25T18:00:00.123Z"),
            Some(1_795_629_600)
        );
        assert_eq!(
            parse_timestamp("2026-11-25T19:00:00+01:00"),
            Some(1_795_629_600)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn ages_parse() {
        assert_eq!(parse_age("2d"), Some(172_800));
        assert_eq!(parse_age("0s"), Some(0));
        assert_eq!(parse_age("2 days"), None);
        assert_eq!(parse_age("d"), None);
    }

    #[test]
    fn each_fact_is_one_finding() {
        let mut p = InstalledPackage::new(Ecosystem::Npm, "a".into(), "1.0.0".into(), "x".into());
        p.facts.deprecated = Some("use\n b".into());
        p.facts.yanked = Some(String::new());
        p.facts.published = Some(1000);
        p.has_install_script = true;
        let codes: Vec<Code> = findings(&p, Some(1000 + 3600), 172_800)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            codes,
            [
                Code::DeprecatedPackage,
                Code::YankedVersion,
                Code::TooNew,
                Code::InstallScript
            ]
        );
        assert!(findings(&p, Some(1000 + 172_800), 172_800)
            .iter()
            .all(|(c, _)| *c != Code::TooNew));
        assert!(findings(&p, None, 0)
            .iter()
            .all(|(c, _)| *c != Code::TooNew));
    }
}
