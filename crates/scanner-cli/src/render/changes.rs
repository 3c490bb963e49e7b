//! The "changes since the baseline" section, shown first by the table and
//! Markdown views: new findings, resolved findings, tree changes, servers
//! added and removed.

use std::io::Write;

use scanner_core::baseline::{BaselineDiff, Change};
use scanner_core::{Finding, Report};

use super::markdown::cell;

/// One line per change, as plain text (the table view's rows).
fn lines(report: &Report, diff: &BaselineDiff) -> Vec<String> {
    let package = |f: &Finding| f.package.as_ref().map_or("-".into(), |p| p.to_string());
    let mut lines: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.change == Some(Change::New))
        .map(|f| {
            let id = f.advisory.as_ref().map_or("-", |a| a.id.as_str());
            format!(
                "new       {:<8} {:<22} {:<20} {} {id}",
                f.decision.as_str(),
                f.code.as_str(),
                f.server,
                package(f)
            )
        })
        .collect();
    lines.extend(diff.resolved.iter().map(|f| {
        format!(
            "resolved  {:<8} {:<22} {:<20} {} {}",
            f.decision,
            f.code,
            f.server,
            f.package.as_deref().unwrap_or("-"),
            f.advisory.as_deref().unwrap_or("-")
        )
    }));
    for s in &report.servers {
        if let Some(changes) = s.tree_changes.as_ref().filter(|c| !c.is_empty()) {
            lines.push(format!("tree      {}: {}", s.key(), changes.summary()));
        }
    }
    lines.extend(
        diff.servers_added
            .iter()
            .map(|k| format!("server    {k} added")),
    );
    lines.extend(
        diff.servers_removed
            .iter()
            .map(|k| format!("server    {k} removed")),
    );
    lines
}

fn heading(diff: &BaselineDiff) -> String {
    format!(
        "{} new, {} unchanged, {} resolved since {}",
        diff.new,
        diff.unchanged,
        diff.resolved.len(),
        diff.file
    )
}

/// Writes the section for the table view (nothing without a baseline).
pub fn write_table(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let Some(diff) = &report.baseline else {
        return Ok(());
    };
    writeln!(out, "CHANGES: {}", heading(diff))?;
    for line in lines(report, diff) {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)
}

/// Writes the section for the Markdown view (nothing without a baseline).
pub fn write_markdown(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let Some(diff) = &report.baseline else {
        return Ok(());
    };
    writeln!(out, "### Changes since the baseline\n")?;
    writeln!(out, "{}.\n", cell(&heading(diff)))?;
    for line in lines(report, diff) {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        writeln!(out, "- {}", cell(&line))?;
    }
    writeln!(out)
}
