//! MCP clients, and where each keeps its configuration on each OS.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use super::formats::Format;
use super::listed;
use super::schema::Schema;
use super::walk;
use crate::types::Scope;

/// An MCP client (host application) whose configuration names servers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Client {
    /// Claude Code (`~/.claude.json`, `.mcp.json`, plugins, managed).
    ClaudeCode,
    /// Claude Desktop (and its extension bundles).
    ClaudeDesktop,
    /// Cursor.
    Cursor,
    /// VS Code (Copilot agent mode).
    VsCode,
    /// Windsurf (Codeium).
    Windsurf,
    /// Gemini CLI.
    GeminiCli,
    /// OpenAI Codex CLI.
    Codex,
    /// Zed.
    Zed,
    /// Cline (VS Code-family extension, or its CLI).
    Cline,
    /// Roo Code (VS Code-family extension).
    RooCode,
    /// Continue.
    Continue,
    /// JetBrains Junie.
    Junie,
    /// Goose.
    Goose,
    /// LM Studio.
    LmStudio,
    /// Amazon Q Developer.
    AmazonQ,
    /// Kiro.
    Kiro,
    /// opencode.
    Opencode,
    /// A file given with `--config` whose client is not recognised.
    Custom,
}

impl Client {
    /// Every client, for docs and tests.
    pub const ALL: [Client; 18] = [
        Client::ClaudeCode,
        Client::ClaudeDesktop,
        Client::Cursor,
        Client::VsCode,
        Client::Windsurf,
        Client::GeminiCli,
        Client::Codex,
        Client::Zed,
        Client::Cline,
        Client::RooCode,
        Client::Continue,
        Client::Junie,
        Client::Goose,
        Client::LmStudio,
        Client::AmazonQ,
        Client::Kiro,
        Client::Opencode,
        Client::Custom,
    ];

    /// A stable kebab-case id used in reports.
    pub fn id(&self) -> &'static str {
        match self {
            Client::ClaudeCode => "claude-code",
            Client::ClaudeDesktop => "claude-desktop",
            Client::Cursor => "cursor",
            Client::VsCode => "vscode",
            Client::Windsurf => "windsurf",
            Client::GeminiCli => "gemini-cli",
            Client::Codex => "codex",
            Client::Zed => "zed",
            Client::Cline => "cline",
            Client::RooCode => "roo-code",
            Client::Continue => "continue",
            Client::Junie => "junie",
            Client::Goose => "goose",
            Client::LmStudio => "lm-studio",
            Client::AmazonQ => "amazon-q",
            Client::Kiro => "kiro",
            Client::Opencode => "opencode",
            Client::Custom => "custom",
        }
    }

    /// The top-level key holding servers in this client's main format.
    pub fn servers_key(&self) -> &'static str {
        match self {
            Client::VsCode => "servers",
            Client::Codex => "mcp_servers",
            Client::Zed => "context_servers",
            Client::Goose => "extensions",
            Client::Opencode => "mcp",
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

/// The operating system whose folder layout is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// Linux (XDG layout).
    Linux,
    /// macOS (`~/Library/Application Support`).
    MacOs,
    /// Windows (`%APPDATA%` = `~/AppData/Roaming`).
    Windows,
}

impl Os {
    /// The OS supplygate runs on.
    pub fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::MacOs
        } else {
            Os::Linux
        }
    }

    /// Parses `linux`, `macos` or `windows`.
    pub fn parse(s: &str) -> Option<Os> {
        match s {
            "linux" => Some(Os::Linux),
            "macos" => Some(Os::MacOs),
            "windows" => Some(Os::Windows),
            _ => None,
        }
    }

    /// Where applications keep per-user data (`~/.config`, `~/Library/Application Support`, `%APPDATA%`).
    pub fn app_data(self, home: &Path) -> PathBuf {
        match self {
            Os::Linux => home.join(".config"),
            Os::MacOs => home.join("Library/Application Support"),
            Os::Windows => home.join("AppData/Roaming"),
        }
    }
}

/// A config file to read.
#[derive(Debug, Clone)]
pub struct ConfigLocation {
    /// The file.
    pub path: PathBuf,
    /// Whose format it is in.
    pub client: Client,
    /// Where the servers are in it.
    pub schema: Schema,
    /// Where its servers belong (user, a project, managed, a plugin, …).
    pub scope: Scope,
    /// Named by the user: missing or broken is then an error, not a skip.
    pub explicit: bool,
    /// The folder `${CLAUDE_PLUGIN_ROOT}` / `${__dirname}` name, when it is
    /// not the file's own folder (a plugin's `.claude-plugin/plugin.json`).
    pub root: Option<PathBuf>,
}

