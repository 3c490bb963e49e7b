//! The packages of a squashed image view (and of a Go binary on disk).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use advisories_cache::Ecosystem;

use super::gobuild::{self, BuildInfo};
use super::layers::{GoBinary, View};
use super::osdb;
use crate::resolve::npm::node_modules;
use crate::resolve::python::name_and_version;
use crate::resolve::{InstalledPackage, InstalledTree, Integrity, IssueKind, TreeIssue, TreeKind};

/// Lists the OS, npm, Python and Go packages of `view`.
pub fn tree_of(view: &View, root: &Path) -> Result<InstalledTree, String> {
    let mut tree = empty_tree(TreeKind::Image, root);
    os_packages(view, &mut tree)?;
    npm_packages(view, &mut tree)?;
    for (path, text) in &view.files {
        if path.ends_with(".dist-info/METADATA") {
            let text = String::from_utf8_lossy(text);
            let dir = path.trim_end_matches("/METADATA");
            match name_and_version(&text) {
                Some((name, version)) => {
                    tree.packages
                        .push(image_package(Ecosystem::PyPI, name, version, dir))
                }
                None => unreadable(
                    &mut tree,
                    format!("{path}: no Name or Version; the package was not checked"),
                ),
            }
        }
    }
    for (path, go) in &view.go {
        match go {
            GoBinary::Info(info) => tree.packages.extend(go_packages(path, info)),
            GoBinary::Unreadable(why) => unreadable(&mut tree, format!("Go binary {path}: {why}")),
        }
    }
    Ok(tree)
}

fn empty_tree(kind: TreeKind, root: &Path) -> InstalledTree {
    InstalledTree {
        kind,
        root: root.to_path_buf(),
        top: None,
        packages: Vec::new(),
        notes: Vec::new(),
        issues: Vec::new(),
        npm_cache: None,
    }
}

fn unreadable(tree: &mut InstalledTree, message: String) {
    tree.issues.push(TreeIssue {
        kind: IssueKind::UnreadablePackage,
        package: None,
        message,
    });
}

fn image_package(eco: Ecosystem, name: String, version: String, path: &str) -> InstalledPackage {
    InstalledPackage {
        integrity: Integrity::Unverified {
            reason: "read from the image's package metadata; files not compared".into(),
        },
        ..InstalledPackage::new(eco, name, version, path.to_string())
    }
}

fn os_packages(view: &View, tree: &mut InstalledTree) -> Result<(), String> {
    let mut found = Vec::new();
    if let Some(status) = view.read("var/lib/dpkg/status") {
        found.extend(
            osdb::parse_dpkg(&String::from_utf8_lossy(status))
                .into_iter()
                .map(|p| (p, "var/lib/dpkg/status".to_string())),
        );
    }
    for (path, text) in view.files.range("var/lib/dpkg/status.d/".to_string()..) {
        if !path.starts_with("var/lib/dpkg/status.d/") {
            break;
        }
        found.extend(
            osdb::parse_dpkg(&String::from_utf8_lossy(text))
                .into_iter()
                .map(|p| (p, path.clone())),
        );
    }
    if let Some(db) = view.read("lib/apk/db/installed") {
        found.extend(
            osdb::parse_apk(&String::from_utf8_lossy(db))
                .into_iter()
                .map(|p| (p, "lib/apk/db/installed".to_string())),
        );
    }
    let release = view
        .read("etc/os-release")
        .or_else(|| view.read("usr/lib/os-release"));
    let os = release.map(|t| osdb::parse_os_release(&String::from_utf8_lossy(t)));
    if let Some(os) = &os {
        tree.notes.push(format!(
            "OS: {}",
            os.pretty.clone().unwrap_or_else(|| os.id.clone())
        ));
    }
    if found.is_empty() {
        return Ok(());
    }
    let eco = match &os {
        Some(os) => os.ecosystem()?,
        None => return Err("the image has an OS package database but no etc/os-release: its release is unknown, so its packages cannot be matched".into()),
    };
    for (p, path) in found {
        let path = entry_path(&path, &p.name, p.arch.as_deref());
        let mut pkg = image_package(eco, p.name, p.version, &path);
        pkg.source_package = p.source;
        tree.packages.push(pkg);
    }
    Ok(())
}

/// A temporary folder removed when dropped: npm metadata is laid out there
/// so the `node_modules` reader can walk it.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, String> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("supplygate-image-{}-{n}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn npm_packages(view: &View, tree: &mut InstalledTree) -> Result<(), String> {
    let files: Vec<(&String, &Vec<u8>)> = view
        .files
        .iter()
        .filter(|(p, _)| p.contains("node_modules/"))
        .collect();
    if files.is_empty() {
        return Ok(());
    }
    let scratch = Scratch::new()?;
    let mut bases = BTreeSet::new();
    for (path, bytes) in files {
        // Paths were checked when read (no `..`, relative): they stay inside.
        let target = scratch.0.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, bytes).map_err(|e| format!("{}: {e}", target.display()))?;
        let at = path.find("node_modules/").unwrap_or(0);
        bases.insert(path[..at].trim_end_matches('/').to_string());
    }
    for base in bases {
        let walk = node_modules::walk(&scratch.0, &base);
        for (path, pkg) in walk.found {
            tree.packages
                .push(image_package(Ecosystem::Npm, pkg.name, pkg.version, &path));
        }
        for (path, why) in walk.unreadable {
            unreadable(tree, format!("{path}: {why}"));
        }
    }
    Ok(())
}

/// `stdlib` at the toolchain version, then every module the binary names.
fn go_packages(path: &str, info: &BuildInfo) -> Vec<InstalledPackage> {
    let stdlib =
        (!info.go_version.is_empty()).then(|| ("stdlib".to_string(), info.go_version.clone()));
    stdlib
        .into_iter()
        .chain(info.modules.iter().cloned())
        // The main module built from a checkout has no version to match.
        .filter(|(_, v)| v != "(devel)")
        .map(|(name, version)| {
            let at = entry_path(path, &name, None);
            image_package(Ecosystem::Go, name, version, &at)
        })
        .collect()
}

/// A package's place when many share one file (a dpkg status, a Go
/// binary): `file#name` (`#name:arch` for dpkg, which can hold one name
/// for two architectures), so each package is its own node in the graph.
fn entry_path(file: &str, name: &str, arch: Option<&str>) -> String {
    match arch {
        Some(arch) => format!("{file}#{name}:{arch}"),
        None => format!("{file}#{name}"),
    }
}

/// Most bytes of a binary on disk hashed and searched.
const MAX_BINARY_BYTES: u64 = 1 << 30;

pub fn binary_tree(path: &Path) -> Option<InstalledTree> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let bytes = capped_read::read_capped(path, MAX_BINARY_BYTES).ok()?;
    if !gobuild::is_native(&bytes) {
        return None;
    }
    let mut tree = empty_tree(TreeKind::Binary, path);
    let label = path.display().to_string();
    match gobuild::scan(&mut bytes.as_slice().take(u64::MAX)) {
        Ok(Some(info)) => {
            tree.notes.push(format!(
                "Go binary built with {} from {}",
                info.go_version, info.path
            ));
            tree.packages = go_packages(&label, &info);
        }
        Ok(None) | Err(_) => {
            let sha = super::layout::hex(&Sha256::digest(&bytes));
            tree.issues.push(TreeIssue {
                kind: IssueKind::UnscannedBinary,
                package: None,
                message: format!("{label} is a native binary supplygate cannot list (sha256:{sha}); hint: allow it in the policy by that hash once reviewed"),
            });
        }
    }
    Some(tree)
}
