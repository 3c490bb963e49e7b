//! npm trees: where npx would run a package from (the server's project, a
//! global install, the npx cache), global installs and local projects. The
//! disk is the truth; the lockfile adds integrity and is checked against it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use advisories_cache::Ecosystem;
use sha2::{Digest, Sha512};

pub(super) mod bunx;
pub(super) mod cacache;
pub(super) mod lockfile;
pub(super) mod node_modules;
pub(super) mod pnpm_dlx;
mod pnpm_lock;
mod workspace;
pub(super) mod yarn_dlx;

use super::{
    read_tree_file, InstalledPackage, InstalledTree, Integrity, IssueKind, ResolveError,
    ResolveOptions, Tally, TreeIssue, TreeKind,
};
use crate::discover::{env_path, NpmSpec, Server};
use crate::types::version::{NpmRange, NpmVersion};
use lockfile::Lock;
use node_modules::DiskPackage;

/// The npx cache folder name for a set of specs: the first 16 hex digits of
/// the sha512 of the specs as typed, sorted and joined by newlines (libnpmexec).
pub fn npx_hash(specs: &[String]) -> String {
    let mut sorted: Vec<&str> = specs.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let digest = Sha512::digest(sorted.join("\n").as_bytes());
    hex::encode(digest)[..16].to_string()
}

/// A setting from the server's environment, else the home's `~/.npmrc`.
fn npm_setting(server: &Server, key: &str, home: &Path) -> Option<PathBuf> {
    env_path(server, &format!("npm_config_{key}"), home)
        .or_else(|| env_path(server, &format!("NPM_CONFIG_{}", key.to_uppercase()), home))
        .or_else(|| npmrc(&home.join(".npmrc"), key, home))
}

/// `key=value` from an npmrc file, `~` and `${HOME}` expanded.
fn npmrc(path: &Path, key: &str, home: &Path) -> Option<PathBuf> {
    let text = capped_read::read_capped_text(path, 1 << 20).ok()?;
    let value = text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })?;
    let home = home.display().to_string();
    let value = value.replace("${HOME}", &home);
    Some(match value.strip_prefix("~/") {
        Some(rest) => Path::new(&home).join(rest),
        None => PathBuf::from(value),
    })
}

pub(super) fn npm_cache(server: &Server, home: &Path) -> PathBuf {
    npm_setting(server, "cache", home).unwrap_or_else(|| home.join(".npm"))
}

/// Does an installed version satisfy what the spec asks? Name-only and tags:
/// any version; otherwise node-semver's range rules (a bare version is
/// exact; `||`, hyphen and x-ranges as npm reads them).
pub(super) fn satisfies(spec: &NpmSpec, version: &str) -> bool {
    let Some(req) = spec.requested.as_deref() else {
        return true;
    };
    if req.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return true;
    }
    match (NpmRange::parse(req), NpmVersion::parse(version)) {
        (Ok(range), Some(v)) => range.satisfies(&v),
        _ => false,
    }
}

/// The package npx would run for `package`, in npx's own order: the
/// server's working-directory project, a global install satisfying the spec,
/// then `<cache>/_npx/<hash>`. With `--package` (`explicit`), npx skips the
/// global check.
pub(super) fn resolve_npx(
    server: &Server,
    specs: &[String],
    package: &NpmSpec,
    explicit: bool,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let home = &options.home;
    let cache = npm_cache(server, home);
    let mut looked_in = Vec::new();
    if let Some(cwd) = super::working_dir(server, home) {
        let found = workspace::installed_in_project(server, &cwd, package, &cache, &mut looked_in)?;
        if let Some(tree) = found {
            return Ok(tree);
        }
    }
    if let Some(prefix) = npm_setting(server, "prefix", home).filter(|_| !explicit) {
        let lib = global_lib(&prefix);
        if let Some(tree) = installed_in(server, &lib, package, &cache, TreeKind::NpmGlobal)? {
            return Ok(tree);
        }
        looked_in.push(lib);
    }
    let root = cache.join("_npx").join(npx_hash(specs));
    if let Some(tree) = installed_in(server, &root, package, &cache, TreeKind::NpxCache)? {
        return Ok(tree);
    }
    looked_in.push(root);
    Err(ResolveError::NotInstalled {
        server: server.name.clone(),
        package: package.raw.clone(),
        looked_in,
    })
}

