//! Projects the clients know of: VS Code's `workspaceStorage` (Claude Code's
//! `projects` map is read with `~/.claude.json` itself).

use std::path::{Path, PathBuf};

use super::clients::Os;
use super::formats::Format;
use super::read::read_capped;
use super::walk;

/// What VS Code has opened, from `User/workspaceStorage/*/workspace.json`:
/// folders, and `.code-workspace` files.
#[derive(Debug, Default)]
pub struct Opened {
    /// Folders opened on their own.
    pub folders: Vec<PathBuf>,
    /// Multi-root workspace files.
    pub workspaces: Vec<PathBuf>,
}

/// Everything VS Code's `workspaceStorage` says was opened.
pub fn vscode_opened(os: Os, home: &Path) -> Opened {
    let storage = os.app_data(home).join("Code/User/workspaceStorage");
    let mut opened = Opened::default();
    for (_, dir) in walk::subdirs(&storage) {
        let Ok(text) = read_capped(&dir.join("workspace.json")) else {
            continue;
        };
        let Ok(root) = Format::Json.parse(&text) else {
            continue;
        };
        let uri = |k: &str| root.get(k).and_then(|n| n.as_str()).and_then(file_uri_path);
        opened.folders.extend(uri("folder"));
        opened.workspaces.extend(uri("workspace"));
    }
    opened
}

/// `file:///home/u/p%20q` → `/home/u/p q`; `file:///c%3A/Users/x` → `c:/Users/x`.
pub fn file_uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let decoded = percent_decode(rest)?;
    let windows_drive =
        decoded.len() > 3 && decoded.as_bytes()[2] == b':' && decoded.starts_with('/');
    Some(PathBuf::from(if windows_drive {
        &decoded[1..]
    } else {
        &decoded
    }))
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris() {
        assert_eq!(
            file_uri_path("file:///home/u/my%20proj"),
            Some(PathBuf::from("/home/u/my proj"))
        );
        assert_eq!(
            file_uri_path("file:///c%3A/Users/x"),
            Some(PathBuf::from("c:/Users/x"))
        );
        assert_eq!(file_uri_path("vscode-remote://x"), None);
    }
}
