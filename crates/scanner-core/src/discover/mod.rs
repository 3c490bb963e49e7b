//! Discovery: which MCP servers are configured, by which client, and how each
//! is launched.
//!
//! Reads client configuration files (never writes them) into an
//! [`Inventory`]: every file looked at, what came of it, every server, and
//! config-level findings (plaintext secrets, insecure transport, …).

mod clients;
mod findings;
pub mod formats;
mod launcher;
mod listed;
mod parse;
mod plugin;
mod projects;
mod read;
mod schema;
pub mod secrets;
mod substitute;
mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::types::{Scope, ServerId};

pub use clients::{
    ancestor_locations, default_config_locations, env_locations, project_locations,
    system_locations, user_locations, Client, ConfigLocation, Os,
};
pub use findings::ConfigFinding;
pub use launcher::{parse_requirement, Launch, NpmSpec, PinState, PythonSpec, Runner, SpecSource};
pub use parse::{parse_config, parse_document, Parsed};
pub use read::{read_capped, ConfigError, MAX_CONFIG_BYTES};
pub use schema::Schema;
pub use substitute::{Substituted, Vars};

/// What to look at.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// The home folder whose well-known client configs are read.
    pub home: PathBuf,
    /// Extra config files, read whatever their location (`--config`).
    pub configs: Vec<PathBuf>,
    /// Read the well-known config locations under `home`.
    pub default_locations: bool,
    /// Project folders whose project-level configs are read (`--project`),
    /// besides the projects the clients know of.
    pub projects: Vec<PathBuf>,
    /// The folder layout of `home` [default: the running OS].
    pub os: Option<Os>,
    /// The file-system root for machine-wide (managed) configs; `None`
    /// skips them (a `--home` elsewhere is not this machine).
    pub system_root: Option<PathBuf>,
    /// The environment variables substitute from.
    pub env: BTreeMap<String, String>,
}

/// How a client talks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// A local process over stdin/stdout.
    Stdio,
    /// Server-sent events over HTTP.
    Sse,
    /// Streamable HTTP.
    Http,
    /// Not stated and not inferable.
    Unknown,
}

impl Transport {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Sse => "sse",
            Transport::Http => "http",
            Transport::Unknown => "unknown",
        }
    }
}

/// One MCP server entry from a client config.
#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// Its key in the config (`mcpServers.<name>`), or its `name` field.
    pub name: String,
    /// The client whose config names it.
    pub client: Client,
    /// Where the entry belongs: the user, a project, managed, a plugin, …
    pub scope: Scope,
    /// The config file.
    pub config_path: PathBuf,
    /// 1-based line of the entry in the config file.
    pub line: usize,
    /// The command, variables substituted (shown redacted).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "redacted_opt"
    )]
    pub command: Option<String>,
    /// The arguments, variables substituted: what the client will run.
    #[serde(skip)]
    pub args: Vec<String>,
    /// The arguments as written in the config (shown redacted).
    #[serde(rename = "args", serialize_with = "redacted_list")]
    pub written_args: Vec<String>,
    /// The environment the client passes; serialised as names only, since
    /// values are often credentials.
    #[serde(rename = "env", serialize_with = "names_only")]
    pub env: BTreeMap<String, String>,
    /// HTTP headers for remote servers; serialised as names only.
    #[serde(
        serialize_with = "names_only",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub headers: BTreeMap<String, String>,
    /// The working directory, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
    /// stdio, sse or http.
    pub transport: Transport,
    /// Turned off in the config (`disabled: true` / `enabled: false`).
    pub disabled: bool,
    /// How the server is launched, and the package it runs. Serialised by
    /// [`AnnotatedServer`](crate::policy::AnnotatedServer), after what the
    /// policy says about the server, where `inventory` JSON has it.
    #[serde(skip)]
    pub launch: Launch,
}

fn names_only<S: serde::Serializer>(
    env: &BTreeMap<String, String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(env.keys())
}

fn redacted_list<S: serde::Serializer>(args: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(secrets::redact_args(args))
}

fn redacted_opt<S: serde::Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&secrets::redact_text(v)),
        None => s.serialize_none(),
    }
}

impl Server {
    /// Its identity: config file, scope and name (the name alone is shared
    /// by servers of different clients).
    pub fn id(&self) -> ServerId {
        ServerId::new(self.config_path.clone(), self.scope.clone(), &self.name)
    }

    /// The command line as written, secrets redacted, for display.
    pub fn display_command(&self) -> String {
        let mut words: Vec<String> = self.command.iter().cloned().collect();
        words.extend(self.written_args.iter().cloned());
        secrets::redact_text(&words.join(" "))
    }
}

