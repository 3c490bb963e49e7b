//! Discovery and resolution: every server's tree, its graph and the
//! findings known before any advisory is looked at.

use std::collections::BTreeSet;
use std::path::Path;

use advisories_cache::Ecosystem;

use super::draft::Draft;
use super::findings::{config_draft, gaps_for, tree_findings, unpinned};
use super::options::{PolicyPlacementError, Resolution, ScanError, ScanOptions};
use super::server_report::server_report;
use crate::discover::{discover, Inventory, Launch, Server};
use crate::graph::DependencyGraph;
use crate::report::ServerReport;
use crate::resolve::{
    resolve_shared, InstalledPackage, InstalledTree, Integrity, ResolveError, ResolveMode,
    TreeKind, TreeResolver, VerifiedTrees,
};
use crate::types::finding::PackageRef;
use crate::types::PinState;

/// What discovery and resolution found: everything a scan knows before it
/// looks at advisories. Built without any advisory source, so a caller can
/// fetch advisories for exactly these packages (e.g. online) before
/// [`evaluate`](crate::evaluate).
pub struct Collected {
    pub(super) servers: Vec<Server>,
    pub(super) trees: Vec<Option<InstalledTree>>,
    pub(super) graph: DependencyGraph,
    pub(super) reports: Vec<ServerReport>,
    pub(super) drafts: Vec<Draft>,
}

impl Collected {
    /// Every distinct (ecosystem, name, version) installed, in a stable order:
    /// the queries an advisory source must answer.
    pub fn packages(&self) -> Vec<PackageRef> {
        let set: BTreeSet<PackageRef> = self
            .trees
            .iter()
            .flatten()
            .flat_map(|t| &t.packages)
            .map(|p| PackageRef {
                ecosystem: p.ecosystem,
                name: p.name.clone(),
                version: p.version.clone(),
            })
            .collect();
        set.into_iter().collect()
    }

    /// The root folder of every resolved tree: what a policy file must never
    /// be loaded from.
    pub fn tree_roots(&self) -> Vec<&std::path::Path> {
        self.trees
            .iter()
            .flatten()
            .map(|t| t.root.as_path())
            .collect()
    }

    /// Refuses `policy_file` when it lies inside one of the resolved trees
    /// (after symlinks are resolved): check it before the policy is
    /// parsed, so a file a package planted is never even interpreted.
    /// [`evaluate`](super::evaluate) checks the policy's own file again.
    pub fn refuse_policy_inside(&self, policy_file: &Path) -> Result<(), PolicyPlacementError> {
        let real =
            policy_file
                .canonicalize()
                .map_err(|source| PolicyPlacementError::Unreadable {
                    path: policy_file.to_path_buf(),
                    source,
                })?;
        for root in self.tree_roots() {
            let Ok(root) = root.canonicalize() else {
                continue;
            };
            if real.starts_with(&root) {
                return Err(PolicyPlacementError::InsideTree {
                    path: policy_file.to_path_buf(),
                    root,
                });
            }
        }
        Ok(())
    }

    /// The servers found and their resolved trees, as the report shows them
    /// (before any advisory is matched).
    pub fn servers(&self) -> &[ServerReport] {
        &self.reports
    }

    /// The dependency graph over all servers.
    pub fn graph(&self) -> &DependencyGraph {
        &self.graph
    }
}

/// Discovers servers and resolves their trees; no advisory data is needed.
pub fn collect(options: &ScanOptions) -> Result<Collected, ScanError> {
    collect_with(options, Resolution::default())
}

/// Like [`collect`], getting trees as `resolution` says.
pub fn collect_with(
    options: &ScanOptions,
    resolution: Resolution<'_>,
) -> Result<Collected, ScanError> {
    Ok(collect_inventory(
        discover(&options.discover)?,
        options,
        resolution,
    ))
}

