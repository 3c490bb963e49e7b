//! Python trees: uv tool environments and cached uvx environments, read from
//! each `*.dist-info/METADATA`.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::SystemTime;

use advisories_cache::Ecosystem;

mod markers;
mod pep723;
pub(super) mod pipx_run;
pub(super) mod record;
mod sitedirs;
pub(super) mod uv_run;
pub(super) mod venv;

use super::confine::{Place, TreeRoot};
use super::{
    read_tree_file, InstalledPackage, InstalledTree, Integrity, IssueKind, ResolveError,
    ResolveOptions, TreeIssue, TreeKind,
};
use crate::discover::{env_path, PythonSpec, Server};
use sitedirs::site_dirs;

/// Most entries read from one folder while looking for environments.
const MAX_DIR_ENTRIES: usize = 100_000;

pub(super) fn uv_cache(server: &Server, home: &Path) -> PathBuf {
    env_path(server, "UV_CACHE_DIR", home)
        .or_else(|| env_path(server, "XDG_CACHE_HOME", home).map(|p| p.join("uv")))
        .unwrap_or_else(|| home.join(".cache/uv"))
}

pub(super) fn uv_tools(server: &Server, home: &Path) -> PathBuf {
    env_path(server, "UV_TOOL_DIR", home)
        .or_else(|| env_path(server, "XDG_DATA_HOME", home).map(|p| p.join("uv/tools")))
        .unwrap_or_else(|| home.join(".local/share/uv/tools"))
}

pub(super) fn resolve_uvx(
    server: &Server,
    spec: &PythonSpec,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let wanted = Ecosystem::PyPI.normalize_name(&spec.name);
    let tool_dir = uv_tools(server, &options.home).join(&wanted);
    // uvx runs an installed tool when it satisfies the request.
    if tool_dir.join("pyvenv.cfg").is_file() {
        let tree = read_env(server, &tool_dir, TreeKind::UvTool, &wanted)?;
        if tree
            .top
            .is_some_and(|i| satisfies(spec, &tree.packages[i].version))
        {
            return Ok(tree);
        }
    }
    let cache = uv_cache(server, &options.home);
    let mut candidates = Vec::new();
    for link in environment_links(&cache) {
        let Some(env) = resolve_link(&cache, &link) else {
            continue;
        };
        let tree = read_env(server, &env, TreeKind::UvxEnvironment, &wanted)?;
        if tree
            .top
            .is_some_and(|i| satisfies(spec, &tree.packages[i].version))
        {
            let mtime = std::fs::symlink_metadata(&link)
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            candidates.push((mtime, tree));
        }
    }
    candidates.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.root.cmp(&b.1.root)));
    let count = candidates.len();
    let Some((_, mut tree)) = candidates.pop() else {
        return Err(ResolveError::NotInstalled {
            server: server.name.clone(),
            package: spec.raw.clone(),
            looked_in: vec![tool_dir, cache.join("environments-v2")],
        });
    };
    if count > 1 {
        tree.notes.push(format!(
            "{count} uvx environments satisfy `{}`; chose the most recently created",
            spec.raw
        ));
    }
    Ok(tree)
}

pub(super) fn satisfies(spec: &PythonSpec, installed: &str) -> bool {
    let Some(specifier) = &spec.specifier else {
        return true;
    };
    let (Ok(specs), Ok(version)) = (
        pep440_rs::VersionSpecifiers::from_str(specifier),
        pep440_rs::Version::from_str(installed),
    ) else {
        return false;
    };
    specs.contains(&version)
}

/// `<cache>/environments-v*/<interpreter>/<resolution>` entries.
pub(super) fn environment_links(cache: &Path) -> Vec<PathBuf> {
    let mut links = Vec::new();
    for bucket in list_dir(cache)
        .into_iter()
        .filter(|p| file_name(p).starts_with("environments-v"))
    {
        for interp in list_dir(&bucket) {
            links.extend(
                list_dir(&interp)
                    .into_iter()
                    .filter(|p| !file_name(p).ends_with(".lock")),
            );
        }
    }
    links.sort();
    links
}

/// Follows an environment link (a symlink on Unix, a file naming the target
/// on Windows) to its folder, only if that stays inside the cache.
pub(super) fn resolve_link(cache: &Path, link: &Path) -> Option<PathBuf> {
    let meta = std::fs::symlink_metadata(link).ok()?;
    let target = if meta.file_type().is_symlink() {
        link.parent()?.join(std::fs::read_link(link).ok()?)
    } else if meta.is_file() {
        let text = capped_read::read_text_with(link, 4096, capped_read::Links::Refuse).ok()?;
        cache.join(text.trim())
    } else {
        link.to_path_buf()
    };
    let (target, cache) = (target.canonicalize().ok()?, cache.canonicalize().ok()?);
    (target.starts_with(&cache) && target.join("pyvenv.cfg").is_file()).then_some(target)
}

