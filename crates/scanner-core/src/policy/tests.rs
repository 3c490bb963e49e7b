//! Policy files end to end inside the library: parse, decide, audit, and the
//! rendered diagnostics of every invalid-policy case (insta snapshots).

use advisories_cache::Ecosystem;

use super::*;
use crate::types::finding::{Code, Severity};
use crate::types::PinState;

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

fn policy(text: &str) -> Policy {
    Policy::parse(text, Path::new("supplygate.toml"), day("2026-06-01"))
        .unwrap_or_else(|e| panic!("{}", e.render()))
}

/// A medium PyPI finding (urllib3 in `fetch`), for tests across the policy module.
pub(super) fn urllib3(aliases: &[String]) -> FindingContext<'_> {
    FindingContext {
        code: Code::VulnerableDependency,
        severity: Some(Severity::Medium),
        ecosystem: Some(Ecosystem::PyPI),
        package: Some("urllib3"),
        version: Some("2.2.1"),
        server: "fetch",
        direct: Some(false),
        advisory_id: Some("GHSA-34jh-p97f-mpxf"),
        aliases,
        ..FindingContext::default()
    }
}

#[test]
fn builtin_blocks_malicious_and_critical_and_warns_the_rest() {
    let p = Policy::builtin();
    let mal = FindingContext {
        code: Code::MaliciousPackage,
        severity: Some(Severity::Critical),
        ..FindingContext::default()
    };
    let v = p.decide(&mal);
    assert_eq!(v.decision, Decision::Block);
    assert_eq!(
        v.decided_by.to_string(),
        "builtin rule `builtin:malicious-package`"
    );
    let crit = FindingContext {
        severity: Some(Severity::Critical),
        ..urllib3(&[])
    };
    assert_eq!(p.decide(&crit).decided_by.id, "builtin:critical");
    let v = p.decide(&urllib3(&[]));
    assert_eq!(
        (v.decision, v.decided_by.to_string()),
        (Decision::Warn, "builtin default".into())
    );
}

#[test]
fn file_rules_come_first_in_file_order_then_builtin() {
    let p = policy(
        "[[rule]]\nid = \"allow-pypi\"\naction = \"allow\"\necosystem = \"PyPI\"\n\n\
         [[rule]]\nid = \"block-medium\"\naction = \"block\"\nseverity = \"medium\"\n",
    );
    let v = p.decide(&urllib3(&[]));
    assert_eq!(v.decision, Decision::Allow);
    assert_eq!(
        v.decided_by.to_string(),
        "rule `allow-pypi` (supplygate.toml:1)"
    );
    let npm = FindingContext {
        ecosystem: Some(Ecosystem::Npm),
        ..urllib3(&[])
    };
    let v = p.decide(&npm);
    assert_eq!((v.decision, v.decided_by.line), (Decision::Block, Some(6)));
    let mal = FindingContext {
        code: Code::MaliciousPackage,
        severity: Some(Severity::Critical),
        ecosystem: Some(Ecosystem::Npm),
        ..urllib3(&[])
    };
    assert_eq!(p.decide(&mal).decided_by.kind, DeciderKind::Builtin);
}

#[test]
fn extends_none_drops_builtin_rules_and_default_applies_with_its_line() {
    let p = policy("[policy]\nextends = \"none\"\ndefault = \"allow\"\n");
    let mal = FindingContext {
        code: Code::MaliciousPackage,
        severity: Some(Severity::Critical),
        ..FindingContext::default()
    };
    let v = p.decide(&mal);
    assert_eq!(v.decision, Decision::Allow);
    assert_eq!(
        v.decided_by.to_string(),
        "default `default` (supplygate.toml:3)"
    );
}

#[test]
fn unnamed_rules_are_named_by_position() {
    let p = policy("[[rule]]\naction = \"warn\"\n[[rule]]\naction = \"block\"\nserver = \"f*\"\n");
    assert_eq!(p.decide(&urllib3(&[])).decided_by.id, "rule-1");
}

