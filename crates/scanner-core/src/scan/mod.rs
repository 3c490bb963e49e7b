//! The pipeline: discover → resolve → graph → match → decide → report.

use std::collections::{BTreeSet, HashMap};

use advisories_cache::{AdvisoryLookup, Ecosystem, LookupError, Vulnerability};

use crate::baseline::{annotate, tree_changes_for, Baseline, TreeChanges};
use crate::discover::secrets::redact_text;
use crate::discover::Inventory;
use crate::discover::{
    discover, ConfigError, ConfigFinding, DiscoverOptions, Launch, PinState, Server,
};
use crate::graph::DependencyGraph;
use crate::matching::grouping::group;
use crate::matching::{affects, fixes, only_git_ranges};
use crate::policy::Finding;
use crate::policy::{FindingContext, Policy};
use crate::report::{AdvisorySource, PackageEntry, Report, ServerReport, Summary, TreeInfo};
use crate::resolve::{
    resolve_shared, FailureCause, InstalledPackage, InstalledTree, Integrity, ResolveError,
    ResolveMode, ResolveOptions, TreeKind, TreeResolver, VerifiedTrees,
};
use crate::types::finding::{Code, ConfigLocation, PackageRef, Severity};
use crate::types::version::Version;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Which configs to read.
    pub discover: DiscoverOptions,
    /// Where trees are looked for.
    pub resolve: ResolveOptions,
    /// A label for the advisory source, for the report.
    pub advisory_source: String,
    /// Now, as Unix seconds, for `too-new`; `None` skips that check.
    pub now: Option<i64>,
    /// The minimum release age in seconds: a version published less than
    /// this long before `now` is `too-new`.
    pub min_age_secs: i64,
}

impl ScanOptions {
    /// Scans the well-known client configs under `home` and the trees they
    /// run, verifying installed files; no machine-wide configs, no
    /// environment (this process's variables are not the scanned user's),
    /// no `too-new` check. Set the public fields for more.
    pub fn new(home: impl Into<std::path::PathBuf>) -> Self {
        let home = home.into();
        ScanOptions {
            discover: DiscoverOptions {
                home: home.clone(),
                default_locations: true,
                ..DiscoverOptions::default()
            },
            resolve: ResolveOptions::new(home),
            advisory_source: "in-memory".into(),
            now: None,
            min_age_secs: DEFAULT_MIN_AGE_SECS,
        }
    }
}

/// The default minimum release age: two days.
pub const DEFAULT_MIN_AGE_SECS: i64 = 2 * 24 * 3600;

/// How a scan gets its trees: from disk, or also from a resolver.
#[derive(Clone, Copy, Default)]
pub struct Resolution<'a> {
    /// When to read the disk and when to resolve.
    pub mode: ResolveMode,
    /// What resolves a tree without installing it (vet, --resolve-missing).
    pub resolver: Option<&'a dyn TreeResolver>,
}

/// A scan that could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A config file is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The advisory data could not be read.
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

