//! How a server is launched: the launcher, and the package spec it runs.

use std::str::FromStr;

use serde::Serialize;

/// How exactly a server's package is pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinState {
    /// One exact version.
    Exact,
    /// A range or specifier: resolved anew at launch.
    Range,
    /// A dist-tag such as `latest`, or no version at all.
    Unpinned,
}

/// An npm package spec as typed (`@scope/name@1.2.3`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpmSpec {
    /// The spec exactly as typed: npx hashes this string.
    pub raw: String,
    /// The package name.
    pub name: String,
    /// The version, range or tag after `@`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    /// How exactly it is pinned.
    pub pin: PinState,
}

impl NpmSpec {
    /// Parses a registry spec; `None` for what is not one (paths, URLs, git).
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.is_empty() || raw.contains(':') || raw.starts_with('.') || raw.starts_with('/') {
            return None;
        }
        let (name, requested) = match raw.strip_prefix('@') {
            Some(rest) => match rest.split_once('@') {
                Some((n, v)) => (format!("@{n}"), Some(v.to_string())),
                None => (raw.to_string(), None),
            },
            None => match raw.split_once('@') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (raw.to_string(), None),
            },
        };
        let pin = match requested.as_deref() {
            Some(v) if semver::Version::parse(v.strip_prefix('v').unwrap_or(v)).is_ok() => {
                PinState::Exact
            }
            Some(v)
                if v.is_empty() || v.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) =>
            {
                PinState::Unpinned
            }
            Some(_) => PinState::Range,
            None => PinState::Unpinned,
        };
        Some(NpmSpec {
            raw: raw.to_string(),
            name,
            requested: requested.filter(|r| !r.is_empty()),
            pin,
        })
    }
}

/// A Python requirement (PEP 508) as a launcher names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PythonSpec {
    /// The requirement as typed.
    pub raw: String,
    /// The distribution name.
    pub name: String,
    /// The version specifier, if any (`==1.2`, `>=1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub specifier: Option<String>,
    /// How exactly it is pinned.
    pub pin: PinState,
}

impl PythonSpec {
    /// Parses a uvx target: `name`, `name@version`, `name@latest` or a PEP 508 requirement.
    pub fn parse(raw: &str) -> Option<Self> {
        if let Some((name, version)) = raw.split_once('@') {
            if version == "latest" {
                return Some(PythonSpec {
                    raw: raw.into(),
                    name: name.into(),
                    specifier: None,
                    pin: PinState::Unpinned,
                });
            }
            let spec = Self::parse(&format!("{name}=={version}"))?;
            return Some(PythonSpec {
                raw: raw.into(),
                ..spec
            });
        }
        let req = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(raw).ok()?;
        let (specifier, pin) = match &req.version_or_url {
            Some(pep508_rs::VersionOrUrl::VersionSpecifier(specs)) => {
                let exact = specs.len() == 1
                    && specs.iter().all(|s| {
                        matches!(
                            s.operator(),
                            pep440_rs::Operator::Equal | pep440_rs::Operator::ExactEqual
                        )
                    });
                (
                    Some(specs.to_string()),
                    if exact {
                        PinState::Exact
                    } else {
                        PinState::Range
                    },
                )
            }
            Some(pep508_rs::VersionOrUrl::Url(_)) => (None, PinState::Exact),
            None => (None, PinState::Unpinned),
        };
        Some(PythonSpec {
            raw: raw.into(),
            name: req.name.to_string(),
            specifier,
            pin,
        })
    }

    /// The exact version pinned, if any.
    pub fn exact_version(&self) -> Option<&str> {
        if self.pin != PinState::Exact {
            return None;
        }
        Some(self.specifier.as_deref()?.trim_start_matches('=').trim())
    }
}

