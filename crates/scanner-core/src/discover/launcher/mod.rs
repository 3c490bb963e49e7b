//! How a server is launched: the launcher, and the package spec it runs.

mod others;
mod spec;
mod unwrap;

use serde::Serialize;

pub use spec::{parse_requirement, NpmSpec, PinState, PythonSpec, SpecSource};

use super::secrets::{serialize_redacted, serialize_redacted_list};

/// How a server is started.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Launch {
    /// `npx` / `npm exec`: runs an npm package from the npx cache.
    Npx {
        /// Every package spec as typed (npx hashes these; shown redacted).
        #[serde(serialize_with = "serialize_redacted_list")]
        specs: Vec<String>,
        /// The spec of the package that provides the server.
        package: NpmSpec,
        /// True when the package was named with `-p`/`--package` (then npx
        /// skips its global-install check).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        explicit_package: bool,
    },
    /// `uvx` / `uv tool run`: runs a Python package in a uv environment.
    Uvx {
        /// The requirement the environment must satisfy.
        package: PythonSpec,
    },
    /// A remote server reached over HTTP.
    Remote {
        /// The server's URL.
        url: String,
    },
    /// `pnpm dlx`, `yarn dlx`, `bunx`: an npm package run from that tool's own cache.
    PackageRunner {
        /// Which package runner.
        runner: Runner,
        /// The package that provides the server.
        package: NpmSpec,
    },
    /// `pipx run`: a Python package in a pipx-managed environment.
    Pipx {
        /// The requirement run.
        package: PythonSpec,
    },
    /// `uv run`: a command or script run in a project environment, a
    /// script's own environment (PEP 723), and/or a cached `--with` layer.
    UvRun {
        /// `--directory` / `--project`, if given.
        #[serde(skip_serializing_if = "Option::is_none")]
        directory: Option<String>,
        /// The command or script run.
        target: String,
        /// The `--with` requirements, as typed (shown redacted).
        #[serde(
            skip_serializing_if = "Vec::is_empty",
            serialize_with = "serialize_redacted_list"
        )]
        with: Vec<String>,
        /// `--no-project` (or `--script`/`--isolated` alike): no project environment.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        no_project: bool,
    },
    /// `python -m module`.
    PythonModule {
        /// The interpreter as configured.
        python: String,
        /// The module run.
        module: String,
    },
    /// `node path.js` (also `deno run`, `bun run` on a file).
    NodeScript {
        /// The runtime as configured.
        runtime: String,
        /// The script run.
        script: String,
    },
    /// `docker run IMAGE` (or podman).
    Docker {
        /// The image reference as written.
        image: String,
        /// The tag, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
        /// The `sha256:` digest, if pinned by digest.
        #[serde(skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
        /// `--platform os/arch[/variant]`, if given.
        #[serde(skip_serializing_if = "Option::is_none")]
        platform: Option<String>,
    },
    /// A program run directly (a binary or script on disk or on `PATH`).
    Executable {
        /// The program as configured.
        path: String,
    },
    /// `uvx` (or `uvx --from`) a git repository, a URL or a path: the
    /// launcher is understood; the source is what supplygate does not
    /// resolve, so the server is never checked as a registry package.
    UvxSource {
        /// The requirement as typed (shown redacted: URLs carry tokens).
        #[serde(serialize_with = "serialize_redacted")]
        source: String,
        /// Git, URL or file.
        origin: SpecSource,
    },
    /// A launcher supplygate does not resolve yet.
    Unsupported {
        /// The command as configured.
        command: String,
    },
    /// No command and no URL.
    Empty,
}

impl Launch {
    /// Classifies a config entry, unwrapping shells and wrappers
    /// (`cmd /c`, `sh -c`, `bash -lc`, `env K=V`) to the real launcher.
    pub fn from_entry(command: Option<&str>, args: &[String], url: Option<&str>) -> Launch {
        let Some(command) = command.filter(|c| !c.trim().is_empty()) else {
            return url.map_or(Launch::Empty, |u| Launch::Remote { url: u.to_string() });
        };
        match unwrap::unwrap(command, args) {
            Some((command, args)) => classify(&command, &args),
            None => Launch::Unsupported {
                command: command.to_string(),
            },
        }
    }

