//! Container images: an OCI image layout written here from real metadata
//! (`fixtures/images`: a Debian 12 root filesystem's dpkg status made by
//! mmdebstrap, a real npm MCP server's package.json files, a Go binary built
//! with Debian's Go), scanned through `--image-archive` without running
//! anything. Layers are applied with whiteouts; hostile layers are refused
//! or skipped with a message.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::support::{self, fixtures, stderr, Cmd};

pub(super) enum Item {
    File(Vec<u8>, u32),
    Link(&'static str),
}

fn images() -> PathBuf {
    fixtures().join("images")
}

/// A gzip-compressed tar layer.
pub(super) fn layer(items: &[(String, Item)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    for (path, item) in items {
        let mut h = tar::Header::new_gnu();
        match item {
            Item::File(bytes, mode) => {
                h.set_size(bytes.len() as u64);
                h.set_mode(*mode);
                h.set_entry_type(tar::EntryType::Regular);
                // Write the name raw: hostile names must reach the reader as given.
                let name = h.as_old_mut().name.as_mut();
                name[..path.len()].copy_from_slice(path.as_bytes());
                h.set_cksum();
                tar.append(&h, bytes.as_slice()).unwrap();
            }
            Item::Link(target) => {
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_link_name(target).unwrap();
                tar.append_data(&mut h, path, std::io::empty()).unwrap();
            }
        }
    }
    tar.into_inner().unwrap().finish().unwrap()
}

pub(super) fn file(path: &str, bytes: Vec<u8>) -> (String, Item) {
    (path.to_string(), Item::File(bytes, 0o644))
}

pub(super) fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn put_blob(dir: &Path, bytes: &[u8]) -> Value {
    let d = digest(bytes);
    std::fs::write(dir.join("blobs/sha256").join(&d[7..]), bytes).unwrap();
    json!({"digest": d, "size": bytes.len()})
}

/// Writes an OCI image layout; returns the manifest digest.
pub(super) fn write_layout(dir: &Path, layers: &[Vec<u8>]) -> String {
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let config = json!({"architecture": "amd64", "os": "linux",
        "config": {"Entrypoint": ["node", "/app/node_modules/@modelcontextprotocol/server-memory/dist/index.js"]},
        "rootfs": {"type": "layers", "diff_ids": []}});
    let mut config_desc = put_blob(dir, config.to_string().as_bytes());
    config_desc["mediaType"] = json!("application/vnd.oci.image.config.v1+json");
    let layer_descs: Vec<Value> = layers
        .iter()
        .map(|l| {
            let mut d = put_blob(dir, l);
            d["mediaType"] = json!("application/vnd.oci.image.layer.v1.tar+gzip");
            d
        })
        .collect();
    let manifest = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config_desc, "layers": layer_descs});
    let mut desc = put_blob(dir, manifest.to_string().as_bytes());
    desc["mediaType"] = json!("application/vnd.oci.image.manifest.v1+json");
    desc["annotations"] = json!({"org.opencontainers.image.ref.name": "test"});
    let index = json!({"schemaVersion": 2, "manifests": [desc.clone()]});
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
    desc["digest"].as_str().unwrap().to_string()
}

pub(super) fn rootfs_layer() -> Vec<u8> {
    let deb = images().join("debian-bookworm");
    layer(&[
        file(
            "var/lib/dpkg/status",
            std::fs::read(deb.join("status")).unwrap(),
        ),
        file(
            "usr/lib/os-release",
            std::fs::read(deb.join("os-release")).unwrap(),
        ),
        ("etc/os-release".into(), Item::Link("../usr/lib/os-release")),
    ])
}

/// The npm server's metadata, a malicious package planted beside it, and
/// the Go binary.
pub(super) fn app_layer() -> Vec<u8> {
    let npm = images().join("npm-server-memory");
    let mut items = Vec::new();
    for entry in walk(&npm.join("node_modules")) {
        let rel = entry
            .strip_prefix(&npm)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        items.push(file(&format!("app/{rel}"), std::fs::read(&entry).unwrap()));
    }
    items.push(file(
        "app/node_modules/chalk/package.json",
        br#"{"name":"chalk","version":"5.6.1"}"#.to_vec(),
    ));
    let go = std::fs::read(images().join("go/tinymcp")).unwrap();
    items.push(("usr/local/bin/tinymcp".into(), Item::File(go, 0o755)));
    layer(&items)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Deletes the planted package again.
pub(super) fn whiteout_layer() -> Vec<u8> {
    layer(&[file("app/node_modules/.wh.chalk", Vec::new())])
}

pub(super) fn home_with(dir: &Path, image: &str) -> PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".cursor")).unwrap();
    let config = json!({"mcpServers": {"memory": {"command": "docker", "args": ["run", "-i", "--rm", image]}}});
    std::fs::write(home.join(".cursor/mcp.json"), config.to_string()).unwrap();
    home
}

