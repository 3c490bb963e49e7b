//! Applying an image's layers in order, with OCI whiteouts, into a view of
//! just the files supplygate reads: package databases, `os-release`,
//! npm and Python metadata, and what Go binaries say about themselves.
//! Nothing is extracted; every entry name is checked before use.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

use flate2::read::MultiGzDecoder;

use super::gobuild::{self, BuildInfo};

/// Largest metadata file kept (a dpkg status file is a few MB).
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// Largest executable searched for Go build info.
const MAX_BINARY_BYTES: u64 = 512 << 20;
/// Most bytes one layer may expand to.
const MAX_LAYER_BYTES: u64 = 16 << 30;
/// Past this many expanded bytes, a compressed layer may expand at most
/// [`MAX_RATIO`] times what was read of it: a decompression bomb (a few MB
/// of gzip or zstd naming tens of GB of zeros) stops within seconds, long
/// before [`MAX_LAYER_BYTES`]. Real layers expand 2–10 times.
const RATIO_FLOOR: u64 = 256 << 20;
/// Most a compressed layer may expand, past [`RATIO_FLOOR`].
const MAX_RATIO: u64 = 200;
/// Most entries in one layer.
const MAX_ENTRIES: u64 = 2_000_000;
/// Most bytes of metadata kept for the whole image.
const MAX_KEPT_BYTES: u64 = 1 << 30;

/// What a Go-looking executable gave.
#[derive(Debug, Clone)]
pub enum GoBinary {
    /// Its build info.
    Info(BuildInfo),
    /// A Go binary whose build info could not be read, and why.
    Unreadable(String),
}

/// The squashed view: the kept files of the top-most layer that has them.
#[derive(Debug, Default)]
pub struct View {
    /// Kept regular files, by path relative to the root (no leading `/`).
    pub files: BTreeMap<String, Vec<u8>>,
    /// Symlinks among the kept paths: path → target as written.
    pub links: BTreeMap<String, String>,
    /// Executables that are Go binaries.
    pub go: BTreeMap<String, GoBinary>,
    /// Entries refused or skipped, with why (hostile names, caps).
    pub skipped: Vec<String>,
    kept_bytes: u64,
    /// Paths of lower entries this layer replaces (while applying).
    replaced: Vec<String>,
}

/// True for the paths the readers need.
pub fn wanted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        path,
        "var/lib/dpkg/status" | "lib/apk/db/installed" | "etc/os-release" | "usr/lib/os-release"
    ) || (path.starts_with("var/lib/dpkg/status.d/") && !name.ends_with(".md5sums"))
        || (path.contains("node_modules/")
            && matches!(name, "package.json" | ".package-lock.json" | "binding.gyp"))
        || (path.contains(".dist-info/") && matches!(name, "METADATA" | "RECORD" | "INSTALLER"))
}

