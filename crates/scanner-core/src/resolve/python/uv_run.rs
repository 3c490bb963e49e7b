//! `uv run`: what runs is one environment, or two layered:
//! - a script with PEP 723 metadata runs in its own cached environment,
//!   `<uv cache>/environments-v*/<file stem>-<digest of the script path>`;
//! - otherwise, in a project (a `pyproject.toml` at or above the folder,
//!   unless `--no-project`), the project's `.venv` (`UV_PROJECT_ENVIRONMENT`);
//! - `--with` requirements are a cached layer on top,
//!   `<uv cache>/environments-v*/<interpreter>/<resolution>`, like uvx's.
//!
//! The digests are uv-internal hashes, so cached environments are found by
//! what they hold. Facts and sources: `fixtures/launchers/README.md`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use advisories_cache::Ecosystem;

use super::pep723;
use super::{environment_links, file_name, list_dir, read_env, resolve_link, satisfies, uv_cache};
use crate::discover::{env_path, PythonSpec, Server};
use crate::resolve::{
    read_named_file, working_dir, InstalledTree, ResolveError, ResolveOptions, TreeKind,
};

/// What `uv run` was given.
pub(in crate::resolve) struct UvRun<'a> {
    /// `--directory` / `--project`.
    pub(in crate::resolve) directory: Option<&'a str>,
    /// The command or script.
    pub(in crate::resolve) target: &'a str,
    /// `--with` requirements.
    pub(in crate::resolve) with: &'a [String],
    /// `--no-project` and alike.
    pub(in crate::resolve) no_project: bool,
}

/// The tree `uv run` runs in.
pub(in crate::resolve) fn resolve_uv_run(
    server: &Server,
    run: &UvRun<'_>,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let home = &options.home;
    let cwd = working_dir(server, home);
    let dir = match run.directory {
        Some(d) => super::venv::expand(d, home, cwd.as_deref()),
        None => cwd.clone().unwrap_or_default(),
    };
    let cache = uv_cache(server, home);
    let with = parse_with(server, run.with)?;
    let mut base = if let Some((script, deps)) = script_deps(server, &dir, run.target, home)? {
        Some(script_env(server, &script, &deps, &cache)?)
    } else if run.no_project {
        None
    } else {
        project_env(server, &dir)?
    };
    if with.is_empty() {
        return base.ok_or_else(|| ResolveError::Unsupported {
            server: server.name.clone(),
            command: format!(
                "uv run {} (no project, script metadata or --with: it runs in whatever Python uv finds)",
                run.target
            ),
        });
    }
    let layer = with_layer(server, &with, &cache)?;
    Ok(match base.take() {
        None => {
            let mut layer = layer;
            layer.notes.push(
                "uv layers the --with environment over the Python interpreter it finds; that interpreter's own packages are not scanned".into(),
            );
            layer
        }
        Some(base) => stack(base, layer, options),
    })
}

/// The requirements a `uv run` server resolves into cached environments (a
/// PEP 723 script's dependencies, then `--with`), as typed, for resolving
/// without installing. `Ok(None)` when it is not `uv run`, or runs in a
/// project's environment (which comes from the project, not from
/// requirements), or has nothing to resolve.
pub fn uv_run_requirements(
    server: &Server,
    home: &Path,
) -> Result<Option<Vec<String>>, ResolveError> {
    let crate::discover::Launch::UvRun {
        directory,
        target,
        with,
        no_project,
    } = &server.launch
    else {
        return Ok(None);
    };
    let cwd = working_dir(server, home);
    let dir = match directory {
        Some(d) => super::venv::expand(d, home, cwd.as_deref()),
        None => cwd.unwrap_or_default(),
    };
    let mut wanted: Vec<String> = match script_deps(server, &dir, target, home)? {
        Some((_, deps)) => deps.into_iter().map(|d| d.raw).collect(),
        None if !no_project && in_project(&dir) => return Ok(None),
        None => Vec::new(),
    };
    wanted.extend(with.iter().cloned());
    Ok((!wanted.is_empty()).then_some(wanted))
}

