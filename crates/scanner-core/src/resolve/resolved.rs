//! Trees that were resolved, not installed: the lockfile npm writes with
//! `--package-lock-only` and the pinned requirements `uv pip compile`
//! writes, turned into the same [`InstalledTree`] an installed tree gives.
//! Pure parsers: running the package managers is the CLI's job.

use std::collections::HashMap;
use std::path::PathBuf;

use advisories_cache::Ecosystem;

use super::npm::lockfile::{self, LockEntry};
use super::npm::node_modules::node_resolve;
use super::{InstalledPackage, InstalledTree, Integrity, IssueKind, TreeIssue, TreeKind};

/// The integrity state of a package that exists only on paper.
fn not_installed() -> Integrity {
    Integrity::Unverified {
        reason: "resolved, not installed: no files to verify".into(),
    }
}

fn empty_tree(root: PathBuf) -> InstalledTree {
    InstalledTree {
        kind: TreeKind::Resolved,
        root,
        top: None,
        packages: Vec::new(),
        notes: Vec::new(),
        issues: Vec::new(),
        npm_cache: None,
    }
}

/// True for a `resolved` URL of a registry tarball (`…/<name>/-/<file>.tgz`).
fn is_registry_tarball(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.contains("/-/")
        && url.ends_with(".tgz")
}

/// The tree in an npm lockfile written by `npm install --package-lock-only`
/// for a root that depends on `top` only. `root` names the tree in reports.
pub fn npm_tree(lock_text: &str, top: &str, root: PathBuf) -> Result<InstalledTree, String> {
    let lock = lockfile::parse(lock_text)?;
    let mut tree = empty_tree(root);
    let entries: Vec<(&String, &LockEntry)> = lock.iter().collect();
    let known: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, (path, _))| (path.as_str(), i))
        .collect();
    let lookup = |p: &str| known.get(p).copied();
    for (i, (path, entry)) in entries.iter().enumerate() {
        let folder = path
            .rsplit_once("node_modules/")
            .map_or(path.as_str(), |(_, n)| n);
        let name = entry.name.clone().unwrap_or_else(|| folder.to_string());
        let mut p = InstalledPackage::new(
            Ecosystem::Npm,
            name,
            entry.version.clone(),
            path.to_string(),
        );
        let mut deps: Vec<usize> = entry
            .wants
            .iter()
            .filter_map(|d| node_resolve(path, d, &lookup))
            .collect();
        deps.sort_unstable();
        deps.dedup();
        p.dependencies = deps;
        p.has_install_script = entry.has_install_script;
        p.published = entry.integrity.clone();
        p.facts.deprecated = entry.deprecated.clone();
        p.integrity = not_installed();
        if let Some(url) = entry
            .resolved
            .as_deref()
            .filter(|u| !is_registry_tarball(u))
        {
            p.source = Some(url.to_string());
            tree.issues.push(TreeIssue {
                kind: IssueKind::NonRegistrySource,
                package: Some(i),
                message: format!(
                    "{}@{} resolves to {url}, not a registry tarball",
                    p.name, p.version
                ),
            });
        }
        tree.packages.push(p);
    }
    tree.top = tree
        .packages
        .iter()
        .position(|p| p.path == format!("node_modules/{top}"));
    if tree.top.is_none() {
        return Err(format!("the resolved lockfile does not contain {top}"));
    }
    tree.mark_direct();
    Ok(tree)
}

/// The tree in `uv pip compile` output (pinned requirements with `# via`
/// annotations) for the requirement `top`. Direct references
/// (`name @ url`) become non-registry issues.
pub fn python_tree(requirements: &str, top: &str, root: PathBuf) -> Result<InstalledTree, String> {
    let mut tree = empty_tree(root);
    // (package index, names it is required by)
    let mut via: Vec<Vec<String>> = Vec::new();
    let mut in_via_list = false;
    for line in requirements.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let comment = comment.trim();
            let Some(last) = via.last_mut() else { continue };
            if comment == "via" {
                in_via_list = true;
            } else if let Some(one) = comment.strip_prefix("via ") {
                last.push(one.trim().to_string());
                in_via_list = false;
            } else if in_via_list {
                last.push(comment.to_string());
            }
            continue;
        }
        in_via_list = false;
        if line.starts_with([' ', '\t']) || trimmed.starts_with('-') {
            continue; // hashes and options
        }
        let requirement = trimmed.split(" ;").next().unwrap_or(trimmed).trim();
        let (name, version, source) = parse_pin(requirement)?;
        let index = tree.packages.len();
        let mut p = InstalledPackage::new(Ecosystem::PyPI, name, version, String::new());
        p.path = Ecosystem::PyPI.normalize_name(&p.name);
        p.integrity = not_installed();
        if let Some(url) = source {
            tree.issues.push(TreeIssue {
                kind: IssueKind::NonRegistrySource,
                package: Some(index),
                message: format!("{} comes from {url}, not the package index", p.name),
            });
            p.source = Some(url);
        }
        tree.packages.push(p);
        via.push(Vec::new());
    }
    let index: HashMap<String, usize> = tree
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.path.clone(), i))
        .collect();
    for (child, parents) in via.iter().enumerate() {
        for parent in parents {
            let key = Ecosystem::PyPI.normalize_name(parent.split('[').next().unwrap_or(parent));
            if let Some(&i) = index.get(&key) {
                tree.packages[i].dependencies.push(child);
            }
        }
    }
    for p in &mut tree.packages {
        p.dependencies.sort_unstable();
        p.dependencies.dedup();
    }
    let top = Ecosystem::PyPI.normalize_name(top);
    tree.top = index.get(&top).copied();
    if tree.top.is_none() {
        return Err(format!("the resolution does not contain {top}"));
    }
    tree.mark_direct();
    Ok(tree)
}