impl ConfigLocation {
    /// A file the user named; its client and format are detected.
    pub fn explicit(path: PathBuf) -> Self {
        ConfigLocation {
            path,
            client: Client::Custom,
            schema: Schema::Detect,
            scope: Scope::User,
            explicit: true,
            root: None,
        }
    }

    /// A well-known file: missing or broken is a skip with a reason.
    pub fn at(path: PathBuf, client: Client, schema: Schema, scope: Scope) -> Self {
        ConfigLocation {
            path,
            client,
            schema,
            scope,
            explicit: false,
            root: None,
        }
    }

    /// The folder plugin-root variables name: `root`, else the file's folder.
    pub fn root_dir(&self) -> Option<PathBuf> {
        self.root
            .clone()
            .or_else(|| self.path.parent().map(Path::to_path_buf))
    }

    /// The file's format, from its name.
    pub fn format(&self) -> Format {
        Format::from_path(&self.path)
    }
}

/// The VS Code-family apps whose user-data folders hold extension settings.
const VSCODE_FORKS: [&str; 5] = ["Code", "Code - Insiders", "Cursor", "Windsurf", "VSCodium"];

/// The well-known user-level config files under `home` on the running OS.
pub fn default_config_locations(home: &Path) -> Vec<ConfigLocation> {
    user_locations(Os::current(), home)
}

/// The well-known user-level config files under `home` laid out as on `os`.
pub fn user_locations(os: Os, home: &Path) -> Vec<ConfigLocation> {
    use Client::*;
    use Schema::*;
    let h = |rel: &str| home.join(rel);
    let ad = os.app_data(home);
    let claude_dir = ad.join("Claude");
    let code_user = ad.join("Code/User");
    let u = |path: PathBuf, client: Client, schema: Schema| {
        ConfigLocation::at(path, client, schema, Scope::User)
    };
    let mut out = vec![
        u(h(".claude.json"), ClaudeCode, ClaudeCodeState),
        u(
            claude_dir.join("claude_desktop_config.json"),
            ClaudeDesktop,
            McpServers,
        ),
        u(h(".cursor/mcp.json"), Cursor, McpServers),
        u(code_user.join("mcp.json"), VsCode, Servers),
        u(code_user.join("settings.json"), VsCode, VsCodeSettings),
        u(ad.join("Code - Insiders/User/mcp.json"), VsCode, Servers),
        u(h(".codeium/windsurf/mcp_config.json"), Windsurf, McpServers),
        u(h(".gemini/settings.json"), GeminiCli, McpServers),
        u(h(".codex/config.toml"), Codex, CodexToml),
        u(zed_settings(os, home), Zed, ContextServers),
        u(
            h(".cline/data/settings/cline_mcp_settings.json"),
            Cline,
            McpServers,
        ),
        u(h(".continue/config.yaml"), Continue, ContinueList),
        u(h(".continue/config.json"), Continue, ContinueList),
        u(h(".junie/mcp/mcp.json"), Junie, McpServers),
        u(goose_config(os, home), Goose, GooseExtensions),
        u(h(".lmstudio/mcp.json"), LmStudio, McpServers),
        u(h(".aws/amazonq/mcp.json"), AmazonQ, McpServers),
        u(h(".aws/amazonq/default.json"), AmazonQ, McpServers),
        u(h(".aws/amazonq/agents/default.json"), AmazonQ, McpServers),
        u(h(".kiro/settings/mcp.json"), Kiro, McpServers),
        u(h(".config/opencode/opencode.json"), Opencode, OpencodeMcp),
        u(h(".config/opencode/opencode.jsonc"), Opencode, OpencodeMcp),
    ];
    for fork in VSCODE_FORKS {
        let storage = ad.join(fork).join("User/globalStorage");
        out.push(u(
            storage.join("saoudrizwan.claude-dev/settings/cline_mcp_settings.json"),
            Cline,
            McpServers,
        ));
        out.push(u(
            storage.join("rooveterinaryinc.roo-cline/settings/mcp_settings.json"),
            RooCode,
            McpServers,
        ));
    }
    out.extend(listed::listed_locations(os, home));
    out
}

fn zed_settings(os: Os, home: &Path) -> PathBuf {
    match os {
        Os::Windows => os.app_data(home).join("Zed/settings.json"),
        _ => home.join(".config/zed/settings.json"),
    }
}

