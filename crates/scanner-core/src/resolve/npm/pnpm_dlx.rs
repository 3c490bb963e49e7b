//! `pnpm dlx` / `pnpx`: the project pnpm installs the package into,
//! `<pnpm cache>/dlx/<key>/pkg -> <stamp>/`, whose `package.json` names what
//! was asked for. pnpm's isolated layout: each package lives once in
//! `node_modules/.pnpm/<name>@<version>/node_modules/<name>` (files linked
//! from the store) and sees its dependencies through symlinks beside it.
//! The cache key is pnpm-internal (pnpm 12 is a native binary), so the
//! folders are read and matched by what they hold. Facts and sources:
//! `fixtures/launchers/README.md`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use advisories_cache::Ecosystem;

use super::node_modules::{self, DiskPackage};
use super::{npm_cache, satisfies};
use crate::discover::{env_path, NpmSpec, Server};
use crate::resolve::python::{file_name, list_dir};
use crate::resolve::{
    read_tree_file, InstalledPackage, InstalledTree, Integrity, IssueKind, ResolveError,
    ResolveOptions, TreeIssue, TreeKind,
};

/// pnpm's cache folder: `npm_config_cache_dir`, `$XDG_CACHE_HOME/pnpm`,
/// else `~/.cache/pnpm` (`~/Library/Caches/pnpm` on macOS when present).
fn pnpm_cache(server: &Server, home: &Path) -> PathBuf {
    env_path(server, "npm_config_cache_dir", home)
        .or_else(|| env_path(server, "XDG_CACHE_HOME", home).map(|p| p.join("pnpm")))
        .unwrap_or_else(|| {
            let mac = home.join("Library/Caches/pnpm");
            if mac.is_dir() {
                mac
            } else {
                home.join(".cache/pnpm")
            }
        })
}

/// The tree `pnpm dlx` runs `package` from.
pub(in crate::resolve) fn resolve_pnpm_dlx(
    server: &Server,
    package: &NpmSpec,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let dlx = pnpm_cache(server, &options.home).join("dlx");
    let mut found = Vec::new();
    for entry in list_dir(&dlx) {
        let Some(root) = current_install(&entry) else {
            continue;
        };
        if asked_for(server, &root, package)? {
            let mtime = std::fs::symlink_metadata(entry.join("pkg"))
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((mtime, root));
        }
    }
    found.sort();
    let count = found.len();
    let Some((_, root)) = found.pop() else {
        return Err(ResolveError::NotInstalled {
            server: server.name.clone(),
            package: package.raw.clone(),
            looked_in: vec![dlx.join("*/pkg")],
        });
    };
    let mut tree = read_isolated(&root, package)?;
    if let Some(lock) = super::pnpm_lock::load(server, &root)? {
        check_lock(&mut tree, &lock);
    }
    tree.npm_cache = Some(npm_cache(server, &options.home));
    if count > 1 {
        tree.notes.push(format!(
            "{count} pnpm dlx installs hold `{}`; chose the most recent",
            package.raw
        ));
    }
    tree.top
        .map(|_| tree)
        .ok_or_else(|| ResolveError::NotInstalled {
            server: server.name.clone(),
            package: package.raw.clone(),
            looked_in: vec![root.join("node_modules").join(&package.name)],
        })
}

/// Takes each package's tarball integrity from `pnpm-lock.yaml` (verified
/// against npm's cache when it holds that tarball) and reports where the
/// lockfile and the disk disagree.
fn check_lock(tree: &mut InstalledTree, lock: &super::pnpm_lock::PnpmLock) {
    let mut on_disk = std::collections::BTreeSet::new();
    for p in &mut tree.packages {
        let id = format!("{}@{}", p.name, p.version);
        match lock.get(&id) {
            Some(Some(sri)) => {
                p.published = Some(sri.clone());
                p.integrity = Integrity::Unverified {
                    reason: "tarball not in the npm cache".into(),
                };
            }
            Some(None) => {}
            None => tree.issues.push(TreeIssue {
                kind: IssueKind::LockfileMismatch,
                package: None,
                message: format!("{id} is installed but not in pnpm-lock.yaml (extraneous)"),
            }),
        }
        on_disk.insert(id);
    }
    for id in lock.keys().filter(|id| !on_disk.contains(*id)) {
        tree.issues.push(TreeIssue {
            kind: IssueKind::LockfileMismatch,
            package: None,
            message: format!("pnpm-lock.yaml lists {id} but it is not installed (missing)"),
        });
    }
}