    /// A short name of the launcher (`npx`, `uvx`, `remote`, …).
    pub fn launcher(&self) -> &'static str {
        match self {
            Launch::Npx { .. } => "npx",
            Launch::Uvx { .. } | Launch::UvxSource { .. } => "uvx",
            Launch::Remote { .. } => "remote",
            Launch::PackageRunner { runner, .. } => runner.label(),
            Launch::Pipx { .. } => "pipx",
            Launch::UvRun { .. } => "uv-run",
            Launch::PythonModule { .. } => "python-module",
            Launch::NodeScript { .. } => "node-script",
            Launch::Docker { .. } => "docker",
            Launch::Executable { .. } => "executable",
            Launch::Unsupported { .. } => "unsupported",
            Launch::Empty => "none",
        }
    }

    /// The package spec as typed and how exactly it is pinned, for the
    /// launchers that fetch a package by name.
    pub fn package_pin(&self) -> Option<(&str, PinState)> {
        match self {
            Launch::Npx { package, .. } | Launch::PackageRunner { package, .. } => {
                Some((&package.raw, package.pin))
            }
            Launch::Uvx { package } | Launch::Pipx { package } => Some((&package.raw, package.pin)),
            _ => None,
        }
    }
}

/// The package runners that fetch an npm package into their own cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runner {
    /// `bunx` / `bun x`: Bun's install cache.
    Bunx,
    /// `pnpm dlx` / `pnpx`: pnpm's dlx cache.
    PnpmDlx,
    /// `yarn dlx` (Berry): a temporary project.
    YarnDlx,
}

impl Runner {
    /// The launcher's name as a user types it.
    pub fn label(self) -> &'static str {
        match self {
            Runner::Bunx => "bunx",
            Runner::PnpmDlx => "pnpm dlx",
            Runner::YarnDlx => "yarn dlx",
        }
    }
}

/// Classifies an unwrapped command line.
fn classify(command: &str, args: &[String]) -> Launch {
    let base = program_name(command);
    let sub = |name: &str| args.first().is_some_and(|a| a == name);
    let parsed = match base.as_str() {
        "npx" => npx(args),
        "npm" if sub("exec") || sub("x") => npx(&args[1..]),
        "uvx" => uvx(args),
        "uv" if args.len() >= 2 && args[0] == "tool" && args[1] == "run" => uvx(&args[2..]),
        "uv" => others::uv(args),
        "pnpm" if sub("dlx") => others::dlx(Runner::PnpmDlx, &args[1..]),
        "yarn" if sub("dlx") => others::dlx(Runner::YarnDlx, &args[1..]),
        "pnpx" => others::dlx(Runner::PnpmDlx, args),
        "bunx" => others::dlx(Runner::Bunx, args),
        "bun" if sub("x") => others::dlx(Runner::Bunx, &args[1..]),
        "pipx" if sub("run") => others::pipx(&args[1..]),
        "docker" | "podman" => others::docker(args),
        b if b.starts_with("python") => others::python(command, args),
        "node" | "deno" | "bun" | "tsx" | "ts-node" => others::script(command, args),
        _ => Some(Launch::Executable {
            path: command.to_string(),
        }),
    };
    parsed.unwrap_or_else(|| Launch::Unsupported {
        command: command.to_string(),
    })
}

/// `C:\nodejs\npx.cmd` → `npx`.
fn program_name(command: &str) -> String {
    let base = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(command)
        .to_ascii_lowercase();
    [".cmd", ".exe", ".bat", ".ps1"]
        .iter()
        .find_map(|ext| base.strip_suffix(ext))
        .map_or(base.clone(), str::to_string)
}

fn npx(args: &[String]) -> Option<Launch> {
    let mut packages = Vec::new();
    let mut positional = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-p" | "--package" => packages.push(it.next()?.clone()),
            "--" => {
                positional = it.next().cloned();
                break;
            }
            "-c" | "--call" | "--registry" | "--cache" | "--prefix" | "--userconfig" => {
                it.next();
            }
            a if a.starts_with("--package=") => packages.push(a["--package=".len()..].to_string()),
            a if a.starts_with('-') => {}
            a => {
                positional = Some(a.to_string());
                break;
            }
        }
    }
    let explicit_package = !packages.is_empty();
    let specs = if packages.is_empty() {
        vec![positional.clone()?]
    } else {
        packages
    };
    // With --package, the server is the package whose name the command is,
    // else the first one.
    let package = specs
        .iter()
        .filter_map(|s| NpmSpec::parse(s))
        .find(|s| positional.as_deref().is_some_and(|p| s.name.ends_with(p)))
        .or_else(|| NpmSpec::parse(&specs[0]))?;
    Some(Launch::Npx {
        specs,
        package,
        explicit_package,
    })
}