#[test]
fn server_pin_requirement_decides_unpinned_server() {
    let p = policy(
        "[server.fetch]\nowner = \"ml-team\"\npin = \"range\"\n[server.gdrive]\npin = \"exact\"\n",
    );
    let unpinned = |server, pin| FindingContext {
        code: Code::UnpinnedServer,
        server,
        pin: Some(pin),
        ..FindingContext::default()
    };
    assert_eq!(
        p.decide(&unpinned("fetch", PinState::Range)).decision,
        Decision::Allow
    );
    assert_eq!(
        p.decide(&unpinned("fetch", PinState::Unpinned)).decision,
        Decision::Block
    );
    let v = p.decide(&unpinned("gdrive", PinState::Range));
    assert_eq!(v.decision, Decision::Block);
    assert_eq!(
        v.decided_by.to_string(),
        "server `gdrive` (supplygate.toml:4)"
    );
    assert_eq!(
        p.decide(&unpinned("other", PinState::Range)).decision,
        Decision::Warn
    );
    assert_eq!(p.servers()["fetch"].owner.as_deref(), Some("ml-team"));
}

const ALIAS_EXCEPTION: &str = "[[exception]]\nid = \"CVE-2024-37891\"\npackage = \"urllib3\"\n\
reason = \"proxy auth headers are never set\"\nowner = \"ml-team\"\nexpires = 2026-06-30\n\
classification = \"dependency-only\"\n";

#[test]
fn exception_matched_by_alias_excepts_and_names_itself() {
    let aliases = vec!["CVE-2024-37891".to_string()];
    let p = policy(ALIAS_EXCEPTION);
    let v = p.decide(&urllib3(&aliases));
    assert_eq!(v.decision, Decision::Excepted);
    assert_eq!(
        v.decided_by.to_string(),
        "exception `CVE-2024-37891` (supplygate.toml:1)"
    );
    let note = v.exception.as_ref().unwrap();
    assert_eq!(
        (note.owner.as_str(), note.expires.to_string()),
        ("ml-team", "2026-06-30".into())
    );
    assert_eq!(note.classification, Classification::DependencyOnly);
    let audit = p.audit(v.exception.iter());
    assert!(audit.unused_exceptions.is_empty());
}

#[test]
fn expiry_boundary_with_an_injected_date() {
    let aliases = vec!["CVE-2024-37891".to_string()];
    let at = |today: &str| {
        Policy::parse(ALIAS_EXCEPTION, Path::new("p.toml"), day(today))
            .unwrap()
            .decide(&urllib3(&aliases))
    };
    assert_eq!(
        at("2026-06-30").decision,
        Decision::Excepted,
        "applies on its last day"
    );
    let after = at("2026-07-01");
    assert_eq!(
        after.decision,
        Decision::Warn,
        "stops applying the day after"
    );
    assert_eq!(
        after.expired_exception.unwrap().line,
        1,
        "and the verdict says it expired"
    );
    let p = Policy::parse(ALIAS_EXCEPTION, Path::new("p.toml"), day("2026-07-01")).unwrap();
    let audit = p.audit([]);
    assert_eq!(audit.expired_exceptions.len(), 1);
    assert!(
        audit.unused_exceptions.is_empty(),
        "expired is reported as expired, not unused"
    );
    assert!(Policy::check(ALIAS_EXCEPTION, Path::new("p.toml"), day("2026-07-01")).is_err());
    assert!(Policy::check(ALIAS_EXCEPTION, Path::new("p.toml"), day("2026-06-30")).is_ok());
}

#[test]
fn unused_exceptions_are_reported() {
    let text = format!(
        "{ALIAS_EXCEPTION}\n[[exception]]\ncode = \"unpinned-server\"\nserver = \"nothing-here\"\n\
         reason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\nclassification = \"reachable-hardening\"\n"
    );
    let p = policy(&text);
    let aliases = vec!["CVE-2024-37891".to_string()];
    let v = p.decide(&urllib3(&aliases));
    let audit = p.audit(v.exception.iter());
    let unused: Vec<(&str, usize)> = audit
        .unused_exceptions
        .iter()
        .map(|n| (n.id.as_str(), n.line))
        .collect();
    assert_eq!(unused, vec![("unpinned-server", 9)]);
}

#[test]
fn exception_beats_a_blocking_rule() {
    let text = format!("[[rule]]\nid = \"b\"\naction = \"block\"\n\n{ALIAS_EXCEPTION}");
    let aliases = vec!["CVE-2024-37891".to_string()];
    assert_eq!(
        policy(&text).decide(&urllib3(&aliases)).decision,
        Decision::Excepted
    );
}

/// Renders the diagnostics of an invalid policy, or panics if it is valid.
fn diagnostics(text: &str) -> String {
    match Policy::check(
        text,
        Path::new("policies/supplygate.toml"),
        day("2026-06-01"),
    ) {
        Ok(_) => panic!("expected an invalid policy:\n{text}"),
        Err(e) => e.render(),
    }
}

