//! The `inventory` table: files looked at, servers, config findings.

use std::io::Write;

use scanner_core::discover::secrets::redact_text;
use scanner_core::discover::{ConfigStatus, Inventory, Server};

/// Writes `inventory` as a table: one line per file, per server, per
/// finding. Missing well-known files are listed only when `verbose`.
pub fn write(out: &mut impl Write, inventory: &Inventory, verbose: bool) -> std::io::Result<()> {
    writeln!(out, "CONFIG FILES")?;
    let shown = inventory
        .configs
        .iter()
        .filter(|c| verbose || !matches!(c.status, ConfigStatus::Missing));
    for c in shown {
        let (status, detail) = match &c.status {
            ConfigStatus::Parsed { servers } => (format!("parsed:{servers}"), String::new()),
            ConfigStatus::Missing => ("missing".to_string(), String::new()),
            ConfigStatus::Skipped { reason } => ("SKIPPED".to_string(), format!("  ({reason})")),
        };
        writeln!(
            out,
            "  {:<10} {:<15} {:<24} {}{detail}",
            status,
            c.client.id(),
            short(&c.scope.to_string(), 24),
            c.path.display(),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "SERVERS")?;
    writeln!(
        out,
        "  {:<20} {:<15} {:<14} {:<9} {:<13} {:<44} {:<9} {:<24} {:<16} LOCATION",
        "NAME", "CLIENT", "SCOPE", "TRANSPORT", "LAUNCHER", "PACKAGE", "PIN", "ENV", "OWNER"
    )?;
    for s in &inventory.servers {
        server_line(out, s)?;
    }
    writeln!(out)?;
    if inventory.findings.is_empty() {
        writeln!(out, "CONFIG FINDINGS: none")?;
    } else {
        writeln!(out, "CONFIG FINDINGS")?;
        for f in &inventory.findings {
            writeln!(out, "  {:<24} {}", f.code.as_str(), f.message)?;
        }
    }
    let skipped = inventory
        .configs
        .iter()
        .filter(|c| matches!(c.status, ConfigStatus::Skipped { .. }))
        .count();
    let parsed = inventory
        .configs
        .iter()
        .filter(|c| matches!(c.status, ConfigStatus::Parsed { .. }))
        .count();
    let missing = inventory.configs.len() - parsed - skipped;
    writeln!(out)?;
    writeln!(
        out,
        "{} servers in {parsed} files parsed; {skipped} files skipped; {} locations looked at ({missing} missing{})",
        inventory.servers.len(),
        inventory.configs.len(),
        if verbose { "" } else { ", listed with --verbose" }
    )
}

fn server_line(out: &mut impl Write, s: &Server) -> std::io::Result<()> {
    let (package, mut pin) = match s.launch.package_pin() {
        Some((raw, pin)) => (redact_text(raw), format!("{pin:?}").to_lowercase()),
        None => (launch_target(s), "-".into()),
    };
    if let Some(required) = &s.pin_required {
        pin = format!("{pin}/{required}");
    }
    let env: Vec<&str> = s.env.keys().map(String::as_str).collect();
    let name = if s.disabled {
        format!("{} (off)", s.name)
    } else {
        s.name.clone()
    };
    writeln!(
        out,
        "  {:<20} {:<15} {:<14} {:<9} {:<13} {:<44} {:<9} {:<24} {:<16} {}:{}",
        name,
        s.client.id(),
        short(&s.scope.to_string(), 14),
        s.transport.as_str(),
        s.launch.launcher(),
        short(&package, 44),
        pin,
        if env.is_empty() {
            "-".to_string()
        } else {
            env.join(",")
        },
        short(s.owner.as_deref().unwrap_or("-"), 16),
        s.config_path.display(),
        s.line
    )
}

fn launch_target(s: &Server) -> String {
    use scanner_core::discover::Launch;
    let target = match &s.launch {
        Launch::Remote { url } => url.clone(),
        Launch::Docker { image, .. } => image.clone(),
        Launch::UvRun { target, .. } => target.clone(),
        Launch::PythonModule { module, .. } => module.clone(),
        Launch::NodeScript { script, .. } => script.clone(),
        Launch::Executable { path } => path.clone(),
        _ => s.display_command(),
    };
    redact_text(&target)
}

/// `text` cut to `max` characters with an ellipsis.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}
