//! `supplygate vet`: check servers before they are installed. Each launch
//! command becomes an entry of a generated `mcpServers` config, so it goes
//! through the same discovery (launcher parsing, config findings) as a real
//! config; then every server is resolved fresh (never read from disk) and
//! checked like `scan`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use scanner_core::discover::secrets::{redact_args, redact_text};
use scanner_core::discover::{discover, Inventory, Launch, Server};
use scanner_core::resolve::ResolveMode;
use scanner_core::Report;
use serde_json::{json, Value};

use crate::args::{ClientStyle, VetArgs};
use crate::discovery::discover_options;
use crate::exit::Exit;

mod remedy;

/// Where a server given on the command line comes from, in reports.
const COMMAND_LINE: &str = "<command line>";

/// Runs `vet`.
pub fn run(db: &Path, args: VetArgs) -> Result<Exit> {
    if args.servers.is_empty() && args.scan.discovery.configs.is_empty() {
        bail!("nothing to vet: give a launch command or --config FILE\nhint: supplygate vet 'npx -y @modelcontextprotocol/server-filesystem@2025.8.21'");
    }
    let mut discovery = args.scan.discovery.clone();
    discovery.no_default_configs = true;
    let generated = tempfile::Builder::new()
        .prefix("supplygate-vet-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    let config = generated.path().join("mcp.json");
    if !args.servers.is_empty() {
        let entries = entries(&args.servers)?;
        std::fs::write(
            &config,
            serde_json::to_vec_pretty(&json!({ "mcpServers": entries }))?,
        )
        .context("cannot write the temporary config")?;
        discovery.configs.push(config.clone());
    }
    let options = discover_options(discovery)?;
    let mut inventory = discover(&options)?;
    select(&mut inventory, &args.only)?;
    relabel(&mut inventory, &config);
    let servers = inventory.servers.clone();
    let mut report = crate::check(
        db,
        &args.scan,
        options.clone(),
        inventory,
        ResolveMode::Resolve,
    )?;
    for (entry, server) in report.servers.iter_mut().zip(&servers) {
        let version = entry.package.as_ref().map(|p| p.version.clone());
        entry.pinned = version.and_then(|v| pinned(server, &v, args.client));
    }
    let resolvers = crate::resolvers(&args.scan, options.home.clone());
    let search = remedy::Search {
        db,
        args: &args,
        discover: &options,
        resolvers: &resolvers,
    };
    for (i, server) in servers.iter().enumerate() {
        let Some(held) = remedy::HeldBack::of(&report, &server.name) else {
            continue;
        };
        let Some(current) = report.servers[i]
            .package
            .as_ref()
            .map(|p| p.version.clone())
        else {
            continue;
        };
        report.servers[i].remediation = search.remedy(server, &current, held)?;
    }
    crate::render(&args.scan, &report, |out| snippets(out, &report))?;
    Ok(report.summary.outcome.into())
}

/// `mcpServers` entries for launch commands, named after their package.
fn entries(commands: &[String]) -> Result<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    for command in commands {
        // Echoed in errors: a URL in it may carry a token.
        let shown = redact_text(command);
        let words = shlex::split(command)
            .filter(|w| !w.is_empty())
            .with_context(|| {
                format!("cannot split the launch command `{shown}` into words (unbalanced quotes?)")
            })?;
        let (program, rest) = words.split_first().context("empty launch command")?;
        let launch = Launch::from_entry(Some(program), rest, None);
        let name = match launch.package_pin() {
            Some(_) if matches!(launch, Launch::Unsupported { .. }) => program.clone(),
            Some((raw, _)) => short_name(raw),
            None => bail!("`{shown}` is not a launch command supplygate can vet (or it names a git, URL or local source, which vet refuses: fetching those can run code)\nhint: vet takes npx, npm exec, uvx, uv tool run and pipx run commands of registry packages, e.g. 'uvx mcp-server-fetch'"),
        };
        let mut key = name.clone();
        let mut n = 2;
        while out.contains_key(&key) {
            key = format!("{name}-{n}");
            n += 1;
        }
        out.insert(key, json!({ "command": program, "args": rest }));
    }
    Ok(out)
}

/// `@scope/server-x@1.0` → `server-x`; `mcp-server-git==1.0` → `mcp-server-git`.
fn short_name(raw: &str) -> String {
    let base = raw.rsplit('/').next().unwrap_or(raw);
    let end = base
        .find(|c: char| "@=<>!~[ ;".contains(c))
        .unwrap_or(base.len());
    let name = &base[..end];
    if name.is_empty() {
        "server".into()
    } else {
        name.to_string()
    }
}

/// Keeps only the servers named with `--server`; an unknown name is an error.
fn select(inventory: &mut Inventory, only: &[String]) -> Result<()> {
    for name in only {
        if !inventory.servers.iter().any(|s| &s.name == name) {
            let known: Vec<&str> = inventory.servers.iter().map(|s| s.name.as_str()).collect();
            bail!(
                "no server `{name}` in the configs given\nhint: the servers found are: {}",
                if known.is_empty() {
                    "(none)".to_string()
                } else {
                    known.join(", ")
                }
            );
        }
    }
    if !only.is_empty() {
        inventory.servers.retain(|s| only.contains(&s.name));
    }
    if inventory.servers.is_empty() {
        bail!("no MCP server found in the configs given");
    }
    Ok(())
}

