//! `pnpm-lock.yaml`: the tarball integrity pnpm recorded for each
//! `name@version` (`packages:` → `resolution: {integrity: …}`; v9 keys
//! `name@1.0.0`, v6 keys `/name@1.0.0`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::discover::formats::{Format, Node};
use crate::discover::Server;
use crate::resolve::{read_tree_doc, ResolveError};

/// `name@version` → integrity (SRI), or `None` for a package with none.
pub(super) type PnpmLock = BTreeMap<String, Option<String>>;

/// Reads `root/pnpm-lock.yaml`; `Ok(None)` when there is none.
pub(super) fn load(server: &Server, root: &Path) -> Result<Option<PnpmLock>, ResolveError> {
    let doc = read_tree_doc(server, root, "pnpm-lock.yaml", Format::Yaml)?;
    Ok(doc.as_ref().map(parse))
}

fn parse(doc: &Node) -> PnpmLock {
    let Some(packages) = doc.get("packages") else {
        return PnpmLock::new();
    };
    packages
        .members()
        .into_iter()
        .map(|(key, entry)| {
            let id = key.trim_start_matches('/');
            // Peer suffixes (`a@1.0.0(b@2.0.0)`) name the same tarball.
            let id = id.split('(').next().unwrap_or(id).to_string();
            let integrity = entry
                .get("resolution")
                .and_then(|r| r.get("integrity"))
                .and_then(Node::as_str)
                .map(str::to_string);
            (id, integrity)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v9_packages_with_integrity() {
        let text = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      semver:\n        specifier: 7.5.4\n        version: 7.5.4\n\npackages:\n\n  '@s/a@1.0.0':\n    resolution: {integrity: sha512-AAA==}\n\n  semver@7.5.4:\n    resolution: {integrity: sha512-BBB==}\n    engines: {node: '>=10'}\n    hasBin: true\n\nsnapshots:\n\n  semver@7.5.4: {}\n";
        let lock = parse(&Format::Yaml.parse(text).unwrap());
        assert_eq!(lock["semver@7.5.4"].as_deref(), Some("sha512-BBB=="));
        assert_eq!(lock["@s/a@1.0.0"].as_deref(), Some("sha512-AAA=="));
        assert_eq!(lock.len(), 2);
    }
}
