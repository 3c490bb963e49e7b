//! Discovery options from the command line, and the `inventory` command.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use scanner_core::discover::{discover, DiscoverOptions, Os};
use scanner_core::policy::AnnotatedInventory;

use crate::args::{DiscoveryArgs, InventoryArgs, InventoryFormat, OsArg};
use crate::exit::Exit;
use crate::render;

/// Discovers and resolves without verifying installed files and without
/// advisories: what `explain` and `receipt verify` need (names, versions,
/// the graph).
pub fn collect_unverified(args: DiscoveryArgs) -> Result<scanner_core::Collected> {
    let discover = discover_options(args)?;
    let options = scanner_core::ScanOptions {
        resolve: scanner_core::resolve::ResolveOptions {
            // Names, versions and the graph only: installed files are not verified.
            verify: false,
            search_path: std::env::var_os("PATH"),
            ..scanner_core::resolve::ResolveOptions::new(discover.home.clone())
        },
        discover,
        advisory_source: String::new(),
        now: None,
        min_age_secs: scanner_core::DEFAULT_MIN_AGE_SECS,
    };
    Ok(scanner_core::collect(&options)?)
}

/// Turns `--home/--config/--project/--os` into discovery options. Machine-wide
/// (managed) configs are read only when scanning this machine's own home.
/// Every folder given must exist (a mistyped path is an error, never an empty
/// pass), and every path is made absolute and normal here, once, so that
/// `.` and `./x` never name one file twice.
pub fn discover_options(args: DiscoveryArgs) -> Result<DiscoverOptions> {
    let own_home = args.home.is_none();
    let home = match args.home {
        Some(dir) => existing_folder("--home", &dir)?,
        None => {
            dirs::home_dir().context("no home folder is known for this user; pass --home DIR")?
        }
    };
    let projects = args
        .projects
        .iter()
        .map(|dir| existing_folder("--project", dir))
        .collect::<Result<Vec<_>>>()?;
    let configs = args
        .configs
        .iter()
        .map(|file| normal_path(file))
        .collect::<Result<Vec<_>>>()?;
    let os = args.os.map(|o| match o {
        OsArg::Linux => Os::Linux,
        OsArg::Macos => Os::MacOs,
        OsArg::Windows => Os::Windows,
    });
    Ok(DiscoverOptions {
        home,
        configs,
        default_locations: !args.no_default_configs,
        projects,
        os,
        system_root: own_home.then(system_root),
        env: std::env::vars().collect(),
    })
}

/// The discovery options as they were given, shell-quoted, each after a
/// space: what a hint repeats so that its command looks at the same place.
pub fn flags(args: &DiscoveryArgs) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut push = |flag: &str, value: &Path| {
        words.push(flag.to_string());
        words.push(value.to_string_lossy().into_owned());
    };
    if let Some(home) = &args.home {
        push("--home", home);
    }
    args.projects.iter().for_each(|p| push("--project", p));
    args.configs.iter().for_each(|c| push("--config", c));
    if args.no_default_configs {
        words.push("--no-default-configs".into());
    }
    if let Some(os) = args.os {
        words.push("--os".into());
        words.push(format!("{os:?}").to_lowercase());
    }
    words
        .iter()
        .map(|w| format!(" {}", shlex::try_quote(w).unwrap_or_else(|_| w.into())))
        .collect()
}

/// `dir` made absolute and normal, after checking it is a folder.
pub fn existing_folder(flag: &str, dir: &Path) -> Result<PathBuf> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => normal_path(dir),
        Ok(_) => bail!("{flag} {}: not a folder", dir.display()),
        Err(e) => bail!("{flag} {}: {}", dir.display(), e),
    }
}

/// `path` made absolute against the current folder, with `.` dropped and
/// `..` applied lexically (symlinks are kept as the user spelled them). Written
/// by hand: std's `Path::normalize_lexically` is not stable yet.
pub fn normal_path(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path)
        .with_context(|| format!("{}: cannot make the path absolute", path.display()))?;
    let mut out = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

fn system_root() -> PathBuf {
    if cfg!(windows) {
        PathBuf::from("C:\\")
    } else {
        PathBuf::from("/")
    }
}

/// `supplygate inventory`: what discovery saw, as a table or JSON. Exits 3
/// when a present file or entry was skipped (the list may miss servers).
pub fn inventory(args: InventoryArgs) -> Result<Exit> {
    let options = discover_options(args.discovery)?;
    let inventory = discover(&options)?;
    let today = crate::policy::today(args.policy.today.as_deref())?;
    let file = crate::policy::locate(args.policy.file, args.policy.policy_dir, &options.projects)?;
    let policy = crate::policy::load(file.as_deref(), today)?;
    let verdict = if inventory.is_incomplete() {
        Exit::Incomplete
    } else {
        Exit::Passed
    };
    // As for `scan`: the exit code does not depend on the output's fate.
    match write_inventory(args.format, &policy.annotate(&inventory), args.verbose) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => say!("error: the inventory could not be written to stdout: {e}"),
        Ok(()) => {}
    }
    Ok(verdict)
}

fn write_inventory(
    format: InventoryFormat,
    inventory: &AnnotatedInventory<'_>,
    verbose: bool,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        InventoryFormat::Table => {
            let mut table = crate::output::Styled::new(&mut out, false);
            render::inventory::write(&mut table, inventory, verbose)?
        }
        InventoryFormat::Json => {
            serde_json::to_writer_pretty(&mut out, inventory)?;
            writeln!(out)?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_paths_are_absolute_without_dots() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(normal_path(Path::new(".")).unwrap(), cwd);
        assert_eq!(
            normal_path(Path::new("./a/../b/./c")).unwrap(),
            cwd.join("b/c")
        );
        assert_eq!(normal_path(Path::new("/x/y/..")).unwrap(), Path::new("/x"));
    }
}