/// What discovery and resolution found: everything a scan knows before it
/// looks at advisories. Built without any advisory source, so a caller can
/// fetch advisories for exactly these packages (e.g. online) before
/// [`evaluate`].
pub struct Collected {
    servers: Vec<Server>,
    trees: Vec<Option<InstalledTree>>,
    graph: DependencyGraph,
    reports: Vec<ServerReport>,
    drafts: Vec<Draft>,
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

/// Matches collected trees against `lookup` and decides every finding.
pub fn evaluate(
    collected: Collected,
    lookup: &dyn AdvisoryLookup,
    policy: &Policy,
    options: &ScanOptions,
) -> Result<Report, ScanError> {
    evaluate_against(collected, lookup, policy, options, None)
}

/// [`evaluate`], and when a `baseline` is given: a `tree-changed` finding
/// for every package added, removed or changed since it, each server's
/// `tree_changes`, and every finding marked `new` or `unchanged`.
pub fn evaluate_against(
    collected: Collected,
    lookup: &dyn AdvisoryLookup,
    policy: &Policy,
    options: &ScanOptions,
    baseline: Option<(&Baseline, &str)>,
) -> Result<Report, ScanError> {
    let Collected {
        servers,
        trees,
        graph,
        mut reports,
        mut drafts,
        ..
    } = collected;
    if let Some((baseline, _)) = baseline {
        for (i, changes) in tree_changes_for(&reports, baseline) {
            drafts.extend(tree_changed(&servers[i], &changes));
            reports[i].tree_changes = Some(changes);
        }
    }
    let mut matcher = Matcher {
        lookup,
        cache: HashMap::new(),
        git_only: BTreeSet::new(),
    };
    let mut counts = Vec::new();
    let mut uncovered = Vec::new();
    for eco in Ecosystem::ALL {
        counts.push((eco, lookup.record_count(eco)?));
        if !lookup.covers(eco)? {
            uncovered.push(eco);
        }
    }
    for (server, tree) in servers.iter().zip(&trees) {
        let Some(tree) = tree else { continue };
        drafts.extend(fact_findings(server, tree, &graph, options));
        if let Some(draft) = no_data(server, tree, &uncovered) {
            drafts.push(draft);
            continue;
        }
        drafts.extend(matcher.match_tree(server, tree, &graph)?);
    }
    let mut report = finish(reports, drafts, policy, options, counts);
    report.advisories.git_ranges_not_evaluated = matcher.git_only.into_iter().collect();
    if let Some((baseline, file)) = baseline {
        annotate(&mut report, baseline, file);
    }
    Ok(report)
}

/// Runs the whole pipeline against `lookup`: [`collect`] then [`evaluate`].
pub fn scan(
    options: &ScanOptions,
    lookup: &dyn AdvisoryLookup,
    policy: &Policy,
) -> Result<Report, ScanError> {
    evaluate(collect(options)?, lookup, policy, options)
}

fn finish(
    servers: Vec<ServerReport>,
    drafts: Vec<Draft>,
    policy: &Policy,
    options: &ScanOptions,
    records: Vec<(Ecosystem, u64)>,
) -> Report {
    let incomplete: Vec<String> = drafts
        .iter()
        .filter(|d| d.code.is_coverage_gap())
        .map(|d| d.message.clone())
        .collect();
    let mut findings: Vec<Finding> = drafts.into_iter().map(|d| d.decide(policy)).collect();
    let audit = policy.audit(findings.iter().filter_map(|f| f.exception.as_ref()));
    let servers = with_owners(servers, policy);
    findings.sort_by(|a, b| {
        (b.decision, b.severity, &a.server, &a.package)
            .cmp(&(a.decision, a.severity, &b.server, &b.package))
    });
    let summary = Summary::new(&servers, &findings, incomplete);
    Report {
        generated_at: None,
        servers,
        findings,
        advisories: AdvisorySource {
            source: options.advisory_source.clone(),
            records,
            snapshot: None,
            git_ranges_not_evaluated: Vec::new(),
        },
        summary,
        policy: audit,
        baseline: None,
    }
}

fn with_owners(mut servers: Vec<ServerReport>, policy: &Policy) -> Vec<ServerReport> {
    for s in &mut servers {
        s.owner = policy.servers().get(&s.name).and_then(|p| p.owner.clone());
    }
    servers
}

/// A finding before the policy has decided it.
struct Draft {
    code: Code,
    /// How severe, for advisory findings only.
    severity: Option<Severity>,
    server: String,
    package: Option<PackageRef>,
    advisory: Option<crate::types::finding::AdvisoryRef>,
    path: Vec<String>,
    message: String,
    /// How the server's spec is pinned (for `unpinned-server`).
    pin: Option<PinState>,
    /// Whether the package is a direct dependency of the server, when known.
    direct: Option<bool>,
    /// Whether the package has an install script, when known.
    install_script: Option<bool>,
    /// Whether the package is the server's own package, when known.
    server_package: Option<bool>,
    /// The config entry it comes from.
    location: Option<ConfigLocation>,
}

impl Draft {
    fn new(code: Code, server: &Server, message: String) -> Draft {
        let location = ConfigLocation {
            path: server.config_path.clone(),
            line: server.line,
        };
        Draft {
            location: Some(location),
            ..Draft::named(code, server.name.clone(), message)
        }
    }

    /// A draft about `server` by name (config findings may name a file instead).
    fn named(code: Code, server: String, message: String) -> Draft {
        Draft {
            code,
            severity: None,
            server,
            package: None,
            advisory: None,
            path: Vec::new(),
            message,
            pin: None,
            direct: None,
            install_script: None,
            server_package: None,
            location: None,
        }
    }

