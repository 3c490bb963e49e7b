//! Claude Code plugin manifests (`.claude-plugin/plugin.json`) whose
//! `mcpServers` names JSON files inside the plugin instead of listing servers
//! inline. A named file is read only when it stays inside the plugin folder.

use std::path::{Component, Path, PathBuf};

use super::clients::ConfigLocation;
use super::formats::{Node, Value};
use super::schema::Schema;

/// A file a manifest names that is not read, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    /// The path as written.
    pub written: String,
    /// Why it is not read.
    pub reason: String,
}

/// The server files `manifest`'s `mcpServers` names (a string or a list of
/// strings, relative to the plugin root), as locations to read with the
/// manifest's client, scope and root; paths that are absolute or climb out
/// with `..` are refused.
pub fn referenced(
    manifest: &Node,
    location: &ConfigLocation,
) -> (Vec<ConfigLocation>, Vec<Refused>) {
    let mut found = (Vec::new(), Vec::new());
    if location.schema != Schema::ClaudePluginManifest {
        return found;
    }
    let Some(root) = location.root_dir() else {
        return found;
    };
    let written: Vec<String> = match manifest.get("mcpServers").map(|n| &n.value) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    for w in written {
        match inside(&root, &w) {
            Some(path) => found.0.push(ConfigLocation {
                root: Some(root.clone()),
                ..ConfigLocation::at(path, location.client.clone(), Schema::Plugin, location.scope.clone())
            }),
            None => found.1.push(Refused {
                reason: format!("`mcpServers` names `{w}`, which is not a relative path inside the plugin folder; not read"),
                written: w,
            }),
        }
    }
    found
}

/// `rel` joined to `root`, `.` parts dropped; `None` when it is absolute or
/// has a `..` part (or a Windows drive/UNC prefix).
fn inside(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = rel.strip_prefix("${CLAUDE_PLUGIN_ROOT}/").unwrap_or(rel);
    let mut out = root.to_path_buf();
    for part in Path::new(rel).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (out != root && !rel.contains('\\')).then_some(out)
}

/// True when `path`, symlinks resolved, is inside `root` (a file that does
/// not exist yet is judged by its path alone: reading it reports it missing).
pub fn confined(path: &Path, root: &Path) -> bool {
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::clients::Client;
    use crate::discover::formats::Format;

    fn manifest(text: &str) -> (Vec<ConfigLocation>, Vec<Refused>) {
        let location = ConfigLocation {
            root: Some(PathBuf::from("/p/plug")),
            ..ConfigLocation::at(
                PathBuf::from("/p/plug/.claude-plugin/plugin.json"),
                Client::ClaudeCode,
                Schema::ClaudePluginManifest,
                crate::types::Scope::Plugin,
            )
        };
        referenced(&Format::Json.parse(text).unwrap(), &location)
    }

    #[test]
    fn relative_paths_inside_the_plugin_are_followed() {
        let (ok, refused) =
            manifest(r#"{"mcpServers": ["./mcp/a.json", "${CLAUDE_PLUGIN_ROOT}/b.json"]}"#);
        let paths: Vec<_> = ok.iter().map(|l| l.path.clone()).collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("/p/plug/mcp/a.json"),
                PathBuf::from("/p/plug/b.json")
            ]
        );
        assert!(refused.is_empty());
        assert_eq!(ok[0].root.as_deref(), Some(Path::new("/p/plug")));
    }

    #[test]
    fn paths_leaving_the_plugin_are_refused() {
        for bad in [
            "../../x.json",
            "/etc/passwd",
            "a/../../b.json",
            ".",
            "..\\\\x.json",
        ] {
            let (ok, refused) = manifest(&format!(r#"{{"mcpServers": "{bad}"}}"#));
            assert!(ok.is_empty(), "{bad}");
            assert_eq!(refused.len(), 1, "{bad}");
        }
    }
}