/// What came of one config file.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ConfigStatus {
    /// Read; `servers` entries found.
    Parsed {
        /// How many servers it names.
        servers: usize,
    },
    /// Not present (only for well-known locations).
    Missing,
    /// Present but not read: its servers were not checked.
    Skipped {
        /// Why (size, file type, encoding, syntax with line and column).
        reason: String,
    },
}

/// One config file looked at.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigFile {
    /// Its path.
    pub path: PathBuf,
    /// The client it belongs to.
    pub client: Client,
    /// The scope its servers get.
    pub scope: Scope,
    /// What came of it.
    #[serde(flatten)]
    pub status: ConfigStatus,
}

/// Everything discovery saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    /// Every config file looked at.
    pub configs: Vec<ConfigFile>,
    /// Every server found, in file order.
    pub servers: Vec<Server>,
    /// Config-level findings.
    pub findings: Vec<ConfigFinding>,
}

impl Inventory {
    /// True when a present file or entry was skipped: the inventory may miss servers.
    pub fn is_incomplete(&self) -> bool {
        self.findings.iter().any(|f| f.code.is_coverage_gap())
    }
}

/// Reads every config `options` names. A well-known file that is present
/// but unusable is skipped with a reason and a `config-skipped` finding
/// (the scan is then incomplete); a file named with `--config` that cannot
/// be read or parsed is an error.
pub fn discover(options: &DiscoverOptions) -> Result<Inventory, ConfigError> {
    let os = options.os.unwrap_or_else(Os::current);
    let vars = Vars {
        env: options.env.clone(),
        home: options.home.clone(),
        percent: os == Os::Windows,
        ..Vars::default()
    };
    let mut run = Run {
        vars,
        inventory: Inventory::default(),
        seen: BTreeSet::new(),
        projects: Vec::new(),
        follow: Vec::new(),
    };
    if options.default_locations {
        run.read_defaults(os, options)?;
    }
    let mut dirs: Vec<PathBuf> = options.projects.clone();
    dirs.extend(std::mem::take(&mut run.projects));
    for dir in dedup(dirs) {
        let mut locations = project_locations(&dir);
        let home = std::path::absolute(&options.home).unwrap_or_else(|_| options.home.clone());
        locations.extend(ancestor_locations(&dir, &home));
        run.read_all(&locations)?;
    }
    let explicit: Vec<ConfigLocation> = options
        .configs
        .iter()
        .map(|p| ConfigLocation::explicit(p.clone()))
        .collect();
    run.read_all(&explicit)?;
    Ok(run.inventory)
}

fn dedup(dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = BTreeSet::new();
    dirs.into_iter()
        .filter(|d| seen.insert(d.clone()))
        .collect()
}

/// One discovery run's state.
struct Run {
    vars: Vars,
    inventory: Inventory,
    seen: BTreeSet<PathBuf>,
    projects: Vec<PathBuf>,
    /// Files the file just parsed names (a plugin manifest's server files).
    follow: Vec<ConfigLocation>,
}

impl Run {
    /// The well-known user files, machine-wide files and what VS Code opened.
    fn read_defaults(&mut self, os: Os, options: &DiscoverOptions) -> Result<(), ConfigError> {
        let mut locations = user_locations(os, &options.home);
        // Machine-wide files and environment relocations belong to this
        // machine's own user: read only when scanning the own home.
        if let Some(root) = &options.system_root {
            locations.extend(system_locations(os, root));
            locations.extend(env_locations(&options.env));
        }
        self.read_all(&locations)?;
        for dir in listed::capped_walks(&options.home) {
            let why = format!(
                "{}: the walk for plugin configs stopped at its entry limit; plugins past it were not read",
                dir.display()
            );
            self.inventory
                .findings
                .push(findings::skipped_file(&dir, 0, &why));
        }
        let opened = projects::vscode_opened(os, &options.home);
        self.projects.extend(opened.folders);
        let workspaces: Vec<ConfigLocation> = opened
            .workspaces
            .into_iter()
            .map(|path| ConfigLocation {
                scope: Scope::Workspace(path.clone()),
                path,
                client: Client::VsCode,
                schema: Schema::CodeWorkspace,
                explicit: false,
                root: None,
            })
            .collect();
        self.read_all(&workspaces)
    }

    fn read_all(&mut self, locations: &[ConfigLocation]) -> Result<(), ConfigError> {
        for location in locations {
            if location.explicit || self.seen.insert(location.path.clone()) {
                self.read(location)?;
            }
        }
        Ok(())
    }

