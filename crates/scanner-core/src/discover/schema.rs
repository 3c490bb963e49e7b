//! Where each client's format keeps its servers: the server maps and lists
//! inside a parsed document.

use super::clients::Client;
use super::formats::{Node, Value};
use crate::types::Scope;

/// The layout of servers in a config document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `{"mcpServers": {name: entry}}` (Claude Desktop, Cursor, Windsurf, Gemini, Cline, Roo, Junie, LM Studio, Amazon Q, Kiro).
    McpServers,
    /// `~/.claude.json`: `mcpServers` plus `projects.<dir>.mcpServers`.
    ClaudeCodeState,
    /// A plugin's `.mcp.json`: wrapped in `mcpServers` or flat `{name: entry}`.
    Plugin,
    /// VS Code `mcp.json`: `{"servers": {…}}`.
    Servers,
    /// VS Code `settings.json`: `"mcp": {"servers"}` or dotted `"mcp.servers"`.
    VsCodeSettings,
    /// A VS Code `.code-workspace` file: `settings.mcp.servers`.
    CodeWorkspace,
    /// A `.devcontainer/devcontainer.json`: `customizations.vscode.mcp.servers`.
    Devcontainer,
    /// Codex `config.toml`: `[mcp_servers.<name>]`.
    CodexToml,
    /// Zed `settings.json`: `context_servers`.
    ContextServers,
    /// Continue: `mcpServers:` as a list of entries with `name`.
    ContinueList,
    /// Goose `config.yaml`: `extensions:` map.
    GooseExtensions,
    /// opencode: `mcp` map (`type: local|remote`).
    OpencodeMcp,
    /// A Claude Desktop extension bundle's `manifest.json` (`server.mcp_config`).
    McpbManifest,
    /// A Claude Code plugin's `.claude-plugin/plugin.json`: `mcpServers`
    /// inline, or a path (or list of paths) to JSON files in the plugin.
    ClaudePluginManifest,
    /// Not known: detect from the document's keys (`--config`).
    Detect,
}

/// One server entry found in a document.
#[derive(Debug)]
pub struct Entry<'a> {
    /// Its name (map key, `name` field, or bundle name).
    pub name: String,
    /// A scope other than the file's (Claude Code `projects`).
    pub scope: Option<Scope>,
    /// The entry itself.
    pub node: &'a Node,
}

/// Guesses the client and layout of a document from its top-level keys.
pub fn detect(root: &Node) -> (Client, Schema) {
    let has = |k: &str| root.get(k).is_some();
    if has("projects") && !has("mcp_servers") {
        (Client::ClaudeCode, Schema::ClaudeCodeState)
    } else if has("mcpServers")
        && root
            .get("mcpServers")
            .is_some_and(|n| matches!(n.value, Value::Array(_)))
    {
        (Client::Continue, Schema::ContinueList)
    } else if has("mcpServers") {
        (Client::Custom, Schema::McpServers)
    } else if has("customizations") {
        (Client::VsCode, Schema::Devcontainer)
    } else if has("folders") && has("settings") {
        (Client::VsCode, Schema::CodeWorkspace)
    } else if has("servers") {
        (Client::VsCode, Schema::Servers)
    } else if has("mcp_servers") {
        (Client::Codex, Schema::CodexToml)
    } else if has("context_servers") {
        (Client::Zed, Schema::ContextServers)
    } else if has("extensions") {
        (Client::Goose, Schema::GooseExtensions)
    } else if root.get("mcp").is_some_and(|m| m.get("servers").is_some()) || has("mcp.servers") {
        (Client::VsCode, Schema::VsCodeSettings)
    } else if has("mcp") {
        (Client::Opencode, Schema::OpencodeMcp)
    } else if root
        .get("server")
        .is_some_and(|s| s.get("mcp_config").is_some())
    {
        (Client::ClaudeDesktop, Schema::McpbManifest)
    } else {
        (Client::Custom, Schema::Plugin)
    }
}

