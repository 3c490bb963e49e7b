//! Resolution without install: what a launcher would install now, found by
//! running the package manager the launcher itself uses with scripts and
//! builds turned off, in a private temporary folder that is removed
//! afterwards. Used by `vet` and `scan --resolve-missing`.
//!
//! One resolver per ecosystem, chosen by launcher ([`Resolvers`]); each
//! hands back the same tree type the installed-tree reader produces, with
//! `kind = resolved`. Registry facts (publish times, yanked files, project
//! status) are fetched afterwards unless offline.

mod facts;
mod npm;
pub(crate) mod process;
mod uv;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use scanner_core::discover::{Launch, Server};
use scanner_core::resolve::{FailureCause, InstalledTree, ResolveError, TreeResolver};

/// How resolvers run.
#[derive(Debug, Clone)]
pub struct ResolverOptions {
    /// The home whose `.npmrc` (registry, scoped registries) is honoured.
    pub home: PathBuf,
    /// Resolve only from the package managers' local caches; fetch no facts.
    pub offline: bool,
    /// Longest one package-manager run may take.
    pub timeout: Duration,
    /// Longest one registry request for facts may take.
    pub http_timeout: Duration,
    /// The Python to resolve Python servers for when their launch command
    /// names none (`--python`).
    pub python: Option<String>,
}

/// A tree resolved by an ecosystem's resolver.
pub struct Resolved {
    /// The tree, `kind = resolved`.
    pub tree: InstalledTree,
    /// npm: package name → packument URL on the registry it came from
    /// (`None`: bundled in its parent's tarball, no facts of its own).
    pub packuments: BTreeMap<String, Option<String>>,
}

/// One ecosystem's resolver.
pub trait EcosystemResolver {
    /// The tree `server` would run now; `Ok(None)` if its launcher is not this one's.
    fn resolve(
        &self,
        server: &Server,
        options: &ResolverOptions,
    ) -> Result<Option<Resolved>, ResolveError>;
}

/// The resolvers by launcher: npx / npm exec → npm; uvx / pipx run → uv.
pub struct Resolvers {
    options: ResolverOptions,
    npm: npm::Npm,
    uv: uv::Uv,
}

impl Resolvers {
    /// The resolvers, with `options`.
    pub fn new(options: ResolverOptions) -> Self {
        Resolvers {
            options,
            npm: npm::Npm,
            uv: uv::Uv,
        }
    }

    /// Every version the registry holds of `server`'s own package (npm:
    /// `npm view`, PyPI: the index's JSON page without fully yanked
    /// releases), with the configuration resolution uses.
    pub fn versions(&self, server: &Server) -> Result<Vec<String>, String> {
        match &server.launch {
            Launch::Npx { .. } | Launch::PackageRunner { .. } => {
                npm::versions(server, &self.options)
            }
            Launch::Uvx { package } | Launch::Pipx { package } => {
                facts::python_versions(server, &package.name, &self.options)
            }
            _ => Ok(Vec::new()),
        }
    }

    fn for_launch(&self, launch: &Launch) -> Option<&dyn EcosystemResolver> {
        match launch {
            Launch::Npx { .. } | Launch::PackageRunner { .. } => Some(&self.npm),
            Launch::Uvx { .. } | Launch::Pipx { .. } | Launch::UvRun { .. } => Some(&self.uv),
            _ => None,
        }
    }
}

impl TreeResolver for Resolvers {
    fn resolve(&self, server: &Server) -> Result<Option<InstalledTree>, ResolveError> {
        let Some(resolver) = self.for_launch(&server.launch) else {
            return Ok(None);
        };
        let Some(Resolved {
            mut tree,
            packuments,
        }) = resolver.resolve(server, &self.options)?
        else {
            return Ok(None);
        };
        if self.options.offline {
            facts::unknown_for_all(&mut tree, "--offline: the registries were not asked");
        } else {
            facts::add(&mut tree, &packuments, server, &self.options);
        }
        Ok(Some(tree))
    }
}

/// A resolution failure for `server`.
fn failed(server: &Server, package: &str, cause: FailureCause, message: String) -> ResolveError {
    ResolveError::ResolutionFailed {
        server: server.name.clone(),
        package: package.to_string(),
        message,
        cause,
    }
}

/// Runs a package manager (`tool`, with the message for when it is
/// missing) for `server`; a failure to run is a resolution failure.
fn run_manager(
    server: &Server,
    package: &str,
    (tool, missing): (&str, &str),
    command: std::process::Command,
    dir: &std::path::Path,
    options: &ResolverOptions,
) -> Result<process::Ran, ResolveError> {
    let fail = |message: String| failed(server, package, FailureCause::Registry, message);
    process::run(command, dir, options.timeout).map_err(|e| match e {
        process::RunError::Missing => fail(missing.to_string()),
        process::RunError::TimedOut => fail(format!(
            "{tool} did not finish within {}s",
            options.timeout.as_secs()
        )),
        process::RunError::Io(e) => fail(format!("cannot run {tool}: {e}")),
    })
}

/// The value of `--flag VALUE` or `--flag=VALUE` in a server's arguments,
/// before the command's own arguments (`--`).
fn flag_value(args: &[String], names: &[&str]) -> Option<String> {
    let mut it = args.iter().take_while(|a| a.as_str() != "--");
    while let Some(arg) = it.next() {
        for name in names {
            if arg == name {
                return it.next().cloned();
            }
            if let Some(v) = arg.strip_prefix(&format!("{name}=")) {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// Every value of a repeatable `--flag VALUE` / `--flag=VALUE`.
fn flag_values(args: &[String], names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter().take_while(|a| a.as_str() != "--");
    while let Some(arg) = it.next() {
        for name in names {
            if arg == name {
                if let Some(v) = it.next() {
                    out.push(v.clone());
                }
                break;
            }
            if let Some(v) = arg.strip_prefix(&format!("{name}=")) {
                out.push(v.to_string());
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(a: &[&str]) -> Vec<String> {
        a.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn flags_before_the_double_dash_only() {
        let args = s(&["-y", "--registry", "http://r", "x", "--", "--registry=no"]);
        assert_eq!(
            flag_value(&args, &["--registry"]).as_deref(),
            Some("http://r")
        );
        let args = s(&["--with", "a", "--with=b", "x"]);
        assert_eq!(flag_values(&args, &["--with", "-w"]), ["a", "b"]);
    }
}
