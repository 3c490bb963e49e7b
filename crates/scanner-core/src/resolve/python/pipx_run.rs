//! `pipx run`: with the uv backend (pipx 1.18's default when uv is found),
//! pipx execs `uv tool run --from <spec>`, so the tree is the one uvx would
//! use; with the pip backend (`PIPX_DEFAULT_BACKEND=pip`) it is a venv in
//! pipx's cache, `<pipx cache>/<sha256 of the request>[:15]`, whose
//! `pipx_metadata.json` names the package. The key hashes the interpreter
//! path, so cached venvs are found by their metadata. Facts and sources:
//! `fixtures/launchers/README.md`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use advisories_cache::Ecosystem;
use serde::Deserialize;

use super::{list_dir, read_env, resolve_uvx, satisfies};
use crate::discover::{env_path, server_env, PythonSpec, Server};
use crate::resolve::{read_tree_file, InstalledTree, ResolveError, ResolveOptions, TreeKind};

/// pipx's cache of `pipx run` venvs: `$PIPX_HOME/.cache` when PIPX_HOME is
/// set, else `$XDG_CACHE_HOME/pipx`, else `~/.cache/pipx`.
fn pipx_cache(server: &Server, home: &Path) -> PathBuf {
    env_path(server, "PIPX_HOME", home)
        .map(|p| p.join(".cache"))
        .or_else(|| env_path(server, "XDG_CACHE_HOME", home).map(|p| p.join("pipx")))
        .unwrap_or_else(|| home.join(".cache/pipx"))
}

#[derive(Deserialize)]
struct Metadata {
    main_package: MainPackage,
    #[serde(default)]
    backend: Option<String>,
}

#[derive(Deserialize)]
struct MainPackage {
    package: String,
    #[serde(default)]
    package_version: Option<String>,
}

/// The tree `pipx run` runs `spec` from.
pub(in crate::resolve) fn resolve_pipx_run(
    server: &Server,
    spec: &PythonSpec,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let backend = server_env(server, "PIPX_DEFAULT_BACKEND").map(str::to_ascii_lowercase);
    let cache = pipx_cache(server, &options.home);
    if backend.as_deref() != Some("pip") {
        match resolve_uvx(server, spec, options) {
            Ok(mut tree) => {
                tree.notes.push(
                    "pipx runs this through `uv tool run` (its uv backend); set PIPX_DEFAULT_BACKEND=pip in the server's env if pipx uses pip".into(),
                );
                return Ok(tree);
            }
            Err(ResolveError::NotInstalled { .. }) if backend.is_none() => {}
            Err(e) => return Err(e),
        }
    }
    let mut found = Vec::new();
    for venv in list_dir(&cache) {
        if matches_request(server, &venv, spec)? {
            let tree = read_env(
                server,
                &venv,
                TreeKind::PipxRun,
                &Ecosystem::PyPI.normalize_name(&spec.name),
            )?;
            let mtime = std::fs::metadata(venv.join("pipx_metadata.json"))
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((mtime, tree));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.root.cmp(&b.1.root)));
    let count = found.len();
    let Some((_, mut tree)) = found.pop() else {
        return Err(ResolveError::NotInstalled {
            server: server.name.clone(),
            package: spec.raw.clone(),
            looked_in: vec![cache, PathBuf::from("the uv cache (pipx's uv backend)")],
        });
    };
    if count > 1 {
        tree.notes.push(format!(
            "{count} pipx run venvs hold `{}`; chose the most recently made",
            spec.raw
        ));
    }
    Ok(tree)
}

/// A cached venv made by the pip backend for this package, at a satisfying version.
fn matches_request(server: &Server, venv: &Path, spec: &PythonSpec) -> Result<bool, ResolveError> {
    let path = venv.join("pipx_metadata.json");
    if !path.is_file() || !venv.join("pyvenv.cfg").is_file() {
        return Ok(false);
    }
    let text = read_tree_file(server, venv, &path)?;
    let meta: Metadata = serde_json::from_str(&text).map_err(|e| ResolveError::BadTree {
        server: server.name.clone(),
        path: path.clone(),
        message: format!("not valid pipx metadata: {e}"),
    })?;
    let same = Ecosystem::PyPI.normalize_name(&meta.main_package.package)
        == Ecosystem::PyPI.normalize_name(&spec.name);
    let version_ok = meta
        .main_package
        .package_version
        .as_deref()
        .is_some_and(|v| satisfies(spec, v));
    Ok(same && version_ok && meta.backend.as_deref().unwrap_or("pip") == "pip")
}