/// A store with the bundled npm and Go records and two planted Debian
/// records for zlib (Debian's source package of zlib1g): one for Debian 12,
/// one for Debian 11 that must not match.
pub(super) fn store(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    let planted = dir.join("planted");
    std::fs::create_dir_all(&planted).unwrap();
    for (id, eco) in [
        ("DEBIAN-TEST-12", "Debian:12"),
        ("DEBIAN-TEST-11", "Debian:11"),
    ] {
        let record = json!({"id": id, "modified": "2026-01-01T00:00:00Z", "summary": "planted",
            "affected": [{"package": {"ecosystem": eco, "name": "zlib"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.9-1"}]}]}]});
        std::fs::write(planted.join(format!("{id}.json")), record.to_string()).unwrap();
    }
    let osv = fixtures().join("osv");
    let out = Cmd::store_command("import")
        .db(&db)
        .args([osv.join("npm"), osv.join("go"), planted])
        .run();
    assert!(out.status.success(), "{}", stderr(&out));
    db
}

pub(super) fn scan(db: &Path, home: &Path, archive: &Path, image: &str) -> (i32, Value, String) {
    let spec = format!("{image}={}", archive.display());
    let (code, out, err) = Cmd::scan()
        .db(db)
        .offline()
        .home(home)
        .opt("--image-archive", spec)
        .format("json")
        .outcome();
    let report = serde_json::from_str(&out).unwrap_or(Value::Null);
    (code, report, err)
}

pub(super) fn set_of(report: &Value, ecosystem_prefix: &str) -> BTreeSet<(String, String)> {
    report["servers"][0]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["ecosystem"]
                .as_str()
                .unwrap()
                .starts_with(ecosystem_prefix)
        })
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub(super) fn expected(file: &str) -> BTreeSet<(String, String)> {
    std::fs::read_to_string(images().join(file))
        .unwrap()
        .lines()
        .map(|l| {
            let (n, v) = l.split_once('\t').unwrap();
            (n.to_string(), v.to_string())
        })
        .collect()
}

pub(super) fn ids(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["advisory_ids"].as_array().cloned().unwrap_or_default())
        .map(|i| i.as_str().unwrap_or_default().to_string())
        .chain(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|f| f["advisory"]["id"].as_str().map(str::to_string)),
        )
        .collect()
}

fn codes(report: &Value) -> BTreeSet<String> {
    support::codes(report).into_iter().collect()
}

#[test]
fn an_image_lists_dpkg_npm_and_go_packages_exactly_and_honours_whiteouts() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("oci");
    let manifest = write_layout(&archive, &[rootfs_layer(), app_layer(), whiteout_layer()]);
    let db = store(dir.path());
    let home = home_with(dir.path(), "mcp/memory:test");
    let (_, report, err) = scan(&db, &home, &archive, "mcp/memory:test");
    assert!(!report.is_null(), "{err}");
    // dpkg set equals `dpkg-query -W --admindir=` on the mmdebstrap root.
    assert_eq!(
        set_of(&report, "Debian:12"),
        expected("debian-bookworm/dpkg-query.txt")
    );
    // npm set equals `npm query '*'`; the planted package is whited out.
    assert_eq!(
        set_of(&report, "npm"),
        expected("npm-server-memory/npm-query.txt")
    );
    // Go: the standard library and the one module `go version -m` lists.
    let go: BTreeSet<(String, String)> = [("stdlib", "go1.19.8"), ("golang.org/x/text", "v0.7.0")]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(set_of(&report, "Go"), go);
    let found = ids(&report);
    assert!(found.contains("DEBIAN-TEST-12"), "{found:?}");
    assert!(found.contains("GO-2023-2102"), "stdlib go1.19.8: {found:?}");
    assert!(
        !found.contains("DEBIAN-TEST-11"),
        "other release: {found:?}"
    );
    assert!(!found.contains("MAL-2025-46969"), "whited out: {found:?}");
    let notes = report["servers"][0]["tree"]["notes"].to_string();
    assert!(
        notes.contains(&manifest),
        "image digest in the report: {notes}"
    );

    // Without the whiteout layer, the planted malicious package is found.
    let plain = dir.path().join("oci-plain");
    write_layout(&plain, &[rootfs_layer(), app_layer()]);
    let (code, report, err) = scan(&db, &home, &plain, "mcp/memory:test");
    assert_eq!(code, 1, "{err}");
    assert!(ids(&report).contains("MAL-2025-46969"));
}

#[test]
fn a_digest_pinned_config_is_checked_against_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("oci");
    let manifest = write_layout(&archive, &[rootfs_layer()]);
    let db = store(dir.path());
    let other = format!("mcp/memory:test@sha256:{}", "0".repeat(64));
    let home = home_with(dir.path(), &other);
    let (_, report, err) = scan(&db, &home, &archive, &other);
    assert!(codes(&report).contains("image-digest-mismatch"), "{err}");
    let pinned = format!("mcp/memory:test@{manifest}");
    let home = home_with(dir.path(), &pinned);
    let (_, report, err) = scan(&db, &home, &archive, &pinned);
    assert!(!codes(&report).contains("image-digest-mismatch"), "{err}");
}

