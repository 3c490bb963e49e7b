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

/// Parses an RFC 3339 UTC timestamp (`2026-11-25T18:00:00Z`, fractional
/// seconds and `+00:00` allowed) into Unix seconds. Registries write only
/// this shape; a general date crate would be a dependency for ten lines.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let rest = &text[19..];
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest {
        "Z" | "z" | "" | "+00:00" | "-00:00" => 0,
        r if r.len() == 6 && (r.starts_with('+') || r.starts_with('-')) => {
            let sign = if r.starts_with('-') { -1 } else { 1 };
            sign * (r[1..3].parse::<i64>().ok()? * 3600 + r[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
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
