//! npm: `npm install --package-lock-only --ignore-scripts` in an empty
//! private folder — npm's own Arborist building the ideal tree npx would
//! reify into a fresh `_npx` folder, writing only a lockfile. Packuments are
//! fetched; no tarball is unpacked and no script runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use scanner_core::discover::{Launch, Server, SpecSource};
use scanner_core::resolve::resolved::npm_tree;
use scanner_core::resolve::{FailureCause, ResolveError};

use super::process::tail;
use super::{failed, flag_value, run_manager, EcosystemResolver, Resolved, ResolverOptions};

/// The npm resolver.
pub struct Npm;

/// npmrc keys never copied into the private config: where npm writes, what
/// it runs, and how it treats its cache are ours to decide.
const NOT_COPIED: &[&str] = &[
    "cache",
    "prefix",
    "userconfig",
    "globalconfig",
    "script-shell",
    "shell",
    "ignore-scripts",
    "git",
    "offline",
    "prefer-offline",
    "prefer-online",
    "node-options",
    "logs-dir",
    "omit-lockfile-registry-resolved",
    "package-lock-only",
];

impl EcosystemResolver for Npm {
    fn resolve(
        &self,
        server: &Server,
        options: &ResolverOptions,
    ) -> Result<Option<Resolved>, ResolveError> {
        let (specs, package, runner) = match &server.launch {
            Launch::Npx { specs, package, .. } => (specs.clone(), package, None),
            Launch::PackageRunner { runner, package } => {
                (vec![package.raw.clone()], package, Some(*runner))
            }
            _ => return Ok(None),
        };
        let specs = &specs;
        if !matches!(package.source, SpecSource::Registry | SpecSource::Alias) {
            return Err(failed(
                server,
                &package.raw,
                FailureCause::NonRegistry,
                "refused: git, URL and local specs are not resolved (fetching them can run code); pin a registry version".into(),
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("supplygate-vet-npm-")
            .tempdir()
            .map_err(|e| failed(server, &package.raw, FailureCause::Registry, e.to_string()))?;
        let io =
            |e: std::io::Error| failed(server, &package.raw, FailureCause::Registry, e.to_string());
        std::fs::write(dir.path().join("package.json"), "{}\n").map_err(io)?;
        let npmrc = dir.path().join("npmrc");
        std::fs::write(&npmrc, private_npmrc(server, &options.home)).map_err(io)?;
        let command = npm_command(server, specs, dir.path(), &npmrc, options);
        let missing = "`npm` was not found on PATH; install Node.js with npm (9 or later) to resolve npx servers";
        let ran = run_manager(
            server,
            &package.raw,
            ("npm", missing),
            command,
            dir.path(),
            options,
        )?;
        if !ran.success {
            let not_cached = options.offline && ran.stderr.contains("ENOTCACHED");
            let message = if not_cached {
                format!(
                    "--offline: what it needs is not in the npm cache {} (hint: vet it once online, or fill the cache with `npm cache add {}`); npm: {}",
                    user_cache(server, &options.home).display(),
                    specs.join(" "),
                    tail(&ran.stderr)
                )
            } else {
                format!("npm: {}", tail(&ran.stderr))
            };
            return Err(failed(server, &package.raw, cause_of(&ran.stderr), message));
        }
        let lock = std::fs::read_to_string(dir.path().join("package-lock.json")).map_err(io)?;
        let root = PathBuf::from(format!("resolved:npm:{}", package.raw));
        let mut tree = npm_tree(&lock, &package.name, root)
            .map_err(|m| failed(server, &package.raw, FailureCause::Registry, m))?;
        tree.notes.push(format!(
            "resolved now with `npm install --package-lock-only --ignore-scripts {}` (not installed; no script ran)",
            specs.join(" ")
        ));
        if let Some(runner) = runner {
            tree.notes.push(format!(
                "{} resolves with its own resolver: this is npm's resolution of the same spec from the same registry; where several versions satisfy a range the choice may differ, and the layout is npm's hoisted one",
                runner.label()
            ));
        }
        Ok(Some(Resolved {
            tree,
            packuments: packuments(&lock),
        }))
    }
}

fn npm_command(
    server: &Server,
    specs: &[String],
    dir: &Path,
    npmrc: &Path,
    options: &ResolverOptions,
) -> Command {
    let mut c = npm_base("install", server, dir, npmrc, options);
    c.args([
        "--package-lock-only",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
    ])
    .arg("--omit-lockfile-registry-resolved=false")
    // A git dependency would be cloned and could run `prepare`: point
    // npm at a git that does not exist, so it is refused instead.
    .arg(format!("--git={}", dir.join("no-git").display()));
    c.arg("--").args(specs);
    c
}

/// `npm SUBCOMMAND` with the server's npm configuration (its
/// `npm_config_*` environment, the private npmrc, `--registry`), a private
/// cache (the user's, read only, with `--offline`) and logs in `dir`.
fn npm_base(
    subcommand: &str,
    server: &Server,
    dir: &Path,
    npmrc: &Path,
    options: &ResolverOptions,
) -> Command {
    let mut c = Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" });
    // The server's own environment reaches npx too (npm_config_*).
    for (k, v) in &server.env {
        if k.to_ascii_lowercase().starts_with("npm_config_") {
            c.env(k, v);
        }
    }
    let cache = if options.offline {
        user_cache(server, &options.home)
    } else {
        dir.join("cache")
    };
    c.arg(subcommand)
        .arg("--no-update-notifier")
        .arg(format!("--userconfig={}", npmrc.display()))
        .arg(format!("--cache={}", cache.display()))
        .arg(format!("--logs-dir={}", dir.join("logs").display()));
    if options.offline {
        c.arg("--offline");
    }
    if let Some(registry) = flag_value(&server.args, &["--registry"]) {
        c.arg(format!("--registry={registry}"));
    }
    c
}

/// Every version the registry publishes of the server's package, from
/// `npm view NAME versions` with the same configuration as resolution.
pub fn versions(server: &Server, options: &ResolverOptions) -> Result<Vec<String>, String> {
    let package = match &server.launch {
        Launch::Npx { package, .. } | Launch::PackageRunner { package, .. } => package,
        _ => return Ok(Vec::new()),
    };
    let dir = tempfile::Builder::new()
        .prefix("supplygate-vet-npm-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let npmrc = dir.path().join("npmrc");
    std::fs::write(&npmrc, private_npmrc(server, &options.home)).map_err(|e| e.to_string())?;
    let mut command = npm_base("view", server, dir.path(), &npmrc, options);
    command.args(["--json", "--", &package.name, "versions"]);
    let ran = super::process::run(command, dir.path(), options.timeout).map_err(|e| match e {
        super::process::RunError::Missing => "`npm` was not found on PATH".to_string(),
        super::process::RunError::TimedOut => "npm view did not finish in time".to_string(),
        super::process::RunError::Io(e) => format!("cannot run npm: {e}"),
    })?;
    if !ran.success {
        return Err(format!("npm view: {}", tail(&ran.stderr)));
    }
    // One version prints as a string, several as an array.
    match serde_json::from_str::<serde_json::Value>(&ran.stdout) {
        Ok(serde_json::Value::String(v)) => Ok(vec![v]),
        Ok(serde_json::Value::Array(list)) => Ok(list
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()),
        _ => Err("npm view printed no version list".into()),
    }
}

/// The user's npm cache, read (never written) with `--offline`.
fn user_cache(server: &Server, home: &Path) -> PathBuf {
    server
        .env
        .get("npm_config_cache")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("npm_config_cache").map(PathBuf::from))
        .unwrap_or_else(|| home.join(".npm"))
}

/// The user's and the project's npmrc settings (registry, scoped
/// registries, auth, proxy, release-age gates), minus what decides where npm
/// writes or what it runs.
fn private_npmrc(server: &Server, home: &Path) -> String {
    let mut out = String::new();
    let mut files = vec![home.join(".npmrc")];
    if let Some(cwd) = &server.cwd {
        files.push(cwd.join(".npmrc"));
    }
    for file in files {
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if !meta.is_file() || meta.len() > 1 << 20 {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for line in text.lines() {
            let key = line.split('=').next().unwrap_or("").trim();
            if key.is_empty() || key.starts_with(['#', ';']) || NOT_COPIED.contains(&key) {
                continue;
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Package name → packument URL, from the lockfile's `resolved` tarball
/// URLs; `None` for a package bundled in its parent's tarball.
fn packuments(lock: &str) -> BTreeMap<String, Option<String>> {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(lock) else {
        return BTreeMap::new();
    };
    let Some(packages) = doc.get("packages").and_then(|p| p.as_object()) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for (path, entry) in packages {
        let Some((_, folder)) = path.rsplit_once("node_modules/") else {
            continue;
        };
        let name = entry.get("name").and_then(|n| n.as_str()).unwrap_or(folder);
        let url = entry
            .get("resolved")
            .and_then(|r| r.as_str())
            .and_then(|t| super::facts::packument_url(t, name));
        let bundled = entry.get("inBundle").and_then(|b| b.as_bool()) == Some(true);
        match url {
            Some(url) => {
                out.insert(name.to_string(), Some(url));
            }
            None if bundled => {
                out.entry(name.to_string()).or_insert(None);
            }
            None => {}
        }
    }
    out
}

/// Why npm failed, from what it printed.
fn cause_of(stderr: &str) -> FailureCause {
    if stderr.contains("git error") || stderr.contains("no-git") {
        FailureCause::NonRegistry
    } else {
        FailureCause::Registry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_failures_are_non_registry() {
        assert_eq!(
            cause_of("npm error enoent An unknown git error occurred"),
            FailureCause::NonRegistry
        );
        assert_eq!(cause_of("npm error 404 Not Found"), FailureCause::Registry);
    }
}