/// How a server is started.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Launch {
    /// `npx` / `npm exec`: runs an npm package from the npx cache.
    Npx {
        /// Every package spec as typed (npx hashes these).
        specs: Vec<String>,
        /// The spec of the package that provides the server.
        package: NpmSpec,
    },
    /// `uvx` / `uv tool run`: runs a Python package in a uv environment.
    Uvx {
        /// The requirement the environment must satisfy.
        package: PythonSpec,
    },
    /// `node path/to/server.js`: a script in a local npm project.
    NodeScript {
        /// The script path as configured.
        script: String,
    },
    /// `python -m module`: a module of the interpreter's environment.
    PythonModule {
        /// The interpreter as configured.
        python: String,
        /// The module run.
        module: String,
    },
    /// A program run directly (a console script, an npm bin), found on PATH
    /// when not a path.
    Executable {
        /// The command as configured.
        command: String,
    },
    /// A remote server reached over HTTP.
    Remote {
        /// The server's URL.
        url: String,
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
    /// Classifies a config entry.
    pub fn from_entry(command: Option<&str>, args: &[String], url: Option<&str>) -> Launch {
        let Some(command) = command else {
            return url.map_or(Launch::Empty, |u| Launch::Remote { url: u.to_string() });
        };
        let base = program_name(command);
        let parsed = match base.as_str() {
            "npx" => npx(args),
            "npm" if args.first().is_some_and(|a| a == "exec" || a == "x") => npx(&args[1..]),
            "uvx" => uvx(args),
            "uv" if args.len() >= 2 && args[0] == "tool" && args[1] == "run" => uvx(&args[2..]),
            "node" | "nodejs" => node_script(args),
            b if b.starts_with("python") => python_module(command, args),
            b if !NOT_PACKAGES.contains(&b) => Some(Launch::Executable {
                command: command.to_string(),
            }),
            _ => None,
        };
        parsed.unwrap_or_else(|| Launch::Unsupported {
            command: command.to_string(),
        })
    }

    /// A short name of the launcher (`npx`, `uvx`, `remote`, …).
    pub fn launcher(&self) -> &'static str {
        match self {
            Launch::Npx { .. } => "npx",
            Launch::Uvx { .. } => "uvx",
            Launch::NodeScript { .. } => "node",
            Launch::PythonModule { .. } => "python",
            Launch::Executable { .. } => "executable",
            Launch::Remote { .. } => "remote",
            Launch::Unsupported { .. } => "unsupported",
            Launch::Empty => "none",
        }
    }
}

/// Programs that run something other than an installed package tree.
const NOT_PACKAGES: &[&str] = &[
    "docker",
    "podman",
    "deno",
    "bun",
    "bunx",
    "cmd",
    "sh",
    "bash",
    "powershell",
    "pwsh",
    "wsl",
    "uv",
    "npm",
    "pipx",
    "java",
    "go",
    "cargo",
    "dotnet",
];

fn node_script(args: &[String]) -> Option<Launch> {
    let script = args.iter().find(|a| !a.starts_with('-'))?;
    Some(Launch::NodeScript {
        script: script.clone(),
    })
}

fn python_module(command: &str, args: &[String]) -> Option<Launch> {
    let at = args.iter().position(|a| a == "-m")?;
    Some(Launch::PythonModule {
        python: command.to_string(),
        module: args.get(at + 1)?.clone(),
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
    Some(Launch::Npx { specs, package })
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
    let package = PythonSpec::parse(from.as_deref().unwrap_or(&target))?;
    Some(Launch::Uvx { package })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
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
        let Launch::Npx { specs, package } = l else {
            panic!("{l:?}")
        };
        assert_eq!(specs, ["@modelcontextprotocol/server-filesystem@2025.8.21"]);
        assert_eq!(package.name, "@modelcontextprotocol/server-filesystem");
        assert_eq!(package.pin, PinState::Exact);
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
            matches!(l, Launch::Npx { ref package, .. } if package.name == "foo"),
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
    fn windows_npx_cmd_and_remote() {
        assert_eq!(program_name(r"C:\Program Files\nodejs\npx.cmd"), "npx");
        assert!(matches!(
            Launch::from_entry(None, &[], Some("https://x")),
            Launch::Remote { .. }
        ));
    }
}
