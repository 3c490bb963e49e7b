//! Package specs as launchers name them: npm specs and PEP 508 requirements,
//! and how exactly each is pinned.

use std::str::FromStr;

use serde::Serialize;

use super::others;
use crate::discover::secrets::serialize_redacted;
pub use crate::types::PinState;

/// An npm package spec as typed (`@scope/name@1.2.3`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpmSpec {
    /// The spec exactly as typed: npx hashes this string (shown redacted).
    #[serde(serialize_with = "serialize_redacted")]
    pub raw: String,
    /// The package name (for git/URL/file specs, the spec; shown redacted).
    #[serde(serialize_with = "serialize_redacted")]
    pub name: String,
    /// The version, range or tag after `@`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    /// How exactly it is pinned.
    pub pin: PinState,
    /// Where the package comes from.
    pub source: SpecSource,
}

/// Where a launcher's package comes from (npm specs; for uvx, only the
/// non-registry kinds are told apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecSource {
    /// The registry, by name.
    Registry,
    /// The registry under another name (`alias@npm:real@1.0.0`).
    Alias,
    /// A git repository (`github:u/r`, `git+https://…`, `u/r#ref`).
    Git,
    /// A tarball URL.
    Url,
    /// A local folder or tarball (`file:`, `./x`, `/x`).
    File,
}

impl NpmSpec {
    /// Parses an npm spec: registry (`name`, `name@1.2.3`, `name@^1`,
    /// `name@latest`), alias (`a@npm:real@1.0.0`), git, URL or file.
    /// `None` for what is not a package spec at all.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.is_empty() || raw.starts_with('-') {
            return None;
        }
        if let Some(other) = others::non_registry_spec(raw) {
            return Some(other);
        }
        let (name, requested) = split_name(raw);
        if let Some(real) = requested.as_deref().and_then(|r| r.strip_prefix("npm:")) {
            let target = Self::parse(real)?;
            return Some(NpmSpec {
                raw: raw.to_string(),
                source: SpecSource::Alias,
                ..target
            });
        }
        if name.contains(':') || name.is_empty() {
            return None;
        }
        Some(NpmSpec {
            raw: raw.to_string(),
            name,
            pin: registry_pin(requested.as_deref()),
            requested: requested.filter(|r| !r.is_empty()),
            source: SpecSource::Registry,
        })
    }
}

/// `@scope/name@range` → (`@scope/name`, `range`).
fn split_name(raw: &str) -> (String, Option<String>) {
    match raw.strip_prefix('@') {
        Some(rest) => match rest.split_once('@') {
            Some((n, v)) => (format!("@{n}"), Some(v.to_string())),
            None => (raw.to_string(), None),
        },
        None => match raw.split_once('@') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (raw.to_string(), None),
        },
    }
}

fn registry_pin(requested: Option<&str>) -> PinState {
    match requested {
        Some(v) if semver::Version::parse(v.strip_prefix('v').unwrap_or(v)).is_ok() => {
            PinState::Exact
        }
        Some(v) if v.is_empty() || v.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) => {
            PinState::Unpinned
        }
        Some(_) => PinState::Range,
        None => PinState::Unpinned,
    }
}

/// A Python requirement (PEP 508) as a launcher names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PythonSpec {
    /// The requirement as typed (shown redacted).
    #[serde(serialize_with = "serialize_redacted")]
    pub raw: String,
    /// The distribution name.
    pub name: String,
    /// The version specifier, if any (`==1.2`, `>=1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub specifier: Option<String>,
    /// How exactly it is pinned.
    pub pin: PinState,
}

impl PythonSpec {
    /// Parses a uvx target: `name`, `name@version`, `name@latest` or a PEP 508 requirement.
    pub fn parse(raw: &str) -> Option<Self> {
        if let Some((name, version)) = raw.split_once('@') {
            if version == "latest" {
                return Some(PythonSpec {
                    raw: raw.into(),
                    name: name.into(),
                    specifier: None,
                    pin: PinState::Unpinned,
                });
            }
            // `name@version` has one `@`: `x@@@…` (found by the fuzz
            // harness) recursed once per `@` until the stack overflowed.
            if version.contains('@') {
                return None;
            }
            let spec = Self::parse(&format!("{name}=={version}"))?;
            return Some(PythonSpec {
                raw: raw.into(),
                ..spec
            });
        }
        let req = parse_requirement(raw)?;
        let (specifier, pin) = match &req.version_or_url {
            Some(pep508_rs::VersionOrUrl::VersionSpecifier(specs)) => {
                let exact = specs.len() == 1
                    && specs.iter().all(|s| {
                        matches!(
                            s.operator(),
                            pep440_rs::Operator::Equal | pep440_rs::Operator::ExactEqual
                        )
                    });
                (
                    Some(specs.to_string()),
                    if exact {
                        PinState::Exact
                    } else {
                        PinState::Range
                    },
                )
            }
            Some(pep508_rs::VersionOrUrl::Url(_)) => (None, PinState::Exact),
            None => (None, PinState::Unpinned),
        };
        Some(PythonSpec {
            raw: raw.into(),
            name: req.name.to_string(),
            specifier,
            pin,
        })
    }

    /// The exact version pinned, if any.
    pub fn exact_version(&self) -> Option<&str> {
        if self.pin != PinState::Exact {
            return None;
        }
        Some(self.specifier.as_deref()?.trim_start_matches('=').trim())
    }
}