/// `<prefix>/lib` on Unix, `<prefix>` on Windows (`%AppData%\npm`).
fn global_lib(prefix: &Path) -> PathBuf {
    if prefix.join("lib/node_modules").is_dir() {
        prefix.join("lib")
    } else {
        prefix.to_path_buf()
    }
}

/// The tree at `root` if it has `package` at a satisfying version.
pub(super) fn installed_in(
    server: &Server,
    root: &Path,
    package: &NpmSpec,
    cache: &Path,
    kind: TreeKind,
) -> Result<Option<InstalledTree>, ResolveError> {
    let top_path = format!("node_modules/{}", package.name);
    let Some(found) = node_modules::manifest_in(root, &top_path) else {
        return Ok(None);
    };
    if !satisfies(package, &found.version) {
        return Ok(None);
    }
    let mut tree = if kind == TreeKind::NpmGlobal {
        build_tree(root, &top_path, None, cache, kind)
    } else {
        build_tree(root, "", read_lock(server, root)?, cache, kind)
    };
    tree.top = tree.packages.iter().position(|p| p.path == top_path);
    if kind == TreeKind::NpmGlobal {
        tree.notes.push(format!(
            "npx runs the global install of {} (it satisfies `{}`); global installs have no lockfile, so nothing is verified",
            package.name, package.raw
        ));
    }
    Ok(tree.top.map(|_| tree))
}

/// `package-lock.json`, else the hidden lockfile.
pub(super) fn read_lock(server: &Server, root: &Path) -> Result<Option<Lock>, ResolveError> {
    for rel in ["package-lock.json", "node_modules/.package-lock.json"] {
        let path = root.join(rel);
        if path.is_file() {
            let text = read_tree_file(server, root, &path)?;
            let lock = lockfile::parse(&text).map_err(|message| ResolveError::BadTree {
                server: server.name.clone(),
                path,
                message,
            })?;
            return Ok(Some(lock));
        }
    }
    Ok(None)
}

/// `node path/to/server.js`: the package root above the script.
pub(super) fn resolve_script(
    server: &Server,
    script: &str,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let path = match script.strip_prefix("~/") {
        Some(rest) => options.home.join(rest),
        None => server.cwd.clone().unwrap_or_default().join(script),
    };
    let root = path
        .ancestors()
        .skip(1)
        .take(64)
        .find(|d| d.join("package.json").is_file())
        .ok_or_else(|| ResolveError::NotInstalled {
            server: server.name.clone(),
            package: script.to_string(),
            looked_in: vec![path.clone()],
        })?;
    let cache = npm_cache(server, &options.home);
    let mut tree = build_tree(
        root,
        "",
        read_lock(server, root)?,
        &cache,
        TreeKind::NpmProject,
    );
    let own = node_modules::manifest(root).unwrap_or(DiskPackage {
        name: String::new(),
        version: String::new(),
        wants: Vec::new(),
        install_script: false,
    });
    let known = path_index(&tree.packages);
    let mut top = InstalledPackage::new(Ecosystem::Npm, own.name, own.version, String::new());
    top.dependencies = edges("", &own.wants, &known);
    top.integrity = Integrity::Unverified {
        reason: "the project itself is not a published package".into(),
    };
    tree.packages.push(top);
    tree.top = Some(tree.packages.len() - 1);
    Ok(tree)
}