fn goose_config(os: Os, home: &Path) -> PathBuf {
    match os {
        Os::Windows => os.app_data(home).join("Block/goose/config/config.yaml"),
        _ => home.join(".config/goose/config.yaml"),
    }
}

/// Machine-wide (managed) config files, under `root` (`/` or `C:\`).
pub fn system_locations(os: Os, root: &Path) -> Vec<ConfigLocation> {
    let managed = match os {
        Os::Linux => "etc/claude-code/managed-mcp.json",
        Os::MacOs => "Library/Application Support/ClaudeCode/managed-mcp.json",
        Os::Windows => "Program Files/ClaudeCode/managed-mcp.json",
    };
    let codex = match os {
        Os::Windows => "ProgramData/OpenAI/Codex/config.toml",
        _ => "etc/codex/config.toml",
    };
    vec![
        ConfigLocation::at(
            root.join(managed),
            Client::ClaudeCode,
            Schema::McpServers,
            Scope::Managed,
        ),
        ConfigLocation::at(
            root.join(codex),
            Client::Codex,
            Schema::CodexToml,
            Scope::System,
        ),
    ]
}

/// The config files a project folder may hold, for every client.
pub fn project_locations(dir: &Path) -> Vec<ConfigLocation> {
    use Client::*;
    use Schema::*;
    let scope = Scope::Project(dir.to_path_buf());
    let at = |rel: &str, client: Client, schema: Schema| {
        ConfigLocation::at(dir.join(rel), client, schema, scope.clone())
    };
    let mut out = vec![
        at(".mcp.json", ClaudeCode, McpServers),
        at(".cursor/mcp.json", Cursor, McpServers),
        at(".vscode/mcp.json", VsCode, Servers),
        at(".vscode/settings.json", VsCode, VsCodeSettings),
        at(".devcontainer/devcontainer.json", VsCode, Devcontainer),
        at(".gemini/settings.json", GeminiCli, McpServers),
        at(".codex/config.toml", Codex, CodexToml),
        at(".zed/settings.json", Zed, ContextServers),
        at(".roo/mcp.json", RooCode, McpServers),
        at(".junie/mcp/mcp.json", Junie, McpServers),
        at(".amazonq/mcp.json", AmazonQ, McpServers),
        at(".amazonq/agents/default.json", AmazonQ, McpServers),
        at(".kiro/settings/mcp.json", Kiro, McpServers),
        at("opencode.json", Opencode, OpencodeMcp),
        at("opencode.jsonc", Opencode, OpencodeMcp),
    ];
    for ext in ["yaml", "yml", "json"] {
        for path in walk::files_with_ext(&dir.join(".continue/mcpServers"), ext) {
            out.push(ConfigLocation::at(
                path,
                Continue,
                ContinueList,
                scope.clone(),
            ));
        }
    }
    out
}

/// `.mcp.json` in each folder above `dir`, up to (not past) `stop`, or to
/// the root when `dir` is not inside `stop` (Claude Code reads these).
pub fn ancestor_locations(dir: &Path, stop: &Path) -> Vec<ConfigLocation> {
    let inside = dir.starts_with(stop);
    dir.ancestors()
        .skip(1)
        .take_while(|a| !inside || (a.starts_with(stop) && *a != stop))
        .take(32)
        .map(|a| {
            let scope = Scope::Project(a.to_path_buf());
            ConfigLocation::at(
                a.join(".mcp.json"),
                Client::ClaudeCode,
                Schema::McpServers,
                scope,
            )
        })
        .collect()
}

/// Configs relocated by environment variables the clients honour:
/// `CLAUDE_CONFIG_DIR` (Claude Code), `CODEX_HOME` (Codex). Only meaningful
/// for the user whose environment it is.
pub fn env_locations(env: &std::collections::BTreeMap<String, String>) -> Vec<ConfigLocation> {
    let mut out = Vec::new();
    if let Some(dir) = env.get("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        let path = Path::new(dir).join(".claude.json");
        out.push(ConfigLocation::at(
            path,
            Client::ClaudeCode,
            Schema::ClaudeCodeState,
            Scope::User,
        ));
    }
    if let Some(dir) = env.get("CODEX_HOME").filter(|d| !d.is_empty()) {
        let path = Path::new(dir).join("config.toml");
        out.push(ConfigLocation::at(
            path,
            Client::Codex,
            Schema::CodexToml,
            Scope::User,
        ));
        out.extend(listed::codex_extras(Path::new(dir)));
    }
    out
}