pub(super) fn list_dir(dir: &Path) -> Vec<PathBuf> {
    list_dir_capped(dir).0
}

/// The entries of `dir`, sorted, at most [`MAX_DIR_ENTRIES`]; the flag is
/// true when the folder held more (the rest was not read).
pub(super) fn list_dir_capped(dir: &Path) -> (Vec<PathBuf>, bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (Vec::new(), false);
    };
    let mut entries = entries.filter_map(|e| e.ok().map(|e| e.path()));
    let mut out: Vec<PathBuf> = entries.by_ref().take(MAX_DIR_ENTRIES).collect();
    let more = entries.next().is_some();
    out.sort();
    (out, more)
}

pub(super) fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// The site-packages folders of a virtual environment.
pub(super) fn site_packages(env: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = list_dir(&env.join("lib"))
        .into_iter()
        .filter(|p| file_name(p).starts_with("python"))
        .map(|p| p.join("site-packages"))
        .collect();
    dirs.push(env.join("Lib/site-packages"));
    // A site-packages linked to a folder inside the environment is read
    // (Python follows it); one linked out of it is not.
    let tree = TreeRoot::new(env);
    dirs.retain(|d| match std::fs::symlink_metadata(d) {
        Ok(m) if m.file_type().is_symlink() => tree
            .as_ref()
            .is_some_and(|t| matches!(t.place(d), Place::Inside(real) if real.is_dir())),
        Ok(m) => m.is_dir(),
        Err(_) => false,
    });
    dirs
}

struct DistInfo {
    name: String,
    version: String,
    path: String,
    requires: Vec<Requirement>,
    /// An `.egg-info` install (no RECORD).
    egg: bool,
    /// In the base interpreter's `site-packages`.
    system: bool,
}

impl DistInfo {
    /// Why the package cannot be verified, known before any file is read.
    fn unverified_reason(&self) -> Integrity {
        let reason = if self.system {
            "in the base interpreter's site-packages (include-system-site-packages); not verified"
        } else if self.egg {
            "an .egg-info install has no RECORD; files not verified"
        } else {
            return Integrity::Pending;
        };
        Integrity::Unverified {
            reason: reason.into(),
        }
    }
}

/// A distribution folder as read: its metadata, and what could not be read
/// in it (a finding: Python may still import its modules).
struct ReadDist {
    dist: Option<DistInfo>,
    problem: Option<String>,
}

/// A `*.dist-info` folder (METADATA), or a `*.egg-info` folder (PKG-INFO,
/// `requires.txt`) or file (PKG-INFO itself); `None` for anything else.
/// Metadata that cannot be read or lacks `Name`/`Version` is a problem, and
/// the name and version then come from the folder name (`name-1.0.dist-info`),
/// so the package is still matched.
fn read_dist(server: &Server, tree: &TreeRoot, dir: &Path) -> Option<ReadDist> {
    let name = file_name(dir);
    let (metadata, egg, stem) = if let Some(stem) = name.strip_suffix(".dist-info") {
        (dir.join("METADATA"), false, stem)
    } else if let Some(stem) = name.strip_suffix(".egg-info") {
        let file = if dir.is_dir() {
            dir.join("PKG-INFO")
        } else {
            dir.to_path_buf()
        };
        (file, true, stem)
    } else {
        return None;
    };
    let shown = metadata
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("METADATA");
    let text = match tree.place(&metadata) {
        Place::Inside(_) => read_tree_file(server, tree.real(), &metadata).map_err(|e| match e {
            ResolveError::BadTree { message, .. } => format!("{shown}: {message}"),
            other => other.to_string(),
        }),
        Place::Outside(real) => Err(format!(
            "{shown} leads outside the environment (to {}); not read",
            real.display()
        )),
        Place::Missing => Err(format!("no {shown}")),
    };
    let (mut dist, problem) = match text.as_deref().map(parse_metadata) {
        Ok(Some(dist)) => (Some(dist), None),
        Ok(None) => (
            from_folder_name(stem),
            Some(format!(
                "{shown} has no `Name` or `Version` header that Python can read"
            )),
        ),
        Err(why) => (from_folder_name(stem), Some(why.clone())),
    };
    let problem = problem.map(|p| match &dist {
        Some(d) => format!(
            "{p}; name and version taken from the folder name ({}@{})",
            d.name, d.version
        ),
        None => format!("{p}; the folder name gives no name and version"),
    });
    if let Some(dist) = &mut dist {
        dist.egg = egg;
        let requires = dir.join("requires.txt");
        if egg && matches!(tree.place(&requires), Place::Inside(_)) && requires.is_file() {
            if let Ok(text) = read_tree_file(server, tree.real(), &requires) {
                dist.requires.extend(parse_requires_txt(&text));
            }
        }
    }
    Some(ReadDist { dist, problem })
}

