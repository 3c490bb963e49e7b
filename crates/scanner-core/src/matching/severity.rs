//! How severe a record is: CVSS v3.0/v3.1/v4.0 base scores computed from its
//! `severity` vectors, else the GHSA `database_specific.severity` label;
//! malicious-package reports are always critical; otherwise `unscored`.

use std::str::FromStr;

use advisories_cache::Vulnerability;

pub use crate::types::finding::CvssScore;
use crate::types::finding::Severity;

/// A record's severity and what it was derived from.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The level.
    pub severity: Severity,
    /// The highest-scoring CVSS vector of the record, when it has one.
    pub cvss: Option<CvssScore>,
}

/// Assesses one record. Record-level vectors are used; when there are none,
/// those of its `affected` entries. The highest base score wins.
pub fn assess(vuln: &Vulnerability) -> Assessment {
    let cvss = best_cvss(vuln);
    let severity = if vuln.is_malicious() {
        Severity::Critical
    } else if let Some(c) = &cvss {
        band(c.score)
    } else {
        label(vuln)
    };
    Assessment { severity, cvss }
}

/// The CVSS qualitative rating of a base score. A score of 0.0 (CVSS
/// "none") is reported as low rather than hidden.
pub fn band(score: f64) -> Severity {
    match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        _ => Severity::Low,
    }
}

fn best_cvss(vuln: &Vulnerability) -> Option<CvssScore> {
    let record = vuln.severity.iter();
    let scored: Vec<CvssScore> = if vuln.severity.is_empty() {
        let per_package = vuln.affected.iter().flat_map(|a| a.severity.iter());
        per_package.filter_map(|s| score(&s.score)).collect()
    } else {
        record.filter_map(|s| score(&s.score)).collect()
    };
    scored
        .into_iter()
        .max_by(|a, b| a.score.total_cmp(&b.score))
}

/// Computes the base score of a CVSS v3.x or v4.0 vector; other texts
/// (CVSS v2, Ubuntu priorities, malformed vectors) give `None`.
pub fn score(vector: &str) -> Option<CvssScore> {
    let vector = vector.trim();
    let (version, score) = match cvss::Cvss::from_str(vector).ok()? {
        cvss::Cvss::CvssV30(v) => ("3.0", v.score().value()),
        cvss::Cvss::CvssV31(v) => ("3.1", v.score().value()),
        cvss::Cvss::CvssV40(v) => ("4.0", v.score().value()),
        _ => return None,
    };
    Some(CvssScore {
        version: version.to_string(),
        vector: vector.to_string(),
        score,
    })
}

fn label(vuln: &Vulnerability) -> Severity {
    let text = vuln
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(|s| s.as_str())
        .unwrap_or("");
    match text.to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "HIGH" => Severity::High,
        "MODERATE" | "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        _ => Severity::Unscored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(json: &str) -> Vulnerability {
        Vulnerability::from_json(json).unwrap()
    }

    #[test]
    fn cvss_v3_and_v4_base_scores() {
        let v31 = score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!((v31.version.as_str(), v31.score), ("3.1", 9.8));
        let v30 = score("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H").unwrap();
        assert_eq!((v30.version.as_str(), v30.score), ("3.0", 6.5));
        let v40 = score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!((v40.version.as_str(), v40.score), ("4.0", 9.3));
        assert!(
            score("AV:N/AC:L/Au:N/C:P/I:P/A:P").is_none(),
            "v2 is not scored"
        );
        assert!(score("CVSS:3.1/AV:Q").is_none());
    }

    #[test]
    fn bands_follow_cvss_ratings() {
        assert_eq!(band(9.0), Severity::Critical);
        assert_eq!(band(8.9), Severity::High);
        assert_eq!(band(4.0), Severity::Medium);
        assert_eq!(band(3.9), Severity::Low);
        assert_eq!(band(0.0), Severity::Low);
    }

    #[test]
    fn vector_beats_label_and_malice_beats_both() {
        let v = rec(
            r#"{"id":"GHSA-1","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L"}],
            "database_specific":{"severity":"HIGH"}}"#,
        );
        let a = assess(&v);
        assert_eq!(a.severity, Severity::Medium);
        assert_eq!(a.cvss.unwrap().score, 5.0);
        let m = rec(
            r#"{"id":"MAL-1","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L"}]}"#,
        );
        assert_eq!(assess(&m).severity, Severity::Critical);
        let l = rec(r#"{"id":"GHSA-2","database_specific":{"severity":"MODERATE"}}"#);
        assert_eq!(
            assess(&l),
            Assessment {
                severity: Severity::Medium,
                cvss: None
            }
        );
        assert_eq!(
            assess(&rec(r#"{"id":"GHSA-3"}"#)).severity,
            Severity::Unscored
        );
    }

    #[test]
    fn per_package_vectors_count_when_the_record_has_none() {
        let v = rec(
            r#"{"id":"X","affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}]}"#,
        );
        assert_eq!(assess(&v).severity, Severity::Critical);
    }
    #[test]
    fn severity_from_label_and_malice() {
        let v = Vulnerability::from_json(
            r#"{"id":"GHSA-1","database_specific":{"severity":"MODERATE"}}"#,
        )
        .unwrap();
        assert_eq!(assess(&v).severity, Severity::Medium);
        let m = Vulnerability::from_json(r#"{"id":"MAL-1"}"#).unwrap();
        assert_eq!(assess(&m).severity, Severity::Critical);
        assert!(Severity::Unscored < Severity::Low);
    }
}