/// Where a uv requirement (`uvx --from X`, `uvx X`) takes its package from
/// when that is not a registry release: a VCS URL (`git+https://…`), an
/// archive URL, a local path, or a PEP 508 direct reference
/// (`name @ git+https://…`). `None` for a registry requirement.
pub fn python_source(requirement: &str) -> Option<SpecSource> {
    let r = requirement.trim();
    // `name @ URL` / `name@URL` first (one level, no recursion on input);
    // an `@` after a scheme or in a path is a URL's userinfo, not this.
    let direct = r
        .split_once('@')
        .filter(|(name, _)| !name.contains([':', '/', '\\']))
        .and_then(|(_, rest)| source_kind(rest.trim()));
    direct.or_else(|| source_kind(r))
}

fn source_kind(r: &str) -> Option<SpecSource> {
    let lower = r.to_ascii_lowercase();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| lower.starts_with(p));
    if starts(&["git+", "hg+", "svn+", "bzr+"]) {
        Some(SpecSource::Git)
    } else if starts(&["file:", "./", "../", ".\\", "..\\", "/", "\\", "~"])
        || r == "."
        || r == ".."
        || windows_drive(r)
    {
        Some(SpecSource::File)
    } else if lower.contains("://") {
        Some(SpecSource::Url)
    } else if [".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        // A bare archive name is a file next to the config, not a package.
        Some(SpecSource::File)
    } else {
        None
    }
}

/// `C:\x`, `c:/x`.
fn windows_drive(r: &str) -> bool {
    let b = r.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'/' | b'\\')
}

/// A PEP 508 requirement, or `None`. pep508_rs 0.9 panics ("`PackageName`
/// validation should match PEP 508 parsing") on a name ending in `-`, `.` or
/// `_` followed by anything (`mcp-==1.0`, found by the fuzz harness), so such
/// names are refused before it sees them: configs and METADATA are hostile.
pub fn parse_requirement(text: &str) -> Option<pep508_rs::Requirement<pep508_rs::VerbatimUrl>> {
    let trimmed = text.trim_start();
    let name_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(trimmed.len());
    let name = &trimmed[..name_len];
    if name.ends_with(['.', '-', '_']) && name_len < trimmed.len() {
        return None;
    }
    // pep508_rs 0.9 also panics slicing a marker inside a multi-byte
    // character (`sys_platform == "win3\u{feff}"\u{feff}2`, found by the
    // longer fuzz run): requirements are ASCII, anything else is refused.
    if !text.is_ascii() {
        return None;
    }
    // It panics the same way ("`ExtraName` validation should match PEP 508
    // parsing") on an extra ending in `-`, `.` or `_` (`x[a-]`, `x[a- b]`,
    // found by the fuzz harness).
    if let Some(extras) = trimmed[name_len..].trim_start().strip_prefix('[') {
        let extras = extras.split(']').next().unwrap_or_default();
        let bad = extras.split(',').any(|extra| {
            let extra = extra.trim_start();
            let end = extra
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
                .unwrap_or(extra.len());
            extra[..end].ends_with(['.', '-', '_'])
        });
        if bad {
            return None;
        }
    }
    pep508_rs::Requirement::from_str(text).ok()
}

#[cfg(test)]
mod requirement_tests {
    #[test]
    fn names_that_panic_pep508_rs_are_refused() {
        for bad in [
            "mcp-==1.0",
            "a. (x)",
            "b_[x]",
            "mcp- ; python_version > '3'",
            "pywin32; sys_platform == \"win3\u{feff}\"\u{feff}2",
            "pywin32; sys_platform == \"win3\u{feff}\u{feff}\"\u{feff}",
            "x[a-]",
            "x [b, a_ ]",
            "x[a. c]",
            "x[a-,b]; python_version > '3'",
        ] {
            assert!(super::parse_requirement(bad).is_none(), "{bad}");
        }
        assert!(super::parse_requirement("mcp-server-fetch==1.0").is_some());
        assert!(super::parse_requirement("httpx (>=0.27)").is_some());
        assert!(super::parse_requirement("httpx[http2, socks]>=0.27").is_some());
    }

    #[test]
    fn uv_sources_that_are_not_registry_releases() {
        use super::{python_source, SpecSource::*};
        for (req, kind) in [
            ("git+https://github.com/o/r@v1", Some(Git)),
            ("git+ssh://git@github.com/o/r", Some(Git)),
            ("mcp-x @ git+https://github.com/o/r", Some(Git)),
            ("mcp-x@git+https://u:p@github.com/o/r", Some(Git)),
            ("https://host/x-1.0-py3-none-any.whl", Some(Url)),
            ("mcp-x @ https://host/x.tar.gz", Some(Url)),
            ("./local/pkg", Some(File)),
            ("../pkg", Some(File)),
            (".", Some(File)),
            ("/abs/pkg", Some(File)),
            ("~/pkg", Some(File)),
            ("file:///abs/pkg", Some(File)),
            (r"C:\pkg", Some(File)),
            ("x-1.0-py3-none-any.whl", Some(File)),
            ("mcp-x", None),
            ("mcp-x==1.0", None),
            ("mcp-x@1.0", None),
            ("mcp-x@latest", None),
            ("mcp-x[cli]>=1; python_version > '3.9'", None),
        ] {
            assert_eq!(python_source(req), kind, "{req}");
        }
    }

    #[test]
    fn a_uvx_target_of_many_at_signs_is_refused_without_recursing() {
        let many = format!("mcp-server{}", "@".repeat(100_000));
        assert!(super::PythonSpec::parse(&many).is_none());
        assert!(super::PythonSpec::parse("mcp-server@@1.0").is_none());
        let pinned = super::PythonSpec::parse("mcp-server@1.0").unwrap();
        assert_eq!(pinned.exact_version(), Some("1.0"));
    }
}
