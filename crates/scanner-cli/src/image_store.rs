//! Images from the local Docker or Podman store: a `docker run`/`podman
//! run` server whose image has no `--image-archive` is exported with
//! `docker image save` / `podman image save` into a private temporary
//! folder and read from there. Only `image save` is run: never `run`,
//! `create` or `pull`, so nothing from the image executes and nothing is
//! fetched.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use scanner_core::discover::{Inventory, Launch};
use scanner_core::resolve::{container_tool, ImageArchive, StoreExport};

use crate::resolver::process::{self, RunError};

/// Exported images and the folder that holds them (removed when dropped).
pub struct Exports {
    /// One archive per image exported.
    pub archives: Vec<ImageArchive>,
    /// Images that could not be exported, with why.
    pub failed: Vec<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

/// Exports the images of `inventory`'s container servers that `given`
/// does not cover, with the launcher the server names (`docker` or
/// `podman`), each within `timeout`; when `enabled` is false, records for
/// each that the store was not read.
pub fn export_missing(
    inventory: &Inventory,
    given: &[ImageArchive],
    enabled: bool,
    timeout: Duration,
) -> Exports {
    let mut exports = Exports {
        archives: Vec::new(),
        failed: Vec::new(),
        _dir: None,
    };
    let mut dir: Option<tempfile::TempDir> = None;
    for server in &inventory.servers {
        let Launch::Docker { image, .. } = &server.launch else {
            continue;
        };
        let covered = given
            .iter()
            .chain(&exports.archives)
            .any(|a| a.image == *image);
        if covered || exports.failed.iter().any(|(i, _)| i == image) {
            continue;
        }
        if !enabled {
            let why = "the local Docker/Podman store was not read (--no-image-store)";
            exports.failed.push((image.clone(), why.into()));
            continue;
        }
        let folder = match &dir {
            Some(d) => d.path().to_path_buf(),
            None => match private_dir() {
                Ok(d) => dir.insert(d).path().to_path_buf(),
                Err(why) => {
                    exports.failed.push((image.clone(), why));
                    continue;
                }
            },
        };
        let target = folder.join(format!("image-{}.tar", exports.archives.len()));
        let tool = container_tool(server).to_string();
        match save(&tool, image, &target, &folder, timeout) {
            Ok(()) => exports.archives.push(ImageArchive {
                image: image.clone(),
                path: target,
                store: Some(StoreExport {
                    repo_digests: repo_digests(&tool, image, &folder, timeout),
                    tool,
                }),
            }),
            Err(why) => exports.failed.push((image.clone(), why)),
        }
    }
    exports._dir = dir;
    exports
}

/// A folder only this user can read, for the exported archives.
fn private_dir() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("supplygate-images-")
        .tempdir()
        .map_err(|e| format!("no temporary folder for the export: {e}"))
}

/// `TOOL image save` of `image` to `target`. Podman writes an OCI archive
/// (so the manifest digest can be checked against a pinned config);
/// Docker's own format has carried an OCI index since Docker 25.
fn save(
    tool: &str,
    image: &str,
    target: &Path,
    dir: &Path,
    timeout: Duration,
) -> Result<(), String> {
    let mut command = Command::new(tool);
    command.args(["image", "save", "--output"]).arg(target);
    if tool == "podman" {
        command.args(["--format", "oci-archive"]);
    }
    // `--` so an image reference can never be read as an option.
    command.args(["--", image]);
    match process::run(command, dir, timeout) {
        Ok(ran) if ran.success && target.is_file() => Ok(()),
        Ok(ran) => Err(format!(
            "`{tool} image save {image}` failed: {}",
            process::tail(&ran.stderr)
        )),
        Err(RunError::Missing) => Err(format!("`{tool}` is not installed")),
        Err(RunError::TimedOut) => Err(format!(
            "`{tool} image save {image}` took longer than {}s",
            timeout.as_secs()
        )),
        Err(RunError::Io(e)) => Err(format!("`{tool} image save {image}`: {e}")),
    }
}

/// The registry digests the store records for `image` (`RepoDigests`,
/// `name@sha256:…`), as `sha256:…`; none when it records none (an image
/// loaded from an archive) or cannot say.
fn repo_digests(tool: &str, image: &str, dir: &Path, timeout: Duration) -> Vec<String> {
    let mut command = Command::new(tool);
    command.args([
        "image",
        "inspect",
        "--format",
        "{{json .RepoDigests}}",
        "--",
        image,
    ]);
    let Ok(ran) = process::run(command, dir, timeout) else {
        return Vec::new();
    };
    if !ran.success {
        return Vec::new();
    }
    StoreExport::parse_repo_digests(&ran.stdout)
}