/// An entry name made relative and checked: `None` for names that climb
/// out of the root or are empty.
pub fn clean(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

impl View {
    /// Applies one layer (plain or gzip tar) on top of the view.
    pub fn apply(&mut self, blob: impl Read, label: &str) -> Result<(), String> {
        let mut buffered = BufReader::new(blob);
        let head = buffered
            .fill_buf()
            .map_err(|e| format!("layer {label}: {e}"))?
            .to_vec();
        let compressed = Rc::new(Cell::new(0u64));
        let counting = Counting {
            inner: buffered,
            count: Rc::clone(&compressed),
        };
        let expanded: Box<dyn Read> = if head.starts_with(&[0x1f, 0x8b]) {
            // A layer may be several gzip members back to back (`cat a.gz
            // b.gz`, pigz, some registries): gzip reads them as one stream.
            Box::new(MultiGzDecoder::new(counting))
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            // libzstd's streaming decoder refuses frames whose window is
            // over 2^27 bytes (its default limit), so memory stays bounded.
            let decoder = zstd::stream::read::Decoder::new(counting)
                .map_err(|e| format!("layer {label}: zstd: {e}"))?;
            Box::new(decoder)
        } else {
            // An uncompressed layer expands to itself: no ratio to check.
            compressed.set(u64::MAX / MAX_RATIO);
            Box::new(counting)
        };
        let mut limited = Capped {
            inner: expanded,
            read: 0,
            compressed,
        };
        let mut upper = View::default();
        let mut removed: Vec<(String, bool)> = Vec::new();
        let mut archive = tar::Archive::new(&mut limited);
        let mut count = 0u64;
        let entries = archive
            .entries()
            .map_err(|e| format!("layer {label}: {e}"))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| layer_error(label, &e))?;
            count += 1;
            if count > MAX_ENTRIES {
                return Err(format!("layer {label}: more than {MAX_ENTRIES} entries"));
            }
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            if raw.split('/').all(|p| p.is_empty() || p == ".") {
                continue; // the root folder itself (`./`)
            }
            let Some(path) = clean(&raw) else {
                self.skipped.push(format!(
                    "layer {label}: entry `{raw}` climbs out of the image root; ignored"
                ));
                continue;
            };
            let (dir, name) = match path.rsplit_once('/') {
                Some((d, n)) => (d.to_string(), n),
                None => (String::new(), path.as_str()),
            };
            if name == ".wh..wh..opq" {
                removed.push((dir, true));
                continue;
            }
            if let Some(target) = name.strip_prefix(".wh.") {
                let p = if dir.is_empty() {
                    target.to_string()
                } else {
                    format!("{dir}/{target}")
                };
                removed.push((p, false));
                continue;
            }
            upper.take_entry(&mut entry, &path, self, label)?;
        }
        // Whiteouts hide lower entries only, whatever their order in the layer.
        for (path, opaque) in removed {
            self.remove(&path, !opaque);
        }
        self.merge(upper);
        Ok(())
    }

    fn take_entry<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        path: &str,
        lower: &View,
        label: &str,
    ) -> Result<(), String> {
        let kind = entry.header().entry_type();
        // Any entry at a path replaces what lower layers had there.
        if lower.go.contains_key(path) || lower.files.contains_key(path) {
            self.replaced.push(path.to_string());
        }
        if kind.is_symlink() {
            if wanted(path) {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned());
                self.links
                    .insert(path.to_string(), target.unwrap_or_default());
            }
            self.files.remove(path);
            return Ok(());
        }
        if kind.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            let Some(target) = target.as_deref().and_then(clean) else {
                self.skipped.push(format!(
                    "layer {label}: hard link `{path}` points out of the image root; ignored"
                ));
                return Ok(());
            };
            let content = self
                .files
                .get(&target)
                .or_else(|| lower.files.get(&target))
                .cloned();
            if let (true, Some(c)) = (wanted(path), content) {
                self.files.insert(path.to_string(), c);
            }
            if let Some(go) = self
                .go
                .get(&target)
                .or_else(|| lower.go.get(&target))
                .cloned()
            {
                self.go.insert(path.to_string(), go);
            }
            return Ok(());
        }
        // A GNU sparse entry reads as its full content, holes as zeros
        // (the tar crate expands it; `size()` is the real size).
        if !kind.is_file() && kind != tar::EntryType::Continuous && !kind.is_gnu_sparse() {
            return Ok(());
        }
        let size = entry.size();
        if wanted(path) {
            if size > MAX_FILE_BYTES {
                return Err(format!("layer {label}: {path} is {size} bytes, over the {MAX_FILE_BYTES}-byte cap for metadata; its packages cannot be listed"));
            }
            let mut bytes = Vec::with_capacity(size as usize);
            entry
                .take(MAX_FILE_BYTES)
                .read_to_end(&mut bytes)
                .map_err(|e| layer_error(label, &e))?;
            self.kept_bytes += bytes.len() as u64;
            if self.kept_bytes + lower.kept_bytes > MAX_KEPT_BYTES {
                return Err(format!(
                    "layer {label}: more than {MAX_KEPT_BYTES} bytes of package metadata"
                ));
            }
            self.files.insert(path.to_string(), bytes);
            return Ok(());
        }
        let executable = entry.header().mode().is_ok_and(|m| m & 0o111 != 0);
        if !executable || size < 4 {
            return Ok(());
        }
        let mut head = [0u8; 4];
        entry
            .read_exact(&mut head)
            .map_err(|e| layer_error(label, &e))?;
        if !gobuild::is_native(&head) {
            return Ok(());
        }
        // Fail closed: a native program too large to search may be a Go
        // binary whose modules would go unchecked (a sparse entry makes
        // one cost nothing in the layer).
        let found = if size > MAX_BINARY_BYTES {
            Err(format!(
                "{size} bytes, over the {MAX_BINARY_BYTES}-byte cap: not searched for Go build info"
            ))
        } else {
            gobuild::scan(entry)
        };
        match found {
            Ok(Some(info)) => {
                self.go.insert(path.to_string(), GoBinary::Info(info));
            }
            Ok(None) => {}
            Err(why) => {
                self.go.insert(path.to_string(), GoBinary::Unreadable(why));
            }
        }
        Ok(())
    }

    /// Drops `path` (and, for a whiteout, the path itself; for an opaque
    /// directory only its children) from the view.
    fn remove(&mut self, path: &str, itself: bool) {
        let prefix = format!("{path}/");
        let gone = |p: &String| (itself && p == path) || p.starts_with(&prefix);
        self.files.retain(|p, _| !gone(p));
        self.links.retain(|p, _| !gone(p));
        self.go.retain(|p, _| !gone(p));
    }

    fn merge(&mut self, upper: View) {
        for p in &upper.replaced {
            self.files.remove(p);
            self.go.remove(p);
        }
        for p in upper.files.keys().chain(upper.links.keys()) {
            self.files.remove(p);
            self.links.remove(p);
        }
        self.files.extend(upper.files);
        self.links.extend(upper.links);
        self.go.extend(upper.go);
        self.skipped.extend(upper.skipped);
        self.kept_bytes += upper.kept_bytes;
    }

    /// A kept file's content, following kept symlinks inside the image
    /// (an absolute target is taken from the image root, never the host).
    pub fn read(&self, path: &str) -> Option<&[u8]> {
        let mut path = path.to_string();
        for _ in 0..8 {
            if let Some(bytes) = self.files.get(&path) {
                return Some(bytes);
            }
            let target = self.links.get(&path)?;
            let base = if target.starts_with('/') {
                String::new()
            } else {
                path.rsplit_once('/')
                    .map_or(String::new(), |(d, _)| d.to_string())
            };
            path = resolve_in_root(&base, target)?;
        }
        None
    }
}

