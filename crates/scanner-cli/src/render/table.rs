//! The human-readable table: servers, then one finding per line, then a summary.

use std::io::Write;

use scanner_core::policy::PolicyAudit;
use scanner_core::{Outcome, Report, Severity, SourceMode};

/// Writes `report` as a table.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    super::changes::write_table(out, report)?;
    writeln!(out, "SERVERS")?;
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
                .filter(|p| matches!(p.integrity, scanner_core::resolve::Integrity::Verified))
                .count();
            format!("{} packages, {verified} verified", s.packages.len())
        });
        if let Some(owner) = &s.owner {
            tree.push_str(&format!(", owner {owner}"));
        }
        writeln!(
            out,
            "  {:<20} {:<15} {:<7} {:<50} {}",
            s.name,
            s.client.id(),
            s.launcher,
            package,
            tree
        )?;
    }
    writeln!(out)?;
    if report.findings.is_empty() {
        writeln!(out, "FINDINGS: none")?;
    } else {
        writeln!(out, "FINDINGS")?;
        writeln!(
            out,
            "  {:<8} {:<9} {:<22} {:<20} {:<36} {:<20} DECIDED BY",
            "DECIDE", "SEVERITY", "CODE", "SERVER", "PACKAGE", "ID"
        )?;
        for f in &report.findings {
            let package = f
                .package
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into());
            let id = f.advisory.as_ref().map_or("-", |a| a.id.as_str());
            let expired = f.expired_exception.as_ref().map_or(String::new(), |e| {
                format!(" [exception line {} expired {}]", e.line, e.expires)
            });
            writeln!(
                out,
                "  {:<8} {:<9} {:<22} {:<20} {:<36} {id:<20} {}{expired}",
                f.decision.as_str(),
                f.severity.map_or("-", Severity::as_str),
                f.code.as_str(),
                f.server,
                package,
                f.decided_by
            )?;
        }
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
    writeln!(out, "{verdict}: {}", super::common::totals(s))
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
