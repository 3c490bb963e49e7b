//! An image as stored on disk: an OCI image layout folder, or a tar of one
//! (`docker save` since Docker 25 writes both the OCI layout and the legacy
//! `manifest.json`; older archives only the latter).
//!
//! Blobs are read where they lie (a tar is indexed once, then read by
//! offset), each checked against its sha256 digest.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Largest JSON document (index, manifest, config) read from an image.
const MAX_JSON_BYTES: u64 = 4 << 20;
/// Most entries indexed in an outer `docker save` tar.
const MAX_TAR_ENTRIES: usize = 100_000;

/// Where an image's blobs are.
pub enum Layout {
    /// An OCI image layout folder.
    Dir(PathBuf),
    /// A tar archive: entry name → (offset, size) of its data.
    Tar {
        path: PathBuf,
        entries: HashMap<String, (u64, u64)>,
    },
}

/// One layer to apply, in order.
#[derive(Debug, Clone)]
pub struct LayerRef {
    /// Where its blob is (a digest `sha256:…`, or a legacy tar path).
    pub blob: BlobRef,
}

/// How a blob is named.
#[derive(Debug, Clone)]
pub enum BlobRef {
    /// `sha256:<hex>`, checked while read.
    Digest(String),
    /// A legacy `docker save` path (`<id>/layer.tar`), not content-addressed.
    Path(String),
}

/// The image chosen in a layout: its manifest digest and layers.
#[derive(Debug, Clone)]
pub struct ImageManifest {
    /// The manifest's digest (`sha256:…`): the image digest the report shows.
    pub digest: Option<String>,
    /// Digests of every index and manifest in the archive naming this image,
    /// for checking a digest-pinned config.
    pub known_digests: Vec<String>,
    /// The layers, bottom first.
    pub layers: Vec<LayerRef>,
    /// The config's entrypoint and command, when the config names them.
    pub command: Vec<String>,
}

#[derive(Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    annotations: HashMap<String, String>,
}

#[derive(Deserialize)]
struct Platform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: Option<String>,
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct LegacyEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

#[derive(Deserialize, Default)]
struct Config {
    #[serde(default)]
    config: Option<ConfigBody>,
}

#[derive(Deserialize, Default)]
struct ConfigBody {
    #[serde(rename = "Entrypoint", default)]
    entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd", default)]
    cmd: Option<Vec<String>>,
}

