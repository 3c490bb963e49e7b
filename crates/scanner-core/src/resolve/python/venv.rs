//! Python environments reached from a command: a console script or
//! `python -m`, mapped to its environment through `pyvenv.cfg`; pipx and
//! uv tool environments recognised by their metadata. Also the per-package
//! checks every environment gets: `direct_url.json` and RECORD.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use advisories_cache::{Ecosystem, Unit};
use serde::Deserialize;

use super::read_env;
use super::record::{self, RecordRow};
use crate::discover::{server_env, Server};
use crate::resolve::confine::{self, TreeReadError};
use crate::resolve::verify::{hash_stats, stat_files, Check, FileHash, Stat};
use crate::resolve::verify_cache::{Expected, VerifyCache};
use crate::resolve::{
    read_tree_file, InstalledPackage, InstalledTree, Integrity, IssueKind, ResolveError,
    ResolveOptions, TreeIssue, TreeKind,
};

/// Largest small metadata file read (direct_url.json, RECORD, entry points).
const MAX_SMALL_BYTES: u64 = 16 << 20;

/// What names the server's own package in an environment.
#[derive(Debug, Clone, Copy)]
pub enum TopHint<'a> {
    /// `python -m <module>`.
    Module(&'a str),
    /// A console script's file name.
    Script(&'a str),
}

pub(in crate::resolve) fn expand(raw: &str, home: &Path, cwd: Option<&Path>) -> PathBuf {
    match raw.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => cwd.unwrap_or(Path::new("")).join(raw),
    }
}

/// The program a command names: a path, else a bare name on the server's
/// `env.PATH`, else on `search_path` (the caller's PATH) plus the home's
/// `~/.local/bin`.
pub fn find_executable(
    server: &Server,
    command: &str,
    home: &Path,
    search_path: Option<&OsStr>,
) -> Option<PathBuf> {
    if command.contains('/') || command.contains('\\') {
        let path = expand(command, home, server.cwd.as_deref());
        return std::fs::symlink_metadata(&path).is_ok().then_some(path);
    }
    let dirs: Vec<PathBuf> = match server_env(server, "PATH") {
        Some(path) => std::env::split_paths(path)
            .map(|d| expand(&d.to_string_lossy(), home, None))
            .collect(),
        None => search_path
            .map(|p| std::env::split_paths(p).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .chain([home.join(".local/bin")])
            .collect(),
    };
    dirs.into_iter()
        .map(|d| d.join(command))
        .find(|p| p.metadata().is_ok_and(|m| m.is_file()))
}

/// The environment `program` (an interpreter or a console script inside
/// one) belongs to: its folder, or the target of its symlink, two levels up.
fn environment_of(program: &Path) -> Option<PathBuf> {
    let as_given = program
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf);
    let real = program
        .canonicalize()
        .ok()
        .and_then(|p| p.parent()?.parent().map(Path::to_path_buf));
    [as_given, real]
        .into_iter()
        .flatten()
        .find(|env| env.join("pyvenv.cfg").is_file())
}

/// The tree of the environment behind `program`.
pub(in crate::resolve) fn resolve_python(
    server: &Server,
    program: &str,
    hint: TopHint<'_>,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let path = expand(program, &options.home, server.cwd.as_deref());
    let env = environment_of(&path).ok_or_else(|| ResolveError::NotInstalled {
        server: server.name.clone(),
        package: program.to_string(),
        looked_in: vec![path.clone()],
    })?;
    let (kind, named) = kind_of(server, &env)?;
    let mut tree = read_env(server, &env, kind, &named.unwrap_or_default())?;
    if tree.top.is_none() {
        tree.top = top_by_hint(&env, &tree, hint);
    }
    if let (None, TopHint::Module(module)) = (tree.top, hint) {
        tree.issues.push(TreeIssue {
            kind: IssueKind::ModuleNotFound,
            package: None,
            message: format!(
                "`python -m {module}`: no package installed in {} provides module `{module}`; it may come from the working folder or another path, which was not checked",
                env.display()
            ),
        });
    }
    Ok(tree)
}

#[derive(Deserialize)]
struct PipxMetadata {
    main_package: PipxPackage,
}

#[derive(Deserialize)]
struct PipxPackage {
    package: String,
}

#[derive(Deserialize)]
struct UvReceipt {
    tool: UvTool,
}

#[derive(Deserialize)]
struct UvTool {
    requirements: Vec<UvRequirement>,
}

#[derive(Deserialize)]
struct UvRequirement {
    name: String,
}

