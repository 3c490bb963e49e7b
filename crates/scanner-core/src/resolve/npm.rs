//! npm trees: the npx cache, read from its lockfile and checked against disk.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use advisories_cache::Ecosystem;
use serde::Deserialize;
use sha2::{Digest, Sha512};

use super::{
    read_tree_file, InstalledPackage, InstalledTree, ResolveError, ResolveOptions, TreeKind,
};
use crate::discover::{env_path, NpmSpec, Server};

/// The npx cache folder name for a set of specs: the first 16 hex digits of
/// the sha512 of the specs as typed, sorted and joined by newlines (libnpmexec).
pub fn npx_hash(specs: &[String]) -> String {
    let mut sorted: Vec<&str> = specs.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let digest = Sha512::digest(sorted.join("\n").as_bytes());
    hex::encode(digest)[..16].to_string()
}

/// The npm cache folder a server's npx uses.
fn npm_cache(server: &Server, home: &Path) -> PathBuf {
    env_path(server, "npm_config_cache", home)
        .or_else(|| env_path(server, "NPM_CONFIG_CACHE", home))
        .unwrap_or_else(|| home.join(".npm"))
}

#[derive(Debug, Deserialize)]
struct Lockfile {
    #[serde(default)]
    packages: BTreeMap<String, LockEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LockEntry {
    version: Option<String>,
    name: Option<String>,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    peer_dependencies: BTreeMap<String, String>,
}

pub(super) fn resolve_npx(
    server: &Server,
    specs: &[String],
    package: &NpmSpec,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let root = npm_cache(server, &options.home)
        .join("_npx")
        .join(npx_hash(specs));
    let lock_path = ["node_modules/.package-lock.json", "package-lock.json"]
        .iter()
        .map(|rel| root.join(rel))
        .find(|p| p.is_file())
        .ok_or_else(|| ResolveError::NotInstalled {
            server: server.name.clone(),
            package: package.raw.clone(),
            looked_in: vec![root.clone()],
        })?;
    let text = read_tree_file(server, &lock_path)?;
    let lock: Lockfile = serde_json::from_str(&text).map_err(|e| ResolveError::BadTree {
        server: server.name.clone(),
        path: lock_path.clone(),
        message: format!("not a valid npm lockfile: {e}"),
    })?;
    let mut tree = tree_from_lock(&root, lock);
    tree.top = tree
        .packages
        .iter()
        .position(|p| p.path == format!("node_modules/{}", package.name));
    if tree.top.is_none() {
        return Err(ResolveError::NotInstalled {
            server: server.name.clone(),
            package: package.raw.clone(),
            looked_in: vec![root],
        });
    }
    Ok(tree)
}

/// Builds the tree from lockfile entries, keeping only packages whose folder
/// is on disk: what is installed is what runs.
fn tree_from_lock(root: &Path, lock: Lockfile) -> InstalledTree {
    let mut notes = Vec::new();
    let mut kept: Vec<(String, LockEntry)> = Vec::new();
    for (path, entry) in lock.packages {
        if !path.starts_with("node_modules/") && !path.contains("/node_modules/") || entry.link {
            continue;
        }
        let Some(version) = entry.version.as_deref().filter(|v| !v.is_empty()) else {
            continue;
        };
        if !root.join(&path).join("package.json").is_file() {
            notes.push(format!(
                "lockfile lists {path}@{version}, which is not on disk"
            ));
            continue;
        }
        kept.push((path, entry));
    }
    let index: HashMap<&str, usize> = kept
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.as_str(), i))
        .collect();
    let packages = kept
        .iter()
        .map(|(path, entry)| {
            let wanted = entry
                .dependencies
                .keys()
                .chain(entry.optional_dependencies.keys())
                .chain(entry.peer_dependencies.keys());
            let mut dependencies: Vec<usize> = wanted
                .filter_map(|dep| node_resolve(path, dep, &index))
                .collect();
            dependencies.sort_unstable();
            dependencies.dedup();
            InstalledPackage {
                ecosystem: Ecosystem::Npm,
                name: entry
                    .name
                    .clone()
                    .unwrap_or_else(|| name_from_path(path).to_string()),
                version: entry.version.clone().unwrap_or_default(),
                path: path.clone(),
                dependencies,
            }
        })
        .collect();
    InstalledTree {
        kind: TreeKind::NpxCache,
        root: root.to_path_buf(),
        top: None,
        packages,
        notes,
    }
}

/// `node_modules/a/node_modules/@s/b` → `@s/b`.
fn name_from_path(path: &str) -> &str {
    path.rsplit_once("node_modules/").map_or(path, |(_, n)| n)
}

/// Node's module resolution: the nearest `node_modules/<dep>` from the
/// package's folder upward.
fn node_resolve(from: &str, dep: &str, index: &HashMap<&str, usize>) -> Option<usize> {
    let mut base = from;
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some(&i) = index.get(candidate.as_str()) {
            return Some(i);
        }
        if base.is_empty() {
            return None;
        }
        base = base.rfind("/node_modules/").map_or("", |i| &base[..i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npx_hash_matches_npm() {
        // Values observed on disk (research: installed-trees.md §1.3).
        assert_eq!(
            npx_hash(&["@modelcontextprotocol/server-filesystem".into()]),
            "a3241bba59c344f5"
        );
        assert_eq!(
            npx_hash(&["@modelcontextprotocol/server-filesystem@2025.8.21".into()]),
            "0cf317c41bb7e3f3"
        );
        assert_eq!(npx_hash(&["npm@10.9.2".into()]), "753985bec210f4c7");
    }

    #[test]
    fn node_resolution_prefers_nearest() {
        let paths = [
            "node_modules/a",
            "node_modules/b",
            "node_modules/a/node_modules/b",
            "node_modules/@s/c",
        ];
        let index: HashMap<&str, usize> = paths.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        assert_eq!(node_resolve("node_modules/a", "b", &index), Some(2));
        assert_eq!(node_resolve("node_modules/@s/c", "b", &index), Some(1));
        assert_eq!(
            node_resolve("node_modules/a/node_modules/b", "@s/c", &index),
            Some(3)
        );
        assert_eq!(node_resolve("node_modules/a", "zz", &index), None);
        assert_eq!(name_from_path("node_modules/a/node_modules/@s/b"), "@s/b");
    }
}