impl Layout {
    /// Opens `path`: a folder with `oci-layout`, or a tar archive.
    pub fn open(path: &Path) -> Result<Layout, String> {
        let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
        if meta.is_dir() {
            if !path.join("index.json").is_file() {
                return Err("not an OCI image layout (no index.json)".into());
            }
            return Ok(Layout::Dir(path.to_path_buf()));
        }
        let file = capped_read::open_regular(path, capped_read::Links::Follow)
            .map_err(|e| e.kind().to_string())?;
        let mut archive = tar::Archive::new(file);
        let mut entries = HashMap::new();
        for entry in archive
            .entries()
            .map_err(|e| format!("not a tar archive: {e}"))?
        {
            let entry = entry.map_err(|e| format!("not a readable tar archive: {e}"))?;
            if entries.len() >= MAX_TAR_ENTRIES {
                return Err(format!("more than {MAX_TAR_ENTRIES} entries"));
            }
            if entry.header().entry_type().is_file() {
                let name = entry.path().map_err(|e| e.to_string())?;
                let name = name.to_string_lossy().trim_start_matches("./").to_string();
                entries.insert(name, (entry.raw_file_position(), entry.size()));
            }
        }
        if !entries.contains_key("index.json") && !entries.contains_key("manifest.json") {
            return Err("not an image archive (no index.json or manifest.json)".into());
        }
        Ok(Layout::Tar {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// A reader of the file `name` in the layout, and its size.
    fn open_file(&self, name: &str) -> Result<(Box<dyn Read + '_>, u64), String> {
        match self {
            Layout::Dir(root) => {
                if name.split('/').any(|c| c == ".." || c.is_empty()) {
                    return Err(format!("{name}: not a path inside the layout"));
                }
                let path = root.join(name);
                let meta = std::fs::symlink_metadata(&path).map_err(|e| format!("{name}: {e}"))?;
                if !meta.is_file() {
                    return Err(format!("{name}: not a regular file"));
                }
                let file = capped_read::open_regular(&path, capped_read::Links::Refuse)
                    .map_err(|e| format!("{name}: {}", e.kind()))?;
                Ok((Box::new(file), meta.len()))
            }
            Layout::Tar { path, entries } => {
                let (offset, size) = entries
                    .get(name)
                    .ok_or_else(|| format!("{name}: not in the archive"))?;
                let mut file = capped_read::open_regular(path, capped_read::Links::Follow)
                    .map_err(|e| e.kind().to_string())?;
                file.seek(SeekFrom::Start(*offset))
                    .map_err(|e| e.to_string())?;
                Ok((Box::new(file.take(*size)), *size))
            }
        }
    }

    /// A reader of a blob. Digest blobs are hashed as they are read: call
    /// [`Checked::finish`] after reading to confirm the digest.
    pub fn blob(&self, blob: &BlobRef) -> Result<Checked<Box<dyn Read + '_>>, String> {
        match blob {
            BlobRef::Digest(d) => {
                let hex = sha256_hex(d)?;
                let (reader, _) = self.open_file(&format!("blobs/sha256/{hex}"))?;
                Ok(Checked::new(reader, Some(hex.to_string())))
            }
            BlobRef::Path(p) => Ok(Checked::new(self.open_file(p)?.0, None)),
        }
    }

    fn json<T: for<'de> Deserialize<'de>>(&self, blob: &BlobRef) -> Result<T, String> {
        let mut reader = self.blob(blob)?;
        let mut bytes = Vec::new();
        (&mut reader)
            .take(MAX_JSON_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        if bytes.len() as u64 > MAX_JSON_BYTES {
            return Err(format!("{}: over {MAX_JSON_BYTES} bytes", blob.name()));
        }
        reader.finish()?;
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", blob.name()))
    }

    /// Chooses the image named `reference` (or the only one) for `platform`
    /// (`os/arch[/variant]`, default linux/amd64).
    pub fn manifest(
        &self,
        reference: &str,
        platform: Option<&str>,
    ) -> Result<ImageManifest, String> {
        let has_index = match self {
            Layout::Dir(_) => true,
            Layout::Tar { entries, .. } => entries.contains_key("index.json"),
        };
        if has_index {
            if let Ok(found) = self.oci_manifest(reference, platform) {
                return Ok(found);
            }
        }
        self.legacy_manifest(reference).or_else(|legacy| {
            self.oci_manifest(reference, platform)
                .map_err(|oci| format!("{oci}; {legacy}"))
        })
    }

    fn oci_manifest(
        &self,
        reference: &str,
        platform: Option<&str>,
    ) -> Result<ImageManifest, String> {
        let index: Index = self.json(&BlobRef::Path("index.json".into()))?;
        let mut known = Vec::new();
        let top = pick_by_name(&index.manifests, reference)?;
        known.push(top.digest.clone());
        let mut chosen = (top.digest.clone(), top.media_type.clone());
        // Follow nested indexes to the manifest for the platform.
        for _ in 0..4 {
            if !chosen.1.contains("index") && !chosen.1.contains("manifest.list") {
                break;
            }
            let inner: Index = self.json(&BlobRef::Digest(chosen.0.clone()))?;
            let m = pick_platform(&inner.manifests, platform)?;
            known.push(m.digest.clone());
            chosen = (m.digest.clone(), m.media_type.clone());
        }
        let manifest: Manifest = self.json(&BlobRef::Digest(chosen.0.clone()))?;
        let config = manifest.config.ok_or("the manifest names no config")?;
        let body: Config = self
            .json(&BlobRef::Digest(config.digest))
            .unwrap_or_default();
        Ok(ImageManifest {
            digest: Some(chosen.0),
            known_digests: known,
            layers: manifest
                .layers
                .into_iter()
                .map(|l| LayerRef {
                    blob: BlobRef::Digest(l.digest),
                })
                .collect(),
            command: command_of(body),
        })
    }

    fn legacy_manifest(&self, reference: &str) -> Result<ImageManifest, String> {
        let entries: Vec<LegacyEntry> = self.json(&BlobRef::Path("manifest.json".into()))?;
        let wanted = normalise_ref(reference);
        let entry = match entries.len() {
            0 => return Err("manifest.json lists no image".into()),
            1 => &entries[0],
            n => entries
                .iter()
                .find(|e| {
                    e.repo_tags
                        .iter()
                        .flatten()
                        .any(|t| normalise_ref(t) == wanted)
                })
                .ok_or_else(|| {
                    format!("the archive holds {n} images and none is tagged `{reference}`")
                })?,
        };
        let config: Config = self
            .json(&BlobRef::Path(entry.config.clone()))
            .unwrap_or_default();
        let layers = entry
            .layers
            .iter()
            .map(|l| LayerRef {
                blob: blob_of_path(l),
            })
            .collect();
        Ok(ImageManifest {
            digest: None,
            known_digests: Vec::new(),
            layers,
            command: command_of(config),
        })
    }
}

/// `blobs/sha256/<hex>` paths are content-addressed: check them.
fn blob_of_path(path: &str) -> BlobRef {
    match path.strip_prefix("blobs/sha256/") {
        Some(hex) if sha256_hex(&format!("sha256:{hex}")).is_ok() => {
            BlobRef::Digest(format!("sha256:{hex}"))
        }
        _ => BlobRef::Path(path.to_string()),
    }
}

fn command_of(config: Config) -> Vec<String> {
    let body = config.config.unwrap_or_default();
    body.entrypoint
        .unwrap_or_default()
        .into_iter()
        .chain(body.cmd.unwrap_or_default())
        .collect()
}

/// `docker.io/library/x:latest`, `x:latest` and `x` name the same image.
pub fn normalise_ref(reference: &str) -> String {
    let r = reference.split('@').next().unwrap_or(reference);
    let r = r.strip_prefix("docker.io/").unwrap_or(r);
    let r = r.strip_prefix("library/").unwrap_or(r);
    let last = r.rsplit('/').next().unwrap_or(r);
    if last.contains(':') {
        r.to_string()
    } else {
        format!("{r}:latest")
    }
}

fn pick_by_name<'a>(list: &'a [Descriptor], reference: &str) -> Result<&'a Descriptor, String> {
    if list.len() == 1 {
        return Ok(&list[0]);
    }
    let wanted = normalise_ref(reference);
    let tag = wanted.rsplit(':').next().unwrap_or("");
    list.iter()
        .find(|d| {
            [
                "io.containerd.image.name",
                "org.opencontainers.image.ref.name",
            ]
            .iter()
            .filter_map(|k| d.annotations.get(*k))
            .any(|n| normalise_ref(n) == wanted || n == tag)
        })
        .ok_or_else(|| {
            format!(
                "index.json lists {} images and none is named `{reference}`",
                list.len()
            )
        })
}

fn pick_platform<'a>(
    list: &'a [Descriptor],
    platform: Option<&str>,
) -> Result<&'a Descriptor, String> {
    let wanted = platform.unwrap_or("linux/amd64");
    let mut parts = wanted.split('/');
    let (os, arch, variant) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next(),
    );
    list.iter()
        .find(|d| {
            d.platform.as_ref().is_some_and(|p| {
                p.os == os
                    && p.architecture == arch
                    && (variant.is_none() || p.variant.as_deref() == variant)
            })
        })
        .ok_or_else(|| format!("no manifest for platform {wanted} in the image index"))
}