/// Servers from the generated config say they came from the command line.
fn relabel(inventory: &mut Inventory, generated: &Path) {
    for s in &mut inventory.servers {
        if s.config_path == generated {
            s.config_path = PathBuf::from(COMMAND_LINE);
        }
    }
    for f in &mut inventory.findings {
        if f.path == generated {
            f.path = PathBuf::from(COMMAND_LINE);
        }
    }
}

/// The config entry pinning `server`'s package at `version`, in `style`.
/// Credentials in the arguments are redacted like in every other output:
/// the snippet is printed, so the user keeps their own values.
pub fn pinned(server: &Server, version: &str, style: ClientStyle) -> Option<String> {
    let command = server.command.clone()?;
    let args = redact_args(&pinned_args(server, version)?);
    Some(match style {
        ClientStyle::McpServers => pretty(json!({
            "mcpServers": { &server.name: { "command": command, "args": args } }
        })),
        ClientStyle::Vscode => pretty(json!({
            "servers": { &server.name: { "type": "stdio", "command": command, "args": args } }
        })),
        ClientStyle::Codex => {
            let mut table = toml::Table::new();
            table.insert("command".into(), toml::Value::String(command));
            table.insert(
                "args".into(),
                toml::Value::Array(args.into_iter().map(toml::Value::String).collect()),
            );
            let body = toml::to_string(&table).ok()?;
            format!("[mcp_servers.{}]\n{body}", toml_key(&server.name))
        }
    })
}

fn pretty(v: Value) -> String {
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// A bare TOML key when possible, else a quoted one.
fn toml_key(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name.to_string()
    } else {
        serde_json::to_string(name).unwrap_or_default()
    }
}

/// The server's arguments with its package spec replaced by an exact pin
/// (and `-y` for npx, which must not prompt).
pub(crate) fn pinned_args(server: &Server, version: &str) -> Option<Vec<String>> {
    let mut args = server.args.clone();
    match &server.launch {
        Launch::Npx { package, .. } => {
            let pin = format!("{}@{version}", package.name);
            let at = args
                .iter()
                .position(|a| a == &package.raw || a == &format!("--package={}", package.raw))?;
            args[at] = if args[at].starts_with("--package=") {
                format!("--package={pin}")
            } else {
                pin
            };
            let is_npx = server
                .command
                .as_deref()
                .is_some_and(|c| c.ends_with("npx") || c.ends_with("npx.cmd"));
            if is_npx && !args.iter().any(|a| a == "-y" || a == "--yes") {
                args.insert(0, "-y".into());
            }
        }
        Launch::Uvx { package } | Launch::Pipx { package } => {
            let at = args.iter().position(|a| a == &package.raw)?;
            let from = at > 0 && (args[at - 1] == "--from" || args[at - 1] == "--spec");
            args[at] = if from || matches!(server.launch, Launch::Pipx { .. }) {
                format!("{}=={version}", package.name)
            } else {
                format!("{}@{version}", package.name)
            };
        }
        _ => return None,
    }
    Some(args)
}

/// After the table: each server's pinned entry, and its remedy.
fn snippets(out: &mut dyn Write, report: &Report) -> Result<()> {
    for s in &report.servers {
        if let Some(p) = &s.pinned {
            writeln!(
                out,
                "\npinned entry for `{}` (what was vetted):\n{p}",
                s.name
            )?;
        }
        if let Some(r) = &s.remediation {
            let tried: Vec<String> = r
                .tried
                .iter()
                .map(|t| format!("{} {}", t.version, outcome_word(t)))
                .collect();
            let tried = if tried.is_empty() {
                String::new()
            } else {
                format!(" (tried: {})", tried.join(", "))
            };
            match (&r.version, &r.pinned, &r.note) {
                (Some(v), Some(p), _) => writeln!(
                    out,
                    "\nremedy for `{}`: {v} resolves without what held it back{tried}:\n{p}",
                    s.name
                )?,
                (_, _, note) => writeln!(
                    out,
                    "\nno remedy for `{}`: {}{tried}",
                    s.name,
                    note.as_deref().unwrap_or("no newer release qualifies")
                )?,
            }
        }
    }
    Ok(())
}

/// `blocked (malicious-package)`, `passed`, `passed with 2 warnings`.
fn outcome_word(t: &scanner_core::report::RemedyTry) -> String {
    let word = match t.outcome {
        scanner_core::Outcome::Passed if t.warned > 0 => {
            format!("passed with {} warning(s)", t.warned)
        }
        scanner_core::Outcome::Passed => "passed".into(),
        scanner_core::Outcome::Blocked => "blocked".into(),
        scanner_core::Outcome::Incomplete => "incomplete".into(),
    };
    if t.blocking.is_empty() {
        word
    } else {
        format!("{word} ({})", t.blocking.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_specs() {
        assert_eq!(
            short_name("@modelcontextprotocol/server-filesystem@2025.8.21"),
            "server-filesystem"
        );
        assert_eq!(short_name("mcp-server-git==2025.1.14"), "mcp-server-git");
        assert_eq!(short_name("mcp-server-fetch"), "mcp-server-fetch");
    }

    #[test]
    fn commands_become_entries() {
        let e = entries(&[
            "npx -y postmark-mcp@1.0.16".into(),
            "uvx --from 'mcp-server-git==2025.1.14' mcp-server-git".into(),
        ])
        .unwrap();
        assert_eq!(
            e["postmark-mcp"]["args"],
            json!(["-y", "postmark-mcp@1.0.16"])
        );
        assert_eq!(e["mcp-server-git"]["args"][1], "mcp-server-git==2025.1.14");
        assert!(entries(&["ls -la".into()]).is_err());
        assert!(entries(&["npx 'unbalanced".into()]).is_err());
    }
}
