//! Config files found by listing folders rather than at fixed paths:
//! profiles, extension bundles, agents, plugins (Claude Code, Cursor,
//! Codex) and Claude Code plugin manifests. Walks are bounded and never
//! enter symlinked folders (see `walk`).

use std::path::{Path, PathBuf};

use super::clients::{Client, ConfigLocation, Os};
use super::schema::Schema;
use super::walk;
use crate::types::Scope;

/// The folders walked for plugin configs, under the home.
const PLUGIN_ROOTS: [&str; 5] = [
    ".claude/plugins/cache",
    ".claude/plugins/repos",
    ".cursor/plugins/cache",
    ".cursor/plugins/local",
    ".codex/plugins",
];

/// The plugin folders whose walk stopped at its entry cap: configs past it
/// were never seen, so each is a finding that makes the run incomplete.
pub fn capped_walks(home: &Path) -> Vec<PathBuf> {
    PLUGIN_ROOTS
        .iter()
        .map(|root| home.join(root))
        .filter(|dir| walk::walk_capped(dir))
        .collect()
}

/// Files found by listing folders: profiles, agents, extensions, plugins.
pub fn listed_locations(os: Os, home: &Path) -> Vec<ConfigLocation> {
    use Client::*;
    use Schema::*;
    let ad = os.app_data(home);
    let mut out = Vec::new();
    let mut each =
        |dir: PathBuf, file: &str, client: Client, schema: Schema, scope: fn(String) -> Scope| {
            for (id, sub) in walk::subdirs(&dir) {
                let path = sub.join(file);
                out.push(ConfigLocation::at(path, client.clone(), schema, scope(id)));
            }
        };
    each(
        ad.join("Code/User/profiles"),
        "mcp.json",
        VsCode,
        Servers,
        Scope::Profile,
    );
    each(
        ad.join("Claude/Claude Extensions"),
        "manifest.json",
        ClaudeDesktop,
        McpbManifest,
        Scope::Extension,
    );
    each(
        home.join(".gemini/extensions"),
        "gemini-extension.json",
        GeminiCli,
        McpServers,
        Scope::Extension,
    );
    let mut files = |dir: PathBuf, client: Client, scope: Scope| {
        for path in walk::files_with_ext(&dir, "json") {
            out.push(ConfigLocation::at(
                path,
                client.clone(),
                McpServers,
                scope.clone(),
            ));
        }
    };
    files(home.join(".aws/amazonq/cli-agents"), AmazonQ, Scope::Agent);
    files(home.join(".kiro/agents"), Kiro, Scope::Agent);
    let plugins = [
        (PLUGIN_ROOTS[0], ".mcp.json", ClaudeCode),
        (PLUGIN_ROOTS[1], ".mcp.json", ClaudeCode),
        (PLUGIN_ROOTS[2], ".mcp.json", Cursor),
        (PLUGIN_ROOTS[2], "mcp.json", Cursor),
        (PLUGIN_ROOTS[3], ".mcp.json", Cursor),
        (PLUGIN_ROOTS[3], "mcp.json", Cursor),
    ];
    for (root, name, client) in plugins {
        for path in walk::find_named(&home.join(root), name) {
            out.push(ConfigLocation::at(
                path,
                client.clone(),
                Plugin,
                Scope::Plugin,
            ));
        }
    }
    for root in [".claude/plugins/cache", ".claude/plugins/repos"] {
        out.extend(claude_plugin_manifests(&home.join(root)));
    }
    out.extend(codex_extras(&home.join(".codex")));
    out
}

/// Codex's profile files (`<name>.config.toml`, scope `profile:<name>`) and
/// plugin `.mcp.json` files in its home folder (`~/.codex` or `$CODEX_HOME`).
pub fn codex_extras(dir: &Path) -> Vec<ConfigLocation> {
    let mut out: Vec<ConfigLocation> = walk::files_with_ext(dir, "toml")
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.strip_suffix(".config.toml")?;
            let scope = Scope::Profile(name.to_string());
            Some(ConfigLocation::at(
                path.clone(),
                Client::Codex,
                Schema::CodexToml,
                scope,
            ))
        })
        .collect();
    for path in walk::find_named(&dir.join("plugins"), ".mcp.json") {
        out.push(ConfigLocation::at(
            path,
            Client::Codex,
            Schema::Plugin,
            Scope::Plugin,
        ));
    }
    out
}

/// Every installed Claude Code plugin's `.claude-plugin/plugin.json`, whose
/// `mcpServers` is inline or names JSON files inside the plugin.
fn claude_plugin_manifests(root: &Path) -> Vec<ConfigLocation> {
    walk::find_named(root, "plugin.json")
        .into_iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with(".claude-plugin")))
        .map(|path| ConfigLocation {
            root: path.parent().and_then(Path::parent).map(Path::to_path_buf),
            ..ConfigLocation::at(
                path,
                Client::ClaudeCode,
                Schema::ClaudePluginManifest,
                Scope::Plugin,
            )
        })
        .collect()
}
