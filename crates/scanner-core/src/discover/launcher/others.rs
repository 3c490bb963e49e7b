//! Launchers beyond npx and uvx: package runners (`pnpm dlx`, `yarn dlx`,
//! `bunx`), `pipx run`, `uv run`, `python -m`, `node script.js`, `docker
//! run`; and npm specs that are not registry names (git, URL, file).

use super::{Launch, NpmSpec, PinState, PythonSpec, Runner, SpecSource};

/// A git, URL or file spec; `None` for registry specs.
pub fn non_registry_spec(raw: &str) -> Option<NpmSpec> {
    let git_prefixes = [
        "git+",
        "git://",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ];
    let source = if git_prefixes.iter().any(|p| raw.starts_with(p)) || github_shorthand(raw) {
        SpecSource::Git
    } else if raw.starts_with("http://") || raw.starts_with("https://") {
        SpecSource::Url
    } else if raw.starts_with("file:")
        || raw.starts_with('.')
        || raw.starts_with('/')
        || raw.starts_with('~')
    {
        SpecSource::File
    } else {
        return None;
    };
    let pin = match source {
        SpecSource::Git if git_commit(raw) => PinState::Exact,
        SpecSource::File => PinState::Exact,
        _ => PinState::Unpinned,
    };
    Some(NpmSpec {
        raw: raw.to_string(),
        name: raw.to_string(),
        requested: None,
        pin,
        source,
    })
}

/// `user/repo` or `user/repo#ref` (not `@scope/name`).
fn github_shorthand(raw: &str) -> bool {
    !raw.starts_with('@')
        && !raw.contains(':')
        && raw
            .split('#')
            .next()
            .is_some_and(|p| p.split('/').count() == 2 && !p.contains('@'))
}

/// Pinned to a full commit hash (`#<40 hex>`).
fn git_commit(raw: &str) -> bool {
    raw.rsplit_once('#')
        .is_some_and(|(_, r)| r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The first argument that is not an option (skipping the values of `valued` options).
fn first_positional<'a>(args: &'a [String], valued: &[&str]) -> Option<(usize, &'a str)> {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" {
            return args.get(i + 1).map(|s| (i + 1, s.as_str()));
        }
        if valued.contains(&a) {
            i += 2;
            continue;
        }
        if !a.starts_with('-') {
            return Some((i, a));
        }
        i += 1;
    }
    None
}

/// `pnpm dlx`, `yarn dlx`, `bunx`: `--package`/`-p` names the package, else the first positional.
pub fn dlx(runner: Runner, args: &[String]) -> Option<Launch> {
    let flagged = args
        .windows(2)
        .find(|w| w[0] == "--package" || w[0] == "-p")
        .map(|w| w[1].clone());
    let flagged = flagged.or_else(|| {
        args.iter()
            .find_map(|a| a.strip_prefix("--package=").map(str::to_string))
    });
    let spec = match flagged {
        Some(s) => s,
        None => first_positional(args, &["--package", "-p", "--cwd", "--allow-build"])?
            .1
            .to_string(),
    };
    Some(Launch::PackageRunner {
        runner,
        package: NpmSpec::parse(&spec)?,
    })
}

/// `pipx run [--spec REQ] APP`.
pub fn pipx(args: &[String]) -> Option<Launch> {
    let spec = args
        .windows(2)
        .find(|w| w[0] == "--spec")
        .map(|w| w[1].clone());
    let spec = match spec {
        Some(s) => s,
        None => first_positional(
            args,
            &["--spec", "--python", "--index-url", "-i", "--pip-args"],
        )?
        .1
        .to_string(),
    };
    let spec = spec.replace('@', "==");
    Some(Launch::Pipx {
        package: PythonSpec::parse(&spec)?,
    })
}

/// uv's options that take a value, before or after `run`.
const UV_VALUED: &[&str] = &[
    "--directory",
    "--project",
    "--with",
    "-w",
    "--with-editable",
    "--with-requirements",
    "--python",
    "-p",
    "--package",
    "--env-file",
    "--index",
    "--index-url",
    "-i",
    "--extra-index-url",
    "--default-index",
    "--extra",
    "--group",
    "--cache-dir",
    "--config-file",
    "--color",
];