/// `mcp_runcmd_server-1.0` → a distribution named `mcp_runcmd_server` at `1.0`.
fn from_folder_name(stem: &str) -> Option<DistInfo> {
    let (name, version) = stem.split_once('-')?;
    let version = version.split('-').next().unwrap_or(version);
    (!name.is_empty() && !version.is_empty()).then(|| DistInfo {
        name: name.to_string(),
        version: version.to_string(),
        path: String::new(),
        requires: Vec::new(),
        egg: false,
        system: false,
    })
}

/// setuptools' `requires.txt`: one requirement a line; `[extra:marker]`
/// sections become markers.
fn parse_requires_txt(text: &str) -> Vec<Requirement> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            continue;
        }
        let marker = match section.split_once(':') {
            _ if section.is_empty() => String::new(),
            Some(("", m)) => format!("; {m}"),
            Some((e, m)) => format!("; extra == '{e}' and ({m})"),
            None => format!("; extra == '{section}'"),
        };
        if let Some(r) = crate::discover::parse_requirement(&format!("{line}{marker}")) {
            out.push(r);
        }
    }
    out
}

type Requirement = pep508_rs::Requirement<pep508_rs::VerbatimUrl>;

/// Reads every `*.dist-info` of the environment at `env`: edges by
/// `Requires-Dist` with markers and extras evaluated for the environment,
/// non-registry sources from `direct_url.json`, and RECORD verification.
pub(super) fn read_env(
    server: &Server,
    env: &Path,
    kind: TreeKind,
    wanted: &str,
) -> Result<InstalledTree, ResolveError> {
    let sites = site_dirs(env);
    let mut dists = Vec::new();
    let mut dirs = Vec::new();
    let mut problems: Vec<(Option<usize>, String)> =
        sites.problems.iter().map(|p| (None, p.clone())).collect();
    let tree = TreeRoot::new(env).ok_or_else(|| ResolveError::BadTree {
        server: server.name.clone(),
        path: env.to_path_buf(),
        message: "the environment's folder cannot be read".into(),
    })?;
    for site in &sites.dirs {
        let (listing, more) = list_dir_capped(&site.path);
        if more {
            problems.push((
                None,
                format!(
                    "{} holds more than {MAX_DIR_ENTRIES} entries; the rest was not read",
                    site.path.display()
                ),
            ));
        }
        for dir in listing {
            let Some(read) = read_dist(server, &tree, &dir) else {
                continue;
            };
            let rel = dir.strip_prefix(env).unwrap_or(&dir).display().to_string();
            let at = read.dist.is_some().then_some(dists.len());
            if let Some(why) = read.problem {
                problems.push((
                    at,
                    format!("{rel}: {why}; Python may still import what it holds"),
                ));
            }
            let Some(mut dist) = read.dist else { continue };
            dist.system = site.system;
            dist.path = rel;
            dists.push(dist);
            dirs.push((site.path.clone(), dir));
        }
    }
    let index: HashMap<String, usize> = dists
        .iter()
        .enumerate()
        .map(|(i, d)| (Ecosystem::PyPI.normalize_name(&d.name), i))
        .collect();
    let edges = dist_edges(env, &dists, &index);
    let mut packages: Vec<InstalledPackage> = dists
        .iter()
        .zip(edges)
        .map(|(d, dependencies)| InstalledPackage {
            dependencies,
            integrity: d.unverified_reason(),
            ..InstalledPackage::new(
                Ecosystem::PyPI,
                d.name.clone(),
                d.version.clone(),
                d.path.clone(),
            )
        })
        .collect();
    let mut issues: Vec<TreeIssue> = problems
        .into_iter()
        .map(|(package, message)| TreeIssue {
            kind: IssueKind::UnreadablePackage,
            package,
            message,
        })
        .collect();
    for (i, (_, dir)) in dirs.iter().enumerate() {
        if let Some(issue) = venv::direct_url(dir, &mut packages[i]) {
            issues.push(TreeIssue {
                package: Some(i),
                ..issue
            });
        }
    }
    Ok(InstalledTree {
        kind,
        root: env.to_path_buf(),
        top: index.get(wanted).copied(),
        packages,
        notes: sites.notes,
        issues,
        npm_cache: None,
    })
}