/// The hex part of `sha256:<64 hex>`; anything else is refused (it becomes a path).
pub(super) fn sha256_hex(digest: &str) -> Result<&str, String> {
    let hex = digest
        .strip_prefix("sha256:")
        .ok_or_else(|| format!("{digest}: only sha256 digests are read"))?;
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err(format!("{digest}: not a sha256 digest"));
    }
    Ok(hex)
}

impl BlobRef {
    fn name(&self) -> &str {
        match self {
            BlobRef::Digest(d) | BlobRef::Path(d) => d,
        }
    }
}

/// A reader that hashes what passes through it.
pub struct Checked<R> {
    inner: R,
    hasher: Sha256,
    expected: Option<String>,
}

impl<R: Read> Checked<R> {
    fn new(inner: R, expected: Option<String>) -> Self {
        Checked {
            inner,
            hasher: Sha256::new(),
            expected,
        }
    }

    /// Drains what is left and confirms the digest.
    pub fn finish(mut self) -> Result<(), String> {
        std::io::copy(&mut self, &mut std::io::sink()).map_err(|e| e.to_string())?;
        let Some(expected) = self.expected else {
            return Ok(());
        };
        let got = hex(&self.hasher.finalize());
        if got == expected {
            Ok(())
        } else {
            Err(format!("blob sha256:{expected} has content sha256:{got}: the archive is damaged or altered"))
        }
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
