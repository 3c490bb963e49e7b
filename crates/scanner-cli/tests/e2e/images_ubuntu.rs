//! Ubuntu images: `etc/os-release` gives OSV's `Ubuntu:<release>[:LTS]`,
//! dpkg packages are matched by their `Source` package against Canonical's
//! real OSV records in `fixtures/osv/ubuntu`, including a past-standard-
//! support release whose fixes are filed under its Ubuntu Pro stream.

use serde_json::{json, Value};

use super::images::{advisory_packages, file, home_with, layer, scan, write_layout};
use super::support::{fixtures, stderr, Cmd};

/// dpkg stanzas as dpkg writes them on Ubuntu: two binaries of source
/// `pam`, `libgcrypt20` (source = binary, no `Source` field) and `bash`.
fn status(pam: &str, gcrypt: &str) -> String {
    format!(
        "Package: libpam0g\nStatus: install ok installed\nPriority: required\nSection: libs\nInstalled-Size: 232\nMaintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>\nArchitecture: amd64\nMulti-Arch: same\nSource: pam\nVersion: {pam}\nDepends: libaudit1 (>= 1:2.2.1), libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0\nDescription: Pluggable Authentication Modules library\n Contains the shared library for Linux-PAM.\nOriginal-Maintainer: Debian PAM Maintainers <pkg-pam-maintainers@lists.alioth.debian.org>\n\n\
         Package: libpam-modules\nStatus: install ok installed\nPriority: required\nSection: admin\nArchitecture: amd64\nMulti-Arch: same\nSource: pam\nVersion: {pam}\nDescription: Pluggable Authentication Modules for PAM\n\n\
         Package: libgcrypt20\nStatus: install ok installed\nPriority: optional\nSection: libs\nArchitecture: amd64\nMulti-Arch: same\nVersion: {gcrypt}\nDescription: LGPL Crypto library - runtime library\n\n\
         Package: bash\nStatus: install ok installed\nPriority: required\nSection: shells\nEssential: yes\nArchitecture: amd64\nVersion: 5.1-6ubuntu1.1\nDescription: GNU Bourne Again SHell\n"
    )
}

/// Scans a one-layer image (the status file and `os-release`) against a
/// store of the real Ubuntu records: (exit code, JSON report, stderr).
fn scan_ubuntu(os_release: &str, status: &str) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let out = Cmd::store_command("import")
        .db(&db)
        .arg(fixtures().join("osv/ubuntu"))
        .run();
    assert!(out.status.success(), "{}", stderr(&out));
    let image = dir.path().join("image");
    write_layout(
        &image,
        &[layer(&[
            file("var/lib/dpkg/status", status.as_bytes().to_vec()),
            file("usr/lib/os-release", os_release.as_bytes().to_vec()),
        ])],
    );
    let home = home_with(dir.path(), "mcp/memory:test");
    scan(&db, &home, &image, "mcp/memory:test")
}

fn ids_of(found: &[(String, String, String, String)]) -> Vec<(&str, &str, &str)> {
    found
        .iter()
        .map(|(id, name, _, fix)| (id.as_str(), name.as_str(), fix.as_str()))
        .collect()
}

const JAMMY: &str = "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n";
const BIONIC: &str = "NAME=\"Ubuntu\"\nVERSION=\"18.04.6 LTS (Bionic Beaver)\"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 18.04.6 LTS\"\nVERSION_ID=\"18.04\"\n";

#[test]
fn an_ubuntu_image_reports_canonicals_records_by_source_package() {
    let (code, report, err) = scan_ubuntu(JAMMY, &status("1.4.0-11ubuntu2.3", "1.9.4-3ubuntu3"));
    assert!(!report.is_null(), "{err}");
    assert!(!err.contains("is not one supplygate matches"), "{err}");
    let found = advisory_packages(&report);
    assert_eq!(
        ids_of(&found),
        [
            ("CVE-2024-2236", "libgcrypt20", ""),
            ("CVE-2024-22365", "libpam-modules", "1.4.0-11ubuntu2.4"),
            ("CVE-2024-22365", "libpam0g", "1.4.0-11ubuntu2.4"),
            ("USN-6588-1", "libpam-modules", "1.4.0-11ubuntu2.4"),
            ("USN-6588-1", "libpam0g", "1.4.0-11ubuntu2.4"),
        ],
        "{err}"
    );
    // Every package was checked: the run is complete (the medium and
    // unrated findings warn under the default policy).
    assert_eq!(code, 0, "{err}");
    let packages = report["servers"][0]["packages"].as_array().unwrap();
    let pam = packages.iter().find(|p| p["name"] == "libpam0g").unwrap();
    assert_eq!(pam["ecosystem"], "Ubuntu:22.04:LTS");
    assert_eq!(pam["source_package"], json!({"name": "pam"}));
    assert_eq!(packages.len(), 4);

    // Fixed versions: nothing left but the unfixed libgcrypt20.
    let (_, report, err) = scan_ubuntu(JAMMY, &status("1.4.0-11ubuntu2.4", "1.9.4-3ubuntu3"));
    assert_eq!(
        ids_of(&advisory_packages(&report)),
        [("CVE-2024-2236", "libgcrypt20", "")],
        "{err}"
    );
}

#[test]
fn a_release_past_standard_support_is_matched_through_its_pro_stream() {
    let (_, report, err) = scan_ubuntu(
        BIONIC,
        &status("1.1.8-3.6ubuntu2.18.04.6", "1.8.1-4ubuntu1.3"),
    );
    let found = advisory_packages(&report);
    assert_eq!(
        ids_of(&found),
        [
            ("CVE-2024-2236", "libgcrypt20", ""),
            (
                "CVE-2024-22365",
                "libpam-modules",
                "1.1.8-3.6ubuntu2.18.04.6+esm1"
            ),
            (
                "CVE-2024-22365",
                "libpam0g",
                "1.1.8-3.6ubuntu2.18.04.6+esm1"
            ),
        ],
        "{err}"
    );
    let eco = |r: &Value| r["servers"][0]["packages"][0]["ecosystem"].clone();
    assert_eq!(eco(&report), "Ubuntu:18.04:LTS");
}

#[test]
fn an_ubuntu_image_without_a_release_number_is_incomplete_and_says_why() {
    let (code, report, err) = scan_ubuntu(
        "ID=ubuntu\nVERSION_ID=\"jammy\"\n",
        &status("1.4.0-11ubuntu2.3", "1.9.4-3ubuntu3"),
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        report
            .to_string()
            .contains("Ubuntu VERSION_ID `jammy` is not a YY.MM release"),
        "{report}"
    );
}