#[test]
fn hostile_layers_are_refused_or_skipped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let home = home_with(dir.path(), "mcp/memory:test");
    // `../` names and an absolute symlink: skipped or resolved inside the image.
    let archive = dir.path().join("climb");
    let sneaky = layer(&[
        file("../../outside-the-root", b"x".to_vec()),
        file("usr/lib/os-release", b"ID=debian\nVERSION_ID=\"12\"\n".to_vec()),
        ("etc/os-release".into(), Item::Link("/usr/lib/os-release")),
        file("var/lib/dpkg/status", b"Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nSource: zlib\n".to_vec()),
    ]);
    write_layout(&archive, &[sneaky]);
    let (_, report, err) = scan(&db, &home, &archive, "mcp/memory:test");
    let notes = report["servers"][0]["tree"]["notes"].to_string();
    assert!(
        notes.contains("climbs out of the image root"),
        "{notes} {err}"
    );
    assert!(
        ids(&report).contains("DEBIAN-TEST-12"),
        "absolute os-release link read inside the image"
    );
    assert!(!dir
        .path()
        .parent()
        .unwrap()
        .join("outside-the-root")
        .exists());
    // A 50 MB status file: over the cap, a clear message, incomplete.
    let archive = dir.path().join("big");
    let mut big = b"Package: a\nStatus: install ok installed\nVersion: 1\n\n".to_vec();
    big.resize(50 << 20, b'#');
    write_layout(&archive, &[layer(&[file("var/lib/dpkg/status", big)])]);
    let (code, _, err) = scan(&db, &home, &archive, "mcp/memory:test");
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("over the") && err.contains("var/lib/dpkg/status"),
        "{err}"
    );
    // A blob whose content does not match its digest.
    let archive = dir.path().join("altered");
    write_layout(&archive, &[rootfs_layer()]);
    for e in std::fs::read_dir(archive.join("blobs/sha256")).unwrap() {
        let p = e.unwrap().path();
        if std::fs::metadata(&p).unwrap().len() > 10_000 {
            let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
            f.write_all(b"tampered").unwrap();
        }
    }
    let (code, _, err) = scan(&db, &home, &archive, "mcp/memory:test");
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("damaged or altered"), "{err}");
    // A mistyped archive path is bad input.
    let (code, _, err) = scan(&db, &home, &dir.path().join("nope"), "mcp/memory:test");
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_direct_go_binary_is_read_and_other_binaries_are_unscanned() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".cursor")).unwrap();
    let go = images().join("go/tinymcp");
    let native = dir.path().join("native-server");
    let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
    elf.resize(4096, 0);
    std::fs::write(&native, &elf).unwrap();
    let config = json!({"mcpServers": {
        "go": {"command": go.to_str().unwrap()},
        "native": {"command": native.to_str().unwrap()}}});
    std::fs::write(home.join(".cursor/mcp.json"), config.to_string()).unwrap();
    let (_, out, err) = Cmd::scan()
        .db(&db)
        .offline()
        .home(&home)
        .format("json")
        .outcome();
    let report: Value = serde_json::from_str(&out).unwrap();
    let found = ids(&report);
    assert!(found.contains("GO-2023-2102"), "{found:?} {err}");
    let unscanned: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "unscanned-binary")
        .collect();
    assert_eq!(unscanned.len(), 1);
    let sha = hex::encode(Sha256::digest(&elf));
    assert!(unscanned[0].to_string().contains(&sha), "{}", unscanned[0]);
}

