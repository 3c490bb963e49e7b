//! Distribution package databases: dpkg's `status` (and distroless
//! `status.d/` files), apk's `installed`, and `os-release`.

use advisories_cache::{Ecosystem, UbuntuRelease};

use crate::resolve::SourcePackage;

/// One OS package as its database records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsPackage {
    /// The binary package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The source package advisories are filed under (dpkg `Source`, apk `o:`).
    pub source: Option<SourcePackage>,
    /// The architecture (dpkg `Architecture`, apk `A:`).
    pub arch: Option<String>,
}

/// dpkg stanzas (`Field: value`, blank-line separated): packages whose
/// status says they are installed (not `config-files`/`not-installed`).
pub fn parse_dpkg(text: &str) -> Vec<OsPackage> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let field = |name: &str| {
            stanza.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.eq_ignore_ascii_case(name) && !l.starts_with([' ', '\t']))
                    .then(|| v.trim().to_string())
            })
        };
        let (Some(name), Some(version)) = (field("Package"), field("Version")) else {
            continue;
        };
        // Distroless status.d files carry no Status field: the file's presence says installed.
        let installed = field("Status").is_none_or(|s| {
            !matches!(
                s.split_whitespace().nth(2),
                Some("not-installed" | "config-files")
            )
        });
        if !installed {
            continue;
        }
        let source = field("Source").and_then(|s| dpkg_source(&s));
        out.push(OsPackage {
            name,
            version,
            source,
            arch: field("Architecture"),
        });
    }
    out
}

/// dpkg's `Source: name` or `Source: name (version)`. A version that is
/// not closed by `)` or is empty is dropped (the name still counts).
fn dpkg_source(field: &str) -> Option<SourcePackage> {
    let (name, rest) = match field.split_once(char::is_whitespace) {
        Some((n, r)) => (n, r.trim()),
        None => (field, ""),
    };
    let version = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .map(str::trim)
        .filter(|v| !v.is_empty() && !v.contains(char::is_whitespace))
        .map(str::to_string);
    (!name.is_empty()).then(|| SourcePackage {
        name: name.to_string(),
        version,
    })
}

/// apk's `installed`: `P:` name, `V:` version, `o:` origin, `A:` arch.
pub fn parse_apk(text: &str) -> Vec<OsPackage> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let field = |k: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(k).map(str::to_string))
        };
        if let (Some(name), Some(version)) = (field("P:"), field("V:")) {
            out.push(OsPackage {
                name,
                version,
                // An origin shares its subpackages' version.
                source: field("o:").map(|name| SourcePackage {
                    name,
                    version: None,
                }),
                arch: field("A:"),
            });
        }
    }
    out
}

/// The OS a root filesystem says it is, from `os-release`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsRelease {
    /// `ID` (`debian`, `alpine`, `ubuntu`, …).
    pub id: String,
    /// `VERSION_ID`, when given (Debian testing/sid has none).
    pub version_id: Option<String>,
    /// `VERSION` (`22.04.4 LTS (Jammy Jellyfish)`): where Ubuntu says LTS.
    pub version: Option<String>,
    /// `PRETTY_NAME`, for messages.
    pub pretty: Option<String>,
}

/// Parses `os-release` (shell-style `KEY=value`, optionally quoted).
pub fn parse_os_release(text: &str) -> OsRelease {
    let get = |key: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches(['"', '\'']).to_string())
        })
    };
    OsRelease {
        id: get("ID").unwrap_or_default().to_ascii_lowercase(),
        version_id: get("VERSION_ID").filter(|v| !v.is_empty()),
        version: get("VERSION"),
        pretty: get("PRETTY_NAME"),
    }
}

impl OsRelease {
    /// The OSV ecosystem of the OS packages (`Debian:12`, `Alpine:v3.19`,
    /// `Ubuntu:22.04:LTS`), or why there is none.
    pub fn ecosystem(&self) -> Result<Ecosystem, String> {
        let version = self.version_id.as_deref().unwrap_or("");
        let mut parts = version.split('.').map(|p| p.parse::<u16>().ok());
        match self.id.as_str() {
            "debian" => match parts.next().flatten() {
                Some(major) => Ok(Ecosystem::Debian(Some(major))),
                None => Err("Debian without a numeric VERSION_ID (testing or sid): no OSV release to match against".into()),
            },
            "alpine" => match (parts.next().flatten(), parts.next().flatten()) {
                (Some(a), Some(b)) => Ok(Ecosystem::Alpine(Some((a, b)))),
                _ => Err(format!("Alpine VERSION_ID `{version}` names no release")),
            },
            "ubuntu" => self.ubuntu_release().map(|r| Ecosystem::Ubuntu(Some(r))),
            other => Err(format!("OS `{other}` is not one supplygate matches (Debian, Ubuntu and Alpine are)")),
        }
    }
}

