//! The local Docker image store: a real `dockerd` (Debian's `docker.io`;
//! `.ci/run` installs it) started by the test as root with a private
//! data root, socket and vfs storage, no bridge and no firewall or
//! forwarding changes. A `docker save` archive written here is
//! `docker load`ed, then `scan` with no `--image-archive` exports it with
//! `docker image save` and reads it. Nothing is run, created or pulled;
//! the daemon is stopped when the test ends.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;
use serde_json::{json, Value};

use super::images::{
    app_layer, digest, expected, home_with, ids, rootfs_layer, set_of, store, whiteout_layer,
};
use super::support::{tool_or_skip, with_code, Cmd};

const IMAGE: &str = "mcp/memory:test";
const INSTALL: &str = ".ci/run installs Debian's docker.io";

#[test]
fn an_image_in_the_local_docker_store_is_exported_and_read() {
    let Some(daemon) = Dockerd::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("image.tar");
    write_docker_archive(
        &archive,
        IMAGE,
        &[rootfs_layer(), app_layer(), whiteout_layer()],
    );
    let loaded = daemon.docker(&["load", "--input", archive.to_str().unwrap()]);
    assert!(loaded.status.success(), "{}", text(&loaded.stderr));
    assert!(
        text(&loaded.stdout).contains(IMAGE),
        "{}",
        text(&loaded.stdout)
    );

    let db = store(dir.path());
    let home = home_with(dir.path(), IMAGE);
    let (code, report, err) = scan_with(&db, &home, &daemon.host);
    assert_ne!(code, 3, "complete: {err}");
    assert_eq!(
        set_of(&report, "Debian:12"),
        expected("debian-bookworm/dpkg-query.txt"),
        "{err}"
    );
    assert_eq!(
        set_of(&report, "npm"),
        expected("npm-server-memory/npm-query.txt")
    );
    assert!(set_of(&report, "Go").contains(&("stdlib".into(), "go1.19.8".into())));
    let found = ids(&report);
    assert!(found.contains("DEBIAN-TEST-12"), "{found:?}");
    assert!(found.contains("GO-2023-2102"), "{found:?}");
    assert!(!found.contains("MAL-2025-46969"), "whited out: {found:?}");
    // The config came through the export too: its entrypoint is a note.
    let notes = report["servers"][0]["tree"]["notes"].to_string();
    assert!(notes.contains("image command: node /app/"), "{notes}");
    assert!(with_code(&report, "tree-not-installed").is_empty(), "{err}");

    // An image the store does not hold: never pulled, incomplete, with
    // the daemon's own reason.
    let absent = dir.path().join("absent");
    let home = home_with(&absent, "mcp/absent:1");
    let (code, report, err) = scan_with(&db, &home, &daemon.host);
    assert_eq!(code, 3, "{err}");
    let message = not_installed(&report);
    assert!(
        message.contains("`docker image save mcp/absent:1` failed")
            && (message.contains("No such image") || message.contains("reference does not exist")),
        "{message}"
    );
    let images = daemon.docker(&["images", "--quiet", "mcp/absent"]);
    assert!(text(&images.stdout).trim().is_empty(), "nothing was pulled");
    let containers = daemon.docker(&["ps", "--all", "--quiet"]);
    assert!(
        containers.status.success() && text(&containers.stdout).trim().is_empty(),
        "no container was created: {}",
        text(&containers.stdout)
    );

    // The same daemon (two at once would race on dockerd's machine-wide key).
    a_pinned_image_is_checked_against_the_digest_the_store_records(&daemon, &db);
}

