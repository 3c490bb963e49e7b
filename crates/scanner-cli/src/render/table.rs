//! The human-readable table: servers, then one finding per line, then a summary.

use std::io::Write;

use scanner_core::{Outcome, Report, SourceMode};

/// Writes `report` as a table.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    writeln!(out, "SERVERS")?;
    for s in &report.servers {
        let package = s.package.as_ref().map_or_else(
            || s.requested.clone().unwrap_or_default(),
            |p| p.to_string(),
        );
        let tree = s.tree.as_ref().map_or("not resolved".to_string(), |_| {
            format!("{} packages", s.packages.len())
        });
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
            "  {:<6} {:<9} {:<22} {:<20} {:<36} ID",
            "DECIDE", "SEVERITY", "CODE", "SERVER", "PACKAGE"
        )?;
        for f in &report.findings {
            let package = f
                .package
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into());
            let id = f.advisory.as_ref().map_or("-", |a| a.id.as_str());
            writeln!(
                out,
                "  {:<6} {:<9} {:<22} {:<20} {:<36} {id}",
                f.decision.as_str(),
                f.severity.as_str(),
                f.code.as_str(),
                f.server,
                package
            )?;
        }
    }
    for note in &report.advisories.git_ranges_not_evaluated {
        writeln!(
            out,
            "  note: {note}: only GIT ranges (commits) name this package; not evaluated"
        )?;
    }
    write_source(out, report)?;
    let s = &report.summary;
    let verdict = match s.outcome {
        Outcome::Passed => "PASSED",
        Outcome::Blocked => "BLOCKED",
        Outcome::Incomplete => "INCOMPLETE",
    };
    writeln!(out)?;
    writeln!(
        out,
        "{verdict}: {} servers, {} packages; {} blocked, {} warned, {} allowed; {} not checked",
        s.servers,
        s.packages,
        s.blocked,
        s.warned,
        s.allowed,
        s.incomplete.len()
    )
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