/// `base/target` normalised; `..` stops at the root, as the kernel does
/// inside a container's root.
fn resolve_in_root(base: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn layer_error(label: &str, e: &std::io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Expansion>())
    {
        Some(bomb) => format!("layer {label}: not read to the end: {bomb}"),
        None => format!("layer {label}: not a readable tar stream: {e}"),
    }
}

/// A layer stopped by [`Capped`]: a well-formed stream over a cap, told
/// apart from a damaged one.
#[derive(Debug)]
struct Expansion(String);

impl std::fmt::Display for Expansion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Expansion {}

/// Counts the bytes read through it into a shared cell.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get().saturating_add(n as u64));
        Ok(n)
    }
}

/// The expanded layer: fails past [`MAX_LAYER_BYTES`], or past
/// [`RATIO_FLOOR`] once it has expanded more than [`MAX_RATIO`] times the
/// compressed bytes read so far.
struct Capped<R> {
    inner: R,
    read: u64,
    compressed: Rc<Cell<u64>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read >= MAX_LAYER_BYTES {
            return Err(std::io::Error::other(Expansion(format!(
                "it expands past {MAX_LAYER_BYTES} bytes (a decompression bomb?)"
            ))));
        }
        let ratio_cap = self.compressed.get().saturating_mul(MAX_RATIO);
        if self.read > RATIO_FLOOR && self.read > ratio_cap {
            return Err(std::io::Error::other(Expansion(format!(
                "it expands to {} bytes from {} compressed, more than {MAX_RATIO} times (a decompression bomb)",
                self.read,
                self.compressed.get()
            ))));
        }
        let left = MAX_LAYER_BYTES - self.read;
        let max = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_climb_out_are_refused() {
        assert_eq!(clean("./a/b"), Some("a/b".into()));
        assert_eq!(clean("/etc/os-release"), Some("etc/os-release".into()));
        assert_eq!(clean("a/../../etc/passwd"), None);
    }