/// `uv [GLOBAL OPTIONS] run …`; `None` for other uv subcommands.
pub fn uv(args: &[String]) -> Option<Launch> {
    let (at, sub) = first_positional(args, UV_VALUED)?;
    (sub == "run").then_some(())?;
    let mut run = args[..at].to_vec();
    run.extend_from_slice(&args[at + 1..]);
    uv_run(&run)
}

/// `uv run [--directory DIR] [--with REQ]… TARGET …` (options from before
/// `run` included).
pub fn uv_run(args: &[String]) -> Option<Launch> {
    let (at, target) = first_positional(args, UV_VALUED)?;
    let options = &args[..at];
    let valued = |names: &[&str]| -> Vec<String> {
        let mut out = Vec::new();
        for (i, a) in options.iter().enumerate() {
            if names.contains(&a.as_str()) {
                out.extend(options.get(i + 1).cloned());
            }
            for n in names.iter().filter(|n| n.starts_with("--")) {
                if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                    out.push(v.to_string());
                }
            }
        }
        out
    };
    let with = valued(&["--with", "-w"])
        .iter()
        .flat_map(|w| w.split(',').map(|s| s.trim().to_string()))
        .filter(|w| !w.is_empty())
        .collect();
    let no_project = options.iter().any(|a| {
        matches!(
            a.as_str(),
            "--no-project" | "--isolated" | "--script" | "-s"
        )
    });
    Some(Launch::UvRun {
        directory: valued(&["--directory", "--project"]).pop(),
        target: target.to_string(),
        with,
        no_project,
    })
}

/// `python -m module` or `python script.py`.
pub fn python(command: &str, args: &[String]) -> Option<Launch> {
    if let Some(at) = args.iter().position(|a| a == "-m") {
        return Some(Launch::PythonModule {
            python: command.to_string(),
            module: args.get(at + 1)?.clone(),
        });
    }
    script(command, args)
}

/// `node path.js` (and `deno run x.ts`, `bun run x.js`).
pub fn script(command: &str, args: &[String]) -> Option<Launch> {
    let args = match args.first().map(String::as_str) {
        Some("run") => &args[1..],
        _ => args,
    };
    let (_, script) = first_positional(args, &["-r", "--require", "--import", "--loader"])?;
    Some(Launch::NodeScript {
        runtime: command.to_string(),
        script: script.to_string(),
    })
}

