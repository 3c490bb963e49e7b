//! `bunx` / `bun x`: the folder Bun installs the package into and runs it
//! from, `<bun install cache>/.bunx-<uid>/<name>@<version or "latest">`
//! (Bun 1.4; `$TMPDIR/bunx-<uid>-<name>@<version>` in Bun 1.1–1.3), a
//! hoisted `node_modules` with a text `bun.lock`. Facts and sources:
//! `fixtures/launchers/README.md`.

use std::path::{Path, PathBuf};

use super::lockfile::{Lock, LockEntry};
use super::{build_tree, npm_cache, satisfies};
use crate::discover::formats::{Format, Node};
use crate::discover::{env_path, NpmSpec, Server};
use crate::resolve::python::{file_name, list_dir};
use crate::resolve::{read_tree_doc, InstalledTree, ResolveError, ResolveOptions, TreeKind};

/// Bun's install cache: `BUN_INSTALL_CACHE_DIR`, `$BUN_INSTALL/install/cache`,
/// else `~/.bun/install/cache`.
fn bun_cache(server: &Server, home: &Path) -> PathBuf {
    env_path(server, "BUN_INSTALL_CACHE_DIR", home)
        .or_else(|| env_path(server, "BUN_INSTALL", home).map(|p| p.join("install/cache")))
        .unwrap_or_else(|| home.join(".bun/install/cache"))
}

/// The folder name bunx gives a spec: `<name>@<as typed>`, `@latest` when
/// no version was given.
fn folder_name(package: &NpmSpec) -> String {
    let requested = package.requested.as_deref().unwrap_or("latest");
    format!("{}@{requested}", package.name)
}

/// The tree bunx runs `package` from.
pub(in crate::resolve) fn resolve_bunx(
    server: &Server,
    package: &NpmSpec,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let home = &options.home;
    // Like npx, bunx first runs the package's bin from the project it starts in.
    let mut looked_in = Vec::new();
    if let Some(cwd) = crate::resolve::working_dir(server, home) {
        let npm = npm_cache(server, home);
        let local =
            super::workspace::installed_in_project(server, &cwd, package, &npm, &mut looked_in)?;
        if let Some(tree) = local {
            return Ok(tree);
        }
    }
    let cache = bun_cache(server, home);
    let folder = folder_name(package);
    let tmp = env_path(server, "TMPDIR", home).unwrap_or_else(|| PathBuf::from("/tmp"));
    let mut candidates: Vec<PathBuf> = list_dir(&cache)
        .into_iter()
        .filter(|d| file_name(d).starts_with(".bunx-"))
        .map(|d| d.join(&folder))
        .collect();
    candidates.extend(list_dir(&tmp).into_iter().filter(|d| {
        let n = file_name(d);
        n.starts_with("bunx-") && n.ends_with(&format!("-{folder}"))
    }));
    candidates.retain(|d| d.join("node_modules").is_dir());
    let Some(root) = candidates.first().cloned() else {
        looked_in.push(cache.join(".bunx-<uid>").join(&folder));
        return Err(ResolveError::NotInstalled {
            server: server.name.clone(),
            package: package.raw.clone(),
            looked_in,
        });
    };
    let lock = read_bun_lock(server, &root)?;
    let mut tree = build_tree(
        &root,
        "",
        lock,
        &npm_cache(server, home),
        TreeKind::BunxCache,
    );
    let top_path = format!("node_modules/{}", package.name);
    tree.top = tree.packages.iter().position(|p| p.path == top_path);
    match tree.top {
        Some(i) if satisfies(package, &tree.packages[i].version) => {}
        _ => {
            return Err(ResolveError::NotInstalled {
                server: server.name.clone(),
                package: package.raw.clone(),
                looked_in: vec![root.join(&top_path)],
            })
        }
    }
    if candidates.len() > 1 {
        tree.notes.push(format!(
            "{} bunx folders hold `{folder}` (one per user id); read {}",
            candidates.len(),
            root.display()
        ));
    }
    tree.notes.push(
        "bunx runs a program of the same name from PATH or node_modules/.bin instead, when one exists"
            .into(),
    );
    Ok(tree)
}

/// `bun.lock` (Bun ≥ 1.2, JSON with trailing commas) as install path →
/// version and integrity; `None` when there is none (older Bun wrote a
/// binary `bun.lockb`, which is not read: the disk is still listed).
fn read_bun_lock(server: &Server, root: &Path) -> Result<Option<Lock>, ResolveError> {
    let doc = read_tree_doc(server, root, "bun.lock", Format::Json)?;
    Ok(doc.as_ref().map(parse_bun_lock))
}

/// `"packages": {"a/b": ["b@1.0.0", "", {…}, "sha512-…"]}`: key segments are
/// the nesting (`a/b` is `node_modules/a/node_modules/b`; a scope takes two).
fn parse_bun_lock(doc: &Node) -> Lock {
    let mut lock = Lock::new();
    let Some(packages) = doc.get("packages") else {
        return lock;
    };
    for (key, entry) in packages.members() {
        let items = entry.items();
        let Some(version) = items
            .first()
            .and_then(Node::as_str)
            .and_then(|id| id.rsplit_once('@'))
            .map(|(_, v)| v.to_string())
            .filter(|v| !v.is_empty())
        else {
            continue;
        };
        let integrity = items
            .iter()
            .filter_map(Node::as_str)
            .find(|s| s.starts_with("sha512-") || s.starts_with("sha1-"))
            .map(str::to_string);
        let entry = LockEntry {
            version,
            integrity,
            ..LockEntry::default()
        };
        lock.insert(install_path(key), entry);
    }
    lock
}

/// `@s/a/b` → `node_modules/@s/a/node_modules/b`.
fn install_path(key: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    let mut parts = key.split('/');
    while let Some(part) = parts.next() {
        if part.starts_with('@') {
            names.push(format!("{part}/{}", parts.next().unwrap_or("")));
        } else {
            names.push(part.to_string());
        }
    }
    format!("node_modules/{}", names.join("/node_modules/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_become_install_paths() {
        assert_eq!(install_path("a"), "node_modules/a");
        assert_eq!(install_path("@s/a/b"), "node_modules/@s/a/node_modules/b");
        assert_eq!(install_path("a/@s/b"), "node_modules/a/node_modules/@s/b");
    }

    #[test]
    fn bun_lock_with_trailing_commas() {
        let text = r#"{
          "lockfileVersion": 2,
          "packages": {
            "semver": ["semver@7.5.4", "", { "bin": { "semver": "bin/semver.js" } }, "sha512-AAA="],
            "x/semver": ["semver@6.3.1", "", {}, "sha512-BBB="],
          },
        }"#;
        let lock = parse_bun_lock(&Format::Json.parse(text).unwrap());
        assert_eq!(lock["node_modules/semver"].version, "7.5.4");
        assert_eq!(
            lock["node_modules/x/node_modules/semver"]
                .integrity
                .as_deref(),
            Some("sha512-BBB=")
        );
    }

    #[test]
    fn folder_names_like_bunx() {
        let f = |raw: &str| folder_name(&NpmSpec::parse(raw).unwrap());
        assert_eq!(f("semver@7.5.4"), "semver@7.5.4");
        assert_eq!(f("semver"), "semver@latest");
        assert_eq!(f("@antfu/ni@0.21.12"), "@antfu/ni@0.21.12");
    }
}
