//! Where a Python environment's packages live beyond its own
//! `site-packages`: folders that `.pth` files add, the base interpreter's
//! `site-packages` when `include-system-site-packages = true`, and pipx's
//! shared libraries (`pipx_shared.pth`).

use std::path::{Path, PathBuf};

use super::{file_name, list_dir, site_packages};

/// Largest `.pth` or `pyvenv.cfg` read; a bigger `.pth` is reported (Python
/// reads it whole).
const MAX_SMALL_FILE: u64 = 1 << 20;

/// Most `.pth` files read per `site-packages`; past it the rest is reported
/// (Python reads them all).
const MAX_PTH_FILES: usize = 4096;

/// A folder whose distributions belong to the environment's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDir {
    /// The folder.
    pub path: PathBuf,
    /// True for the base interpreter's `site-packages`: outside the
    /// environment, so its packages are listed but not verified.
    pub system: bool,
}

/// Every folder to read, and notes on what was seen but not read.
#[derive(Debug, Default)]
pub struct SiteDirs {
    /// Folders to read, own `site-packages` first.
    pub dirs: Vec<SiteDir>,
    /// What the reader of the report should know.
    pub notes: Vec<String>,
    /// `.pth` files that could not be read: folders they add may hold
    /// packages Python imports, so each is a finding.
    pub problems: Vec<String>,
}

/// What one `.pth` line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PthLine {
    /// A folder added to `sys.path` (relative to the `.pth`'s folder).
    Path(String),
    /// An `import` line: code run at interpreter start.
    Import(String),
}

/// Parses a `.pth` file the way `site.addpackage` does: blank lines and
/// `#` comments are skipped, lines starting `import` run, others are paths.
pub fn parse_pth(text: &str) -> Vec<PthLine> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            if l.starts_with("import ") || l.starts_with("import\t") {
                PthLine::Import(l.to_string())
            } else {
                PthLine::Path(l.trim_end().to_string())
            }
        })
        .collect()
}

/// `include-system-site-packages` and `home` from `pyvenv.cfg` text.
pub fn parse_pyvenv(text: &str) -> (bool, Option<String>) {
    let (mut system, mut home) = (false, None);
    for (k, v) in text.lines().filter_map(|l| l.split_once('=')) {
        match k.trim() {
            "include-system-site-packages" => system = v.trim().eq_ignore_ascii_case("true"),
            "home" => home = Some(v.trim().to_string()),
            _ => {}
        }
    }
    (system, home)
}

fn small_text(path: &Path) -> Option<String> {
    capped_read::read_text_with(path, MAX_SMALL_FILE, capped_read::Links::Refuse).ok()
}

/// The folders of the environment at `env`.
pub fn site_dirs(env: &Path) -> SiteDirs {
    let mut out = SiteDirs::default();
    let own = site_packages(env);
    for site in &own {
        out.dirs.push(SiteDir {
            path: site.clone(),
            system: false,
        });
    }
    for site in &own {
        read_pth_files(env, site, &mut out);
    }
    system_site(env, &mut out);
    out
}

fn read_pth_files(env: &Path, site: &Path, out: &mut SiteDirs) {
    let pths: Vec<PathBuf> = list_dir(site)
        .into_iter()
        .filter(|p| file_name(p).ends_with(".pth"))
        .collect();
    if pths.len() > MAX_PTH_FILES {
        out.problems.push(format!(
            "{} holds {} .pth files; only the first {MAX_PTH_FILES} were read, and folders the others add to sys.path were not checked",
            site.display(),
            pths.len()
        ));
    }
    for pth in pths.into_iter().take(MAX_PTH_FILES) {
        let name = file_name(&pth).to_string();
        let Some(text) = small_text(&pth) else {
            out.problems.push(format!(
                "{}: not a readable regular file of at most {MAX_SMALL_FILE} bytes; folders it adds to sys.path were not checked",
                pth.display()
            ));
            continue;
        };
        for line in parse_pth(&text) {
            match line {
                PthLine::Import(code) => out.notes.push(format!(
                    "{name} runs `{code}` at interpreter start; it was not run"
                )),
                PthLine::Path(p) if name == "pipx_shared.pth" => pipx_shared(env, &p, out),
                PthLine::Path(p) => pth_path(env, site, &name, &p, out),
            }
        }
    }
}