/// Resolves the trees of an inventory's servers (discovered, or built from
/// launch commands by `vet`).
pub fn collect_inventory(
    inventory: Inventory,
    options: &ScanOptions,
    resolution: Resolution<'_>,
) -> Collected {
    let mut collected = Collected {
        servers: Vec::new(),
        trees: Vec::new(),
        graph: DependencyGraph::default(),
        reports: Vec::new(),
        drafts: inventory.findings.iter().map(config_draft).collect(),
    };
    let mut verified = VerifiedTrees::default();
    for server in inventory.servers {
        let tree = match tree_for(&server, options, resolution, &mut verified) {
            Ok(tree) => tree,
            Err(e) => {
                collected.drafts.extend(gaps_for(&server, &e));
                declared_tree(&server, &e)
            }
        };
        collected.graph.add_server(&server.id(), tree.as_ref());
        collected.drafts.extend(unpinned(&server));
        if let Some(tree) = &tree {
            collected
                .drafts
                .extend(tree_findings(&server, tree, &collected.graph));
        }
        collected
            .reports
            .push(server_report(&server, tree.as_ref()));
        collected.trees.push(tree);
        collected.servers.push(server);
    }
    collected
}

/// The tree of one server: from disk, from the resolver, or both in turn.
fn tree_for(
    server: &Server,
    options: &ScanOptions,
    resolution: Resolution<'_>,
    verified: &mut VerifiedTrees,
) -> Result<Option<InstalledTree>, ResolveError> {
    let fresh = |r: &dyn TreeResolver| r.resolve(server);
    match (resolution.mode, resolution.resolver) {
        (ResolveMode::Resolve, Some(r)) => match fresh(r)? {
            Some(tree) => Ok(Some(tree)),
            None => resolve_shared(server, &options.resolve, verified),
        },
        (ResolveMode::InstalledElseResolve, Some(r)) => {
            match resolve_shared(server, &options.resolve, verified) {
                // A launcher the resolver declines (a uv project) stays not installed.
                Err(missing @ ResolveError::NotInstalled { .. }) if fresh_handles(r, server) => {
                    match fresh(r)? {
                        Some(tree) => Ok(Some(noted_missing(tree))),
                        None => Err(missing),
                    }
                }
                other => other,
            }
        }
        _ => resolve_shared(server, &options.resolve, verified),
    }
}

/// Whether the resolver handles the server's launcher (npx, uvx, …).
fn fresh_handles(_resolver: &dyn TreeResolver, server: &Server) -> bool {
    matches!(
        server.launch,
        Launch::Npx { .. }
            | Launch::Uvx { .. }
            | Launch::Pipx { .. }
            | Launch::PackageRunner { .. }
            | Launch::UvRun { .. }
    )
}

fn noted_missing(mut tree: InstalledTree) -> InstalledTree {
    tree.notes.push(
        "not installed on this machine: resolved from the registry instead (--resolve-missing)"
            .into(),
    );
    tree
}

/// When resolution failed, the package and exact version the config
/// declares, as a one-package tree: an unpublished malicious version must
/// still block.
fn declared_tree(server: &Server, error: &ResolveError) -> Option<InstalledTree> {
    let ResolveError::ResolutionFailed { .. } = error else {
        return None;
    };
    let (ecosystem, name, version) = match &server.launch {
        Launch::Npx { package, .. } | Launch::PackageRunner { package, .. }
            if package.pin == PinState::Exact =>
        {
            (
                Ecosystem::Npm,
                package.name.clone(),
                package.requested.clone()?,
            )
        }
        Launch::Uvx { package } | Launch::Pipx { package } => (
            Ecosystem::PyPI,
            package.name.clone(),
            package.exact_version()?.to_string(),
        ),
        _ => return None,
    };
    let mut top = InstalledPackage::new(ecosystem, name, version, String::new());
    top.integrity = Integrity::Unverified {
        reason: "declared in the config; not resolved".into(),
    };
    Some(InstalledTree {
        kind: TreeKind::Declared,
        root: std::path::PathBuf::from(format!("declared:{}", server.name)),
        top: Some(0),
        packages: vec![top],
        notes: vec!["resolution failed: only the declared package and version were matched".into()],
        issues: Vec::new(),
        npm_cache: None,
    })
}
