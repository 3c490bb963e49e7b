//! Resolution: the installed tree behind each server, read from disk.
//!
//! What is installed is what runs, so the tree comes from the files npm and uv
//! left behind (lockfiles checked against package folders, `dist-info`
//! metadata), never from what a manifest asks for, and no package code runs.

mod npm;
mod python;

use std::path::{Path, PathBuf};

use advisories_cache::Ecosystem;
use serde::Serialize;

use crate::discover::{Launch, Server};

/// Where resolution looks.
#[derive(Debug, Clone)]
pub struct ResolveOptions {
    /// The home folder whose npm and uv caches and tool folders are read.
    pub home: PathBuf,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledPackage {
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// Its name as published.
    pub name: String,
    /// Its version as installed.
    pub version: String,
    /// Where it is installed, relative to the tree's root.
    pub path: String,
    /// Indices (into the tree's packages) of the packages it depends on.
    #[serde(skip)]
    pub dependencies: Vec<usize>,
}

/// The kind of tree resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TreeKind {
    /// `<npm cache>/_npx/<hash>`.
    NpxCache,
    /// A `uv tool install` environment.
    UvTool,
    /// A cached uvx environment.
    UvxEnvironment,
}

/// The installed tree a server runs from.
#[derive(Debug, Clone, Serialize)]
pub struct InstalledTree {
    /// What kind of tree it is.
    pub kind: TreeKind,
    /// Its root folder.
    pub root: PathBuf,
    /// Index of the server's own package in `packages`.
    pub top: Option<usize>,
    /// Every installed package, in a stable order.
    pub packages: Vec<InstalledPackage>,
    /// Things the reader of the report should know (choices made, oddities).
    pub notes: Vec<String>,
}

/// A server whose tree could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Nothing is installed where the launcher would look.
    #[error("server `{server}`: {package} is not installed (looked in {})", display_paths(.looked_in))]
    NotInstalled {
        /// The server.
        server: String,
        /// The package spec.
        package: String,
        /// Where it was looked for.
        looked_in: Vec<PathBuf>,
    },
    /// A file of the tree could not be read or parsed.
    #[error("server `{server}`: {path}: {message}")]
    BadTree {
        /// The server.
        server: String,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The launcher is not one supplygate resolves.
    #[error("server `{server}`: launcher `{command}` is not supported yet; its packages were not checked")]
    Unsupported {
        /// The server.
        server: String,
        /// The command.
        command: String,
    },
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves the tree behind `server`; `Ok(None)` for servers that have no
/// local tree (remote servers).
pub fn resolve(
    server: &Server,
    options: &ResolveOptions,
) -> Result<Option<InstalledTree>, ResolveError> {
    match &server.launch {
        Launch::Npx { specs, package } => {
            npm::resolve_npx(server, specs, package, options).map(Some)
        }
        Launch::Uvx { package } => python::resolve_uvx(server, package, options).map(Some),
        Launch::Remote { .. } => Ok(None),
        Launch::Unsupported { command } => Err(ResolveError::Unsupported {
            server: server.name.clone(),
            command: command.clone(),
        }),
        Launch::Empty => Err(ResolveError::Unsupported {
            server: server.name.clone(),
            command: String::new(),
        }),
        other => Err(ResolveError::Unsupported {
            server: server.name.clone(),
            command: other.launcher().to_string(),
        }),
    }
}

/// Largest metadata file read (lockfiles, METADATA).
const MAX_METADATA_BYTES: u64 = 64 << 20;

/// Reads a metadata file of a tree, capped in size, as text.
fn read_tree_file(server: &Server, path: &Path) -> Result<String, ResolveError> {
    let bad = |message: String| ResolveError::BadTree {
        server: server.name.clone(),
        path: path.to_path_buf(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() || meta.len() > MAX_METADATA_BYTES {
        return Err(bad(format!(
            "not a regular file of at most {MAX_METADATA_BYTES} bytes"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| bad("not valid UTF-8".into()))
}
