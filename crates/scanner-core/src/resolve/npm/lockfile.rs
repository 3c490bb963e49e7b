//! npm lockfiles: `package-lock.json` v1, v2, v3 and the hidden
//! `node_modules/.package-lock.json`, as a map from install path to entry.

use std::collections::BTreeMap;

use serde::Deserialize;

/// What a lockfile says about one install path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockEntry {
    /// The version locked.
    pub version: String,
    /// The tarball's SRI integrity.
    pub integrity: Option<String>,
    /// `hasInstallScript`.
    pub has_install_script: bool,
    /// An optional dependency (may be absent on this platform).
    pub optional: bool,
    /// Shipped inside its parent's tarball (`inBundle`), so it has no tarball of its own.
    pub in_bundle: bool,
    /// Where the package was fetched from (`resolved`), when recorded.
    pub resolved: Option<String>,
    /// The registry's deprecation message, as of resolution (`deprecated`).
    pub deprecated: Option<String>,
    /// The package's real name when it differs from its folder (an alias).
    pub name: Option<String>,
    /// Names of every dependency it declares (regular, optional, peer).
    pub wants: Vec<String>,
}

/// A parsed lockfile: install path (`node_modules/a/node_modules/b`) → entry.
pub type Lock = BTreeMap<String, LockEntry>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    #[serde(default)]
    lockfile_version: Option<u32>,
    #[serde(default)]
    packages: BTreeMap<String, RawPackage>,
    #[serde(default)]
    dependencies: BTreeMap<String, RawV1>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPackage {
    version: Option<String>,
    integrity: Option<String>,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    has_install_script: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    in_bundle: bool,
    resolved: Option<String>,
    deprecated: Option<String>,
    name: Option<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default)]
    peer_dependencies: BTreeMap<String, serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct RawV1 {
    version: Option<String>,
    integrity: Option<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, RawV1>,
}

/// Most nesting followed in a v1 lockfile.
const MAX_DEPTH: usize = 256;

/// Parses a lockfile of any version. v2/v3 read `packages`; v1 (npm 5–6)
/// turns its nested `dependencies` into install paths.
pub fn parse(text: &str) -> Result<Lock, String> {
    let raw: Raw =
        serde_json::from_str(text).map_err(|e| format!("not a valid npm lockfile: {e}"))?;
    if raw.lockfile_version.unwrap_or(1) >= 2 || !raw.packages.is_empty() {
        return Ok(from_packages(raw.packages));
    }
    let mut lock = Lock::new();
    from_v1("", &raw.dependencies, 0, &mut lock)?;
    Ok(lock)
}

fn from_packages(packages: BTreeMap<String, RawPackage>) -> Lock {
    packages
        .into_iter()
        .filter(|(path, p)| path.contains("node_modules/") && !p.link)
        .filter_map(|(path, p)| {
            let version = p.version.filter(|v| !v.is_empty())?;
            let wants = p
                .dependencies
                .into_keys()
                .chain(p.optional_dependencies.into_keys())
                .chain(p.peer_dependencies.into_keys())
                .collect();
            let entry = LockEntry {
                version,
                integrity: p.integrity,
                has_install_script: p.has_install_script,
                optional: p.optional,
                in_bundle: p.in_bundle,
                resolved: p.resolved,
                deprecated: p.deprecated,
                name: p.name,
                wants,
            };
            Some((path, entry))
        })
        .collect()
}

fn from_v1(
    base: &str,
    deps: &BTreeMap<String, RawV1>,
    depth: usize,
    lock: &mut Lock,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("dependencies nested deeper than {MAX_DEPTH}"));
    }
    for (name, dep) in deps {
        let path = if base.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{base}/node_modules/{name}")
        };
        if let Some(version) = dep.version.clone().filter(|v| !v.contains(':')) {
            let entry = LockEntry {
                version,
                integrity: dep.integrity.clone(),
                optional: dep.optional,
                ..LockEntry::default()
            };
            lock.insert(path.clone(), entry);
        }
        from_v1(&path, &dep.dependencies, depth + 1, lock)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_nesting_becomes_paths() {
        let text = r#"{"lockfileVersion":1,"dependencies":{
            "a":{"version":"1.0.0","integrity":"sha512-x","dependencies":{"b":{"version":"2.0.0"}}},
            "l":{"version":"file:../l"}}}"#;
        let lock = parse(text).unwrap();
        assert_eq!(
            lock["node_modules/a"].integrity.as_deref(),
            Some("sha512-x")
        );
        assert_eq!(lock["node_modules/a/node_modules/b"].version, "2.0.0");
        assert!(!lock.contains_key("node_modules/l"));
    }

    #[test]
    fn v3_packages_skip_root_and_links() {
        let text = r#"{"lockfileVersion":3,"packages":{"":{"name":"r"},
            "node_modules/a":{"version":"1.0.0","hasInstallScript":true},
            "node_modules/w":{"resolved":"w","link":true}}}"#;
        let lock = parse(text).unwrap();
        assert_eq!(lock.len(), 1);
        assert!(lock["node_modules/a"].has_install_script);
        assert!(parse("{").unwrap_err().contains("not a valid npm lockfile"));
    }
}