/// `name==version` or `name @ url` (extras dropped).
fn parse_pin(requirement: &str) -> Result<(String, String, Option<String>), String> {
    let bad = || format!("not a pinned requirement: `{requirement}`");
    if let Some((name, url)) = requirement.split_once(" @ ") {
        let name = name.split('[').next().unwrap_or(name).trim().to_string();
        let version = url
            .rsplit_once('@')
            .map_or(String::new(), |(_, v)| v.to_string());
        return Ok((name, version, Some(url.trim().to_string())));
    }
    let (name, version) = requirement.split_once("==").ok_or_else(bad)?;
    let name = name.split('[').next().unwrap_or(name).trim();
    if name.is_empty() || version.trim().is_empty() {
        return Err(bad());
    }
    Ok((name.to_string(), version.trim().to_string(), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_lock_becomes_a_resolved_tree_with_edges_and_facts() {
        let text = r#"{"lockfileVersion":3,"packages":{"":{"dependencies":{"srv":"^1.0.0"}},
          "node_modules/srv":{"version":"1.0.0","resolved":"http://127.0.0.1:1/srv/-/srv-1.0.0.tgz","dependencies":{"a":"^1"}},
          "node_modules/a":{"version":"1.2.0","resolved":"http://127.0.0.1:1/a/-/a-1.2.0.tgz","deprecated":"use b","hasInstallScript":true,"dependencies":{"g":"*"}},
          "node_modules/a/node_modules/g":{"version":"0.1.0","resolved":"git+ssh://git@example.invalid/g.git#abc"}}}"#;
        let tree = npm_tree(text, "srv", PathBuf::from("resolved")).unwrap();
        assert_eq!(tree.kind, TreeKind::Resolved);
        let top = tree.top.unwrap();
        assert_eq!(tree.packages[top].name, "srv");
        let a = tree.packages.iter().position(|p| p.name == "a").unwrap();
        assert!(tree.packages[a].direct);
        assert!(tree.packages[a].has_install_script);
        assert_eq!(tree.packages[a].facts.deprecated.as_deref(), Some("use b"));
        assert_eq!(tree.issues.len(), 1);
        assert_eq!(tree.issues[0].kind, IssueKind::NonRegistrySource);
        assert!(npm_tree(text, "other", PathBuf::new()).is_err());
    }

    #[test]
    fn uv_requirements_become_a_tree_with_via_edges() {
        let text = "# header\nanyio==4.16.0\n    # via\n    #   httpx\n    #   mcp\nhttpx==0.28.1\n    # via mcp\nmcp==1.2.0\n    # via mcp-server-time\nmcp-server-time==2025.9.25\n    # via -r req.in\nx @ git+https://example.invalid/x@v1\n    # via mcp\n";
        let tree = python_tree(text, "mcp_server_time", PathBuf::from("r")).unwrap();
        let name = |i: usize| tree.packages[i].name.as_str();
        let top = tree.top.unwrap();
        assert_eq!(name(top), "mcp-server-time");
        let mcp = tree.packages.iter().position(|p| p.name == "mcp").unwrap();
        let deps: Vec<&str> = tree.packages[mcp]
            .dependencies
            .iter()
            .map(|&i| name(i))
            .collect();
        assert_eq!(deps, ["anyio", "httpx", "x"]);
        assert_eq!(tree.issues.len(), 1);
        assert!(parse_pin("nonsense").is_err());
    }
}