/// Debian's Docker (20.10) writes `docker save` archives without any
/// digest: a digest-pinned config is checked against the digest the store
/// records for the image (`RepoDigests`), set here by pushing it to a
/// loopback registry (Debian's docker-registry, a plain process). A pin the
/// store does not hold is never pulled: incomplete.
fn a_pinned_image_is_checked_against_the_digest_the_store_records(daemon: &Dockerd, db: &Path) {
    if !tool_or_skip("docker-registry", INSTALL) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path());
    let name = format!("127.0.0.1:{}/mcp/memory:test", registry.port);
    let archive = dir.path().join("image.tar");
    write_docker_archive(&archive, &name, &[rootfs_layer()]);
    let loaded = daemon.docker(&["load", "--input", archive.to_str().unwrap()]);
    assert!(loaded.status.success(), "{}", text(&loaded.stderr));
    let pushed = daemon.docker(&["push", &name]);
    assert!(pushed.status.success(), "{}", text(&pushed.stderr));
    let inspected = daemon.docker(&[
        "image",
        "inspect",
        "--format",
        "{{json .RepoDigests}}",
        &name,
    ]);
    let repo_digests: Vec<String> = serde_json::from_slice(&inspected.stdout).unwrap();
    let digest = repo_digests[0].rsplit_once('@').unwrap().1.to_string();

    let pinned = format!("{name}@{digest}");
    let home = home_with(&dir.path().join("pinned"), &pinned);
    let (_, report, err) = scan_with(db, &home, &daemon.host);
    let codes = super::support::codes(&report);
    assert!(
        !codes.iter().any(|c| c == "image-digest-mismatch"),
        "{codes:?} {err}"
    );
    assert!(!codes.iter().any(|c| c == "plaintext-secret"), "{codes:?}");
    assert!(
        !codes.iter().any(|c| c == "tree-not-installed"),
        "{codes:?} {err}"
    );
    assert_eq!(
        set_of(&report, "Debian:12"),
        expected("debian-bookworm/dpkg-query.txt"),
        "{err}"
    );
    let notes = report["servers"][0]["tree"]["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "local docker store, which records its digest as {digest}"
        )),
        "{notes}"
    );

    let other = format!("{name}@sha256:{}", "0".repeat(64));
    let home = home_with(&dir.path().join("other"), &other);
    let (code, report, err) = scan_with(db, &home, &daemon.host);
    assert_eq!(code, 3, "{err}");
    assert!(not_installed(&report).contains("failed"), "{report}");
}

/// Needs only the `docker` client: a socket nothing listens on.
#[test]
fn an_unreachable_docker_daemon_leaves_the_image_unread_with_the_reason() {
    if !tool_or_skip("docker", INSTALL) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let home = home_with(dir.path(), IMAGE);
    let host = format!("unix://{}", dir.path().join("nothing.sock").display());
    let (code, report, err) = scan_with(&db, &home, &host);
    assert_eq!(code, 3, "{err}");
    let message = not_installed(&report);
    assert!(
        message.contains(&format!("`docker image save {IMAGE}` failed"))
            && message.contains("Cannot connect to the Docker daemon"),
        "{message}"
    );
}

/// A daemon socket that accepts and never answers: `docker image save`
/// is stopped at `--resolve-timeout`, and the image is left unread.
#[test]
fn a_docker_daemon_that_never_answers_is_cut_off_by_the_resolve_timeout() {
    if !tool_or_skip("docker", INSTALL) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("silent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    // Holds every connection open, unanswered, until the test process ends.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for connection in listener.incoming() {
            held.push(connection);
        }
    });
    let db = store(dir.path());
    let home = home_with(dir.path(), IMAGE);
    let started = Instant::now();
    let (code, out, err) = Cmd::scan()
        .db(&db)
        .offline()
        .home(&home)
        .format("json")
        .opt("--resolve-timeout", "2s")
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .outcome();
    assert_eq!(code, 3, "{err}");
    assert!(started.elapsed() < Duration::from_secs(60));
    let report: Value = serde_json::from_str(&out).unwrap();
    let message = not_installed(&report);
    assert!(
        message.contains(&format!("`docker image save {IMAGE}` took longer than 2s")),
        "{message}"
    );
}

/// No `docker` on PATH at all: the same finding, saying so.
#[test]
fn a_missing_docker_client_leaves_the_image_unread_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let home = home_with(dir.path(), IMAGE);
    let empty = dir.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, out, err) = Cmd::scan()
        .db(&db)
        .offline()
        .home(&home)
        .format("json")
        .env("PATH", &empty)
        .outcome();
    assert_eq!(code, 3, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let message = not_installed(&report);
    assert!(message.contains("`docker` is not installed"), "{message}");
}

fn scan_with(db: &Path, home: &Path, docker_host: &str) -> (i32, Value, String) {
    let (code, out, err) = Cmd::scan()
        .db(db)
        .offline()
        .home(home)
        .format("json")
        .env("DOCKER_HOST", docker_host)
        .outcome();
    (code, serde_json::from_str(&out).unwrap_or(Value::Null), err)
}