/// A `.pth` path inside the environment is read like `site-packages`; one
/// outside is noted, not read.
fn pth_path(env: &Path, site: &Path, pth: &str, line: &str, out: &mut SiteDirs) {
    let target = site.join(line);
    // Relative to the environment's real root, so package paths stay
    // relative to the tree's root.
    let inside = match (target.canonicalize(), env.canonicalize()) {
        (Ok(t), Ok(e)) => t.strip_prefix(&e).ok().map(|rel| env.join(rel)),
        _ => None,
    };
    match inside {
        Some(seen) if seen.is_dir() && !out.dirs.iter().any(|d| d.path == seen) => {
            out.dirs.push(SiteDir {
                path: seen,
                system: false,
            });
        }
        Some(_) => {}
        None if target.exists() => out.notes.push(format!(
            "{pth} adds `{line}` to sys.path: outside the environment, not read"
        )),
        None => {}
    }
}

/// pipx (pip backend) shares pip between its venvs through
/// `pipx_shared.pth`: importable, but pipx's, not the server's dependency.
/// The shared venv is `<PIPX_HOME>/shared`, beside `<PIPX_HOME>/venvs`.
fn pipx_shared(env: &Path, line: &str, out: &mut SiteDirs) {
    let shared = env
        .parent()
        .and_then(Path::parent)
        .map(|h| h.join("shared"));
    let names: Vec<String> = shared
        .iter()
        .flat_map(|s| site_packages(s))
        .flat_map(|site| list_dir(&site))
        .filter_map(|d| file_name(&d).strip_suffix(".dist-info").map(dist_label))
        .collect();
    let found = if names.is_empty() {
        "none found".to_string()
    } else {
        names.join(", ")
    };
    out.notes.push(format!(
        "pipx shared libraries ({found}) are importable through pipx_shared.pth (`{line}`) but are pipx's own, not dependencies of the server; not scanned"
    ));
}

/// `pip-26.3` → `pip@26.3`.
fn dist_label(stem: &str) -> String {
    match stem.split_once('-') {
        Some((n, v)) => format!("{n}@{v}"),
        None => stem.to_string(),
    }
}

/// `include-system-site-packages = true`: the base interpreter's
/// `site-packages` (`<home>/../lib/pythonX.Y/site-packages`) is on the path.
fn system_site(env: &Path, out: &mut SiteDirs) {
    let Some(text) = small_text(&env.join("pyvenv.cfg")) else {
        return;
    };
    let (system, home) = parse_pyvenv(&text);
    if !system {
        return;
    }
    let base = home.as_deref().map(Path::new).and_then(Path::parent);
    let sites: Vec<PathBuf> = base.map(site_packages).unwrap_or_default();
    if sites.is_empty() {
        out.notes.push(format!(
            "include-system-site-packages = true, but the base interpreter's site-packages (home = {}) was not found; its packages are not listed",
            home.unwrap_or_default()
        ));
    }
    for path in sites {
        out.notes.push(format!(
            "include-system-site-packages = true: packages in {} are importable and listed, but not verified",
            path.display()
        ));
        out.dirs.push(SiteDir { path, system: true });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pth_lines_follow_site_addpackage() {
        let lines = parse_pth("# c\n\n../extra\nimport _virtualenv\n/abs/path\r\n");
        assert_eq!(
            lines,
            [
                PthLine::Path("../extra".into()),
                PthLine::Import("import _virtualenv".into()),
                PthLine::Path("/abs/path".into()),
            ]
        );
    }

    #[test]
    fn pyvenv_system_site_flag() {
        let (s, h) = parse_pyvenv("home = /usr/bin\ninclude-system-site-packages = True\n");
        assert!(s);
        assert_eq!(h.as_deref(), Some("/usr/bin"));
        assert!(!parse_pyvenv("include-system-site-packages = false").0);
    }
}