/// `<entry>/pkg`, the link to the install pnpm uses now, if it stays in `entry`.
fn current_install(entry: &Path) -> Option<PathBuf> {
    let target = entry.join("pkg").canonicalize().ok()?;
    let entry = entry.canonicalize().ok()?;
    (target.starts_with(&entry) && target.join("package.json").is_file()).then_some(target)
}

/// Does the install's `package.json` ask for exactly `package` (one
/// dependency, of that name, at a version satisfying the spec)?
fn asked_for(server: &Server, root: &Path, package: &NpmSpec) -> Result<bool, ResolveError> {
    let text = read_tree_file(server, root, &root.join("package.json"))?;
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(false);
    };
    let deps = manifest["dependencies"].as_object();
    let Some(deps) = deps.filter(|d| d.len() == 1) else {
        return Ok(false);
    };
    if !deps.contains_key(&package.name) {
        return Ok(false);
    }
    let installed = node_modules::manifest(&root.join("node_modules").join(&package.name));
    Ok(installed.is_some_and(|m| satisfies(package, &m.version)))
}

/// Reads pnpm's isolated layout under `root`.
fn read_isolated(root: &Path, package: &NpmSpec) -> Result<InstalledTree, ResolveError> {
    let store = root.join("node_modules/.pnpm");
    let mut disk: BTreeMap<String, DiskPackage> = BTreeMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let mut issues = Vec::new();
    for slot in list_dir(&store) {
        let key = file_name(&slot).to_string();
        if key == "node_modules" || !slot.is_dir() {
            continue;
        }
        let base = format!("node_modules/.pnpm/{key}");
        let walk = node_modules::walk_listing_links(root, &base);
        for link in walk.links.into_keys() {
            links.push((base.clone(), link));
        }
        for (path, why) in walk.unreadable {
            issues.push(TreeIssue {
                kind: IssueKind::UnreadablePackage,
                package: None,
                message: format!("{path}: {why}; what it holds was not checked"),
            });
        }
        disk.extend(walk.found);
    }
    let real: HashMap<PathBuf, usize> = disk
        .keys()
        .enumerate()
        .filter_map(|(i, p)| Some((root.join(p).canonicalize().ok()?, i)))
        .collect();
    let mut packages: Vec<InstalledPackage> = disk
        .iter()
        .map(|(path, d)| {
            let mut p = InstalledPackage::new(
                Ecosystem::Npm,
                d.name.clone(),
                d.version.clone(),
                path.clone(),
            );
            p.has_install_script = d.install_script;
            p.integrity = Integrity::Unverified {
                reason:
                    "no integrity recorded (no pnpm-lock.yaml entry), and pnpm keeps no tarball of its own"
                        .into(),
            };
            p
        })
        .collect();
    // A package's dependencies are the links beside it in its slot; one
    // that leads to no package of this tree is never followed.
    for (base, link) in links {
        let from = disk
            .keys()
            .position(|p| p.starts_with(&format!("{base}/node_modules/")));
        let to = root
            .join(&link)
            .canonicalize()
            .ok()
            .and_then(|t| real.get(&t));
        match (from, to) {
            (Some(from), Some(to)) => packages[from].dependencies.push(*to),
            _ => issues.push(TreeIssue {
                kind: IssueKind::UnreadablePackage,
                package: from,
                message: format!(
                    "{link} links to no package of this pnpm tree; not followed, what it holds was not checked"
                ),
            }),
        }
    }
    for p in &mut packages {
        p.dependencies.sort_unstable();
        p.dependencies.dedup();
    }
    let top = root
        .join("node_modules")
        .join(&package.name)
        .canonicalize()
        .ok()
        .and_then(|t| real.get(&t).copied());
    Ok(InstalledTree {
        kind: TreeKind::PnpmDlx,
        root: root.to_path_buf(),
        top,
        packages,
        notes: Vec::new(),
        issues,
        npm_cache: None,
    })
}
