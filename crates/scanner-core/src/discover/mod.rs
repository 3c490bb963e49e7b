//! Discovery: which MCP servers are configured, by which client, and how each
//! is launched.
//!
//! Reads client configuration files (never writes them) into an
//! [`Inventory`]: every file looked at, what came of it, and every server.

mod clients;
mod launcher;
mod parse;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use clients::{default_config_locations, Client, ConfigLocation};
pub use launcher::{Launch, NpmSpec, PinState, PythonSpec};
pub use parse::{parse_config, ConfigError};

/// What to look at.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// The home folder whose well-known client configs are read.
    pub home: PathBuf,
    /// Extra config files, read whatever their location (`--config`).
    pub configs: Vec<PathBuf>,
    /// Read the well-known config locations under `home`.
    pub default_locations: bool,
}

/// One MCP server entry from a client config.
#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// Its key in the config (`mcpServers.<name>`).
    pub name: String,
    /// The client whose config names it.
    pub client: Client,
    /// `user`, or `project:<path>` for per-project entries.
    pub scope: String,
    /// The config file.
    pub config_path: PathBuf,
    /// The command as configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The arguments as configured.
    pub args: Vec<String>,
    /// The environment the client passes; serialised as names only, since
    /// values are often credentials.
    #[serde(rename = "env", serialize_with = "names_only")]
    pub env: BTreeMap<String, String>,
    /// The working directory, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
    /// How the server is launched, and the package it runs.
    pub launch: Launch,
}

fn names_only<S: serde::Serializer>(
    env: &BTreeMap<String, String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(env.keys())
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
}

/// One config file looked at.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigFile {
    /// Its path.
    pub path: PathBuf,
    /// The client it belongs to.
    pub client: Client,
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
}

/// Reads every config `options` names. A file that exists but cannot be
/// read or parsed is an error: a scan must not pass while a server may be
/// hidden in it.
pub fn discover(options: &DiscoverOptions) -> Result<Inventory, ConfigError> {
    let mut inventory = Inventory::default();
    let mut locations = Vec::new();
    if options.default_locations {
        locations.extend(default_config_locations(&options.home));
    }
    locations.extend(
        options
            .configs
            .iter()
            .map(|p| ConfigLocation::explicit(p.clone())),
    );
    for location in locations {
        read_location(&location, &mut inventory)?;
    }
    Ok(inventory)
}

fn read_location(location: &ConfigLocation, inventory: &mut Inventory) -> Result<(), ConfigError> {
    let text = match parse::read_capped(&location.path) {
        Ok(text) => text,
        Err(ConfigError::Missing(_)) if !location.explicit => {
            inventory.configs.push(ConfigFile {
                path: location.path.clone(),
                client: location.client.clone(),
                status: ConfigStatus::Missing,
            });
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let servers = parse_config(&text, &location.path, &location.client)?;
    inventory.configs.push(ConfigFile {
        path: location.path.clone(),
        client: location.client.clone(),
        status: ConfigStatus::Parsed {
            servers: servers.len(),
        },
    });
    inventory.servers.extend(servers);
    Ok(())
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
