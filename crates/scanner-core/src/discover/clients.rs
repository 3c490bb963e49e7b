//! MCP clients and where they keep their configuration.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

/// An MCP client (host application) whose configuration names servers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Client {
    /// Claude Code (`~/.claude.json`).
    ClaudeCode,
    /// Claude Desktop.
    ClaudeDesktop,
    /// Cursor.
    Cursor,
    /// VS Code.
    VsCode,
    /// A file given with `--config`, client unknown.
    Custom,
}

impl Client {
    /// A stable kebab-case id used in reports.
    pub fn id(&self) -> &'static str {
        match self {
            Client::ClaudeCode => "claude-code",
            Client::ClaudeDesktop => "claude-desktop",
            Client::Cursor => "cursor",
            Client::VsCode => "vscode",
            Client::Custom => "custom",
        }
    }

    /// The top-level key holding servers in this client's format.
    pub fn servers_key(&self) -> &'static str {
        match self {
            Client::VsCode => "servers",
            _ => "mcpServers",
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Client {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// A config file to read.
#[derive(Debug, Clone)]
pub struct ConfigLocation {
    /// The file.
    pub path: PathBuf,
    /// Whose format it is in.
    pub client: Client,
    /// Named by the user: missing is then an error, not a skip.
    pub explicit: bool,
}

impl ConfigLocation {
    /// A file the user named; its client is detected from its content.
    pub fn explicit(path: PathBuf) -> Self {
        ConfigLocation {
            path,
            client: Client::Custom,
            explicit: true,
        }
    }
}

/// The well-known config files under `home` on Linux.
pub fn default_config_locations(home: &Path) -> Vec<ConfigLocation> {
    let at = |rel: &str, client: Client| ConfigLocation {
        path: home.join(rel),
        client,
        explicit: false,
    };
    vec![
        at(".claude.json", Client::ClaudeCode),
        at(
            ".config/Claude/claude_desktop_config.json",
            Client::ClaudeDesktop,
        ),
        at(".cursor/mcp.json", Client::Cursor),
        at(".config/Code/User/mcp.json", Client::VsCode),
    ]
}
