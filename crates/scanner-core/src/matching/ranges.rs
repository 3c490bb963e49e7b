//! Does an OSV record apply to a package version?
//!
//! Implements the OSV schema's evaluation of `affected[].versions` and of
//! `SEMVER`/`ECOSYSTEM` range events over the ecosystem's version order.
//! `GIT` ranges name commits, not versions, and are not evaluated.

use advisories_cache::{Affected, Ecosystem, Event, Range, RangeType, Vulnerability};

use crate::types::version::Version;

/// True when `vuln` applies to `name` at `version` in `ecosystem`.
/// Withdrawn records never apply.
pub fn affects(vuln: &Vulnerability, ecosystem: Ecosystem, name: &str, version: &Version) -> bool {
    if vuln.withdrawn.is_some() {
        return false;
    }
    let wanted = ecosystem.normalize_name(name);
    vuln.affected
        .iter()
        .filter(|a| names_package(a, ecosystem, &wanted))
        .any(|a| affected_entry_includes(a, ecosystem, version))
}

/// True when `vuln` names `name` in `ecosystem` only through `GIT` ranges
/// (commit ids, no versions): such an entry is not evaluated, and the report
/// says so rather than staying silent. Withdrawn records are not counted.
pub fn only_git_ranges(vuln: &Vulnerability, ecosystem: Ecosystem, name: &str) -> bool {
    if vuln.withdrawn.is_some() {
        return false;
    }
    let wanted = ecosystem.normalize_name(name);
    let entries: Vec<&Affected> = vuln
        .affected
        .iter()
        .filter(|a| names_package(a, ecosystem, &wanted))
        .collect();
    let evaluable = |a: &Affected| {
        !a.versions.is_empty()
            || a.ranges.is_empty()
            || a.ranges
                .iter()
                .any(|r| matches!(r.kind, RangeType::Semver | RangeType::Ecosystem))
    };
    let has_git = |a: &Affected| a.ranges.iter().any(|r| r.kind == RangeType::Git);
    !entries.is_empty()
        && !entries.iter().any(|a| evaluable(a))
        && entries.iter().any(|a| has_git(a))
}

/// The fixes `records` name for `name` in `ecosystem`: every `fixed`
/// version of their SEMVER and ECOSYSTEM ranges, in version order without
/// repeats, and the nearest one above `installed` (what to upgrade to).
pub fn fixes(
    records: &[&Vulnerability],
    ecosystem: Ecosystem,
    name: &str,
    installed: &Version,
) -> (Vec<String>, Option<String>) {
    let wanted = ecosystem.normalize_name(name);
    let mut fixed: Vec<(Version, String)> = records
        .iter()
        .flat_map(|v| &v.affected)
        .filter(|a| names_package(a, ecosystem, &wanted))
        .flat_map(|a| &a.ranges)
        .filter(|r| matches!(r.kind, RangeType::Semver | RangeType::Ecosystem))
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            Event::Fixed(t) => Some((Version::parse_event(ecosystem, t).ok()?, t.clone())),
            _ => None,
        })
        .collect();
    fixed.sort_by(|a, b| a.0.cmp(&b.0));
    fixed.dedup_by(|a, b| a.0 == b.0);
    let nearest = fixed
        .iter()
        .find(|(v, _)| v > installed)
        .map(|(_, t)| t.clone());
    (fixed.into_iter().map(|(_, t)| t).collect(), nearest)
}

fn names_package(a: &Affected, ecosystem: Ecosystem, normalized: &str) -> bool {
    a.package.as_ref().is_some_and(|p| {
        p.ecosystem
            .parse::<Ecosystem>()
            .is_ok_and(|e| e.applies_to(ecosystem))
            && ecosystem.normalize_name(&p.name) == normalized
    })
}

fn affected_entry_includes(a: &Affected, ecosystem: Ecosystem, version: &Version) -> bool {
    let version_ranges: Vec<&Range> = a
        .ranges
        .iter()
        .filter(|r| matches!(r.kind, RangeType::Semver | RangeType::Ecosystem))
        .collect();
    if a.versions.is_empty() && a.ranges.is_empty() {
        // An entry naming a package but no versions covers all of them: the
        // fail-safe reading, and how malicious-package reports are written.
        return true;
    }
    let listed = a
        .versions
        .iter()
        .any(|v| Version::parse(ecosystem, v).is_ok_and(|v| &v == version));
    listed
        || version_ranges
            .iter()
            .any(|r| range_includes(r, ecosystem, version))
}

/// The OSV range algorithm: walk the events in version order; `introduced`
/// turns "affected" on, `fixed` (at or past) and `last_affected` (past) turn
/// it off. A `limit` caps the whole range.
fn range_includes(range: &Range, ecosystem: Ecosystem, version: &Version) -> bool {
    let mut events: Vec<(Option<Version>, &Event)> = range
        .events
        .iter()
        .filter_map(|e| parsed_event(e, ecosystem).map(|v| (v, e)))
        .collect();
    let limited = events.iter().any(|(v, e)| {
        matches!(e, Event::Limit(_)) && v.as_ref().is_some_and(|limit| version >= limit)
    });
    if limited {
        return false;
    }
    // `None` is the "0" introduced event: before every version.
    events.sort_by(|a, b| a.0.cmp(&b.0));
    let mut affected = false;
    for (at, event) in &events {
        let reached = at.as_ref().is_none_or(|at| version >= at);
        match event {
            Event::Introduced(_) if reached => affected = true,
            Event::Fixed(_) if reached => affected = false,
            Event::LastAffected(_) if at.as_ref().is_some_and(|at| version > at) => {
                affected = false
            }
            _ => {}
        }
    }
    affected
}