fn in_project(dir: &Path) -> bool {
    dir.ancestors()
        .take(64)
        .any(|d| d.join("pyproject.toml").is_file())
}

fn parse_with(server: &Server, with: &[String]) -> Result<Vec<PythonSpec>, ResolveError> {
    with.iter()
        .map(|w| {
            PythonSpec::parse(w).ok_or_else(|| ResolveError::Unsupported {
                server: server.name.clone(),
                command: format!("uv run --with {w} (not a requirement supplygate can read)"),
            })
        })
        .collect()
}

/// The script's PEP 723 dependencies, when `target` is a `.py` file with a
/// `script` block.
fn script_deps(
    server: &Server,
    dir: &Path,
    target: &str,
    home: &Path,
) -> Result<Option<(PathBuf, Vec<PythonSpec>)>, ResolveError> {
    if !target.ends_with(".py") && !target.ends_with(".pyw") {
        return Ok(None);
    }
    let path = super::venv::expand(target, home, Some(dir));
    if !path.is_file() {
        return Ok(None);
    }
    let text = read_named_file(server, &path)?;
    let bad = |message: String| ResolveError::BadTree {
        server: server.name.clone(),
        path: path.clone(),
        message,
    };
    let Some(meta) = pep723::parse(&text).map_err(bad)? else {
        return Ok(None);
    };
    let deps = meta
        .dependencies
        .iter()
        .map(|d| {
            PythonSpec::parse(d)
                .ok_or_else(|| bad(format!("dependency `{d}` is not a PEP 508 requirement")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some((path, deps)))
}

/// Is the environment what uv builds for exactly these requirements: each
/// one installed at a satisfying version, and nothing else installed that
/// no requirement pulls in (an environment for more, such as another
/// tool's, is not the one uv would use)?
fn holds(tree: &InstalledTree, wanted: &[PythonSpec]) -> bool {
    let names: Vec<String> = wanted
        .iter()
        .map(|w| Ecosystem::PyPI.normalize_name(&w.name))
        .collect();
    let all_present = wanted.iter().zip(&names).all(|(spec, name)| {
        tree.packages.iter().any(|p| {
            Ecosystem::PyPI.normalize_name(&p.name) == *name && satisfies(spec, &p.version)
        })
    });
    let pulled_in: std::collections::HashSet<usize> = tree
        .packages
        .iter()
        .flat_map(|p| p.dependencies.iter().copied())
        .collect();
    let no_strangers = tree.packages.iter().enumerate().all(|(i, p)| {
        pulled_in.contains(&i) || names.contains(&Ecosystem::PyPI.normalize_name(&p.name))
    });
    all_present && no_strangers
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The newest candidate, with a note when several matched.
fn newest(mut found: Vec<(SystemTime, InstalledTree)>, what: &str) -> Option<InstalledTree> {
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.root.cmp(&b.1.root)));
    let count = found.len();
    let (_, mut tree) = found.pop()?;
    if count > 1 {
        tree.notes.push(format!(
            "{count} cached uv environments match {what}; chose the most recently made"
        ));
    }
    Some(tree)
}

/// `<cache>/environments-v*/<stem>-<digest>` holding the script's dependencies.
fn script_env(
    server: &Server,
    script: &Path,
    deps: &[PythonSpec],
    cache: &Path,
) -> Result<InstalledTree, ResolveError> {
    let stem = script
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    let mut found = Vec::new();
    for bucket in list_dir(cache)
        .into_iter()
        .filter(|p| file_name(p).starts_with("environments-v"))
    {
        for env in list_dir(&bucket) {
            let named = file_name(&env)
                .strip_prefix(&stem)
                .is_some_and(|rest| rest.starts_with('-'));
            let is_dir = std::fs::symlink_metadata(&env).is_ok_and(|m| m.is_dir());
            if !named || !is_dir || !env.join("pyvenv.cfg").is_file() {
                continue;
            }
            let tree = read_env(server, &env, TreeKind::UvScript, "")?;
            if holds(&tree, deps) {
                found.push((mtime(&env), tree));
            }
        }
    }
    let what = format!("the inline metadata of {}", script.display());
    newest(found, &what).ok_or_else(|| ResolveError::NotInstalled {
        server: server.name.clone(),
        package: script.display().to_string(),
        looked_in: vec![cache.join(format!("environments-v2/{stem}-*"))],
    })
}

/// The project environment: the nearest `pyproject.toml` at or above
/// `dir`, its `.venv` (or `UV_PROJECT_ENVIRONMENT`). `Ok(None)` outside a project.
fn project_env(server: &Server, dir: &Path) -> Result<Option<InstalledTree>, ResolveError> {
    let Some(project) = dir
        .ancestors()
        .take(64)
        .find(|d| d.join("pyproject.toml").is_file())
    else {
        return Ok(None);
    };
    let env = env_path(server, "UV_PROJECT_ENVIRONMENT", project)
        .map(|p| project.join(p))
        .unwrap_or_else(|| project.join(".venv"));
    if !env.join("pyvenv.cfg").is_file() {
        return Err(ResolveError::NotInstalled {
            server: server.name.clone(),
            package: format!("the uv project at {}", project.display()),
            looked_in: vec![env],
        });
    }
    let mut tree = read_env(server, &env, TreeKind::UvProject, "")?;
    tree.notes.push(format!(
        "uv run syncs {} with uv.lock before it runs; this is the environment as it is now",
        env.display()
    ));
    Ok(Some(tree))
}

/// The cached `--with` environment holding every requirement.
fn with_layer(
    server: &Server,
    with: &[PythonSpec],
    cache: &Path,
) -> Result<InstalledTree, ResolveError> {
    let mut found = Vec::new();
    for link in environment_links(cache) {
        let Some(env) = resolve_link(cache, &link) else {
            continue;
        };
        let tree = read_env(server, &env, TreeKind::UvWith, "")?;
        if holds(&tree, with) {
            found.push((mtime(&link), tree));
        }
    }
    let raw: Vec<&str> = with.iter().map(|w| w.raw.as_str()).collect();
    newest(found, &format!("--with {}", raw.join(", "))).ok_or_else(|| ResolveError::NotInstalled {
        server: server.name.clone(),
        package: format!("--with {}", raw.join(", ")),
        looked_in: vec![cache.join("environments-v2")],
    })
}

/// `base` with `layer`'s packages added (verified in place first, since
/// their files lie outside `base`'s root).
fn stack(
    mut base: InstalledTree,
    mut layer: InstalledTree,
    options: &ResolveOptions,
) -> InstalledTree {
    if options.verify {
        // The layer is verified before the scan's shared budget is reached:
        // it gets a budget of its own, with the same caps.
        let spending = crate::resolve::verify::Spending::new(options.budget);
        let check = crate::resolve::verify::Check {
            spending: &spending,
            known: options.verify_cache.as_deref(),
            progress: &*options.progress.0,
            label: "the `uv run --with` layer's files",
        };
        crate::resolve::verify::verify_tree(&mut layer, &check);
    }
    let offset = base.packages.len();
    for mut p in layer.packages {
        p.path = layer.root.join(&p.path).display().to_string();
        for d in &mut p.dependencies {
            *d += offset;
        }
        base.packages.push(p);
    }
    base.issues.extend(layer.issues.into_iter().map(|mut i| {
        i.package = i.package.map(|p| p + offset);
        i
    }));
    base.notes.extend(layer.notes);
    base.notes.push(format!(
        "--with packages come from the cached layer {}",
        layer.root.display()
    ));
    base
}
