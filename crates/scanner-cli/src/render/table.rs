//! The human-readable table: servers, then one finding per line, then a summary.

use std::io::Write;

use scanner_core::policy::PolicyAudit;
use scanner_core::resolve::Integrity;
use scanner_core::{Decision, Outcome, Report, Severity, SourceMode};

use super::layout::Columns;
use crate::output::{Colour, Styled};

/// Writes `report` as a table; decisions and the verdict are coloured when
/// `out` has colours on (stdout a terminal, `NO_COLOR` unset).
pub fn write<W: Write>(out: &mut Styled<W>, report: &Report) -> std::io::Result<()> {
    super::changes::write_table(out, report)?;
    writeln!(out, "SERVERS")?;
    write_servers(out, report)?;
    writeln!(out)?;
    if report.findings.is_empty() {
        writeln!(out, "FINDINGS: none")?;
    } else {
        writeln!(out, "FINDINGS")?;
        write_findings(out, report)?;
    }
    for note in &report.advisories.git_ranges_not_evaluated {
        writeln!(
            out,
            "  note: {note}: only GIT ranges (commits) name this package; not evaluated"
        )?;
    }
    write_policy(out, &report.policy)?;
    write_source(out, report)?;
    let s = &report.summary;
    let verdict = match s.outcome {
        Outcome::Passed => "PASSED",
        Outcome::Blocked => "BLOCKED",
        Outcome::Incomplete => "INCOMPLETE",
    };
    writeln!(out)?;
    out.paint(Some(verdict_colour(s.outcome)), verdict)?;
    writeln!(out, ": {}", super::common::totals(s))
}

fn write_servers<W: Write>(out: &mut Styled<W>, report: &Report) -> std::io::Result<()> {
    let mut columns = Columns::new(&["NAME", "CLIENT", "LAUNCHER", "PACKAGE", "TREE"]);
    let mut unverified = Vec::new();
    for s in &report.servers {
        let package = s.package.as_ref().map_or_else(
            || s.requested.clone().unwrap_or_default(),
            |p| p.to_string(),
        );
        let mut tree = s.tree.as_ref().map_or("not resolved".to_string(), |_| {
            // Say how many files were actually checked: "unverified" is never "ok".
            let verified = s
                .packages
                .iter()
                .filter(|p| matches!(p.integrity, Integrity::Verified))
                .count();
            format!("{} packages, {verified} verified", s.packages.len())
        });
        unverified.extend(s.packages.iter().filter_map(|p| match &p.integrity {
            Integrity::Unverified { reason } => Some(reason.as_str()),
            _ => None,
        }));
        if let Some(owner) = &s.owner {
            tree.push_str(&format!(", owner {owner}"));
        }
        let cells = [&s.name, s.client.id(), &s.launcher, &package, &tree];
        columns.push(cells.iter().map(|c| c.to_string()).collect());
    }
    columns.write(out, |_, _| None)?;
    if let Some(reason) = most_common(&unverified) {
        writeln!(
            out,
            "  {} packages unverified: their installed files could not be compared with what was published (mostly: {reason})",
            unverified.len()
        )?;
    }
    Ok(())
}

/// The reason given most often.
fn most_common<'a>(reasons: &[&'a str]) -> Option<&'a str> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in reasons {
        *counts.entry(r).or_default() += 1;
    }
    counts.into_iter().max_by_key(|&(_, n)| n).map(|(r, _)| r)
}

fn write_findings<W: Write>(out: &mut Styled<W>, report: &Report) -> std::io::Result<()> {
    let header = [
        "DECIDE",
        "SEVERITY",
        "CODE",
        "SERVER",
        "PACKAGE",
        "ID",
        "FIX",
        "DECIDED BY",
    ];
    let mut columns = Columns::new(&header);
    let mut decisions = vec![None];
    for f in &report.findings {
        let package = f
            .package
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "-".into());
        let id = f.advisory.as_ref().map_or("-", |a| a.id.as_str());
        let fix = f.advisory.as_ref().map_or("-".to_string(), |a| {
            a.nearest_fix.clone().unwrap_or_else(|| "none".into())
        });
        let expired = f.expired_exception.as_ref().map_or(String::new(), |e| {
            format!(" [exception line {} expired {}]", e.line, e.expires)
        });
        columns.push(vec![
            f.decision.as_str().to_string(),
            f.severity.map_or("-", Severity::as_str).to_string(),
            f.code.as_str().to_string(),
            f.server.clone(),
            package,
            id.to_string(),
            fix,
            format!("{}{expired}", f.decided_by),
        ]);
        decisions.push(Some(f.decision));
    }
    columns.write(out, |row, column| match decisions[row] {
        Some(d) if column == 0 => Some(decision_colour(d)),
        _ => None,
    })
}

fn decision_colour(d: Decision) -> Colour {
    match d {
        Decision::Block => Colour::Red,
        Decision::Warn => Colour::Yellow,
        Decision::Allow | Decision::Excepted => Colour::Dim,
    }
}

fn verdict_colour(o: Outcome) -> Colour {
    match o {
        Outcome::Passed => Colour::Green,
        Outcome::Blocked => Colour::Red,
        Outcome::Incomplete => Colour::Yellow,
    }
}

/// One line saying which advisory data decided the run, and how fresh it was.
fn write_source(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let Some(snap) = &report.advisories.snapshot else {
        return Ok(());
    };
    let mode = match snap.mode {
        SourceMode::Online => "online",
        SourceMode::Offline => "offline",
        SourceMode::StaleStore => "stale store (online lookup failed)",
    };
    let via = snap.api_url.as_deref().unwrap_or(&snap.store);
    let ecos: Vec<String> = snap
        .ecosystems
        .iter()
        .map(|e| {
            let imported = e
                .import_age_seconds
                .map_or("never imported".to_string(), |s| {
                    format!("imported {}h ago", s / 3600)
                });
            let newest = e.newest_modified.as_deref().unwrap_or("-");
            format!("{} newest {newest}, {imported}", e.ecosystem)
        })
        .collect();
    writeln!(out)?;
    writeln!(out, "ADVISORIES: {mode} {via}; {}", ecos.join("; "))
}

/// The policy in force, and exceptions that need attention.
fn write_policy(out: &mut impl Write, policy: &PolicyAudit) -> std::io::Result<()> {
    writeln!(out)?;
    match &policy.file {
        Some(file) => writeln!(
            out,
            "POLICY: {} (sha256 {})",
            file.display(),
            policy.sha256.as_deref().unwrap_or("-")
        )?,
        None => writeln!(out, "POLICY: built-in")?,
    }
    for e in &policy.expired_exceptions {
        writeln!(
            out,
            "  expired exception `{}` (line {}): expired on {}, no longer applies (owner {})",
            e.id, e.line, e.expires, e.owner
        )?;
    }
    for e in &policy.unused_exceptions {
        writeln!(
            out,
            "  unused exception `{}` (line {}): matched no finding (owner {})",
            e.id, e.line, e.owner
        )?;
    }
    for s in &policy.servers {
        let owner = s.policy.owner.as_deref().unwrap_or("-");
        let pin = s.policy.pin.map_or("-", |p| p.as_str());
        writeln!(out, "  server {}: owner {owner}, pin {pin}", s.name)?;
    }
    Ok(())
}