/// dpkg stanzas of a Debian 9 root filesystem, as dpkg writes them: a
/// library whose `Source` names another package, a binary of `dpkg`
/// itself, and `tzdata` with no `Source` field (source = binary).
const STRETCH_STATUS: &str = "Package: libssl1.1\nStatus: install ok installed\nPriority: optional\nSection: libs\nArchitecture: amd64\nMulti-Arch: same\nSource: openssl\nVersion: 1.1.0l-1~deb9u5\nDescription: Secure Sockets Layer toolkit - shared libraries\n\nPackage: libdpkg-perl\nStatus: install ok installed\nArchitecture: all\nSource: dpkg\nVersion: 1.18.25\nDescription: Dpkg perl modules\n\nPackage: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2021a-0+deb9u3\nDescription: time zone and daylight-saving time data\n";

/// Debian 9 packages against the real DLA records in `fixtures/osv/debian`
/// (filed under source packages `openssl`, `dpkg`, `tzdata`), and the real
/// Debian 12 status (`bsdutils 1:2.38.1-5+deb12u3`, `Source: util-linux
/// (2.38.1-5+deb12u3)`; `bash 5.2.15-2+b13`, `Source: bash (5.2.15-2)`)
/// against planted records in source versions: matching uses the source
/// name and version, the report keeps the binary package.
#[test]
fn debian_packages_match_advisories_by_their_source_package() {
    let dir = tempfile::tempdir().unwrap();
    let planted = dir.path().join("planted");
    std::fs::create_dir_all(&planted).unwrap();
    // The binary's epoch `1:` is not part of the source version: matched
    // by the binary version it would sort above the fix and be missed.
    let util_linux = json!({"id": "DEBIAN-TEST-UTIL-LINUX", "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Debian:12", "name": "util-linux"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.38.1-5+deb12u4"}]}]}]});
    // A `versions` list only: the binNMU `+b13` is not in it, the source version is.
    let bash = json!({"id": "DEBIAN-TEST-BASH", "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Debian:12", "name": "bash"}, "versions": ["5.2.15-2"]}]});
    for (id, record) in [("util-linux", util_linux), ("bash", bash)] {
        std::fs::write(planted.join(format!("{id}.json")), record.to_string()).unwrap();
    }
    let db = dir.path().join("db");
    let out = Cmd::store_command("import")
        .db(&db)
        .args([fixtures().join("osv/debian"), planted])
        .run();
    assert!(out.status.success(), "{}", stderr(&out));
    let home = home_with(dir.path(), "mcp/memory:test");

    let stretch = dir.path().join("stretch");
    write_layout(
        &stretch,
        &[layer(&[
            file("var/lib/dpkg/status", STRETCH_STATUS.as_bytes().to_vec()),
            file(
                "etc/os-release",
                b"PRETTY_NAME=\"Debian GNU/Linux 9 (stretch)\"\nID=debian\nVERSION_ID=\"9\"\n"
                    .to_vec(),
            ),
        ])],
    );
    let (_, report, err) = scan(&db, &home, &stretch, "mcp/memory:test");
    let by_id = advisory_packages(&report);
    assert_eq!(
        by_id,
        [
            (
                "DLA-3008-1",
                "libssl1.1",
                "1.1.0l-1~deb9u5",
                "1.1.0l-1~deb9u6"
            ),
            ("DLA-3022-1", "libdpkg-perl", "1.18.25", "1.18.26"),
            ("DLA-3051-1", "tzdata", "2021a-0+deb9u3", "2021a-0+deb9u4"),
        ]
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect::<Vec<_>>(),
        "{err}"
    );
    let message = finding_message(&report, "DLA-3008-1");
    assert!(
        message.contains("libssl1.1") && message.contains("source openssl@1.1.0l-1~deb9u5"),
        "{message}"
    );
    // Each dpkg package is its own node: the inclusion path names it.
    let path = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["advisory"]["id"] == "DLA-3051-1")
        .map(|f| f["path"].to_string())
        .unwrap_or_default();
    assert_eq!(path, r#"["memory","tzdata@2021a-0+deb9u3"]"#);

    let bookworm = dir.path().join("bookworm");
    write_layout(&bookworm, &[rootfs_layer()]);
    let (_, report, err) = scan(&db, &home, &bookworm, "mcp/memory:test");
    let by_id = advisory_packages(&report);
    let names: Vec<(&str, &str)> = by_id
        .iter()
        .map(|(id, name, _, _)| (id.as_str(), name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("DEBIAN-TEST-BASH", "bash"),
            ("DEBIAN-TEST-UTIL-LINUX", "bsdutils"),
            ("DEBIAN-TEST-UTIL-LINUX", "libblkid1"),
            ("DEBIAN-TEST-UTIL-LINUX", "libmount1"),
            ("DEBIAN-TEST-UTIL-LINUX", "libsmartcols1"),
            ("DEBIAN-TEST-UTIL-LINUX", "libuuid1"),
            ("DEBIAN-TEST-UTIL-LINUX", "mount"),
            ("DEBIAN-TEST-UTIL-LINUX", "util-linux"),
            ("DEBIAN-TEST-UTIL-LINUX", "util-linux-extra"),
        ],
        "{err}"
    );
    let bsdutils = by_id.iter().find(|p| p.1 == "bsdutils").unwrap();
    assert_eq!(bsdutils.2, "1:2.38.1-5+deb12u3", "binary version reported");
    assert_eq!(bsdutils.3, "2.38.1-5+deb12u4", "fix in source versions");
    // The JSON package list names each binary's source package.
    let listed = report["servers"][0]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "bsdutils")
        .unwrap();
    assert_eq!(
        listed["source_package"],
        json!({"name": "util-linux", "version": "2.38.1-5+deb12u3"})
    );
}

