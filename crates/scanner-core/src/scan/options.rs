//! What a scan is asked to do: which configs, which trees, how old a
//! release must be, and how trees are obtained.

use std::path::PathBuf;

use advisories_cache::LookupError;

use crate::discover::{ConfigError, DiscoverOptions};
use crate::resolve::{ResolveMode, ResolveOptions, TreeResolver};

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Which configs to read.
    pub discover: DiscoverOptions,
    /// Where trees are looked for.
    pub resolve: ResolveOptions,
    /// A label for the advisory source, for the report.
    pub advisory_source: String,
    /// Now, as Unix seconds, for `too-new`; `None` skips that check.
    pub now: Option<i64>,
    /// The minimum release age in seconds: a version published less than
    /// this long before `now` is `too-new`.
    pub min_age_secs: i64,
}

impl ScanOptions {
    /// Scans the well-known client configs under `home` and the trees they
    /// run, verifying installed files; no machine-wide configs, no
    /// environment (this process's variables are not the scanned user's),
    /// no `too-new` check. Set the public fields for more.
    pub fn new(home: impl Into<std::path::PathBuf>) -> Self {
        let home = home.into();
        ScanOptions {
            discover: DiscoverOptions {
                home: home.clone(),
                default_locations: true,
                ..DiscoverOptions::default()
            },
            resolve: ResolveOptions::new(home),
            advisory_source: "in-memory".into(),
            now: None,
            min_age_secs: DEFAULT_MIN_AGE_SECS,
        }
    }
}

/// The default minimum release age: two days.
pub const DEFAULT_MIN_AGE_SECS: i64 = 2 * 24 * 3600;

/// How a scan gets its trees: from disk, or also from a resolver.
#[derive(Clone, Copy, Default)]
pub struct Resolution<'a> {
    /// When to read the disk and when to resolve.
    pub mode: ResolveMode,
    /// What resolves a tree without installing it (vet, --resolve-missing).
    pub resolver: Option<&'a dyn TreeResolver>,
}

/// A scan that could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A config file is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The advisory data could not be read.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// The policy file lies inside a tree being scanned.
    #[error(transparent)]
    PolicyInsideTree(#[from] PolicyPlacementError),
}

/// A policy file that must not decide this scan: a package must never be
/// able to excuse itself, so a policy is never loaded from a tree being
/// scanned (symlinks resolved before comparing).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyPlacementError {
    /// The file's real path could not be found.
    #[error("cannot read the policy file {}", .path.display())]
    Unreadable {
        /// The policy file as given.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is inside a scanned tree.
    #[error("the policy file {} is inside the scanned tree {}; a policy is never loaded from a tree being scanned", .path.display(), .root.display())]
    InsideTree {
        /// The policy file as given.
        path: PathBuf,
        /// The tree's root, symlinks resolved.
        root: PathBuf,
    },
}