    fn context(&self) -> FindingContext<'_> {
        let package = self.package.as_ref();
        let advisory = self.advisory.as_ref();
        FindingContext {
            code: self.code,
            severity: self.severity,
            // No score means `min-cvss` rules do not match (never a guessed score).
            cvss: advisory.and_then(|a| a.cvss.as_ref()).map(|c| c.score),
            ecosystem: package.map(|p| p.ecosystem),
            package: package.map(|p| p.name.as_str()),
            version: package.map(|p| p.version.as_str()),
            server: &self.server,
            direct: self.direct,
            install_script: self.install_script,
            advisory_id: advisory.map(|a| a.id.as_str()),
            aliases: advisory.map_or(&[], |a| a.aliases.as_slice()),
            pin: self.pin,
            server_package: self.server_package,
        }
    }

    fn decide(self, policy: &Policy) -> Finding {
        let verdict = policy.decide(&self.context());
        let mut finding = Finding {
            id: String::new(),
            code: self.code,
            severity: self.severity,
            decision: verdict.decision,
            rule: verdict.decided_by.to_string(),
            decided_by: verdict.decided_by,
            exception: verdict.exception,
            expired_exception: verdict.expired_exception,
            server: self.server,
            package: self.package,
            advisory: self.advisory,
            path: self.path,
            message: self.message,
            location: self.location,
            change: None,
        };
        finding.id = finding.fingerprint();
        finding
    }
}

fn gaps_for(server: &Server, error: &ResolveError) -> Vec<Draft> {
    let code = match error {
        ResolveError::Unsupported { .. } => Code::UnsupportedLauncher,
        ResolveError::NotInstalled { .. } | ResolveError::BadTree { .. } => Code::TreeNotInstalled,
        ResolveError::ResolutionFailed { cause, .. } => match cause {
            FailureCause::NeedsBuild => Code::NeedsBuild,
            FailureCause::Registry | FailureCause::NonRegistry => Code::ResolutionFailed,
        },
    };
    let message = redact_text(&error.to_string());
    let mut drafts = vec![Draft::new(code, server, message.clone())];
    if let ResolveError::ResolutionFailed {
        cause: FailureCause::NonRegistry,
        ..
    } = error
    {
        drafts.push(Draft::new(Code::NonRegistrySource, server, message));
    }
    drafts
}

/// A config-level finding from discovery (secret, transport, skipped file…).
fn config_draft(f: &ConfigFinding) -> Draft {
    let server = f
        .server
        .clone()
        .unwrap_or_else(|| f.path.display().to_string());
    let location = ConfigLocation {
        path: f.path.clone(),
        line: f.line,
    };
    Draft {
        location: Some(location),
        ..Draft::named(f.code, server, f.message.clone())
    }
}

/// Findings about the tree itself: checksum mismatches, lockfile drift,
/// non-registry sources, RECORD paths that escape.
fn tree_findings(server: &Server, tree: &InstalledTree, graph: &DependencyGraph) -> Vec<Draft> {
    let package_draft = |code: Code, i: usize, message: String| {
        let p = &tree.packages[i];
        Draft {
            package: Some(PackageRef {
                ecosystem: p.ecosystem,
                name: p.name.clone(),
                version: p.version.clone(),
            }),
            direct: is_direct(tree, i),
            install_script: install_script(p),
            path: graph.path_labels(&server.id(), &tree.root, &p.path),
            ..Draft::new(code, server, message)
        }
    };
    let mut drafts = Vec::new();
    for (i, p) in tree.packages.iter().enumerate() {
        if let Integrity::Mismatch {
            modified,
            missing,
            other,
        } = &p.integrity
        {
            let message = format!(
                "server `{}`: {}@{} at {}: {}",
                server.name,
                p.name,
                p.version,
                tree.root.join(&p.path).display(),
                mismatch_summary(modified, missing, other)
            );
            drafts.push(package_draft(Code::ChecksumMismatch, i, message));
        }
    }
    for issue in &tree.issues {
        let code = issue.kind.code();
        let message = format!("server `{}`: {}", server.name, issue.message);
        drafts.push(match issue.package {
            Some(i) => package_draft(code, i, message),
            None => Draft::new(code, server, message),
        });
    }
    drafts
}

/// Registry facts as findings (deprecated, yanked, too new, install
/// script). Made at evaluation, since the minimum release age comes from
/// the policy, which is loaded after the trees are known.
fn fact_findings(
    server: &Server,
    tree: &InstalledTree,
    graph: &DependencyGraph,
    options: &ScanOptions,
) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for (i, p) in tree.packages.iter().enumerate() {
        for (code, message) in crate::facts::findings(p, options.now, options.min_age_secs) {
            drafts.push(Draft {
                package: Some(PackageRef {
                    ecosystem: p.ecosystem,
                    name: p.name.clone(),
                    version: p.version.clone(),
                }),
                server_package: Some(tree.top == Some(i)),
                direct: is_direct(tree, i),
                install_script: install_script(p),
                path: graph.path_labels(&server.id(), &tree.root, &p.path),
                ..Draft::new(code, server, format!("server `{}`: {message}", server.name))
            });
        }
    }
    drafts
}