/// pipx (`pipx_metadata.json`), uv tool (`uv-receipt.toml`) or a plain
/// venv, with the main package's normalised name when the metadata says.
fn kind_of(server: &Server, env: &Path) -> Result<(TreeKind, Option<String>), ResolveError> {
    let bad = |path: PathBuf, message: String| ResolveError::BadTree {
        server: server.name.clone(),
        path,
        message,
    };
    let pipx = env.join("pipx_metadata.json");
    if pipx.is_file() {
        let m: PipxMetadata = serde_json::from_str(&read_tree_file(server, env, &pipx)?)
            .map_err(|e| bad(pipx.clone(), format!("not valid pipx metadata: {e}")))?;
        let name = Ecosystem::PyPI.normalize_name(&m.main_package.package);
        return Ok((TreeKind::Pipx, Some(name)));
    }
    let receipt = env.join("uv-receipt.toml");
    if receipt.is_file() {
        let r: UvReceipt = toml::from_str(&read_tree_file(server, env, &receipt)?)
            .map_err(|e| bad(receipt.clone(), format!("not a valid uv receipt: {e}")))?;
        let name = r
            .tool
            .requirements
            .first()
            .map(|q| Ecosystem::PyPI.normalize_name(&q.name));
        return Ok((TreeKind::UvTool, name));
    }
    Ok((TreeKind::Venv, None))
}

/// The package providing the module or console script.
fn top_by_hint(env: &Path, tree: &InstalledTree, hint: TopHint<'_>) -> Option<usize> {
    tree.packages.iter().position(|p| {
        let dir = env.join(&p.path);
        match hint {
            TopHint::Module(m) => {
                Ecosystem::PyPI.normalize_name(&p.name) == Ecosystem::PyPI.normalize_name(m)
                    || small_text(&dir.join("top_level.txt"))
                        .is_some_and(|t| t.lines().any(|l| l.trim() == m))
                    || small_text(&dir.join("RECORD")).is_some_and(|t| {
                        t.lines().any(|l| {
                            l.starts_with(&format!("{m}/")) || l.starts_with(&format!("{m}.py,"))
                        })
                    })
            }
            TopHint::Script(s) => small_text(&dir.join("entry_points.txt")).is_some_and(|t| {
                t.lines()
                    .filter_map(|l| l.split_once('='))
                    .any(|(k, _)| k.trim() == s)
            }),
        }
    })
}

fn small_text(path: &Path) -> Option<String> {
    capped_read::read_text_with(path, MAX_SMALL_BYTES, capped_read::Links::Refuse).ok()
}

#[derive(Deserialize)]
struct DirectUrl {
    url: String,
    #[serde(default)]
    vcs_info: Option<serde_json::Value>,
    #[serde(default)]
    dir_info: Option<DirInfo>,
}

#[derive(Deserialize)]
struct DirInfo {
    #[serde(default)]
    editable: bool,
}

/// A `direct_url.json` means the package did not come from a registry.
pub(super) fn direct_url(dist_info: &Path, pkg: &mut InstalledPackage) -> Option<TreeIssue> {
    let text = small_text(&dist_info.join("direct_url.json"))?;
    let Ok(d) = serde_json::from_str::<DirectUrl>(&text) else {
        return Some(issue(
            IssueKind::NonRegistrySource,
            format!(
                "{}@{}: direct_url.json is not valid; its source is unknown",
                pkg.name, pkg.version
            ),
        ));
    };
    let url = hide_credentials(&d.url);
    let how = if d.dir_info.as_ref().is_some_and(|i| i.editable) {
        "an editable install of"
    } else if d.vcs_info.is_some() {
        "installed from the VCS URL"
    } else if d.dir_info.is_some() {
        "installed from the local folder"
    } else {
        "installed from the URL"
    };
    pkg.source = Some(url.clone());
    Some(issue(
        IssueKind::NonRegistrySource,
        format!(
            "{}@{} is {how} {url}, not from a registry",
            pkg.name, pkg.version
        ),
    ))
}

fn issue(kind: IssueKind, message: String) -> TreeIssue {
    TreeIssue {
        kind,
        package: None,
        message,
    }
}

/// `https://user:token@host/x` → `https://***@host/x`.
fn hide_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, _) = rest.split_once('/').unwrap_or((rest, ""));
    match auth.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{}", &rest[auth.len()..]),
        None => url.to_string(),
    }
}

/// Verifies every package's RECORD against the disk, hashing all files of
/// the environment in one parallel pass, within the scan's byte budget.
/// Paths leaving the environment are not read and are returned as issues,
/// as are missing, malformed or oversized RECORDs and budget hits.
pub(in crate::resolve) fn verify_env(
    tree: &mut InstalledTree,
    check: &Check<'_>,
) -> Vec<TreeIssue> {
    let env = tree.root.clone();
    let dirs: Vec<(PathBuf, PathBuf)> = tree
        .packages
        .iter()
        .map(|p| {
            let dir = env.join(&p.path);
            (dir.parent().unwrap_or(&env).to_path_buf(), dir)
        })
        .collect();
    verify_records(&env, &dirs, &mut tree.packages, check)
}

