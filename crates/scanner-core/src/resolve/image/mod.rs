//! Container images: read from an OCI image layout or a `docker save`
//! archive (`--image-archive IMAGE=PATH`), never by starting a container.
//! The layers are applied in order with whiteouts, then the OS package
//! database, npm and Python metadata and Go binaries' build info are read
//! from the squashed view.

mod gobuild;
mod layers;
mod layout;
mod osdb;
mod packages;

use layers::View;
use layout::{normalise_ref, Layout};

use std::path::{Path, PathBuf};

use super::{InstalledTree, IssueKind, ResolveError, ResolveOptions, TreeIssue, TreeKind};
use crate::discover::Server;

/// An image given on the command line: `IMAGE=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageArchive {
    /// The image reference as a config names it (`mcp/fetch:1.2`).
    pub image: String,
    /// An OCI image layout folder or a `docker save` tar.
    pub path: PathBuf,
}

impl std::str::FromStr for ImageArchive {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (image, path) = s
            .rsplit_once('=')
            .filter(|(i, p)| !i.is_empty() && !p.is_empty())
            .ok_or_else(|| format!("`{s}` is not IMAGE=PATH"))?;
        Ok(ImageArchive {
            image: image.to_string(),
            path: PathBuf::from(path),
        })
    }
}

/// What the config says about the image.
pub struct ImageRequest<'a> {
    /// The reference as written.
    pub image: &'a str,
    /// The pinned `sha256:` digest, if any.
    pub digest: Option<&'a str>,
    /// `--platform`, if given.
    pub platform: Option<&'a str>,
}

/// Resolves a `docker run`/`podman run` server from the archive given for
/// its image.
pub(super) fn resolve_image(
    server: &Server,
    request: &ImageRequest<'_>,
    options: &ResolveOptions,
) -> Result<InstalledTree, ResolveError> {
    let wanted = normalise_ref(request.image);
    let archive = options
        .image_archives
        .iter()
        .find(|a| a.image == request.image || normalise_ref(&a.image) == wanted)
        .ok_or_else(|| ResolveError::NotInstalled {
            server: server.name.clone(),
            package: format!("image {}", request.image),
            looked_in: vec![PathBuf::from(not_found(request.image, options))],
        })?;
    read_image(server, request, &archive.path)
}

/// Where the image was looked for: the archives given, then the local store.
fn not_found(image: &str, options: &ResolveOptions) -> String {
    let store = options
        .image_store_failures
        .iter()
        .find(|(i, _)| i == image)
        .map_or("the local Docker/Podman store was not read", |(_, why)| {
            why.as_str()
        });
    format!("--image-archive {image}=PATH (none given; {store}: export it with `docker image save {image} -o image.tar` and pass it)")
}

fn read_image(
    server: &Server,
    request: &ImageRequest<'_>,
    path: &Path,
) -> Result<InstalledTree, ResolveError> {
    let bad = |message: String| ResolveError::BadTree {
        server: server.name.clone(),
        path: path.to_path_buf(),
        message,
    };
    let layout = Layout::open(path).map_err(&bad)?;
    let manifest = layout
        .manifest(request.image, request.platform)
        .map_err(&bad)?;
    let mut view = View::default();
    for (i, layer) in manifest.layers.iter().enumerate() {
        let label = format!("{} of {}", i + 1, manifest.layers.len());
        let mut blob = layout.blob(&layer.blob).map_err(&bad)?;
        view.apply(&mut blob, &label).map_err(&bad)?;
        blob.finish()
            .map_err(|e| bad(format!("layer {label}: {e}")))?;
    }
    let mut tree = packages::tree_of(&view, path).map_err(&bad)?;
    tree.kind = TreeKind::Image;
    if let Some(digest) = &manifest.digest {
        tree.notes
            .insert(0, format!("image {} digest {digest}", request.image));
    }
    if !manifest.command.is_empty() {
        tree.notes
            .push(format!("image command: {}", manifest.command.join(" ")));
    }
    tree.notes.extend(view.skipped.iter().cloned());
    if let Some(pinned) = request.digest {
        if !manifest.known_digests.iter().any(|d| d == pinned) {
            let found = manifest
                .digest
                .as_deref()
                .unwrap_or("no digest (a legacy archive)");
            tree.issues.push(TreeIssue {
                kind: IssueKind::ImageDigestMismatch,
                package: None,
                message: format!(
                    "image {} is pinned to {pinned} in the config, but {} holds {found}; hint: re-export the pinned image, or update the pin",
                    request.image,
                    path.display()
                ),
            });
        }
    }
    Ok(tree)
}

/// A server command that is a native binary on disk: a Go binary's build
/// info as a tree, else an `unscanned-binary` issue naming its sha256.
/// `None` when the file is not a native binary.
pub(super) fn resolve_binary(path: &Path) -> Option<InstalledTree> {
    packages::binary_tree(path)
}