fn mismatch_summary(modified: &[String], missing: &[String], other: &[String]) -> String {
    let list = |what: &str, files: &[String]| {
        let shown: Vec<&str> = files.iter().take(3).map(String::as_str).collect();
        let more = files.len().saturating_sub(3);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("{} {what} file(s): {}{tail}", files.len(), shown.join(", "))
    };
    let mut parts: Vec<String> = other.to_vec();
    if !modified.is_empty() {
        parts.push(list("modified", modified));
    }
    if !missing.is_empty() {
        parts.push(list("missing", missing));
    }
    parts.join("; ")
}

/// One `tree-changed` finding per package added, removed or at another
/// version since the baseline (the package named is the one installed now,
/// or the one removed).
fn tree_changed(server: &Server, changes: &TreeChanges) -> Vec<Draft> {
    let draft = |package: PackageRef, what: String| Draft {
        package: Some(package),
        ..Draft::new(
            Code::TreeChanged,
            server,
            format!("server `{}`: {what} since the baseline", server.name),
        )
    };
    let changed = changes.changed.iter().map(|c| {
        let now = PackageRef {
            ecosystem: c.ecosystem,
            name: c.name.clone(),
            version: c.to.clone(),
        };
        draft(now, format!("{} changed {} → {}", c.name, c.from, c.to))
    });
    let added = changes
        .added
        .iter()
        .map(|p| draft(p.clone(), format!("{p} was added")));
    let removed = changes
        .removed
        .iter()
        .map(|p| draft(p.clone(), format!("{p} was removed")));
    changed.chain(added).chain(removed).collect()
}

fn unpinned(server: &Server) -> Option<Draft> {
    let (raw, pin) = server.launch.package_pin()?;
    let raw = redact_text(raw);
    (pin != PinState::Exact).then(|| {
        let message = format!("server `{}`: `{raw}` is not pinned to an exact version; the next launch may run other code", server.name);
        Draft {
            pin: Some(pin),
            ..Draft::new(Code::UnpinnedServer, server, message)
        }
    })
}

fn no_data(server: &Server, tree: &InstalledTree, uncovered: &[Ecosystem]) -> Option<Draft> {
    let used: BTreeSet<Ecosystem> = tree.packages.iter().map(|p| p.ecosystem.base()).collect();
    let missing: Vec<&str> = used
        .iter()
        .filter(|e| uncovered.contains(e))
        .map(|e| e.as_str())
        .collect();
    (!missing.is_empty()).then(|| {
        let message = format!(
            "server `{}`: the advisories store has no {} records, so its packages were not checked (hint: run `supplygate db update --ecosystem {}` or `supplygate db import`)",
            server.name,
            missing.join(", "),
            missing.join(",")
        );
        Draft::new(Code::NoAdvisoryData, server, message)
    })
}