/// The one `tree-not-installed` finding's message.
fn not_installed(report: &Value) -> String {
    let found = with_code(report, "tree-not-installed");
    assert_eq!(found.len(), 1, "{report}");
    found[0]["message"].as_str().unwrap_or_default().to_string()
}

/// A `docker save` archive as Docker before 25 writes it (what `docker
/// load` of Debian 12's Docker reads): `manifest.json`, the config named
/// by its digest with the layers' uncompressed digests, one tar per layer.
fn write_docker_archive(path: &Path, tag: &str, layers: &[Vec<u8>]) {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|gz| {
            let mut raw = Vec::new();
            GzDecoder::new(gz.as_slice()).read_to_end(&mut raw).unwrap();
            digest(&raw)
        })
        .collect();
    let config = json!({"architecture": "amd64", "os": "linux",
        "config": {"Entrypoint": ["node", "/app/node_modules/@modelcontextprotocol/server-memory/dist/index.js"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids}})
    .to_string();
    let config_name = format!("{}.json", &digest(config.as_bytes())[7..]);
    let layer_names: Vec<String> = (0..layers.len())
        .map(|i| format!("layer{i}/layer.tar"))
        .collect();
    let manifest =
        json!([{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}]).to_string();
    let mut tar = tar::Builder::new(std::fs::File::create(path).unwrap());
    let mut add = |name: &str, bytes: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        tar.append_data(&mut h, name, bytes).unwrap();
    };
    add(&config_name, config.as_bytes());
    for (name, bytes) in layer_names.iter().zip(layers) {
        add(name, bytes);
    }
    add("manifest.json", manifest.as_bytes());
    tar.into_inner().unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A process of the test's own, stopped on drop: SIGTERM, then SIGKILL if
/// it does not exit in time.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A registry on loopback, its storage in the test's folder.
struct Registry {
    port: u16,
    _process: Stopped,
}

impl Registry {
    fn start(dir: &Path) -> Registry {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("registry.yml");
        let storage = dir.join("registry");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                storage.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let registry = Registry {
            port,
            _process: Stopped(child),
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the registry did not listen: {}",
                std::fs::read_to_string(dir.join("registry.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        registry
    }
}

/// A private Docker daemon, stopped (then its folder removed) on drop.
struct Dockerd {
    // Declared before `dir`: stopped before its folder is removed.
    _process: Stopped,
    host: String,
    dir: tempfile::TempDir,
}

impl Dockerd {
    /// Starts one, or says why it cannot and returns `None` (only where
    /// Docker is not installed or the test does not run as root, which
    /// dockerd needs; CI has both).
    fn start() -> Option<Dockerd> {
        if !tool_or_skip("dockerd", INSTALL) || !tool_or_skip("docker", INSTALL) {
            return None;
        }
        if !is_root() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs the tests as root"
            );
            eprintln!("not running as root, which dockerd needs: skipped (CI runs as root)");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("sg-dockerd")
            .tempdir()
            .unwrap();
        let host = format!("unix://{}", dir.path().join("docker.sock").display());
        let process = Stopped(spawn(dir.path(), &host));
        let daemon = Dockerd {
            _process: process,
            host,
            dir,
        };
        daemon.wait_ready();
        Some(daemon)
    }

    /// Runs the Docker client against this daemon only.
    fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", self.dir.path().join("client"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(120) {
            if self.docker(&["version"]).status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("dockerd did not answer: {}", self.log_tail());
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// dockerd with everything of its own in `dir`: no bridge, no iptables,
/// no IP forwarding, vfs storage, an empty config file (so the machine's
/// `/etc/docker/daemon.json` cannot change the setup).
fn spawn(dir: &Path, host: &str) -> Child {
    let at = |name: &str| -> PathBuf { dir.join(name) };
    std::fs::write(at("daemon.json"), "{}").unwrap();
    let log = std::fs::File::create(at("dockerd.log")).unwrap();
    Command::new("dockerd")
        .arg("--config-file")
        .arg(at("daemon.json"))
        .arg("--data-root")
        .arg(at("data"))
        .arg("--exec-root")
        .arg(at("exec"))
        .arg("--pidfile")
        .arg(at("dockerd.pid"))
        .args(["--host", host])
        .args(["--storage-driver", "vfs", "--bridge", "none"])
        .args([
            "--iptables=false",
            "--ip6tables=false",
            "--ip-forward=false",
        ])
        .args(["--ip-masq=false"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| text(&o.stdout).trim() == "0")
}