/// A RECORD as found on disk.
enum RecordFile {
    Missing,
    Invalid(String),
    Rows(Vec<RecordRow>),
}

/// The RECORD of `dist_info`, read through the capped reader confined to
/// its site-packages folder: a link out, a FIFO or a file over
/// [`MAX_SMALL_BYTES`] is an invalid RECORD, never opened or read whole.
fn read_record(dist_info: &Path) -> RecordFile {
    use capped_read::ReadErrorKind;
    let path = dist_info.join("RECORD");
    let root = dist_info.parent().unwrap_or(dist_info);
    let text = match confine::read_text(root, &path, MAX_SMALL_BYTES) {
        Ok(text) => text,
        Err(TreeReadError::Read(e)) => match e.kind() {
            ReadErrorKind::Missing => return RecordFile::Missing,
            ReadErrorKind::TooLarge { .. } => {
                return RecordFile::Invalid(format!("is {}", e.kind()))
            }
            ReadErrorKind::NotRegular(kind) => {
                return RecordFile::Invalid(format!("is not a regular file ({kind})"))
            }
            ReadErrorKind::NotUtf8 { .. } => {
                return RecordFile::Invalid("is not valid UTF-8".into())
            }
            kind => return RecordFile::Invalid(format!("cannot be read: {kind}")),
        },
        Err(outside) => return RecordFile::Invalid(outside.to_string()),
    };
    match record::parse(&text) {
        Ok(rows) => RecordFile::Rows(rows),
        Err(e) => RecordFile::Invalid(format!("is malformed: {e}")),
    }
}

fn package_issue(kind: IssueKind, i: usize, pkg: &InstalledPackage, what: String) -> TreeIssue {
    TreeIssue {
        kind,
        package: Some(i),
        message: format!("{}@{} ({}): {what}", pkg.name, pkg.version, pkg.path),
    }
}

type Plan = Option<Vec<(RecordRow, PathBuf)>>;

/// Each package's RECORD rows placed on disk; `None` for packages that are
/// not verified (with their integrity and any issue already set).
fn plan_records(
    env: &Path,
    dirs: &[(PathBuf, PathBuf)],
    packages: &mut [InstalledPackage],
    issues: &mut Vec<TreeIssue>,
) -> Vec<Plan> {
    // pip, uv, pipx and virtualenv write a RECORD for every package they
    // install, so in a virtual environment (a `pyvenv.cfg` beside it) or in
    // any environment where some package has one, a missing RECORD is a
    // finding that makes the run incomplete: deleting it must not turn a
    // modified package into a quiet pass. Only a tree with neither (a
    // hand-made or trimmed tree, conda) leaves packages `unverified`.
    let virtual_env = std::fs::symlink_metadata(env.join("pyvenv.cfg")).is_ok_and(|m| m.is_file());
    let sibling_records = dirs.iter().zip(packages.iter()).any(|((_, dir), p)| {
        p.integrity == Integrity::Pending && std::fs::symlink_metadata(dir.join("RECORD")).is_ok()
    });
    let keeps_records = virtual_env || sibling_records;
    let mut planned = Vec::new();
    for (i, (site, dir)) in dirs.iter().enumerate() {
        if packages[i].integrity != Integrity::Pending {
            // Already known to be unverifiable (egg-info, system site).
            planned.push(None);
            continue;
        }
        let rows = match read_record(dir) {
            RecordFile::Rows(rows) => rows,
            RecordFile::Missing => {
                if keeps_records {
                    let why = if sibling_records {
                        "no RECORD, while the other packages of this environment have one: its files cannot be verified"
                    } else {
                        "no RECORD, although every installer of virtual environments writes one: its files cannot be verified"
                    }
                    .to_string();
                    issues.push(package_issue(
                        IssueKind::RecordMissing,
                        i,
                        &packages[i],
                        why,
                    ));
                }
                packages[i].integrity = Integrity::Unverified {
                    reason: "no RECORD".into(),
                };
                planned.push(None);
                continue;
            }
            RecordFile::Invalid(why) => {
                let why = format!("RECORD {why}; its files were not verified");
                issues.push(package_issue(
                    IssueKind::RecordInvalid,
                    i,
                    &packages[i],
                    why.clone(),
                ));
                packages[i].integrity = Integrity::Unverified { reason: why };
                planned.push(None);
                continue;
            }
        };
        let mut placed = Vec::new();
        for row in rows {
            match record::place(site, env, &row.path) {
                Some(p) => placed.push((row, p)),
                None => issues.push(TreeIssue {
                    kind: IssueKind::RecordPathEscape,
                    package: Some(i),
                    message: format!(
                        "{}@{}: RECORD names `{}`, outside the environment; not read",
                        packages[i].name, packages[i].version, row.path
                    ),
                }),
            }
        }
        planned.push(Some(placed));
    }
    planned
}

