//! `yarn dlx` (Yarn Berry): Yarn makes a temporary project
//! (`<tmp>/xfs-<random>/dlx-<pid>`), installs the package there, runs it and
//! deletes the project when the command ends
//! (`packages/plugin-dlx/sources/commands/dlx.ts`). Only package archives in
//! Yarn's global cache stay, and they do not say which of them the next run
//! would use: there is never a tree on disk to read. Facts and sources:
//! `fixtures/launchers/README.md`.

use std::path::PathBuf;

use crate::discover::{NpmSpec, Server};
use crate::resolve::ResolveError;

/// Always `NotInstalled`: what yarn dlx runs is gone once it ran.
pub(in crate::resolve) fn resolve_yarn_dlx(server: &Server, package: &NpmSpec) -> ResolveError {
    ResolveError::NotInstalled {
        server: server.name.clone(),
        package: package.raw.clone(),
        looked_in: vec![PathBuf::from(
            "yarn dlx's temporary project, which Yarn deletes after every run",
        )],
    }
}
