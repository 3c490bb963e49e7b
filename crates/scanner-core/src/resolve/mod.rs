//! Resolution: the installed tree behind each server, read from disk.
//!
//! What is installed is what runs, so the tree comes from the files npm and uv
//! left behind (lockfiles checked against package folders, `dist-info`
//! metadata), never from what a manifest asks for, and no package code runs.

mod confine;
mod image;
mod npm;
mod python;
pub mod resolved;
mod verify;
pub mod verify_cache;

use python::venv;

pub use image::{container_tool, ImageArchive, ImageRequest, StoreExport};
pub use npm::npx_hash;
pub use python::uv_run::uv_run_requirements;
pub use verify::{hash_files, FileHash, HashBudget, VerifyProgress};
pub use verify_cache::VerifyCache;

/// The integrity of an installed package (the shared [`crate::IntegrityState`]).
pub use crate::types::IntegrityState as Integrity;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use advisories_cache::Ecosystem;
use serde::Serialize;

use crate::discover::{Launch, Runner, Server, SpecSource};
use crate::finding::Code;

/// Where resolution looks.
#[derive(Debug, Clone)]
pub struct ResolveOptions {
    /// The home folder whose npm and uv caches and tool folders are read.
    pub home: PathBuf,
    /// Verify installed files (RECORD, cached npm tarballs); without it every
    /// package is `unverified`.
    pub verify: bool,
    /// Most bytes read to verify files, per package and per scan.
    pub budget: HashBudget,
    /// Image archives given for `docker run`/`podman run` servers.
    pub image_archives: Vec<ImageArchive>,
    /// The `PATH` a bare command (`mcp-server-x`) is looked up on when the
    /// server's config sets no `env.PATH`: the scanning user's, given by
    /// the caller (the CLI passes its own). `None`: only the home's
    /// `~/.local/bin`; the core never reads this process's environment.
    pub search_path: Option<OsString>,
    /// Images the caller could not export from a local Docker/Podman
    /// store, with why (named in the tree-not-installed message).
    pub image_store_failures: Vec<(String, String)>,
    /// What earlier scans verified: files unchanged since are not read
    /// again, and what this scan verifies is added to it.
    pub verify_cache: Option<Arc<VerifyCache>>,
    /// Where verification reports the files and bytes it has read.
    pub progress: VerifyProgress,
}

impl ResolveOptions {
    /// Options for `home`, verifying files within the default budget.
    pub fn new(home: PathBuf) -> Self {
        ResolveOptions {
            home,
            verify: true,
            budget: HashBudget::default(),
            image_archives: Vec::new(),
            search_path: None,
            image_store_failures: Vec::new(),
            verify_cache: None,
            progress: VerifyProgress::default(),
        }
    }
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledPackage {
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// Its name as published.
    pub name: String,
    /// Its version as installed.
    pub version: String,
    /// Where it is installed, relative to the tree's root.
    pub path: String,
    /// Indices (into the tree's packages) of the packages it depends on.
    #[serde(skip)]
    pub dependencies: Vec<usize>,
    /// True for a direct dependency of the server's own package.
    pub direct: bool,
    /// True when the package runs an install script (npm `hasInstallScript`).
    pub has_install_script: bool,
    /// Whether its installed files were checked against what was published.
    pub integrity: Integrity,
    /// Where it was installed from, when that is not a package registry
    /// (a git URL, an archive URL, a local folder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The published tarball's integrity (SRI) the lockfile records (npm).
    #[serde(skip)]
    pub published: Option<String>,
    /// The distribution source package advisories are filed under, when
    /// it differs from the binary package (dpkg `Source`, apk origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_package: Option<SourcePackage>,
    /// What the registry says about this version, when known.
    #[serde(skip_serializing_if = "RegistryFacts::is_empty")]
    pub facts: RegistryFacts,
}

/// A distribution's source package: what Debian, Ubuntu and Alpine file
/// advisories under. dpkg records it as `Source: name (version)`; the
/// version is given only when it differs from the binary package's (a
/// binNMU `+b1`, or an epoch only the binary has), and the advisory's
/// ranges are in source versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcePackage {
    /// The source package's name (`util-linux` for `bsdutils`).
    pub name: String,
    /// The source version when it differs from the binary's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// What a package registry says about one version: read from a lockfile
/// written at resolution (npm copies `deprecated`) or from registry replies
/// the CLI fetched. Every field is `None` when not known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegistryFacts {
    /// The deprecation message (npm `deprecated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// The version is yanked (PyPI); the reason, possibly empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yanked: Option<String>,
    /// The project's status when not active (PEP 792: `archived`,
    /// `quarantined`, `deprecated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_status: Option<String>,
    /// When the version was published, as Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<i64>,
}

