//! Discovery options from the command line, and the `inventory` command.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use scanner_core::discover::{discover, DiscoverOptions, Os};

use crate::args::{DiscoveryArgs, Format, InventoryArgs, OsArg};
use crate::exit::Exit;
use crate::render;

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
    if !matches!(args.format, Format::Table | Format::Json) {
        anyhow::bail!("`inventory` writes table or json only\nhint: `supplygate scan --format sarif|cyclonedx|markdown` reports findings and packages");
    }
    let options = discover_options(args.discovery)?;
    let mut inventory = discover(&options)?;
    let today = crate::policy::today(args.policy.today.as_deref())?;
    let file = crate::policy::locate(args.policy.file, args.policy.policy_dir, &options.projects)?;
    crate::policy::load(file.as_deref(), today)?.annotate(&mut inventory);
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Table => render::inventory::write(&mut out, &inventory, args.verbose)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &inventory)?;
            writeln!(out)?;
        }
        // Refused above, before any discovery.
        Format::Sarif | Format::Cyclonedx | Format::Markdown => {}
    }
    out.flush()?;
    Ok(if inventory.is_incomplete() {
        Exit::Incomplete
    } else {
        Exit::Passed
    })
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