    fn read(&mut self, location: &ConfigLocation) -> Result<(), ConfigError> {
        let status = self.status(location)?;
        self.inventory.configs.push(ConfigFile {
            path: location.path.clone(),
            client: location.client.clone(),
            scope: location.scope.clone(),
            status,
        });
        let follow = std::mem::take(&mut self.follow);
        self.read_all(&follow)
    }

    /// Reads and parses one file; a well-known file that cannot be used is
    /// skipped with a finding, a `--config` file is an error.
    fn status(&mut self, location: &ConfigLocation) -> Result<ConfigStatus, ConfigError> {
        if let Some(root) = location.root.as_deref() {
            if !plugin::confined(&location.path, root) {
                let reason = format!(
                    "resolves outside the plugin folder {}; not read",
                    root.display()
                );
                let finding = findings::skipped_file(&location.path, 0, &reason);
                self.inventory.findings.push(finding);
                return Ok(ConfigStatus::Skipped { reason });
            }
        }
        Ok(
            match read_capped(&location.path)
                .and_then(|text| parse_document(&text, location, &self.vars))
            {
                Ok(parsed) => self.add(parsed),
                Err(ConfigError::Missing(_)) if !location.explicit => ConfigStatus::Missing,
                Err(e) if location.explicit => return Err(e),
                Err(e) => {
                    let reason = e.reason();
                    let line = match &e {
                        ConfigError::Syntax { line, .. } => *line,
                        _ => 0,
                    };
                    let finding = findings::skipped_file(&location.path, line, &e.to_string());
                    self.inventory.findings.push(finding);
                    ConfigStatus::Skipped { reason }
                }
            },
        )
    }

    fn add(&mut self, parsed: Parsed) -> ConfigStatus {
        let servers = parsed.servers.len();
        self.inventory.servers.extend(parsed.servers);
        self.inventory.findings.extend(parsed.findings);
        self.projects.extend(parsed.projects);
        self.follow.extend(parsed.follow);
        ConfigStatus::Parsed { servers }
    }
}

/// The server's environment value for `key`, if the config sets it.
pub fn server_env<'a>(server: &'a Server, key: &str) -> Option<&'a str> {
    server.env.get(key).map(String::as_str)
}

/// A path in the server's environment, made absolute against `home`
/// (`~/` expanded).
pub fn env_path(server: &Server, key: &str, home: &Path) -> Option<PathBuf> {
    let raw = server_env(server, key)?;
    Some(match raw.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(raw),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn managed_and_env_relocated_configs_are_read_for_the_own_home_only() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        write(
            &r.join("etc/claude-code/managed-mcp.json"),
            r#"{"mcpServers":{"managed":{"command":"uvx","args":["m==1"]}}}"#,
        );
        write(
            &r.join("claude-dir/.claude.json"),
            r#"{"mcpServers":{"relocated":{"command":"uvx","args":["r==1"]}}}"#,
        );
        write(
            &r.join("codex-home/config.toml"),
            "[mcp_servers.codexed]\ncommand = \"uvx\"\nargs = [\"c==1\"]\n",
        );
        write(
            &r.join("codex-home/ci.config.toml"),
            "[mcp_servers.ci]\ncommand = \"uvx\"\nargs = [\"ci==1\"]\n",
        );
        write(
            &r.join("etc/codex/config.toml"),
            "[mcp_servers.sys]\ncommand = \"uvx\"\nargs = [\"s==1\"]\n",
        );
        let env: BTreeMap<String, String> = [
            (
                "CLAUDE_CONFIG_DIR".to_string(),
                r.join("claude-dir").display().to_string(),
            ),
            (
                "CODEX_HOME".to_string(),
                r.join("codex-home").display().to_string(),
            ),
        ]
        .into();
        let mut options = DiscoverOptions {
            home: r.join("home"),
            default_locations: true,
            os: Some(Os::Linux),
            system_root: Some(r.to_path_buf()),
            env,
            ..DiscoverOptions::default()
        };
        let names = |o: &DiscoverOptions| -> Vec<String> {
            discover(o)
                .unwrap()
                .servers
                .into_iter()
                .map(|s| format!("{}:{}", s.scope, s.name))
                .collect()
        };
        assert_eq!(
            names(&options),
            [
                "managed:managed",
                "system:sys",
                "user:relocated",
                "user:codexed",
                "profile:ci:ci"
            ]
        );
        options.system_root = None;
        assert!(names(&options).is_empty());
    }
}