/// The version an event names: `Some(None)` for "before every version".
/// An event whose version does not parse is read so as to fail closed: an
/// unparseable `introduced` counts as "0", an unparseable `fixed`,
/// `last_affected` or `limit` is skipped (`None`), so doubt over-reports.
fn parsed_event(event: &Event, ecosystem: Ecosystem) -> Option<Option<Version>> {
    match event {
        Event::Introduced(t) if t == "0" => Some(None),
        Event::Introduced(t) => Some(Version::parse_event(ecosystem, t).ok()),
        Event::Fixed(t) | Event::LastAffected(t) | Event::Limit(t) => {
            Version::parse_event(ecosystem, t).ok().map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vuln(json: &str) -> Vulnerability {
        Vulnerability::from_json(json).unwrap()
    }

    fn npm(v: &str) -> Version {
        Version::parse(Ecosystem::Npm, v).unwrap()
    }

    const RANGED: &str = r#"{"id":"GHSA-1","affected":[{"package":{"ecosystem":"npm","name":"qs"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"2.0.0"},{"last_affected":"2.1.0"}]}]}]}"#;

    #[test]
    fn fixes_are_ordered_and_the_nearest_is_above_the_installed_version() {
        let v = vuln(
            r#"{"id":"GHSA-2","affected":[{"package":{"ecosystem":"npm","name":"qs"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.10.0"},
            {"introduced":"2.0.0"},{"fixed":"2.1.3"},{"introduced":"1.9.0"},{"fixed":"1.2.0"}]}]}]}"#,
        );
        let (all, nearest) = fixes(&[&v], Ecosystem::Npm, "qs", &npm("1.5.0"));
        assert_eq!(all, ["1.2.0", "1.10.0", "2.1.3"]);
        assert_eq!(nearest.as_deref(), Some("1.10.0"));
        let (_, none) = fixes(&[&v], Ecosystem::Npm, "qs", &npm("3.0.0"));
        assert_eq!(none, None);
    }

    #[test]
    fn introduced_fixed_and_last_affected() {
        let v = vuln(RANGED);
        for (ver, want) in [
            ("0.0.1", true),
            ("1.1.9", true),
            ("1.2.0", false),
            ("1.9.0", false),
            ("2.0.0", true),
            ("2.1.0", true),
            ("2.1.1", false),
        ] {
            assert_eq!(affects(&v, Ecosystem::Npm, "qs", &npm(ver)), want, "{ver}");
        }
    }

    #[test]
    fn other_packages_and_withdrawn_never_match() {
        assert!(!affects(&vuln(RANGED), Ecosystem::Npm, "ws", &npm("1.0.0")));
        let w = RANGED.replace(
            r#""id":"GHSA-1","#,
            r#""id":"GHSA-1","withdrawn":"2024-01-01T00:00:00Z","#,
        );
        assert!(!affects(&vuln(&w), Ecosystem::Npm, "qs", &npm("1.0.0")));
    }

    #[test]
    fn limit_caps_the_range() {
        let v = vuln(
            r#"{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"limit":"2.0.0"}]}]}]}"#,
        );
        assert!(affects(&v, Ecosystem::Npm, "a", &npm("1.9.9")));
        assert!(!affects(&v, Ecosystem::Npm, "a", &npm("2.0.0")));
    }

    #[test]
    fn pypi_versions_list_uses_pep440_equality() {
        let v = vuln(
            r#"{"id":"PYSEC-1","affected":[{"package":{"ecosystem":"PyPI","name":"Foo.Bar"},"versions":["1.0"]}]}"#,
        );
        let ver = Version::parse(Ecosystem::PyPI, "1.0.0").unwrap();
        assert!(affects(&v, Ecosystem::PyPI, "foo-bar", &ver));
    }

    #[test]
    fn unparseable_events_fail_closed() {
        let v = vuln(
            r#"{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"one"},{"fixed":"2.0.0"}]},
                      {"type":"SEMVER","events":[{"introduced":"3.0.0"},{"fixed":"3.x"}]}]}]}"#,
        );
        assert!(affects(&v, Ecosystem::Npm, "a", &npm("1.0.0")));
        assert!(!affects(&v, Ecosystem::Npm, "a", &npm("2.0.0")));
        assert!(affects(&v, Ecosystem::Npm, "a", &npm("3.5.0")));
    }

    #[test]
    fn git_ranges_alone_do_not_match() {
        let v = vuln(
            r#"{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},
            "ranges":[{"type":"GIT","repo":"r","events":[{"introduced":"0"}]}]}]}"#,
        );
        assert!(!affects(&v, Ecosystem::Npm, "a", &npm("1.0.0")));
        assert!(only_git_ranges(&v, Ecosystem::Npm, "a"));
        assert!(!only_git_ranges(&vuln(RANGED), Ecosystem::Npm, "qs"));
    }
}
