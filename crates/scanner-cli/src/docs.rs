//! `supplygate completions SHELL` and `supplygate man`: shell completions
//! and man pages generated from the clap definitions, so they never drift
//! from what the commands accept.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use clap_complete::Shell;

use crate::args::Cli;
use crate::exit::Exit;

/// The completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> Result<Exit> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "supplygate", &mut out);
    write_stdout(&out)
}

/// The man page of `supplygate` on stdout, or with `out`, one page per
/// command (`supplygate.1`, `supplygate-scan.1`, `supplygate-db-update.1`, …)
/// written into that folder.
pub fn man(out: Option<&Path>) -> Result<Exit> {
    let cmd = Cli::command();
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("--out {}: cannot create the folder", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("--out {}: cannot write the man pages", dir.display()))?;
            note!("wrote the man pages into {}", dir.display());
            Ok(Exit::Passed)
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            write_stdout(&page)
        }
    }
}

/// Writes `bytes` to stdout; a reader that went away is not an error.
fn write_stdout(bytes: &[u8]) -> Result<Exit> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Passed),
        other => other.map(|()| Exit::Passed).map_err(Into::into),
    }
}
