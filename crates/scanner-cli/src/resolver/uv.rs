//! Python: `uv pip compile --no-build` in a private folder — uv's own
//! resolver, reading wheel metadata only. A package that has no wheel would
//! have to be built (running its build backend) to be resolved: that is
//! refused and reported, never done.

use std::path::{Path, PathBuf};
use std::process::Command;

use scanner_core::discover::{Launch, PythonSpec, Server};
use scanner_core::resolve::resolved::python_tree;
use scanner_core::resolve::{uv_run_requirements, FailureCause, ResolveError};

use super::process::tail;
use super::{
    failed, flag_value, flag_values, run_manager, EcosystemResolver, Resolved, ResolverOptions,
};

/// The uv resolver (for uvx, uv tool run and pipx run).
pub struct Uv;

/// Index settings passed through from the server's environment.
const INDEX_ENV: &[&str] = &[
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_INDEX_STRATEGY",
    "UV_EXCLUDE_NEWER",
    "PIP_INDEX_URL",
];

impl EcosystemResolver for Uv {
    fn resolve(
        &self,
        server: &Server,
        options: &ResolverOptions,
    ) -> Result<Option<Resolved>, ResolveError> {
        let (package, extra) = match &server.launch {
            Launch::Uvx { package } | Launch::Pipx { package } => (package.clone(), None),
            Launch::UvRun { .. } => match uv_run_wanted(server, options)? {
                Some((first, rest)) => (first, Some(rest)),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        let package = &package;
        let requirement = registry_requirement(package).ok_or_else(|| {
            failed(
                server,
                &package.raw,
                FailureCause::NonRegistry,
                "refused: git and URL requirements are not resolved (they must be built, which runs code); pin an index version".into(),
            )
        })?;
        let io =
            |e: std::io::Error| failed(server, &package.raw, FailureCause::Registry, e.to_string());
        let dir = tempfile::Builder::new()
            .prefix("supplygate-vet-uv-")
            .tempdir()
            .map_err(io)?;
        let mut wanted = vec![requirement];
        if matches!(server.launch, Launch::Uvx { .. }) {
            wanted.extend(flag_values(&server.args, &["--with", "-w"]));
        }
        wanted.extend(extra.iter().flatten().cloned());
        if wanted
            .iter()
            .skip(1)
            .any(|w| registry_requirement_text(w).is_none())
        {
            return Err(failed(
                server,
                &package.raw,
                FailureCause::NonRegistry,
                "refused: a `--with` requirement is a git or URL requirement".into(),
            ));
        }
        std::fs::write(dir.path().join("requirements.in"), wanted.join("\n") + "\n").map_err(io)?;
        let command = uv_command(server, dir.path(), options);
        let missing = "`uv` was not found on PATH; install uv (`pip install uv`, or see docs.astral.sh/uv) to resolve uvx and pipx servers";
        let ran = run_manager(
            server,
            &package.raw,
            ("uv", missing),
            command,
            dir.path(),
            options,
        )?;
        if !ran.success {
            let (cause, message) = explain(&ran.stderr);
            return Err(failed(server, &package.raw, cause, message));
        }
        let text = std::fs::read_to_string(dir.path().join("requirements.txt")).map_err(io)?;
        let root = PathBuf::from(format!("resolved:pypi:{}", package.raw));
        let mut tree = python_tree(&text, &package.name, root)
            .map_err(|m| failed(server, &package.raw, FailureCause::Registry, m))?;
        tree.notes.push(format!(
            "resolved now with `uv pip compile --no-build` for `{}` (not installed; nothing built)",
            wanted.join(", ")
        ));
        tree.notes.push(match python(server, options) {
            Some((v, from)) => format!("resolved for Python {v} (from {from})"),
            None => "resolved for uv's default Python (the first on PATH), as uvx picks it; pass --python to resolve for another".into(),
        });
        if extra.is_some() {
            tree.notes.push(
                "uv run keeps a script's dependencies and the --with layer in separate cached environments; they were resolved together here".into(),
            );
        }
        Ok(Some(Resolved {
            tree,
            packuments: Default::default(),
        }))
    }
}

/// For `uv run`: the requirements uv resolves into cached environments (a
/// PEP 723 script's dependencies, `--with`), the first parsed; `None` when
/// it runs in a project environment or has none.
fn uv_run_wanted(
    server: &Server,
    options: &ResolverOptions,
) -> Result<Option<(PythonSpec, Vec<String>)>, ResolveError> {
    let Some(mut all) = uv_run_requirements(server, &options.home)? else {
        return Ok(None);
    };
    let first = all.remove(0);
    let spec = PythonSpec::parse(&first).ok_or_else(|| {
        failed(
            server,
            &first,
            FailureCause::NonRegistry,
            format!("`{first}` is not a requirement supplygate can resolve"),
        )
    })?;
    Ok(Some((spec, all)))
}

/// `name` + specifier, when the spec names an index package.
fn registry_requirement(spec: &PythonSpec) -> Option<String> {
    registry_requirement_text(&spec.raw)?;
    Some(format!(
        "{}{}",
        spec.name,
        spec.specifier.as_deref().unwrap_or("")
    ))
}

/// `None` for a direct reference (`name @ url`, `git+…`, a path).
fn registry_requirement_text(raw: &str) -> Option<&str> {
    let direct = raw.contains("://")
        || raw.contains(" @ ")
        || raw.starts_with("git+")
        || raw.starts_with(['.', '/', '~'])
        || raw.ends_with(".whl")
        || raw.ends_with(".tar.gz")
        || raw.ends_with(".zip");
    (!direct).then_some(raw)
}

fn uv_command(server: &Server, dir: &Path, options: &ResolverOptions) -> Command {
    let mut c = Command::new("uv");
    for (k, v) in &server.env {
        if INDEX_ENV.contains(&k.as_str()) {
            c.env(k, v);
        }
    }
    c.args([
        "pip",
        "compile",
        "requirements.in",
        "-o",
        "requirements.txt",
    ])
    .args(["--no-build", "--no-header", "--color", "never", "--quiet"]);
    if options.offline {
        c.arg("--offline");
    } else {
        c.arg("--cache-dir").arg(dir.join("cache"));
    }
    for (flag, names) in [
        ("--index-url", &["--index-url", "-i"][..]),
        ("--default-index", &["--default-index"][..]),
        ("--extra-index-url", &["--extra-index-url"][..]),
        ("--index", &["--index"][..]),
    ] {
        if let Some(v) = flag_value(&server.args, names) {
            c.arg(flag).arg(v);
        }
    }
    // The Python is chosen above, once: uv must not read it again.
    c.env_remove("UV_PYTHON");
    if let Some((python, _)) = python(server, options) {
        c.args(python_args(&python));
    }
    c
}

/// The Python the launcher would run the server on, and where that comes
/// from: the launch command's `--python`, else the server's `UV_PYTHON`
/// (what uvx reads), else `--python` given to supplygate, else this
/// process's `UV_PYTHON`; `None` leaves uv's own default (the first Python
/// on PATH), as uvx does.
fn python(server: &Server, options: &ResolverOptions) -> Option<(String, &'static str)> {
    let set = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    if let Some(v) = set(flag_value(&server.args, &["--python", "-p"])) {
        return Some((v, "the launch command's --python"));
    }
    if let Some(v) = set(server.env.get("UV_PYTHON").cloned()) {
        return Some((v, "the server's UV_PYTHON"));
    }
    if let Some(v) = set(options.python.clone()) {
        return Some((v, "--python"));
    }
    set(std::env::var("UV_PYTHON").ok()).map(|v| (v, "UV_PYTHON"))
}

/// A bare version (`3.12`) is resolved for with `--python-version`, which
/// needs no such interpreter here (and never downloads one); anything else
/// (a path, `pypy3.10`) names an interpreter, with downloads off.
fn python_args(python: &str) -> Vec<String> {
    let bare = !python.is_empty()
        && python.split('.').count() <= 3
        && python
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if bare {
        vec!["--python-version".into(), python.into()]
    } else {
        vec![
            "--python".into(),
            python.into(),
            "--no-python-downloads".into(),
        ]
    }
}

/// The cause and a one-line message from uv's stderr.
fn explain(stderr: &str) -> (FailureCause, String) {
    let needs_build = stderr.contains("building from source is disabled")
        || stderr.contains("--no-build")
        || stderr.contains("no usable wheels");
    if needs_build {
        let which = stderr
            .split("Wheels are required for `")
            .nth(1)
            .and_then(|r| r.split('`').next())
            .unwrap_or("a package");
        let message = format!(
            "{which} has no wheel for this platform and would have to be built from source; builds are never run (uv: {})",
            tail(stderr)
        );
        return (FailureCause::NeedsBuild, message);
    }
    (FailureCause::Registry, format!("uv: {}", tail(stderr)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdist_only_is_needs_build() {
        let err = "error: No solution found\n  cause: Because pyyaml==5.3.1 has no usable wheels\n\nhint: Wheels are required for `pyyaml` because building from source is disabled for all packages (i.e., with `--no-build`)";
        let (cause, message) = explain(err);
        assert_eq!(cause, FailureCause::NeedsBuild);
        assert!(message.starts_with("pyyaml has no wheel"), "{message}");
        assert_eq!(explain("error: 404").0, FailureCause::Registry);
    }

    #[test]
    fn bare_versions_need_no_interpreter() {
        assert_eq!(python_args("3.12"), ["--python-version", "3.12"]);
        assert_eq!(python_args("3.12.1"), ["--python-version", "3.12.1"]);
        assert_eq!(
            python_args("/usr/bin/python3"),
            ["--python", "/usr/bin/python3", "--no-python-downloads"]
        );
        assert_eq!(python_args("pypy3.10")[0], "--python");
        assert_eq!(python_args("3.")[0], "--python");
    }

    #[test]
    fn direct_references_are_refused() {
        assert!(registry_requirement_text("git+https://x/y").is_none());
        assert!(registry_requirement_text("x @ https://x/y.whl").is_none());
        assert!(registry_requirement_text("x==1.0").is_some());
    }
}