impl RegistryFacts {
    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        *self == RegistryFacts::default()
    }
}

impl InstalledPackage {
    /// A registry package with no dependencies yet and nothing verified.
    pub fn new(ecosystem: Ecosystem, name: String, version: String, path: String) -> Self {
        InstalledPackage {
            ecosystem,
            name,
            version,
            path,
            dependencies: Vec::new(),
            direct: false,
            has_install_script: false,
            integrity: Integrity::Pending,
            source: None,
            published: None,
            facts: RegistryFacts::default(),
            source_package: None,
        }
    }

    /// The name and version advisories are filed under: the source
    /// package's for a distribution package that names one (Debian and
    /// Ubuntu records name source packages and give source versions), else
    /// the package's own.
    pub fn advisory_name_and_version(&self) -> (&str, &str) {
        match &self.source_package {
            Some(source) => (
                &source.name,
                source.version.as_deref().unwrap_or(&self.version),
            ),
            None => (&self.name, &self.version),
        }
    }
}

/// Something about a tree that is a finding in itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeIssue {
    /// What kind of issue.
    pub kind: IssueKind,
    /// The package concerned (index into the tree's packages), if any.
    #[serde(skip)]
    pub package: Option<usize>,
    /// What was seen, for a human.
    pub message: String,
}

/// The kinds of [`TreeIssue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum IssueKind {
    /// The lockfile and the disk disagree (missing, extraneous, other version).
    LockfileMismatch,
    /// A package was installed from git, a URL or a local path, or is editable.
    NonRegistrySource,
    /// A RECORD names a path outside its environment; it was not read.
    RecordPathEscape,
    /// A package folder could not be read, or a walk cap was hit: part of
    /// the tree is unknown.
    UnreadablePackage,
    /// No package of the environment provides the `python -m` module.
    ModuleNotFound,
    /// A package in an environment that keeps RECORDs has none.
    RecordMissing,
    /// A RECORD is malformed, not a regular file or over the size cap.
    RecordInvalid,
    /// The byte budget for verification stopped before a package was read.
    VerificationCapped,
    /// A digest-pinned image is not the image read for its reference.
    ImageDigestMismatch,
    /// A native binary whose contents cannot be listed.
    UnscannedBinary,
    /// Registry facts (publish time, deprecation, yanked) of a resolved
    /// package could not be fetched.
    RegistryFactsUnknown,
}

/// Past this many issues of one kind in one tree, they are reported as one
/// finding that lists the first `LISTED`: a lockfile naming a million
/// missing packages costs one finding, not a million (memory stays bounded
/// by the lockfile's size cap, not by what the report would hold).
pub const MAX_ISSUES_PER_KIND: usize = 50;
/// How many issues the one aggregated finding lists.
const LISTED: usize = 20;

/// Issues of one kind, kept up to [`MAX_ISSUES_PER_KIND`] and counted past it.
#[derive(Debug)]
pub(crate) struct Tally {
    kind: IssueKind,
    kept: Vec<TreeIssue>,
    total: usize,
}