/// `docker run [OPTIONS] IMAGE [CMD…]`: the image and how it is pinned.
pub fn docker(args: &[String]) -> Option<Launch> {
    if args.first().map(String::as_str) != Some("run") {
        return None;
    }
    let valued = [
        "-e",
        "--env",
        "-v",
        "--volume",
        "--name",
        "-p",
        "--publish",
        "--network",
        "--net",
        "-w",
        "--workdir",
        "-u",
        "--user",
        "--env-file",
        "--mount",
        "--entrypoint",
        "--platform",
        "-l",
        "--label",
        "--add-host",
        "--cpus",
        "-m",
        "--memory",
        "--pull",
        "--cap-add",
        "--cap-drop",
        "--security-opt",
        "--runtime",
        "--device",
        "-h",
        "--hostname",
        "--tmpfs",
        "--ulimit",
    ];
    let (_, image) = first_positional(&args[1..], &valued)?;
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (image, None),
    };
    let last = rest.rsplit('/').next().unwrap_or(rest);
    let tag = last.split_once(':').map(|(_, t)| t.to_string());
    let platform =
        args[1..]
            .iter()
            .enumerate()
            .find_map(|(i, a)| match a.strip_prefix("--platform") {
                Some("") => args.get(i + 2).cloned(),
                Some(rest) => rest.strip_prefix('=').map(str::to_string),
                None => None,
            });
    Some(Launch::Docker {
        image: image.to_string(),
        tag,
        digest,
        platform,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::strings;
    use super::*;

    #[test]
    fn docker_image_forms() {
        let d = |a: &[&str]| docker(&strings(a)).unwrap();
        let Launch::Docker { tag, digest, .. } = d(&[
            "run",
            "-i",
            "--rm",
            "-e",
            "TOKEN",
            "ghcr.io/github/github-mcp-server",
        ]) else {
            panic!()
        };
        assert_eq!((tag, digest), (None, None));
        let Launch::Docker { tag, .. } = d(&["run", "-i", "localhost:5000/mcp/x:1.2"]) else {
            panic!()
        };
        assert_eq!(tag.as_deref(), Some("1.2"));
        let Launch::Docker { digest, .. } = d(&["run", "mcp/fetch@sha256:abcd"]) else {
            panic!()
        };
        assert_eq!(digest.as_deref(), Some("sha256:abcd"));
    }

    #[test]
    fn npm_non_registry_specs() {
        let s = |r: &str| NpmSpec::parse(r).unwrap();
        assert_eq!(s("github:u/r").source, SpecSource::Git);
        assert_eq!(s("u/r").pin, PinState::Unpinned);
        assert_eq!(
            s("u/r#0123456789abcdef0123456789abcdef01234567").pin,
            PinState::Exact
        );
        assert_eq!(s("https://x/y.tgz").source, SpecSource::Url);
        assert_eq!(s("file:../x").source, SpecSource::File);
        let alias = s("fs@npm:@modelcontextprotocol/server-filesystem@2025.8.21");
        assert_eq!(
            (alias.source, alias.name.as_str(), alias.pin),
            (
                SpecSource::Alias,
                "@modelcontextprotocol/server-filesystem",
                PinState::Exact
            )
        );
        assert_eq!(s("@s/a").source, SpecSource::Registry);
    }

    #[test]
    fn runners_are_named_as_typed() {
        let l = |c: &str, a: &[&str]| Launch::from_entry(Some(c), &strings(a), None).launcher();
        assert_eq!(l("bunx", &["x@1.0.0"]), "bunx");
        assert_eq!(l("bun", &["x", "x@1.0.0"]), "bunx");
        assert_eq!(l("pnpm", &["dlx", "x"]), "pnpm dlx");
        assert_eq!(l("pnpx", &["x"]), "pnpm dlx");
        assert_eq!(l("yarn", &["dlx", "x"]), "yarn dlx");
    }

    #[test]
    fn uv_run_options_before_and_after_run() {
        let l = Launch::from_entry(
            Some("uv"),
            &strings(&[
                "--directory",
                "/srv/p",
                "run",
                "--with",
                "a==1,b",
                "--with=c",
                "--no-project",
                "server",
                "--port",
            ]),
            None,
        );
        let Launch::UvRun {
            directory,
            target,
            with,
            no_project,
        } = l
        else {
            panic!("{l:?}")
        };
        assert_eq!(directory.as_deref(), Some("/srv/p"));
        assert_eq!(target, "server");
        assert_eq!(with, ["a==1", "b", "c"]);
        assert!(no_project);
        assert!(matches!(
            Launch::from_entry(Some("uv"), &strings(&["sync"]), None),
            Launch::Unsupported { .. }
        ));
    }

    #[test]
    fn other_launchers() {
        let l = |c: &str, a: &[&str]| Launch::from_entry(Some(c), &strings(a), None);
        assert!(
            matches!(l("pnpm", &["dlx", "pkg@1.0.0"]), Launch::PackageRunner { ref package, .. } if package.pin == PinState::Exact)
        );
        assert!(
            matches!(l("yarn", &["dlx", "pkg"]), Launch::PackageRunner { ref package, .. } if package.pin == PinState::Unpinned)
        );
        assert!(matches!(
            l("bunx", &["pkg@latest"]),
            Launch::PackageRunner { .. }
        ));
        assert!(
            matches!(l("pipx", &["run", "mcp-server-fetch==1.0"]), Launch::Pipx { ref package } if package.pin == PinState::Exact)
        );
        assert!(matches!(
            l("uv", &["run", "--directory", "/srv/x", "server.py"]),
            Launch::UvRun {
                directory: Some(_),
                ..
            }
        ));
        assert!(
            matches!(l("python3", &["-m", "mcp_server_git"]), Launch::PythonModule { ref module, .. } if module == "mcp_server_git")
        );
        assert!(matches!(
            l("node", &["/x/build/index.js"]),
            Launch::NodeScript { .. }
        ));
        assert!(matches!(
            l("/opt/bin/my-server", &[]),
            Launch::Executable { .. }
        ));
        assert!(matches!(
            l("cmd", &["/c", "uvx", "mcp-server-time@1.0"]),
            Launch::Uvx { .. }
        ));
        assert!(matches!(
            l("sh", &["-c", "curl x | sh"]),
            Launch::Unsupported { .. }
        ));
    }
}
