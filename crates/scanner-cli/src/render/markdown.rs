//! Markdown for a pull-request comment or a ticket: the verdict, the
//! servers, the findings, what was not checked, and policy notes. Every
//! cell is escaped, since names come from scanned (untrusted) files.

use std::io::Write;

use scanner_core::policy::PolicyAudit;
use scanner_core::report::ServerReport;
use scanner_core::{Finding, Outcome, Report, Severity};

use super::common::{osv_url, totals};

/// Writes `report` as Markdown.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    write_verdict(out, report)?;
    super::changes::write_markdown(out, report)?;
    write_servers(out, &report.servers)?;
    write_findings(out, &report.findings)?;
    write_not_checked(out, report)?;
    write_policy(out, &report.policy)
}

/// Escapes text for a table cell: Markdown punctuation, HTML and line breaks.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '`' | '\\' | '*' | '_' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn verdict(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "✅ PASSED",
        Outcome::Blocked => "❌ BLOCKED",
        Outcome::Incomplete => "⚠️ INCOMPLETE",
    }
}

fn write_verdict(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(out, "## supplygate: {}", verdict(s.outcome))?;
    writeln!(out)?;
    writeln!(out, "{}.", totals(s))?;
    writeln!(out)
}

/// A section heading and a table header; false (after writing `empty`)
/// when there are no rows.
fn table_head(
    out: &mut impl Write,
    title: &str,
    rows: usize,
    empty: &str,
    columns: &[&str],
) -> std::io::Result<bool> {
    writeln!(out, "### {title}\n")?;
    if rows == 0 {
        writeln!(out, "{empty}\n")?;
        return Ok(false);
    }
    writeln!(out, "| {} |", columns.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(columns.len()))?;
    Ok(true)
}

fn write_servers(out: &mut impl Write, servers: &[ServerReport]) -> std::io::Result<()> {
    let columns = [
        "Server", "Client", "Launcher", "Package", "Packages", "Owner", "Config",
    ];
    let empty = "No MCP server is configured.";
    if !table_head(out, "Servers", servers.len(), empty, &columns)? {
        return Ok(());
    }
    for s in servers {
        let package = s.package.as_ref().map_or_else(
            || s.requested.clone().unwrap_or_else(|| "-".into()),
            |p| p.to_string(),
        );
        let tree = s
            .tree
            .as_ref()
            .map_or("not resolved".to_string(), |_| s.packages.len().to_string());
        let config = format!("{}:{}", s.config_path.display(), s.line);
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&s.name),
            s.client.id(),
            cell(&s.launcher),
            cell(&package),
            tree,
            cell(s.owner.as_deref().unwrap_or("-")),
            cell(&config)
        )?;
    }
    writeln!(out)
}

fn write_findings(out: &mut impl Write, findings: &[Finding]) -> std::io::Result<()> {
    let columns = [
        "Decision",
        "Severity",
        "Code",
        "Server",
        "Package",
        "Advisory",
        "Decided by",
    ];
    if !table_head(out, "Findings", findings.len(), "None.", &columns)? {
        return Ok(());
    }
    for f in findings {
        writeln!(out, "{}", finding_row(f))?;
    }
    writeln!(out)
}

fn finding_row(f: &Finding) -> String {
    let package = f
        .package
        .as_ref()
        .map_or("-".to_string(), |p| cell(&p.to_string()));
    let advisory = f.advisory.as_ref().map_or("-".to_string(), |a| {
        format!("[{}]({})", cell(&a.id), osv_url(&a.id))
    });
    let mut decided = cell(&f.decided_by.to_string());
    if let Some(e) = &f.exception {
        decided.push_str(&format!(": {}", cell(&e.reason)));
    }
    if let Some(e) = &f.expired_exception {
        decided.push_str(&format!(
            " (exception line {} expired {})",
            e.line, e.expires
        ));
    }
    format!(
        "| **{}** | {} | `{}` | {} | {package} | {advisory} | {decided} |",
        f.decision.as_str(),
        f.severity.map_or("-", Severity::as_str),
        f.code.as_str(),
        cell(&f.server)
    )
}

fn write_not_checked(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let gaps = &report.summary.incomplete;
    let git = &report.advisories.git_ranges_not_evaluated;
    if gaps.is_empty() && git.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Not checked")?;
    writeln!(out)?;
    for line in gaps {
        writeln!(out, "- {}", cell(line))?;
    }
    for note in git {
        writeln!(
            out,
            "- {}: only GIT ranges (commits) name this package; not evaluated",
            cell(note)
        )?;
    }
    writeln!(out)
}

fn write_policy(out: &mut impl Write, policy: &PolicyAudit) -> std::io::Result<()> {
    writeln!(out, "### Policy")?;
    writeln!(out)?;
    match &policy.file {
        Some(file) => writeln!(
            out,
            "- file {} (sha256 {})",
            cell(&file.display().to_string()),
            cell(policy.sha256.as_deref().unwrap_or("-"))
        )?,
        None => writeln!(out, "- built-in policy")?,
    }
    for e in &policy.expired_exceptions {
        writeln!(
            out,
            "- expired exception {} (line {}): expired on {}, no longer applies (owner {})",
            cell(&e.id),
            e.line,
            e.expires,
            cell(&e.owner)
        )?;
    }
    for e in &policy.unused_exceptions {
        writeln!(
            out,
            "- unused exception {} (line {}): matched no finding (owner {})",
            cell(&e.id),
            e.line,
            cell(&e.owner)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("`x`"), "\\`x\\`");
        assert_eq!(cell("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(cell("[a](http://e)"), "\\[a\\](http://e)");
        assert_eq!(cell("two\nlines"), "two lines");
        assert_eq!(cell("bell\u{7}"), "bell");
    }
}