impl Tally {
    pub(crate) fn new(kind: IssueKind) -> Tally {
        Tally {
            kind,
            kept: Vec::new(),
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, issue: TreeIssue) {
        self.total += 1;
        if self.kept.len() <= MAX_ISSUES_PER_KIND {
            self.kept.push(issue);
        }
    }

    /// The issues, or one issue summing them up when there were too many.
    pub(crate) fn finish(self) -> Vec<TreeIssue> {
        if self.total <= MAX_ISSUES_PER_KIND {
            return self.kept;
        }
        let first: Vec<&str> = self
            .kept
            .iter()
            .take(LISTED)
            .map(|i| i.message.as_str())
            .collect();
        let message = format!(
            "{} {} issues in this tree, reported as one; the first {LISTED}: {}; and {} more",
            self.total,
            self.kind.code(),
            first.join("; "),
            self.total - LISTED
        );
        vec![TreeIssue {
            kind: self.kind,
            package: None,
            message,
        }]
    }
}

/// Aggregates `issues` kind by kind (see [`Tally`]), keeping their order.
fn aggregate(issues: Vec<TreeIssue>) -> Vec<TreeIssue> {
    let mut tallies: Vec<Tally> = Vec::new();
    for issue in issues {
        match tallies.iter_mut().find(|t| t.kind == issue.kind) {
            Some(t) => t.push(issue),
            None => {
                let mut t = Tally::new(issue.kind);
                t.push(issue);
                tallies.push(t);
            }
        }
    }
    tallies.into_iter().flat_map(Tally::finish).collect()
}

impl IssueKind {
    /// The finding code an issue of this kind is reported under.
    pub fn code(self) -> Code {
        match self {
            IssueKind::LockfileMismatch => Code::LockfileMismatch,
            IssueKind::NonRegistrySource => Code::NonRegistrySource,
            IssueKind::RecordPathEscape => Code::RecordPathEscape,
            IssueKind::UnreadablePackage => Code::UnreadablePackage,
            IssueKind::ModuleNotFound => Code::ModuleNotFound,
            IssueKind::RecordMissing => Code::RecordMissing,
            IssueKind::RecordInvalid => Code::RecordInvalid,
            IssueKind::VerificationCapped => Code::VerificationCapped,
            IssueKind::ImageDigestMismatch => Code::ImageDigestMismatch,
            IssueKind::UnscannedBinary => Code::UnscannedBinary,
            IssueKind::RegistryFactsUnknown => Code::RegistryFactsUnknown,
        }
    }
}

/// The kind of tree resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TreeKind {
    /// `<npm cache>/_npx/<hash>`.
    NpxCache,
    /// A `uv tool install` environment.
    UvTool,
    /// A cached uvx environment.
    UvxEnvironment,
    /// A global npm install (`<prefix>/lib/node_modules`), no lockfile.
    NpmGlobal,
    /// A local npm project (`node path/to/server.js`).
    NpmProject,
    /// A pipx virtual environment.
    Pipx,
    /// A plain virtual environment.
    Venv,
    /// Not installed: what the launcher would install now, resolved from
    /// the registry by the package manager with scripts and builds off.
    Resolved,
    /// Not installed and not resolvable: only the package and version the
    /// config declares, so at least they are matched against advisories.
    Declared,
    /// `bunx`: `<bun install cache>/.bunx-<uid>/<spec>`.
    BunxCache,
    /// `pnpm dlx`: `<pnpm cache>/dlx/<key>/pkg`.
    PnpmDlx,
    /// `pipx run` with pipx's pip backend: a venv in pipx's cache.
    PipxRun,
    /// `uv run script.py`: the script's PEP 723 environment.
    UvScript,
    /// `uv run` in a project: the project's `.venv`.
    UvProject,
    /// `uv run --with …` outside a project: the cached `--with` layer.
    UvWith,
    /// A container image (OCI layout or `docker save` archive).
    Image,
    /// A native binary run directly (a Go binary's build info).
    Binary,
}

/// The installed tree a server runs from.
#[derive(Debug, Clone, Serialize)]
pub struct InstalledTree {
    /// What kind of tree it is.
    pub kind: TreeKind,
    /// Its root folder.
    pub root: PathBuf,
    /// Index of the server's own package in `packages`.
    pub top: Option<usize>,
    /// Every installed package, in a stable order.
    pub packages: Vec<InstalledPackage>,
    /// Things the reader of the report should know (choices made, oddities).
    pub notes: Vec<String>,
    /// Findings about the tree itself (lockfile drift, non-registry sources).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<TreeIssue>,
    /// The npm cache whose `_cacache` holds the tarballs (npm trees).
    #[serde(skip)]
    pub npm_cache: Option<PathBuf>,
}

impl InstalledTree {
    /// Adds `issues` found after the tree was read (by a resolver fetching
    /// registry facts), aggregated kind by kind like the reader's own.
    pub fn add_issues(&mut self, issues: Vec<TreeIssue>) {
        self.issues.extend(issues);
        self.issues = aggregate(std::mem::take(&mut self.issues));
    }

    /// Marks the direct dependencies of the top package; without a top
    /// package, the packages nothing else depends on (what the server can
    /// import first).
    fn mark_direct(&mut self) {
        let direct = match self.top {
            Some(top) => self.packages[top].dependencies.clone(),
            None => self.roots(),
        };
        for dep in direct {
            self.packages[dep].direct = true;
        }
    }

