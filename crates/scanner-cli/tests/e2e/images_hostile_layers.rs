//! Layers built to hurt: a real gzip bomb (hundreds of MiB of zeros in a
//! few hundred KB) stopped by the expansion-ratio cap with bounded memory,
//! and a layer of several gzip members back to back (`cat a.gz b.gz`)
//! read to its last member.

use std::io::{Read, Write};
use std::path::Path;

use flate2::write::GzEncoder;

use super::images::{home_with, write_layout};
use super::support::{stderr, Cmd};

const DEBIAN: &[u8] = b"ID=debian\nVERSION_ID=\"12\"\n";
const STATUS: &[u8] =
    b"Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nSource: zlib\n";

fn header(path: &str, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_path(path).unwrap();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h
}

/// Tar entries of small files, without the end-of-archive blocks (what
/// `tar::Builder::into_inner` would add).
fn tar_entries(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, data) in files {
        out.extend(header(path, data.len() as u64).as_bytes());
        out.extend(*data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Runs a scan of the image at `archive`, sampling the process's peak
/// resident memory (Linux `VmHWM`) while it runs: (exit code, stderr,
/// largest peak seen in KiB, 0 where /proc is not there).
fn scan_sampling_memory(dir: &Path, archive: &Path) -> (i32, String, u64) {
    let out = Cmd::store_command("import")
        .db(dir.join("db"))
        .arg(super::support::fixtures().join("osv/debian"))
        .run();
    assert!(out.status.success(), "{}", stderr(&out));
    let home = home_with(dir, "mcp/memory:test");
    let mut child = Cmd::scan()
        .db(dir.join("db"))
        .offline()
        .home(&home)
        .opt(
            "--image-archive",
            format!("mcp/memory:test={}", archive.display()),
        )
        .arg("--no-image-store")
        .command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    let code = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            peak_kib = peak_kib.max(hwm);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scan did not stop"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (code, err, peak_kib)
}

#[test]
fn a_gzip_bomb_stops_at_the_ratio_cap_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // os-release and a status file, then 300 MiB of zeros: one gzip stream.
    let zeros: u64 = 300 << 20;
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&tar_entries(&[
            ("etc/os-release", DEBIAN),
            ("var/lib/dpkg/status", STATUS),
        ]))
        .unwrap();
    encoder
        .write_all(header("zeros", zeros).as_bytes())
        .unwrap();
    std::io::copy(&mut std::io::repeat(0).take(zeros), &mut encoder).unwrap();
    encoder.write_all(&[0u8; 1024]).unwrap();
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    let archive = dir.path().join("bomb");
    write_layout(&archive, &[bomb]);
    let (code, err, peak_kib) = scan_sampling_memory(dir.path(), &archive);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("decompression bomb") && err.contains("more than 200 times"),
        "{err}"
    );
    // Nothing of the expanded layer is held: memory stays far below it.
    if peak_kib > 0 {
        assert!(peak_kib < 150 << 10, "peak RSS {peak_kib} KiB");
    }
}

#[test]
fn a_layer_of_several_gzip_members_is_read_to_its_last_member() {
    let dir = tempfile::tempdir().unwrap();
    // `cat a.gz b.gz`: the status file lives in the second member.
    let mut layer = gzip(&tar_entries(&[("etc/os-release", DEBIAN)]));
    let mut rest = tar_entries(&[("var/lib/dpkg/status", STATUS)]);
    rest.extend([0u8; 1024]);
    layer.extend(gzip(&rest));
    let archive = dir.path().join("members");
    write_layout(&archive, &[layer]);
    let home = home_with(dir.path(), "mcp/memory:test");
    let (code, report) = Cmd::scan()
        .db(dir.path().join("db"))
        .offline()
        .home(&home)
        .opt(
            "--image-archive",
            format!("mcp/memory:test={}", archive.display()),
        )
        .format("json")
        .json();
    let packages = report["servers"][0]["packages"].to_string();
    assert!(
        packages.contains("zlib1g") && packages.contains("Debian:12"),
        "exit {code}: {packages}"
    );
}