/// The server entries of `root` laid out as `schema`; an error names the
/// key that has the wrong shape.
pub fn entries(root: &Node, schema: Schema) -> Result<Vec<Entry<'_>>, String> {
    if !root.is_object() {
        return match root.value {
            Value::Null => Ok(Vec::new()),
            _ => Err("the top level is not an object".into()),
        };
    }
    match schema {
        Schema::McpServers => keyed(root, "mcpServers"),
        Schema::ClaudeCodeState => claude_state(root),
        Schema::Plugin if root.get("mcpServers").is_some() => keyed(root, "mcpServers"),
        Schema::Plugin if root.get("mcp_servers").is_some() => keyed(root, "mcp_servers"),
        Schema::ClaudePluginManifest => match root.get("mcpServers") {
            Some(n) if n.is_object() => keyed(root, "mcpServers"),
            _ => Ok(Vec::new()),
        },
        Schema::Plugin => Ok(flat(root)),
        Schema::Servers => keyed(root, "servers"),
        Schema::VsCodeSettings => match root.get("mcp") {
            Some(mcp) if mcp.get("servers").is_some() => keyed(mcp, "servers"),
            _ => keyed(root, "mcp.servers"),
        },
        Schema::CodeWorkspace => match root.get("settings") {
            Some(settings) => entries(settings, Schema::VsCodeSettings),
            None => Ok(Vec::new()),
        },
        Schema::Devcontainer => match root.get("customizations").and_then(|c| c.get("vscode")) {
            Some(vscode) => entries(vscode, Schema::VsCodeSettings),
            None => Ok(Vec::new()),
        },
        Schema::CodexToml => keyed(root, "mcp_servers"),
        Schema::ContextServers => keyed(root, "context_servers"),
        Schema::ContinueList => continue_list(root),
        Schema::GooseExtensions => goose(root),
        Schema::OpencodeMcp => keyed(root, "mcp"),
        Schema::McpbManifest => Ok(mcpb(root)),
        Schema::Detect => entries(root, detect(root).1),
    }
}

/// The members of the map under `key` (absent: none).
fn keyed<'a>(root: &'a Node, key: &str) -> Result<Vec<Entry<'a>>, String> {
    match root.get(key) {
        None => Ok(Vec::new()),
        Some(n) if n.value == Value::Null => Ok(Vec::new()),
        Some(n) if n.is_object() => Ok(n
            .members()
            .into_iter()
            .map(|(name, node)| Entry {
                name: name.to_string(),
                scope: None,
                node,
            })
            .collect()),
        Some(_) => Err(format!("`{key}` is not an object")),
    }
}

fn claude_state(root: &Node) -> Result<Vec<Entry<'_>>, String> {
    let mut out = keyed(root, "mcpServers")?;
    if let Some(projects) = root.get("projects") {
        for (dir, project) in projects.members() {
            for mut e in keyed(project, "mcpServers").map_err(|e| format!("projects.{dir}: {e}"))? {
                e.scope = Some(Scope::Project(dir.into()));
                out.push(e);
            }
        }
    }
    Ok(out)
}

/// Plugin files may list servers at the top level.
fn flat(root: &Node) -> Vec<Entry<'_>> {
    root.members()
        .into_iter()
        .filter(|(_, n)| n.get_any(&["command", "url", "type"]).is_some())
        .map(|(name, node)| Entry {
            name: name.into(),
            scope: None,
            node,
        })
        .collect()
}

fn continue_list(root: &Node) -> Result<Vec<Entry<'_>>, String> {
    let legacy = root
        .get("experimental")
        .and_then(|e| e.get("modelContextProtocolServers"));
    let list = match (root.get("mcpServers"), legacy) {
        (Some(n), _) if n.is_object() => return keyed(root, "mcpServers"),
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => return Ok(Vec::new()),
    };
    let Value::Array(items) = &list.value else {
        return Err("`mcpServers` is not a list".into());
    };
    Ok(items
        .iter()
        .enumerate()
        .map(|(i, node)| Entry {
            name: node
                .get("name")
                .and_then(Node::as_text)
                .unwrap_or_else(|| format!("#{}", i + 1)),
            scope: None,
            node,
        })
        .collect())
}

/// Goose extensions; built-in kinds run no external package and are left out.
fn goose(root: &Node) -> Result<Vec<Entry<'_>>, String> {
    let builtin = ["builtin", "platform", "frontend", "inline_python"];
    Ok(keyed(root, "extensions")?
        .into_iter()
        .filter(|e| {
            !e.node
                .get("type")
                .and_then(Node::as_str)
                .is_some_and(|t| builtin.contains(&t))
        })
        .collect())
}

fn mcpb(root: &Node) -> Vec<Entry<'_>> {
    let Some(node) = root.get("server").and_then(|s| s.get("mcp_config")) else {
        return Vec::new();
    };
    let name = root
        .get("name")
        .and_then(Node::as_text)
        .unwrap_or_else(|| "extension".into());
    vec![Entry {
        name,
        scope: None,
        node,
    }]
}