    /// The packages no other package of the tree depends on.
    pub fn roots(&self) -> Vec<usize> {
        let mut depended = vec![false; self.packages.len()];
        for p in &self.packages {
            for &d in &p.dependencies {
                depended[d] = true;
            }
        }
        (0..self.packages.len()).filter(|&i| !depended[i]).collect()
    }
}

/// A server whose tree could not be resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// Nothing is installed where the launcher would look.
    #[error("server `{server}`: {package} is not installed (looked in {})", display_paths(.looked_in))]
    NotInstalled {
        /// The server.
        server: String,
        /// The package spec.
        package: String,
        /// Where it was looked for.
        looked_in: Vec<PathBuf>,
    },
    /// A file of the tree could not be read or parsed.
    #[error("server `{server}`: {path}: {message}")]
    BadTree {
        /// The server.
        server: String,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Resolving what the launcher would install failed (registry
    /// unreachable, version gone, dependency refused…).
    #[error("server `{server}`: {package} could not be resolved: {message}")]
    ResolutionFailed {
        /// The server.
        server: String,
        /// The package spec.
        package: String,
        /// What went wrong, for a human.
        message: String,
        /// Why, as a kind findings are made from.
        cause: FailureCause,
    },
    /// The launcher is not one supplygate resolves.
    #[error("server `{server}`: launcher `{command}` is not supported yet; its packages were not checked")]
    Unsupported {
        /// The server.
        server: String,
        /// The command.
        command: String,
    },
}

/// Why a resolution failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureCause {
    /// The registry or the package manager failed (unreachable, not found).
    Registry,
    /// A package can only be had by building it from source (sdist only);
    /// builds are never run.
    NeedsBuild,
    /// A dependency comes from git or a URL; such dependencies are refused.
    NonRegistry,
}

/// How a scan gets trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResolveMode {
    /// Only installed trees (the default `scan`).
    #[default]
    Installed,
    /// Installed trees; a server with none is resolved (`scan --resolve-missing`).
    InstalledElseResolve,
    /// Every server is resolved, never read from disk (`vet`).
    Resolve,
}