/// A bin that resolves into `<prefix>/lib/node_modules/<pkg>/…`: that
/// global package's tree; `Ok(None)` for anything else.
pub(super) fn resolve_global_bin(bin: &Path) -> Option<InstalledTree> {
    let real = bin.canonicalize().ok()?;
    let parts: Vec<_> = real.components().collect();
    let at = parts
        .iter()
        .rposition(|c| c.as_os_str() == "node_modules")?;
    let scoped = parts
        .get(at + 1)
        .is_some_and(|c| c.as_os_str().to_string_lossy().starts_with('@'));
    let name_parts = if scoped { 2 } else { 1 };
    let lib: PathBuf = parts[..at].iter().collect();
    let name: Vec<String> = parts[at + 1..(at + 1 + name_parts).min(parts.len())]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let spec = NpmSpec::parse(&name.join("/"))?;
    let top_path = format!("node_modules/{}", spec.name);
    let mut tree = build_tree(&lib, &top_path, None, Path::new(""), TreeKind::NpmGlobal);
    tree.top = tree.packages.iter().position(|p| p.path == top_path);
    tree.top.map(|_| tree)
}

fn path_index(packages: &[InstalledPackage]) -> HashMap<String, usize> {
    packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.path.clone(), i))
        .collect()
}

fn edges(from: &str, wants: &[String], known: &HashMap<String, usize>) -> Vec<usize> {
    let lookup = |p: &str| known.get(p).copied();
    let mut deps: Vec<usize> = wants
        .iter()
        .filter_map(|d| node_modules::node_resolve(from, d, &lookup))
        .collect();
    deps.sort_unstable();
    deps.dedup();
    deps
}

/// Builds a tree from the disk under `root/<base>`, checked against `lock`.
pub(super) fn build_tree(
    root: &Path,
    base: &str,
    lock: Option<Lock>,
    cache: &Path,
    kind: TreeKind,
) -> InstalledTree {
    let mut walk = node_modules::walk(root, base);
    if !base.is_empty() {
        if let Some(own) = node_modules::manifest(&root.join(base)) {
            walk.found.insert(base.to_string(), own);
        }
    }
    from_walk(root, walk, lock, cache, kind)
}

/// A project with workspaces: the root's `node_modules` and each
/// workspace folder's own (`packages/a/node_modules`), checked against `lock`.
pub(super) fn build_workspace_tree(
    root: &Path,
    workspaces: &[String],
    lock: Option<Lock>,
    cache: &Path,
) -> InstalledTree {
    let mut walk = node_modules::walk(root, "");
    for ws in workspaces {
        let more = node_modules::walk(root, ws);
        walk.found.extend(more.found);
        walk.links.extend(more.links);
        walk.unreadable.extend(more.unreadable);
    }
    from_walk(root, walk, lock, cache, TreeKind::NpmProject)
}

fn from_walk(
    root: &Path,
    walk: node_modules::Walk,
    lock: Option<Lock>,
    cache: &Path,
    kind: TreeKind,
) -> InstalledTree {
    let node_modules::Walk {
        found: disk,
        links,
        unreadable,
    } = walk;
    let mut tree = InstalledTree {
        kind,
        root: root.to_path_buf(),
        top: None,
        packages: Vec::new(),
        notes: links
            .iter()
            .map(|(l, to)| format!("{l} is a symlink to {to} inside the tree (npm link or workspace); read as a package"))
            .collect(),
        issues: Vec::new(),
        npm_cache: None,
    };
    let empty = Lock::new();
    let lock_ref = lock.as_ref().unwrap_or(&empty);
    if lock.is_some() {
        tree.issues = drift(lock_ref, &disk, &links);
    }
    tree.issues
        .extend(unreadable.into_iter().map(|(path, why)| TreeIssue {
            kind: IssueKind::UnreadablePackage,
            package: None,
            message: format!("{path}: {why}; what it holds was not checked"),
        }));
    tree.packages = packages_from_disk(&disk, lock_ref);
    let known = path_index(&tree.packages);
    for (pkg, found) in tree.packages.iter_mut().zip(disk.values()) {
        pkg.dependencies = edges(&pkg.path, &found.wants, &known);
    }
    let global = lock.is_none();
    for p in &mut tree.packages {
        let entry = lock_ref.get(&p.path);
        p.published = entry.and_then(|e| e.integrity.clone());
        p.facts.deprecated = entry.and_then(|e| e.deprecated.clone());
        let reason = if links.contains_key(&p.path) {
            "a symlink inside the tree (npm link or workspace): not from a registry, not verified"
        } else if global {
            "no lockfile records an integrity (global install)"
        } else if entry.is_some_and(|e| e.in_bundle) {
            "bundled: its files are compared as part of its parent's tarball"
        } else if p.published.is_none() {
            "no integrity recorded (no lockfile entry)"
        } else {
            p.integrity = Integrity::Pending;
            continue;
        };
        p.integrity = Integrity::Unverified {
            reason: reason.into(),
        };
    }
    tree.npm_cache = Some(cache.to_path_buf());
    tree
}

