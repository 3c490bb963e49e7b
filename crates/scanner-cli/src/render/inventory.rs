//! The `inventory` table: files looked at, servers, config findings.

use std::io::Write;

use scanner_core::discover::secrets::redact_text;
use scanner_core::discover::{ConfigStatus, Server};
use scanner_core::policy::{AnnotatedInventory, AnnotatedServer};

use super::layout::Columns;
use crate::output::Styled;

/// Writes `inventory` as a table: one line per file, per server, per
/// finding. Missing well-known files are listed only when `verbose`.
pub fn write<W: Write>(
    out: &mut Styled<W>,
    inventory: &AnnotatedInventory<'_>,
    verbose: bool,
) -> std::io::Result<()> {
    writeln!(out, "CONFIG FILES")?;
    let shown = inventory
        .configs
        .iter()
        .filter(|c| verbose || !matches!(c.status, ConfigStatus::Missing));
    let mut files = Columns::new(&["STATUS", "CLIENT", "SCOPE", "FILE"]);
    for c in shown {
        let (status, detail) = match &c.status {
            ConfigStatus::Parsed { servers } => (format!("parsed:{servers}"), String::new()),
            ConfigStatus::Missing => ("missing".to_string(), String::new()),
            ConfigStatus::Skipped { reason } => ("SKIPPED".to_string(), format!("  ({reason})")),
        };
        files.push(vec![
            status,
            c.client.id().to_string(),
            c.scope.to_string(),
            format!("{}{detail}", c.path.display()),
        ]);
    }
    files.write(out, |_, _| None)?;
    writeln!(out)?;
    writeln!(out, "SERVERS")?;
    let mut servers = Columns::new(&[
        "NAME",
        "CLIENT",
        "SCOPE",
        "TRANSPORT",
        "LAUNCHER",
        "PACKAGE",
        "PIN",
        "ENV",
        "OWNER",
        "LOCATION",
    ]);
    for s in &inventory.servers {
        servers.push(server_row(s));
    }
    servers.write(out, |_, _| None)?;
    writeln!(out)?;
    if inventory.findings.is_empty() {
        writeln!(out, "CONFIG FINDINGS: none")?;
    } else {
        writeln!(out, "CONFIG FINDINGS")?;
        for f in inventory.findings {
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

/// One server's cells; nothing is cut (versions and paths stay whole).
fn server_row(annotated: &AnnotatedServer<'_>) -> Vec<String> {
    let s = annotated.server;
    let (package, mut pin) = match s.launch.package_pin() {
        Some((raw, pin)) => (redact_text(raw), format!("{pin:?}").to_lowercase()),
        None => (launch_target(s), "-".into()),
    };
    if let Some(required) = annotated.pin_required {
        pin = format!("{pin}/{}", required.as_str());
    }
    let env: Vec<&str> = s.env.keys().map(String::as_str).collect();
    let name = if s.disabled {
        format!("{} (off)", s.name)
    } else {
        s.name.clone()
    };
    vec![
        name,
        s.client.id().to_string(),
        s.scope.to_string(),
        s.transport.as_str().to_string(),
        s.launch.launcher().to_string(),
        package,
        pin,
        if env.is_empty() {
            "-".to_string()
        } else {
            env.join(",")
        },
        annotated.owner.unwrap_or("-").to_string(),
        format!("{}:{}", s.config_path.display(), s.line),
    ]
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
