//! Finding, loading and checking the policy file; `policy check` / `policy init`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use scanner_core::policy::{self, Date, InvalidPolicy, PolicyError, STARTER};
use scanner_core::{Collected, Policy, PolicyPlacementError};

use crate::exit::Exit;

/// The policy file name looked for in `--policy-dir`.
pub const FILE_NAME: &str = "supplygate.toml";

/// An error already shown to the user (policy diagnostics): exit 2, print nothing more.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reported above")
    }
}

impl std::error::Error for Reported {}

/// Today: `--today` / `SUPPLYGATE_TODAY` if given, else the system clock (UTC).
pub fn today(given: Option<&str>) -> Result<Date> {
    if let Some(text) = given {
        return text
            .parse()
            .with_context(|| "--today / SUPPLYGATE_TODAY must be a date in the form YYYY-MM-DD");
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970")?
        .as_secs();
    Ok(Date::from_unix_days((secs / 86_400) as i64))
}

/// Which policy file a scan uses: `--policy FILE`, else `DIR/supplygate.toml`
/// when `--policy-dir DIR` (by default the first `--project` folder) has
/// one, else none (the built-in policy).
pub fn locate(
    file: Option<PathBuf>,
    dir: Option<PathBuf>,
    projects: &[PathBuf],
) -> Result<Option<PathBuf>> {
    if let Some(file) = file {
        return Ok(Some(file));
    }
    let Some(dir) = dir.or_else(|| projects.first().cloned()) else {
        return Ok(None);
    };
    if !dir.is_dir() {
        bail!("--policy-dir {}: not a folder", dir.display());
    }
    let candidate = dir.join(FILE_NAME);
    Ok(candidate.exists().then_some(candidate))
}

/// Refuses a policy file inside a tree being scanned (the core's check),
/// with what to do instead.
pub fn refuse_inside_trees(file: &Path, collected: &Collected) -> Result<()> {
    match collected.refuse_policy_inside(file) {
        Err(inside @ PolicyPlacementError::InsideTree { .. }) => {
            bail!("{inside}\nhint: keep supplygate.toml in your project and pass --policy FILE")
        }
        other => Ok(other?),
    }
}

/// Loads the policy for a scan; an invalid policy is rendered to stderr and
/// becomes [`Reported`] (exit 2), never the built-in policy.
pub fn load(file: Option<&Path>, today: Date) -> Result<Policy> {
    let text = read(file)?;
    parse(file, text, today)
}

/// Reads the policy file's text through the capped reader, so a FIFO, a
/// device or a folder is refused at once, before any scanning.
pub fn read(file: Option<&Path>) -> Result<Option<String>> {
    Ok(file.map(policy::read).transpose()?)
}

/// Parses text [`read`] returned (the built-in policy when there is no file).
pub fn parse(file: Option<&Path>, text: Option<String>, today: Date) -> Result<Policy> {
    match (file, text) {
        (Some(file), Some(text)) => Policy::parse(&text, file, today)
            .map_err(PolicyError::from)
            .map_err(report),
        _ => Ok(Policy::builtin()),
    }
}

fn report(e: PolicyError) -> anyhow::Error {
    match e {
        PolicyError::Invalid(invalid) => {
            let reported = show(&invalid);
            say!("nothing was scanned: an invalid policy never falls back to the built-in one");
            reported
        }
        other => other.into(),
    }
}

fn show(invalid: &InvalidPolicy) -> anyhow::Error {
    crate::output::write_stderr(&invalid.render());
    Reported.into()
}

/// `supplygate policy check FILE`: every problem (expired exceptions included), exit 2 if any.
pub fn check(file: &Path, today: Date) -> Result<Exit> {
    let text = policy::read(file)?;
    let policy = Policy::check(&text, file, today).map_err(|e| show(&e))?;
    note!(
        "{}: policy is valid ({} exceptions, {} servers; checked against {today})",
        file.display(),
        policy.exceptions().len(),
        policy.servers().len()
    );
    Ok(Exit::Passed)
}

/// `supplygate policy init`: the commented starter policy on stdout.
pub fn init() -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    out.write_all(STARTER.as_bytes())?;
    out.flush()?;
    Ok(Exit::Passed)
}