impl OsRelease {
    /// Ubuntu's `VERSION_ID` (`22.04`) as OSV's release, `:LTS` when
    /// `VERSION` (or, without it, `PRETTY_NAME`) says LTS: OSV files a
    /// long-term release as `Ubuntu:22.04:LTS` and an interim one as
    /// `Ubuntu:23.10`, and only these fields tell them apart.
    fn ubuntu_release(&self) -> Result<UbuntuRelease, String> {
        let id = self.version_id.as_deref().unwrap_or("");
        let mut release = UbuntuRelease::parse(id)
            .filter(|r| !r.lts && !r.pro)
            .ok_or_else(|| format!("Ubuntu VERSION_ID `{id}` is not a YY.MM release"))?;
        let label = self.version.as_ref().or(self.pretty.as_ref());
        release.lts = label.is_some_and(|v| v.split_whitespace().any(|w| w == "LTS"));
        Ok(release)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_skips_removed_packages_and_reads_sources() {
        let text = "Package: libssl3\nStatus: install ok installed\nSource: openssl (3.0.11-1~deb12u2)\nVersion: 3.0.11-1~deb12u2\nDescription: x\n more\n\nPackage: old\nStatus: deinstall ok config-files\nVersion: 1\n";
        let p = parse_dpkg(text);
        assert_eq!(p.len(), 1);
        let source = p[0].source.as_ref().unwrap();
        assert_eq!(source.name, "openssl");
        assert_eq!(source.version.as_deref(), Some("3.0.11-1~deb12u2"));
    }

    #[test]
    fn dpkg_source_versions_are_optional_and_checked() {
        let source = |s: &str| dpkg_source(s).map(|p| (p.name, p.version));
        assert_eq!(source("zlib"), Some(("zlib".into(), None)));
        assert_eq!(
            source("util-linux (2.38.1-5+deb12u3)"),
            Some(("util-linux".into(), Some("2.38.1-5+deb12u3".into())))
        );
        assert_eq!(source("bash (5.2"), Some(("bash".into(), None)));
        assert_eq!(source("bash ()"), Some(("bash".into(), None)));
        assert_eq!(source(""), None);
    }

    #[test]
    fn apk_reads_name_version_and_origin() {
        let text = "C:Q1abc=\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\no:openssl\n\nP:musl\nV:1.2.4-r2\no:musl\n";
        let p = parse_apk(text);
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].name.as_str(), p[0].version.as_str()),
            ("libcrypto3", "3.1.4-r5")
        );
        assert_eq!(p[0].source.as_ref().unwrap().name, "openssl");
    }

    #[test]
    fn os_release_gives_the_osv_release() {
        let d = parse_os_release("ID=debian\nVERSION_ID=\"12\"\n");
        assert_eq!(d.ecosystem().unwrap(), Ecosystem::Debian(Some(12)));
        let a = parse_os_release("ID=alpine\nVERSION_ID=3.19.1\n");
        assert_eq!(a.ecosystem().unwrap(), Ecosystem::Alpine(Some((3, 19))));
        assert!(parse_os_release("ID=debian\n").ecosystem().is_err());
    }

    #[test]
    fn ubuntu_lts_comes_from_version() {
        let eco = |t: &str| parse_os_release(t).ecosystem().map(|e| e.to_string());
        // As ubuntu:22.04 and ubuntu:23.10 images ship it.
        let jammy = "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nID=ubuntu\nID_LIKE=debian\n";
        assert_eq!(eco(jammy).unwrap(), "Ubuntu:22.04:LTS");
        let mantic = "PRETTY_NAME=\"Ubuntu 23.10\"\nVERSION_ID=\"23.10\"\nVERSION=\"23.10 (Mantic Minotaur)\"\nID=ubuntu\n";
        assert_eq!(eco(mantic).unwrap(), "Ubuntu:23.10");
        assert_eq!(
            eco("ID=ubuntu\nVERSION_ID=24.04\nPRETTY_NAME=\"Ubuntu 24.04 LTS\"\n").unwrap(),
            "Ubuntu:24.04:LTS"
        );
        for bad in [
            "ID=ubuntu\n",
            "ID=ubuntu\nVERSION_ID=jammy\n",
            "ID=ubuntu\nVERSION_ID=Pro:22.04\n",
        ] {
            assert!(eco(bad).unwrap_err().contains("Ubuntu VERSION_ID"), "{bad}");
        }
    }
}
