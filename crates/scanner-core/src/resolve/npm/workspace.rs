//! `npx` run inside an npm workspace. npm's local prefix is then the
//! workspace *root* (`@npmcli/config`: a folder above whose package.json
//! lists the current one in `workspaces`), and libnpmexec looks for the
//! package anywhere in the root's installed tree: the hoisted
//! `node_modules/<name>`, or a copy nested under a workspace
//! (`packages/a/node_modules/<name>`). Facts and sources:
//! `fixtures/launchers/README.md`.

use std::path::{Path, PathBuf};

use globset::GlobBuilder;

use super::{build_workspace_tree, installed_in, read_lock, satisfies};
use crate::discover::{NpmSpec, Server};
use crate::resolve::python::{file_name, list_dir};
use crate::resolve::{read_tree_file, InstalledTree, ResolveError, TreeKind};

/// The project npx reads for a server started in `cwd`: a workspace's root
/// when `cwd` is inside a workspace, else the nearest folder holding a
/// package.json or node_modules. `Ok(None)` when the package is not there.
pub(super) fn installed_in_project(
    server: &Server,
    cwd: &Path,
    package: &NpmSpec,
    cache: &Path,
    looked_in: &mut Vec<PathBuf>,
) -> Result<Option<InstalledTree>, ResolveError> {
    let Some(prefix) = cwd
        .ancestors()
        .take(64)
        .find(|d| d.join("package.json").is_file() || d.join("node_modules").is_dir())
    else {
        return Ok(None);
    };
    looked_in.push(prefix.to_path_buf());
    let Some((root, workspaces)) = workspace_root(server, prefix)? else {
        return installed_in(server, prefix, package, cache, TreeKind::NpmProject);
    };
    let lock = read_lock(server, &root)?;
    let mut tree = build_workspace_tree(&root, &workspaces, lock, cache);
    let own = prefix
        .strip_prefix(&root)
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let Some(top) = pick(&tree, package, &own) else {
        looked_in.push(root);
        return Ok(None);
    };
    tree.top = Some(top);
    tree.notes.push(format!(
        "npx runs in the npm workspace `{own}` of {}: it uses {} from the workspace root's tree",
        root.display(),
        tree.packages[top].path
    ));
    Ok(Some(tree))
}

/// The copy npx would run: the hoisted one, else the workspace's own, else
/// any other in the tree, the first whose version satisfies the spec.
fn pick(tree: &InstalledTree, package: &NpmSpec, own: &str) -> Option<usize> {
    let hoisted = format!("node_modules/{}", package.name);
    let nested = format!("{own}/node_modules/{}", package.name);
    let rank = |path: &str| {
        if path == hoisted {
            0
        } else if path == nested {
            1
        } else {
            2
        }
    };
    let suffix = format!("node_modules/{}", package.name);
    tree.packages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.path.ends_with(&suffix) && satisfies(package, &p.version))
        .min_by_key(|(_, p)| (rank(&p.path), p.path.clone()))
        .map(|(i, _)| i)
}

/// The folder above `prefix` whose package.json lists `prefix` as a
/// workspace, with every workspace folder of that root (relative paths).
fn workspace_root(
    server: &Server,
    prefix: &Path,
) -> Result<Option<(PathBuf, Vec<String>)>, ResolveError> {
    if !prefix.join("package.json").is_file() {
        return Ok(None);
    }
    for root in prefix.ancestors().skip(1).take(64) {
        let manifest = root.join("package.json");
        if !manifest.is_file() {
            continue;
        }
        let patterns = workspace_patterns(&read_tree_file(server, root, &manifest)?);
        if patterns.is_empty() {
            continue;
        }
        let all = expand(root, &patterns);
        let own = prefix
            .strip_prefix(root)
            .ok()
            .map(|p| p.display().to_string());
        if own.is_some_and(|o| all.contains(&o)) {
            return Ok(Some((root.to_path_buf(), all)));
        }
    }
    Ok(None)
}

/// `workspaces` as an array of globs or `{ "packages": [...] }`.
fn workspace_patterns(text: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let list = match &v["workspaces"] {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => o
            .get("packages")
            .and_then(|p| p.as_array().cloned())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    list.iter()
        .filter_map(|p| p.as_str())
        .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string())
        .collect()
}

/// The folders (with a package.json) under `root` that the patterns
/// match, two levels deep at most (`packages/*`, `apps/web`).
fn expand(root: &Path, patterns: &[String]) -> Vec<String> {
    let globs: Vec<_> = patterns
        .iter()
        .filter_map(|p| {
            let glob = GlobBuilder::new(p).literal_separator(true).build().ok()?;
            Some(glob.compile_matcher())
        })
        .collect();
    let mut out = Vec::new();
    let mut dirs = vec![(root.to_path_buf(), String::new(), 0)];
    while let Some((dir, rel, depth)) = dirs.pop() {
        for child in list_dir(&dir) {
            let name = file_name(&child).to_string();
            let is_dir = std::fs::symlink_metadata(&child).is_ok_and(|m| m.is_dir());
            if !is_dir || name == "node_modules" || name.starts_with('.') {
                continue;
            }
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if child.join("package.json").is_file() && globs.iter().any(|g| g.is_match(&rel)) {
                out.push(rel.clone());
            }
            if depth < 2 {
                dirs.push((child, rel, depth + 1));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_patterns_both_forms() {
        assert_eq!(
            workspace_patterns(r#"{"workspaces":["packages/*","./apps/web/"]}"#),
            ["packages/*", "apps/web"]
        );
        assert_eq!(
            workspace_patterns(r#"{"workspaces":{"packages":["libs/*"]}}"#),
            ["libs/*"]
        );
        assert!(workspace_patterns(r#"{"name":"x"}"#).is_empty());
    }
}