fn verify_records(
    env: &Path,
    dirs: &[(PathBuf, PathBuf)],
    packages: &mut [InstalledPackage],
    check: &Check<'_>,
) -> Vec<TreeIssue> {
    let mut issues = Vec::new();
    let mut planned = plan_records(env, dirs, packages, &mut issues);
    let all: Vec<PathBuf> = planned
        .iter()
        .flatten()
        .flatten()
        .map(|(_, p)| p.clone())
        .collect();
    let mut stats = stat_files(env, &all).into_iter();
    let mut items: Vec<(PathBuf, Result<Stat, FileHash>)> = Vec::new();
    let mut known: HashMap<PathBuf, FileHash> = HashMap::new();
    let mut reserved = 0u64;
    for (i, plan) in planned.iter_mut().enumerate() {
        let Some(rows) = plan else { continue };
        let mut mine: Vec<(PathBuf, Result<Stat, FileHash>)> = Vec::new();
        let mut bytes = 0u64;
        for (row, path) in rows.iter() {
            let stat = stats.next().expect("one stat per planned row");
            let stat = match stat {
                // A size that differs from RECORD's is a change, seen without
                // reading (but for the 3 bytes of pipx's ` -E` shebang
                // rewrite, which `judge` checks).
                Ok(s)
                    if row
                        .size
                        .is_some_and(|want| want != s.size && want + 3 != s.size) =>
                {
                    Err(FileHash::Unreadable(format!(
                        "{} bytes, RECORD says {}",
                        s.size,
                        row.size.unwrap_or_default()
                    )))
                }
                other => other,
            };
            if let Some(hash) = unchanged(check.known, &stat, &row.sha256) {
                known.insert(path.clone(), hash);
                continue;
            }
            if let Ok(s) = &stat {
                bytes = bytes.saturating_add(s.size);
            }
            mine.push((path.clone(), stat));
        }
        match check.spending.reserve(0, bytes) {
            Ok(()) => {
                reserved = reserved.saturating_add(bytes);
                items.extend(mine);
            }
            Err(why) => {
                let pkg = &mut packages[i];
                issues.push(package_issue(
                    IssueKind::VerificationCapped,
                    i,
                    pkg,
                    format!("not verified: {why}"),
                ));
                pkg.integrity = Integrity::Unverified {
                    reason: format!("not verified: {why}"),
                };
                *plan = None;
            }
        }
    }
    let stamps: HashMap<PathBuf, Stat> = items
        .iter()
        .filter_map(|(p, s)| Some((p.clone(), s.as_ref().ok()?.clone())))
        .collect();
    check.start(Unit::Bytes, reserved);
    let mut hashes = hash_stats(items, check.progress);
    if let Some(cache) = check.known {
        cache.count(known.len() as u64, stamps.len() as u64);
        remember(cache, &planned, &hashes, &stamps);
    }
    hashes.extend(known);
    for (pkg, plan) in packages.iter_mut().zip(&planned) {
        if let Some(rows) = plan {
            pkg.integrity = record::judge(rows, &hashes);
        }
    }
    issues
}

/// The hash an earlier scan found for a file that has not changed since:
/// exactly what RECORD expects, so the file need not be read.
fn unchanged(
    cache: Option<&VerifyCache>,
    stat: &Result<Stat, FileHash>,
    sha256: &[u8; 32],
) -> Option<FileHash> {
    let stat = stat.as_ref().ok()?;
    cache?
        .knows(stat.stamp.as_ref(), Expected::Sha256(sha256))
        .then_some(FileHash::Hashed {
            size: stat.size,
            sha256: *sha256,
        })
}

/// Adds to the cache every file read that holds exactly what its RECORD
/// row says (a rewritten pipx shebang is checked again each time).
fn remember(
    cache: &VerifyCache,
    planned: &[Plan],
    hashes: &HashMap<PathBuf, FileHash>,
    stats: &HashMap<PathBuf, Stat>,
) {
    for (row, path) in planned.iter().flatten().flatten() {
        let (Some(FileHash::Hashed { size, sha256 }), Some(stat)) =
            (hashes.get(path), stats.get(path))
        else {
            continue;
        };
        if *sha256 == row.sha256 && *size == stat.size && row.size.is_none_or(|s| s == *size) {
            cache.remember(&[(stat.stamp, Expected::Sha256(&row.sha256))]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_hidden() {
        assert_eq!(
            hide_credentials("https://u:tok@git.example/x.git"),
            "https://***@git.example/x.git"
        );
        assert_eq!(hide_credentials("file:///tmp/x"), "file:///tmp/x");
    }
}