    fn tar_of(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data, mode) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(*mode);
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn whiteouts_and_opaque_dirs_hide_lower_layers_only() {
        let mut v = View::default();
        let pkg = |n: &str| format!("{{\"name\":\"{n}\",\"version\":\"1.0.0\"}}").into_bytes();
        let (a, b, c) = (pkg("a"), pkg("b"), pkg("c"));
        v.apply(
            &tar_of(&[
                ("app/node_modules/a/package.json", &a, 0o644),
                ("app/node_modules/b/package.json", &b, 0o644),
                ("lib/node_modules/c/package.json", &c, 0o644),
            ])[..],
            "1",
        )
        .unwrap();
        // The opaque marker comes after a new file of the same layer: that file stays.
        v.apply(
            &tar_of(&[
                ("lib/node_modules/d/package.json", &pkg("d"), 0o644),
                ("lib/node_modules/.wh..wh..opq", b"", 0o644),
                ("app/node_modules/.wh.a", b"", 0o644),
            ])[..],
            "2",
        )
        .unwrap();
        let kept: Vec<&str> = v.files.keys().map(String::as_str).collect();
        assert_eq!(
            kept,
            [
                "app/node_modules/b/package.json",
                "lib/node_modules/d/package.json"
            ]
        );
    }

    #[test]
    fn a_huge_declared_metadata_entry_is_refused_before_reading() {
        // A 10 GB status file that is not actually there: refused by its header.
        let mut h = tar::Header::new_gnu();
        h.set_path("var/lib/dpkg/status").unwrap();
        h.set_size(10 << 30);
        h.set_mode(0o644);
        h.set_cksum();
        let err = View::default()
            .apply(h.as_bytes().as_slice(), "1")
            .unwrap_err();
        assert!(err.contains("over the") && err.contains("cap"), "{err}");
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_ratio_cap() {
        // A tar entry declaring 1 GiB of zeros, zstd-compressed to a few KB.
        let mut h = tar::Header::new_gnu();
        h.set_path("zeros").unwrap();
        h.set_size(1 << 30);
        h.set_mode(0o644);
        h.set_cksum();
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
        std::io::Write::write_all(&mut encoder, h.as_bytes()).unwrap();
        std::io::copy(&mut std::io::repeat(0).take(1 << 30), &mut encoder).unwrap();
        let bomb = encoder.finish().unwrap();
        assert!(bomb.len() < 1 << 20, "{}", bomb.len());
        let err = View::default().apply(bomb.as_slice(), "1").unwrap_err();
        assert!(err.contains("decompression bomb"), "{err}");
        assert!(err.contains("not read to the end: it expands"), "{err}");
    }

    #[test]
    fn a_zstd_layer_is_read_like_a_gzip_one() {
        let pkg = br#"{"name":"a","version":"1.0.0"}"#;
        let tar = tar_of(&[("app/node_modules/a/package.json", pkg, 0o644)]);
        let compressed = zstd::encode_all(tar.as_slice(), 3).unwrap();
        let mut v = View::default();
        v.apply(compressed.as_slice(), "1").unwrap();
        assert_eq!(
            v.read("app/node_modules/a/package.json"),
            Some(pkg.as_slice())
        );
        let err = View::default()
            .apply(&compressed[..compressed.len() / 2], "1")
            .unwrap_err();
        assert!(err.contains("layer 1"), "{err}");
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_layer_of_several_gzip_members_is_read_to_the_end() {
        // `cat a.gz b.gz`: the second entry lives in the second member.
        let a = br#"{"name":"a","version":"1.0.0"}"#;
        let b = br#"{"name":"b","version":"2.0.0"}"#;
        let whole = tar_of(&[
            ("app/node_modules/a/package.json", a, 0o644),
            ("app/node_modules/b/package.json", b, 0o644),
        ]);
        let mut layer = gzip(&whole[..1024]);
        layer.extend(gzip(&whole[1024..]));
        let mut v = View::default();
        v.apply(layer.as_slice(), "1").unwrap();
        assert_eq!(v.read("app/node_modules/b/package.json"), Some(&b[..]));
    }

    /// A GNU sparse entry (type `S`): `data` at offset 0, a `hole` of
    /// zeros, then `tail`; each data block padded to 512 bytes.
    fn sparse_tar(path: &str, mode: u32, data: &[u8], hole: u64, tail: &[u8]) -> Vec<u8> {
        let pad = |b: &[u8]| {
            let mut v = b.to_vec();
            v.resize(b.len().div_ceil(512) * 512, 0);
            v
        };
        let (data, tail) = (pad(data), pad(tail));
        let mut h = tar::Header::new_gnu();
        h.set_path(path).unwrap();
        h.set_mode(mode);
        h.set_entry_type(tar::EntryType::GNUSparse);
        h.set_size((data.len() + tail.len()) as u64);
        let real = data.len() as u64 + hole + tail.len() as u64;
        let gnu = h.as_gnu_mut().unwrap();
        gnu.sparse[0].set_offset(0);
        gnu.sparse[0].set_length(data.len() as u64);
        gnu.sparse[1].set_offset(data.len() as u64 + hole);
        gnu.sparse[1].set_length(tail.len() as u64);
        gnu.set_real_size(real);
        h.set_cksum();
        let mut out = h.as_bytes().to_vec();
        out.extend(data);
        out.extend(tail);
        out.extend([0u8; 1024]);
        out
    }

    #[test]
    fn a_sparse_executable_is_searched_for_go_build_info() {
        let modinfo = "0123456789abcdefpath\texample.com/x\nmod\texample.com/x\t(devel)\t\ndep\tgolang.org/x/net\tv0.1.0\th1:x\n0123456789abcdef";
        let info = super::super::gobuild::tests::blob("go1.22.3", modinfo);
        let layer = sparse_tar("usr/bin/server", 0o755, b"\x7fELF", 3 << 20, &info);
        let mut v = View::default();
        v.apply(layer.as_slice(), "1").unwrap();
        let Some(GoBinary::Info(found)) = v.go.get("usr/bin/server") else {
            panic!("no Go build info: {:?}", v.go);
        };
        assert_eq!(found.go_version, "go1.22.3");
        assert_eq!(found.modules[1].0, "golang.org/x/net");
        // Too large to search: unreadable (the run is incomplete), not skipped.
        let huge = sparse_tar("usr/bin/huge", 0o755, b"\x7fELF", MAX_BINARY_BYTES, &info);
        let mut v = View::default();
        v.apply(huge.as_slice(), "1").unwrap();
        assert!(
            matches!(v.go.get("usr/bin/huge"), Some(GoBinary::Unreadable(why)) if why.contains("not searched")),
            "{:?}",
            v.go
        );
        // Not executable: not searched.
        let plain = sparse_tar("usr/share/data", 0o644, b"\x7fELF", 3 << 20, &info);
        let mut v = View::default();
        v.apply(plain.as_slice(), "1").unwrap();
        assert!(v.go.is_empty());
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let mut v = View::default();
        v.files
            .insert("usr/lib/os-release".into(), b"ID=debian".to_vec());
        v.links
            .insert("etc/os-release".into(), "../usr/lib/os-release".into());
        assert_eq!(v.read("etc/os-release"), Some(&b"ID=debian"[..]));
        v.links
            .insert("etc/os-release".into(), "/../../usr/lib/os-release".into());
        assert_eq!(v.read("etc/os-release"), Some(&b"ID=debian"[..]));
    }
}