/// Resolves what a server's launcher would install now, without installing
/// it and without running package code. Implemented outside scanner-core
/// (it needs the network and the package managers); scanner-core only
/// decides when to ask.
pub trait TreeResolver {
    /// The tree `server` would run if launched now; `Ok(None)` when this
    /// resolver does not handle the server's launcher.
    fn resolve(&self, server: &Server) -> Result<Option<InstalledTree>, ResolveError>;
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves the tree behind `server`; `Ok(None)` for servers that have no
/// local tree (remote servers).
pub fn resolve(
    server: &Server,
    options: &ResolveOptions,
) -> Result<Option<InstalledTree>, ResolveError> {
    resolve_shared(server, options, &mut VerifiedTrees::default())
}

/// Verification results by tree, within one scan: a tree several servers
/// run from is verified once.
#[derive(Debug, Default)]
pub struct VerifiedTrees {
    done: HashMap<(PathBuf, Vec<String>), Verified>,
    /// Bytes the scan may still read to verify files; set from the options
    /// at the first verification.
    spending: Option<verify::Spending>,
}

#[derive(Debug, Clone)]
struct Verified {
    server: String,
    integrity: Vec<Integrity>,
    issues: Vec<TreeIssue>,
}

/// Like [`resolve`], reusing (and recording) verification results in `cache`.
pub fn resolve_shared(
    server: &Server,
    options: &ResolveOptions,
    cache: &mut VerifiedTrees,
) -> Result<Option<InstalledTree>, ResolveError> {
    let tree = match &server.launch {
        Launch::Npx {
            specs,
            package,
            explicit_package,
        } => npm::resolve_npx(server, specs, package, *explicit_package, options)?,
        Launch::Uvx { package } => python::resolve_uvx(server, package, options)?,
        Launch::PackageRunner { runner, package } => match runner {
            Runner::Bunx => npm::bunx::resolve_bunx(server, package, options)?,
            Runner::PnpmDlx => npm::pnpm_dlx::resolve_pnpm_dlx(server, package, options)?,
            Runner::YarnDlx => Err(npm::yarn_dlx::resolve_yarn_dlx(server, package))?,
        },
        Launch::Pipx { package } => python::pipx_run::resolve_pipx_run(server, package, options)?,
        Launch::UvRun {
            directory,
            target,
            with,
            no_project,
        } => {
            let run = python::uv_run::UvRun {
                directory: directory.as_deref(),
                target,
                with,
                no_project: *no_project,
            };
            python::uv_run::resolve_uv_run(server, &run, options)?
        }
        Launch::NodeScript { runtime, script } if is_node(runtime) => {
            npm::resolve_script(server, script, options)?
        }
        Launch::PythonModule { python, module } => {
            venv::resolve_python(server, python, venv::TopHint::Module(module), options)?
        }
        Launch::Executable { path } => resolve_executable(server, path, options)?,
        Launch::Docker {
            image,
            digest,
            platform,
            ..
        } => {
            let request = ImageRequest {
                image,
                digest: digest.as_deref(),
                platform: platform.as_deref(),
            };
            let mut tree = image::resolve_image(server, &request, options)?;
            tree.mark_direct();
            return Ok(Some(tree));
        }
        Launch::Remote { .. } => return Ok(None),
        Launch::UvxSource { source, origin } => Err(uvx_source_unchecked(server, source, *origin))?,
        Launch::Unsupported { command } => Err(ResolveError::Unsupported {
            server: server.name.clone(),
            command: command.clone(),
        })?,
        Launch::Empty => Err(ResolveError::Unsupported {
            server: server.name.clone(),
            command: String::new(),
        })?,
        other => Err(ResolveError::Unsupported {
            server: server.name.clone(),
            command: other.launcher().to_string(),
        })?,
    };
    Ok(Some(finish(server, tree, options, cache)))
}

fn finish(
    server: &Server,
    mut tree: InstalledTree,
    options: &ResolveOptions,
    cache: &mut VerifiedTrees,
) -> InstalledTree {
    tree.mark_direct();
    tree.issues = aggregate(std::mem::take(&mut tree.issues));
    if options.verify {
        verify_once(server, &mut tree, cache, options);
        tree.issues = aggregate(std::mem::take(&mut tree.issues));
    } else {
        for p in &mut tree.packages {
            p.integrity = Integrity::Unverified {
                reason: "verification skipped (--no-verify)".into(),
            };
        }
    }
    tree
}

/// Verifies `tree` unless the same tree (root and packages) was verified
/// earlier in this scan; then its results are reused and a note says so.
fn verify_once(
    server: &Server,
    tree: &mut InstalledTree,
    cache: &mut VerifiedTrees,
    options: &ResolveOptions,
) {
    let key = (
        tree.root.clone(),
        tree.packages.iter().map(|p| p.path.clone()).collect(),
    );
    if let Some(done) = cache.done.get(&key) {
        for (p, integrity) in tree.packages.iter_mut().zip(&done.integrity) {
            p.integrity = integrity.clone();
        }
        tree.issues = done.issues.clone();
        tree.notes.push(format!(
            "files verified once for this scan (tree shared with server `{}`)",
            done.server
        ));
        return;
    }
    let spending = cache
        .spending
        .get_or_insert_with(|| verify::Spending::new(options.budget));
    let known = options.verify_cache.as_deref();
    let before = known.map(VerifyCache::usage).unwrap_or_default();
    let label = format!("`{}`'s files", server.name);
    let check = verify::Check {
        spending,
        known,
        progress: &*options.progress.0,
        label: &label,
    };
    verify::verify_tree(tree, &check);
    let after = known.map(VerifyCache::usage).unwrap_or_default();
    let unchanged = after.unchanged - before.unchanged;
    if unchanged > 0 {
        let read = after.read - before.read;
        tree.notes.push(format!(
            "{unchanged} of {} files unchanged since an earlier scan verified them (verification cache); {read} read",
            unchanged + read
        ));
    }
    let done = Verified {
        server: server.name.clone(),
        integrity: tree.packages.iter().map(|p| p.integrity.clone()).collect(),
        issues: tree.issues.clone(),
    };
    cache.done.insert(key, done);
}

/// `uvx` from git, a URL or a path: the source, not the launcher, is what
/// supplygate does not resolve (building it would run its code), so the
/// server stays unchecked and the run incomplete.
fn uvx_source_unchecked(server: &Server, source: &str, kind: SpecSource) -> ResolveError {
    let from = match kind {
        SpecSource::Git => "a git repository",
        SpecSource::Url => "a URL",
        _ => "a local path",
    };
    ResolveError::ResolutionFailed {
        server: server.name.clone(),
        package: source.to_string(),
        message: format!(
            "uvx installs it from {from}, which supplygate does not resolve (only registry releases are checked); its packages were not checked; pin a registry release (`uvx --from NAME==VERSION`) to have it checked"
        ),
        cause: FailureCause::NonRegistry,
    }
}

/// `node`, `/usr/bin/node`, `nodejs.exe`: Node runs the script (not deno, bun).
fn is_node(runtime: &str) -> bool {
    let base = runtime.rsplit(['/', '\\']).next().unwrap_or(runtime);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    base == "node" || base == "nodejs"
}

/// A console script or bin: a Python environment or a global npm package.
fn resolve_executable(
    server: &Server,
    command: &str,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let unsupported = || ResolveError::Unsupported {
        server: server.name.clone(),
        command: command.to_string(),
    };
    let search_path = options.search_path.as_deref();
    let path =
        venv::find_executable(server, command, &options.home, search_path).ok_or_else(|| {
            ResolveError::NotInstalled {
                server: server.name.clone(),
                package: command.to_string(),
                looked_in: vec![PathBuf::from(if command.contains(['/', '\\']) {
                    command
                } else {
                    "PATH (the server's env.PATH, else supplygate's and ~/.local/bin)"
                })],
            }
        })?;
    if let Some(tree) = npm::resolve_global_bin(&path) {
        return Ok(tree);
    }
    if let Some(tree) = image::resolve_binary(&path) {
        return Ok(tree);
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(command);
    let program = path.to_str().unwrap_or(command);
    venv::resolve_python(server, program, venv::TopHint::Script(name), options).map_err(|e| match e
    {
        ResolveError::NotInstalled { .. } => unsupported(),
        other => other,
    })
}

/// The folder the server starts in: its `cwd` (`~/` expanded), else the
/// project of a project-scoped config.
fn working_dir(server: &Server, home: &Path) -> Option<PathBuf> {
    match &server.cwd {
        Some(cwd) => Some(venv::expand(&cwd.to_string_lossy(), home, None)),
        None => server.scope.project().map(PathBuf::from),
    }
}

/// Largest metadata file read (lockfiles, METADATA).
const MAX_METADATA_BYTES: u64 = 64 << 20;

/// Reads a metadata file (lockfile, manifest, METADATA, receipt) of the
/// tree rooted at `root` as text, through the capped reader confined to
/// the tree ([`confine::read_text`]): a link leading out of the tree, a
/// FIFO or a device is never opened.
fn read_tree_file(server: &Server, root: &Path, path: &Path) -> Result<String, ResolveError> {
    confine::read_text(root, path, MAX_METADATA_BYTES).map_err(|e| ResolveError::BadTree {
        server: server.name.clone(),
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// `root/name` parsed as `format` (a launcher's lockfile, e.g. `bun.lock`
/// or `pnpm-lock.yaml`), read by [`read_tree_file`]; `Ok(None)` when the
/// tree has no such file.
fn read_tree_doc(
    server: &Server,
    root: &Path,
    name: &str,
    format: crate::discover::formats::Format,
) -> Result<Option<crate::discover::formats::Node>, ResolveError> {
    let path = root.join(name);
    if !path.is_file() {
        return Ok(None);
    }
    let text = read_tree_file(server, root, &path)?;
    let doc = format.parse(&text).map_err(|e| ResolveError::BadTree {
        server: server.name.clone(),
        message: format!("not a valid {name}: {e}"),
        path,
    })?;
    Ok(Some(doc))
}

/// Reads a file the config itself names (a `uv run` script), through the
/// capped reader; links are followed, as for `--config` files: the user
/// chose the path, it is not a file found inside a tree.
fn read_named_file(server: &Server, path: &Path) -> Result<String, ResolveError> {
    capped_read::read_capped_text(path, MAX_METADATA_BYTES).map_err(|e| ResolveError::BadTree {
        server: server.name.clone(),
        path: path.to_path_buf(),
        message: e.kind().to_string(),
    })
}

/// The parsers of tree files, for the fuzz harness (`crate::fuzz`).
#[cfg(test)]
pub(crate) mod fuzz_targets {
    use std::path::Path;

    pub fn metadata(text: &str) {
        super::python::fuzz_metadata(text);
    }

    pub fn record(text: &str) {
        let _ = super::python::record::parse(text);
    }

    pub fn lockfile(text: &str) {
        let _ = super::npm::lockfile::parse(text);
    }

    pub fn package_json(dir: &Path) {
        let _ = super::npm::node_modules::manifest(dir);
    }
}