/// Edges: each dist's requirements whose markers hold for this environment
/// with the extras its dependants asked of it (to a fixed point).
fn dist_edges(env: &Path, dists: &[DistInfo], index: &HashMap<String, usize>) -> Vec<Vec<usize>> {
    let version = markers::python_version(env).unwrap_or_else(|| "3.12.0".into());
    let Some(marker_env) = markers::environment(&version) else {
        return vec![Vec::new(); dists.len()];
    };
    let mut extras: Vec<BTreeSet<pep508_rs::ExtraName>> = vec![BTreeSet::new(); dists.len()];
    let active = |d: &DistInfo,
                  e: &BTreeSet<pep508_rs::ExtraName>|
     -> Vec<(usize, Vec<pep508_rs::ExtraName>)> {
        let e: Vec<_> = e.iter().cloned().collect();
        d.requires
            .iter()
            .filter(|r| r.evaluate_markers(&marker_env, &e))
            .filter_map(|r| {
                let to = *index.get(&Ecosystem::PyPI.normalize_name(r.name.as_ref()))?;
                Some((to, r.extras.to_vec()))
            })
            .collect()
    };
    for _ in 0..32 {
        let mut changed = false;
        for (i, d) in dists.iter().enumerate() {
            for (to, asked) in active(d, &extras[i].clone()) {
                for x in asked {
                    changed |= extras[to].insert(x);
                }
            }
        }
        if !changed {
            break;
        }
    }
    dists
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut to: Vec<usize> = active(d, &extras[i]).into_iter().map(|(t, _)| t).collect();
            to.sort_unstable();
            to.dedup();
            to
        })
        .collect()
}

/// `Name` and `Version` from a METADATA file (for packages read from an image).
pub(in crate::resolve) fn name_and_version(text: &str) -> Option<(String, String)> {
    parse_metadata(text).map(|d| (d.name, d.version))
}

/// Reads `Name`, `Version` and every `Requires-Dist` from the header of a METADATA file (RFC 822 style).
/// [`parse_metadata`] for the fuzz harness (its result type stays private).
#[cfg(test)]
pub(super) fn fuzz_metadata(text: &str) {
    let _ = parse_metadata(text);
}

fn parse_metadata(text: &str) -> Option<DistInfo> {
    let (mut name, mut version, mut requires) = (None, None, Vec::new());
    // Python's email parser: header names are case-insensitive and the
    // header ends at the first blank line (even a leading one). `Name :`
    // is no header to Python, but it is read here: a name found is matched.
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim_end().to_ascii_lowercase().as_str() {
            "name" if !value.is_empty() => name = Some(value.to_string()),
            "version" if !value.is_empty() => version = Some(value.to_string()),
            "requires-dist" => {
                if let Some(req) = crate::discover::parse_requirement(value) {
                    requires.push(req);
                }
            }
            _ => {}
        }
    }
    Some(DistInfo {
        name: name?,
        version: version?,
        path: String::new(),
        requires,
        egg: false,
        system: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_header_only() {
        let text = "Metadata-Version: 2.4\nName: mcp-server-fetch\nVersion: 2026.10.24\nRequires-Dist: httpx<0.28\nRequires-Dist: pytest; extra == 'dev'\n\nRequires-Dist: not-a-header\n";
        let d = parse_metadata(text).unwrap();
        assert_eq!(
            (d.name.as_str(), d.version.as_str()),
            ("mcp-server-fetch", "2026.10.24")
        );
        let names: Vec<String> = d.requires.iter().map(|r| r.name.to_string()).collect();
        assert_eq!(names, ["httpx", "pytest"]);
    }

    #[test]
    fn specifier_satisfaction() {
        let spec = PythonSpec::parse("a@1.2").unwrap();
        assert!(satisfies(&spec, "1.2.0"));
        assert!(!satisfies(&spec, "1.3"));
        assert!(satisfies(&PythonSpec::parse("a").unwrap(), "9"));
    }

    #[test]
    fn extras_asked_by_a_dependant_bring_their_dependencies() {
        let dist = |name: &str, reqs: &[&str]| DistInfo {
            name: name.into(),
            version: "1".into(),
            path: String::new(),
            egg: false,
            system: false,
            requires: reqs
                .iter()
                .map(|r| Requirement::from_str(r).unwrap())
                .collect(),
        };
        let dists = vec![
            dist("a", &["b[x]"]),
            dist(
                "b",
                &[
                    "c; extra == 'x'",
                    "d; extra == 'y'",
                    "e; python_version < '3'",
                ],
            ),
            dist("c", &[]),
            dist("d", &[]),
            dist("e", &[]),
        ];
        let index: HashMap<String, usize> = dists
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), i))
            .collect();
        let env = tempfile::tempdir().unwrap();
        std::fs::write(env.path().join("pyvenv.cfg"), "version_info = 3.11.7\n").unwrap();
        let edges = dist_edges(env.path(), &dists, &index);
        assert_eq!(edges[0], [1]);
        assert_eq!(
            edges[1],
            [2],
            "only extra x was asked for; e is for Python 2"
        );
    }
}