/// (advisory id, binary package, its version, nearest fix) of every
/// vulnerability finding, sorted.
pub(super) fn advisory_packages(report: &Value) -> Vec<(String, String, String, String)> {
    let mut out: Vec<(String, String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "vulnerable-dependency")
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (
                s(&f["advisory"]["id"]),
                s(&f["package"]["name"]),
                s(&f["package"]["version"]),
                s(&f["advisory"]["nearest_fix"]),
            )
        })
        .collect();
    out.sort();
    out
}

pub(super) fn finding_message(report: &Value, id: &str) -> String {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["advisory"]["id"] == id)
        .map(|f| f["message"].to_string())
        .unwrap_or_default()
}

/// A real podman (Debian's package; `.ci/run` installs it) with a private
/// vfs store: an OCI archive written here is `podman load`ed, then `scan`
/// with no `--image-archive` exports it with `podman image save` and reads
/// it; `--no-image-store` leaves it unread (tree-not-installed, exit 3).
#[test]
fn an_image_in_the_local_podman_store_is_exported_and_read() {
    if !support::tool_or_skip("podman", ".ci/run installs it") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("storage.conf");
    std::fs::write(
        &conf,
        format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/root\"\nrunroot = \"{0}/run\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let layout = dir.path().join("oci");
    write_layout(&layout, &[rootfs_layer()]);
    let archive = dir.path().join("oci.tar");
    let tar = std::process::Command::new("tar")
        .arg("-C")
        .arg(&layout)
        .arg("-cf")
        .arg(&archive)
        .arg(".")
        .status()
        .unwrap();
    assert!(tar.success());
    let podman = |args: &[&str]| {
        std::process::Command::new("podman")
            .args(args)
            .env("CONTAINERS_STORAGE_CONF", &conf)
            .env("XDG_RUNTIME_DIR", dir.path())
            .output()
            .unwrap()
    };
    let loaded = podman(&["load", "-i", archive.to_str().unwrap()]);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let stdout = String::from_utf8_lossy(&loaded.stdout).into_owned();
    let name = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Loaded image: "))
        .and_then(|l| l.split(',').next())
        .unwrap_or("test")
        .trim()
        .to_string();
    let tagged = podman(&["tag", &name, "localhost/mcp/memory:test"]);
    let listed = podman(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(
        tagged.status.success(),
        "{} {}",
        String::from_utf8_lossy(&tagged.stderr),
        String::from_utf8_lossy(&listed.stdout)
    );

    let db = store(dir.path());
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".cursor")).unwrap();
    let config = json!({"mcpServers": {"memory": {"command": "podman",
        "args": ["run", "-i", "--rm", "localhost/mcp/memory:test"]}}});
    std::fs::write(home.join(".cursor/mcp.json"), config.to_string()).unwrap();
    let scan = Cmd::scan()
        .db(&db)
        .offline()
        .home(&home)
        .format("json")
        .env("CONTAINERS_STORAGE_CONF", &conf)
        .env("XDG_RUNTIME_DIR", dir.path());
    let (_, out, err) = scan.outcome();
    let report: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
    assert_eq!(
        set_of(&report, "Debian:12"),
        expected("debian-bookworm/dpkg-query.txt"),
        "{err}"
    );
    assert!(ids(&report).contains("DEBIAN-TEST-12"), "{err}");

    let (code, _, err) = scan.arg("--no-image-store").outcome();
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("--no-image-store"), "{err}");
    assert!(err.contains("export it with `podman image save"), "{err}");
}