fn server_report(server: &Server, tree: Option<&InstalledTree>) -> ServerReport {
    let (requested, pin) = match (&server.launch, server.launch.package_pin()) {
        (_, Some((raw, pin))) => (Some(redact_text(raw)), Some(pin)),
        (Launch::Remote { url }, _) => (Some(url.clone()), None),
        (Launch::Docker { image, .. }, _) => (Some(image.clone()), None),
        _ => (None, None),
    };
    let packages: Vec<PackageEntry> = tree
        .map(|t| {
            t.packages
                .iter()
                .map(|p| PackageEntry {
                    package: PackageRef {
                        ecosystem: p.ecosystem,
                        name: p.name.clone(),
                        version: p.version.clone(),
                    },
                    path: p.path.clone(),
                    dependencies: p
                        .dependencies
                        .iter()
                        .map(|&d| t.packages[d].path.clone())
                        .collect(),
                    direct: p.direct,
                    has_install_script: p.has_install_script,
                    integrity: p.integrity.clone(),
                    source: p.source.clone(),
                    published_integrity: p.published.clone(),
                    facts: p.facts.clone(),
                    source_package: p.source_package.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    ServerReport {
        name: server.name.clone(),
        client: server.client.clone(),
        scope: server.scope.clone(),
        config_path: server.config_path.clone(),
        line: server.line,
        launcher: server.launch.launcher().to_string(),
        requested,
        pin,
        package: tree
            .and_then(|t| t.top)
            .map(|i| packages[i].package.clone()),
        tree: tree.map(|t| TreeInfo {
            kind: t.kind,
            root: t.root.clone(),
            notes: t.notes.clone(),
        }),
        packages,
        owner: None,
        pinned: None,
        tree_changes: None,
    }
}

/// Whether package `index` is the server's own package or one it depends on
/// directly (resolution marks the latter, and without a top package marks
/// the packages nothing depends on).
/// ` (source util-linux@2.38.1-5)` when advisories were matched through
/// the package's source package, so a reader sees why a record names
/// another package.
fn source_label(pkg: &InstalledPackage) -> String {
    match &pkg.source_package {
        Some(_) => {
            let (name, version) = pkg.advisory_name_and_version();
            format!(" (source {name}@{version})")
        }
        None => String::new(),
    }
}

fn is_direct(tree: &InstalledTree, index: usize) -> Option<bool> {
    Some(tree.top == Some(index) || tree.packages[index].direct)
}

/// Whether the package runs an install script: known for npm (lockfile
/// `hasInstallScript`, package.json scripts); unknown for Python.
fn install_script(p: &crate::resolve::InstalledPackage) -> Option<bool> {
    (p.ecosystem == Ecosystem::Npm).then_some(p.has_install_script)
}

/// Looks up each (ecosystem, name) once per scan.
struct Matcher<'a> {
    lookup: &'a dyn AdvisoryLookup,
    cache: HashMap<(Ecosystem, String), Vec<Vulnerability>>,
    /// Records naming a package only through GIT ranges (not evaluated).
    git_only: BTreeSet<String>,
}

impl Matcher<'_> {
    fn records(&mut self, eco: Ecosystem, name: &str) -> Result<&[Vulnerability], LookupError> {
        let key = (eco, eco.normalize_name(name));
        if !self.cache.contains_key(&key) {
            let found = self.lookup.advisories_for(eco, name)?;
            self.cache.insert(key.clone(), found);
        }
        Ok(&self.cache[&key])
    }

    fn match_tree(
        &mut self,
        server: &Server,
        tree: &InstalledTree,
        graph: &DependencyGraph,
    ) -> Result<Vec<Draft>, LookupError> {
        let mut drafts = Vec::new();
        for (index, pkg) in tree.packages.iter().enumerate() {
            let package = PackageRef {
                ecosystem: pkg.ecosystem,
                name: pkg.name.clone(),
                version: pkg.version.clone(),
            };
            // Distribution advisories name the source package and its version.
            let (name, matched_version) = pkg.advisory_name_and_version();
            let Ok(version) = Version::parse(pkg.ecosystem, matched_version) else {
                let message = format!(
                    "server `{}`: {package}{} has a version that is not valid {}; not matched",
                    server.name,
                    source_label(pkg),
                    pkg.ecosystem
                );
                drafts.push(Draft {
                    package: Some(package),
                    ..Draft::new(Code::InvalidVersion, server, message)
                });
                continue;
            };
            let records = self.records(pkg.ecosystem, name)?;
            let git_only: Vec<String> = records
                .iter()
                .filter(|v| only_git_ranges(v, pkg.ecosystem, name))
                .map(|v| format!("{} ({})", v.id, name))
                .collect();
            let matched: Vec<Vulnerability> = records
                .iter()
                .filter(|v| affects(v, pkg.ecosystem, name, &version))
                .cloned()
                .collect();
            self.git_only.extend(git_only);
            for mut g in group(&matched) {
                let members: Vec<&Vulnerability> = matched
                    .iter()
                    .filter(|v| g.advisory.records.contains(&v.id))
                    .collect();
                (g.advisory.fixed, g.advisory.nearest_fix) =
                    fixes(&members, pkg.ecosystem, name, &version);
                let code = if g.malicious {
                    Code::MaliciousPackage
                } else {
                    Code::VulnerableDependency
                };
                let what = g.advisory.summary.as_deref().unwrap_or(code.description());
                let message = format!("{package}{}: {} {what}", source_label(pkg), g.advisory.id);
                drafts.push(Draft {
                    package: Some(package.clone()),
                    server_package: Some(tree.top == Some(index)),
                    direct: is_direct(tree, index),
                    install_script: install_script(pkg),
                    path: graph.path_labels(&server.id(), &tree.root, &pkg.path),
                    advisory: Some(g.advisory),
                    severity: Some(g.severity),
                    ..Draft::new(code, server, message)
                });
            }
        }
        Ok(drafts)
    }
}