fn packages_from_disk(disk: &BTreeMap<String, DiskPackage>, lock: &Lock) -> Vec<InstalledPackage> {
    disk.iter()
        .map(|(path, found)| {
            let name = if found.name.is_empty() {
                path.rsplit_once("node_modules/")
                    .map_or(path.as_str(), |(_, n)| n)
            } else {
                &found.name
            };
            let mut p = InstalledPackage::new(
                Ecosystem::Npm,
                name.to_string(),
                found.version.clone(),
                path.clone(),
            );
            p.has_install_script =
                found.install_script || lock.get(path).is_some_and(|e| e.has_install_script);
            p
        })
        .collect()
}

/// Where the lockfile and the disk disagree: missing, extraneous, other version.
fn drift(
    lock: &Lock,
    disk: &BTreeMap<String, DiskPackage>,
    links: &BTreeMap<String, String>,
) -> Vec<TreeIssue> {
    let mut issues = Tally::new(IssueKind::LockfileMismatch);
    let mut say = |message: String| {
        issues.push(TreeIssue {
            kind: IssueKind::LockfileMismatch,
            package: None,
            message,
        })
    };
    for (path, entry) in lock {
        match disk.get(path) {
            None if entry.optional => {}
            None => say(format!(
                "the lockfile lists {path}@{} but it is not installed (missing)",
                entry.version
            )),
            Some(found) if found.version != entry.version => say(format!(
                "{path} is installed at {} but the lockfile says {} (other version)",
                found.version, entry.version
            )),
            Some(_) => {}
        }
    }
    for (path, found) in disk {
        if !lock.contains_key(path) && !links.contains_key(path) {
            say(format!(
                "{path}@{} is installed but not in the lockfile (extraneous)",
                found.version
            ));
        }
    }
    issues.finish()
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
    fn spec_satisfaction_like_npx_global_check() {
        let s = |raw: &str| NpmSpec::parse(raw).unwrap();
        assert!(satisfies(&s("semver"), "7.6.3"));
        assert!(satisfies(&s("semver@7.6.3"), "7.6.3"));
        assert!(!satisfies(&s("semver@7.6.2"), "7.6.3"));
        assert!(satisfies(&s("semver@^7"), "7.6.3"));
        assert!(satisfies(&s("semver@^6 || ^7.6"), "7.6.3"));
        assert!(satisfies(&s("semver@7.0.0 - 7.6.3"), "7.6.3"));
        assert!(!satisfies(&s("semver@^6 || ^8"), "7.6.3"));
    }

    #[test]
    fn drift_names_missing_extraneous_and_other_versions() {
        let entry = |v: &str, optional| lockfile::LockEntry {
            version: v.into(),
            optional,
            ..Default::default()
        };
        let lock: Lock = [
            ("node_modules/a".to_string(), entry("1.0.0", false)),
            ("node_modules/b".to_string(), entry("1.0.0", false)),
            ("node_modules/o".to_string(), entry("1.0.0", true)),
        ]
        .into();
        let pkg = |v: &str| DiskPackage {
            name: String::new(),
            version: v.into(),
            wants: Vec::new(),
            install_script: false,
        };
        let disk: BTreeMap<String, DiskPackage> = [
            ("node_modules/a".to_string(), pkg("2.0.0")),
            ("node_modules/c".to_string(), pkg("1.0.0")),
        ]
        .into();
        let messages: Vec<String> = drift(&lock, &disk, &BTreeMap::new())
            .into_iter()
            .map(|i| i.message)
            .collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("other version"));
        assert!(messages[1].contains("missing"));
        assert!(messages[2].contains("extraneous"));
    }
}