fn uvx(args: &[String]) -> Option<Launch> {
    const VALUED: &[&str] = &[
        "--with",
        "-w",
        "--with-editable",
        "--with-requirements",
        "--python",
        "-p",
        "--index",
        "--index-url",
        "-i",
        "--extra-index-url",
        "--default-index",
        "--find-links",
        "-f",
        "--directory",
        "--cache-dir",
        "--constraints",
        "-c",
        "--overrides",
        "--build-constraints",
        "-b",
        "--env-file",
    ];
    let mut from = None;
    let mut it = args.iter();
    let target = loop {
        let arg = it.next()?;
        match arg.as_str() {
            "--from" => from = Some(it.next()?.clone()),
            a if a.starts_with("--from=") => from = Some(a["--from=".len()..].to_string()),
            a if VALUED.contains(&a) => {
                it.next();
            }
            a if a.starts_with('-') => {}
            a => break a.to_string(),
        }
    };
    let requirement = from.as_deref().unwrap_or(&target);
    if let Some(origin) = spec::python_source(requirement) {
        return Some(Launch::UvxSource {
            source: requirement.to_string(),
            origin,
        });
    }
    let package = PythonSpec::parse(requirement)?;
    Some(Launch::Uvx { package })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Owned strings, for argument lists in tests.
    pub(super) fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn npx_scoped_pinned() {
        let l = Launch::from_entry(
            Some("npx"),
            &strings(&[
                "-y",
                "@modelcontextprotocol/server-filesystem@2025.8.21",
                "/tmp",
            ]),
            None,
        );
        let Launch::Npx {
            specs,
            package,
            explicit_package,
        } = l
        else {
            panic!("{l:?}")
        };
        assert_eq!(specs, ["@modelcontextprotocol/server-filesystem@2025.8.21"]);
        assert_eq!(package.name, "@modelcontextprotocol/server-filesystem");
        assert_eq!(package.pin, PinState::Exact);
        assert!(!explicit_package);
    }

    #[test]
    fn npm_spec_pin_states() {
        assert_eq!(NpmSpec::parse("a").unwrap().pin, PinState::Unpinned);
        assert_eq!(NpmSpec::parse("a@latest").unwrap().pin, PinState::Unpinned);
        assert_eq!(NpmSpec::parse("a@^1.2.0").unwrap().pin, PinState::Range);
        assert_eq!(NpmSpec::parse("@s/a@1.2.0").unwrap().pin, PinState::Exact);
    }

    #[test]
    fn npm_exec_with_package_flag() {
        let l = Launch::from_entry(
            Some("/usr/bin/npm"),
            &strings(&["exec", "--yes", "--package=foo@1.0.0", "--", "foo"]),
            None,
        );
        assert!(
            matches!(l, Launch::Npx { ref package, explicit_package: true, .. } if package.name == "foo"),
            "{l:?}"
        );
    }

    #[test]
    fn uvx_forms() {
        for (args, name, pin) in [
            (
                vec!["mcp-server-fetch"],
                "mcp-server-fetch",
                PinState::Unpinned,
            ),
            (
                vec!["mcp-server-time@2025.9.25"],
                "mcp-server-time",
                PinState::Exact,
            ),
            (
                vec!["--from", "mcp-server-git==1.0", "mcp-server-git"],
                "mcp-server-git",
                PinState::Exact,
            ),
            (vec!["--python", "3.11", "x>=1"], "x", PinState::Range),
        ] {
            let l = Launch::from_entry(Some("uvx"), &strings(&args), None);
            let Launch::Uvx { package } = l else {
                panic!("{l:?}")
            };
            assert_eq!(
                (package.name.as_str(), package.pin),
                (name, pin),
                "{args:?}"
            );
        }
        let Launch::Uvx { package } = Launch::from_entry(Some("uvx"), &strings(&["a@1.2"]), None)
        else {
            panic!()
        };
        assert_eq!(package.exact_version(), Some("1.2"));
    }

    #[test]
    fn uvx_from_git_url_or_path_is_uvx_with_a_source() {
        for (args, kind) in [
            (
                vec!["--from", "git+https://github.com/o/r@v1", "mcp-x"],
                SpecSource::Git,
            ),
            (
                vec!["--from=mcp-x @ git+https://h/o/r", "mcp-x"],
                SpecSource::Git,
            ),
            (vec!["--from", "./pkg", "mcp-x"], SpecSource::File),
            (vec!["https://h/x-1.0-py3-none-any.whl"], SpecSource::Url),
        ] {
            let l = Launch::from_entry(Some("uvx"), &strings(&args), None);
            assert_eq!(l.launcher(), "uvx", "{args:?}");
            assert!(
                matches!(l, Launch::UvxSource { origin, .. } if origin == kind),
                "{args:?}: {l:?}"
            );
        }
    }

    #[test]
    fn windows_npx_cmd_and_remote() {
        assert_eq!(program_name(r"C:\Program Files\nodejs\npx.cmd"), "npx");
        assert!(matches!(
            Launch::from_entry(None, &[], Some("https://x")),
            Launch::Remote { .. }
        ));
    }
}
