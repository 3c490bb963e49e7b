//! A server and its resolved tree as the report shows them.

use crate::discover::secrets::redact_text;
use crate::discover::{Launch, Server};
use crate::report::{PackageEntry, ServerReport, TreeInfo};
use crate::resolve::InstalledTree;
use crate::types::finding::PackageRef;

pub(super) fn server_report(server: &Server, tree: Option<&InstalledTree>) -> ServerReport {
    let (requested, pin) = match (&server.launch, server.launch.package_pin()) {
        (_, Some((raw, pin))) => (Some(redact_text(raw)), Some(pin)),
        (Launch::Remote { url }, _) => (Some(url.clone()), None),
        (Launch::Docker { image, .. }, _) => (Some(image.clone()), None),
        (Launch::UvxSource { source, .. }, _) => (Some(redact_text(source)), None),
        _ => (None, None),
    };
    let packages: Vec<PackageEntry> = tree
        .map(|t| {
            t.packages
                .iter()
                .map(|p| PackageEntry {
                    package: PackageRef {
                        ecosystem: p.ecosystem,
                        name: p.name.clone(),
                        version: p.version.clone(),
                    },
                    path: p.path.clone(),
                    dependencies: p
                        .dependencies
                        .iter()
                        .map(|&d| t.packages[d].path.clone())
                        .collect(),
                    direct: p.direct,
                    has_install_script: p.has_install_script,
                    integrity: p.integrity.clone(),
                    source: p.source.clone(),
                    published_integrity: p.published.clone(),
                    facts: p.facts.clone(),
                    source_package: p.source_package.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    ServerReport {
        name: server.name.clone(),
        client: server.client.clone(),
        scope: server.scope.clone(),
        config_path: server.config_path.clone(),
        line: server.line,
        launcher: server.launch.launcher().to_string(),
        requested,
        pin,
        package: tree
            .and_then(|t| t.top)
            .map(|i| packages[i].package.clone()),
        tree: tree.map(|t| TreeInfo {
            kind: t.kind,
            root: t.root.clone(),
            notes: t.notes.clone(),
        }),
        packages,
        owner: None,
        pinned: None,
        remediation: None,
        tree_changes: None,
    }
}
