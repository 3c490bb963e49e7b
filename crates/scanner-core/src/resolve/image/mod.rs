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
use layout::{normalise_ref, ImageManifest, Layout};

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
    /// Set when the archive was exported from a local image store.
    pub store: Option<StoreExport>,
}

/// What a local Docker/Podman store says about an image it exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreExport {
    /// The tool that exported it (`docker`, `podman`).
    pub tool: String,
    /// The registry manifest digests (`sha256:…`) the store records for the
    /// image (its `RepoDigests`): a pinned config is checked against these
    /// too, since an archive may carry no digest (Docker before 25) or one
    /// of its own making (layers re-packed on export).
    pub repo_digests: Vec<String>,
}

impl StoreExport {
    /// The registry digests in `docker|podman image inspect --format
    /// '{{json .RepoDigests}}'` output (`["repo@sha256:<hex>", …]`): each
    /// well-formed `sha256:<hex>` once; none for anything else.
    pub fn parse_repo_digests(json: &str) -> Vec<String> {
        let listed: Vec<String> = serde_json::from_str::<Option<Vec<String>>>(json.trim())
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut out: Vec<String> = Vec::new();
        for entry in listed {
            let Some((_, digest)) = entry.rsplit_once('@') else {
                continue;
            };
            if layout::sha256_hex(digest).is_ok() && !out.iter().any(|d| d == digest) {
                out.push(digest.to_string());
            }
        }
        out
    }
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
            store: None,
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
            looked_in: vec![PathBuf::from(not_found(server, request.image, options))],
        })?;
    read_image(server, request, archive)
}

/// Where the image was looked for: the archives given, then the local store.
fn not_found(server: &Server, image: &str, options: &ResolveOptions) -> String {
    let store = options
        .image_store_failures
        .iter()
        .find(|(i, _)| i == image)
        .map_or("the local Docker/Podman store was not read", |(_, why)| {
            why.as_str()
        });
    let tool = container_tool(server);
    format!("--image-archive {image}=PATH (none given; {store}: export it with `{tool} image save {image} -o image.tar` and pass it)")
}

/// The tool whose image store a `docker run`/`podman run` server uses:
/// `podman` when its command names podman (by name or path), else `docker`.
pub fn container_tool(server: &Server) -> &'static str {
    let command = server.command.as_deref().unwrap_or("docker");
    let name = Path::new(command)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("docker");
    if name.starts_with("podman") {
        "podman"
    } else {
        "docker"
    }
}

fn read_image(
    server: &Server,
    request: &ImageRequest<'_>,
    archive: &ImageArchive,
) -> Result<InstalledTree, ResolveError> {
    let path = archive.path.as_path();
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
    if let Some(store) = archive
        .store
        .as_ref()
        .filter(|s| !s.repo_digests.is_empty())
    {
        tree.notes.push(format!(
            "image {} exported from the local {} store, which records its digest as {}",
            request.image,
            store.tool,
            store.repo_digests.join(", ")
        ));
    }
    if let Some(pinned) = request.digest {
        if let Some(issue) = pin_mismatch(request.image, pinned, &manifest, archive) {
            tree.issues.push(issue);
        }
    }
    Ok(tree)
}

/// `image-digest-mismatch` unless the archive, or the store that exported
/// it, knows the image by the `pinned` digest.
fn pin_mismatch(
    image: &str,
    pinned: &str,
    manifest: &ImageManifest,
    archive: &ImageArchive,
) -> Option<TreeIssue> {
    let store_digests = archive.store.iter().flat_map(|s| &s.repo_digests);
    if manifest
        .known_digests
        .iter()
        .chain(store_digests)
        .any(|d| d == pinned)
    {
        return None;
    }
    let found = manifest
        .digest
        .clone()
        .or_else(|| archive.store.as_ref()?.repo_digests.first().cloned())
        .unwrap_or_else(|| "no digest (a legacy archive)".into());
    let holder = match &archive.store {
        Some(store) => format!("the local {} store", store.tool),
        None => archive.path.display().to_string(),
    };
    Some(TreeIssue {
        kind: IssueKind::ImageDigestMismatch,
        package: None,
        message: format!(
            "image {image} is pinned to {pinned} in the config, but {holder} holds {found}; hint: re-export the pinned image, or update the pin"
        ),
    })
}

/// A server command that is a native binary on disk: a Go binary's build
/// info as a tree, else an `unscanned-binary` issue naming its sha256.
/// `None` when the file is not a native binary.
pub(super) fn resolve_binary(path: &Path) -> Option<InstalledTree> {
    packages::binary_tree(path)
}

#[cfg(test)]
mod tests {
    use super::StoreExport;

    #[test]
    fn repo_digests_are_taken_from_inspect_output() {
        let a = format!("sha256:{}", "a".repeat(64));
        let json = format!(
            r#"["127.0.0.1:5000/mcp/memory@{a}","mcp/memory@{a}","x@sha256:short","x@md5:{}"]"#,
            "b".repeat(32)
        );
        assert_eq!(StoreExport::parse_repo_digests(&json), vec![a]);
        assert!(StoreExport::parse_repo_digests("null\n").is_empty());
        assert!(StoreExport::parse_repo_digests("[]").is_empty());
        assert!(StoreExport::parse_repo_digests("not json").is_empty());
    }
}