macro_rules! invalid_case {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(diagnostics($text));
        }
    };
}

invalid_case!(invalid_toml_syntax, "[[rule]\naction = \"block\"\n");
invalid_case!(
    unknown_keys_with_suggestions,
    "[policy]\ndefualt = \"warn\"\n\n[[rule]]\naction = \"block\"\nsevrity = \"high\"\n\n[colour]\nx = 1\n"
);
invalid_case!(
    wrong_types,
    "[[rule]]\naction = 1\ndirect = \"yes\"\ncode = [\"malicious-package\", 3]\nmin-cvss = \"high\"\n"
);
invalid_case!(
    bad_glob,
    "[[rule]]\naction = \"warn\"\npackage = \"node-[fetch\"\nserver = \"\"\n"
);
invalid_case!(
    duplicate_exception,
    "[[exception]]\nid = \"GHSA-r683-j2x4-v87g\"\npackage = \"node-fetch\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\nclassification = \"dependency-only\"\n\n\
     [[exception]]\nid = \"ghsa-r683-j2x4-v87g\"\npackage = \"node-fetch\"\nreason = \"again\"\nowner = \"o\"\nexpires = 2027-01-31\nclassification = \"dependency-only\"\n"
);
invalid_case!(
    missing_reason_and_other_required_fields,
    "[[exception]]\nid = \"GHSA-r683-j2x4-v87g\"\nowner = \"o\"\nexpires = 2027-01-01\nclassification = \"dependency-only\"\n\n\
     [[exception]]\nid = \"GHSA-34jh-p97f-mpxf\"\nreason = \"  \"\n"
);
invalid_case!(
    expired_exception,
    "[[exception]]\nid = \"GHSA-34jh-p97f-mpxf\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-05-31\nclassification = \"confirmed-reachable\"\n"
);
invalid_case!(
    unknown_values,
    "[policy]\nextends = \"everything\"\ndefault = \"deny\"\n\n[[rule]]\naction = \"block\"\ncode = \"vulnerable\"\nseverity = \"moderate\"\necosystem = \"cargo\"\n\n\
     [server.fetch]\npin = \"latest\"\n"
);
invalid_case!(
    bad_dates_thresholds_ranges_and_targets,
    "[[rule]]\naction = \"warn\"\nmin-severity = \"unscored\"\nmin-cvss = 11\n\n\
     [[exception]]\nid = \"GHSA-x\"\ncode = \"unpinned-server\"\nversions = \"2.0\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-02-30\"\nclassification = \"wontfix\"\n\n\
     [[exception]]\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\nclassification = \"dependency-only\"\n"
);
invalid_case!(
    duplicate_rule_id,
    "[[rule]]\nid = \"x\"\naction = \"warn\"\n\n[[rule]]\nid = \"x\"\naction = \"block\"\n"
);

#[test]
fn every_problem_is_collected_not_just_the_first() {
    let text = "[[rule]]\nactoin = \"block\"\n\n[[rule]]\naction = \"maybe\"\n\n[[exception]]\nid = \"X\"\n";
    let err = Policy::check(text, Path::new("p.toml"), day("2026-01-01")).unwrap_err();
    let lines: Vec<usize> = err
        .diagnostics
        .iter()
        .map(|d| line_col(text, d.span.start).0)
        .collect();
    // unknown key, missing action (rule 1); bad action (rule 2); no reason,
    // owner, expires, classification (exception).
    assert_eq!(lines, vec![1, 2, 5, 7, 7, 7, 7]);
}

#[test]
fn hostile_input_never_panics() {
    let nested = format!("a = {}{}", "[".repeat(5000), "]".repeat(5000));
    for text in [
        "",
        "\u{0}",
        "[[rule]]\n",
        "rule = 5",
        "exception = [1]",
        "server = 1",
        "[server]\nx = 1",
        &nested,
    ] {
        let _ = Policy::check(text, Path::new("p.toml"), day("2026-01-01"));
    }
}

#[test]
fn oversized_non_utf8_and_folder_policies_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; MAX_POLICY_BYTES as usize + 1]).unwrap();
    assert!(matches!(read(&big), Err(PolicyError::TooLarge { .. })));
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    assert!(matches!(read(&binary), Err(PolicyError::Read { .. })));
    assert!(matches!(read(dir.path()), Err(PolicyError::Read { .. })));
}
