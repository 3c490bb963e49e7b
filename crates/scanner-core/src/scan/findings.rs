//! Each stage's output turned into drafts: config findings, coverage gaps,
//! tree integrity and lockfile issues, registry facts, baseline changes,
//! unpinned launches and missing advisory data.

use std::collections::BTreeSet;

use advisories_cache::Ecosystem;

use super::draft::{install_script, is_direct, Draft};
use super::options::ScanOptions;
use crate::baseline::TreeChanges;
use crate::discover::secrets::redact_text;
use crate::discover::{ConfigFinding, Server};
use crate::graph::DependencyGraph;
use crate::resolve::{FailureCause, InstalledTree, Integrity, ResolveError};
use crate::types::finding::{Code, ConfigLocation, PackageRef};
use crate::types::PinState;

pub(super) fn gaps_for(server: &Server, error: &ResolveError) -> Vec<Draft> {
    let code = match error {
        ResolveError::Unsupported { .. } => Code::UnsupportedLauncher,
        ResolveError::NotInstalled { .. } | ResolveError::BadTree { .. } => Code::TreeNotInstalled,
        ResolveError::ResolutionFailed { cause, .. } => match cause {
            FailureCause::NeedsBuild => Code::NeedsBuild,
            FailureCause::Registry | FailureCause::NonRegistry => Code::ResolutionFailed,
        },
    };
    let message = redact_text(&error.to_string());
    let mut drafts = vec![Draft::new(code, server, message.clone())];
    if let ResolveError::ResolutionFailed {
        cause: FailureCause::NonRegistry,
        ..
    } = error
    {
        drafts.push(Draft::new(Code::NonRegistrySource, server, message));
    }
    drafts
}

/// A config-level finding from discovery (secret, transport, skipped file…).
pub(super) fn config_draft(f: &ConfigFinding) -> Draft {
    let server = f
        .server
        .clone()
        .unwrap_or_else(|| f.path.display().to_string());
    let location = ConfigLocation {
        path: f.path.clone(),
        line: f.line,
    };
    Draft {
        location: Some(location),
        ..Draft::named(f.code, server, f.message.clone())
    }
}

/// Findings about the tree itself: checksum mismatches, lockfile drift,
/// non-registry sources, RECORD paths that escape.
pub(super) fn tree_findings(
    server: &Server,
    tree: &InstalledTree,
    graph: &DependencyGraph,
) -> Vec<Draft> {
    let package_draft = |code: Code, i: usize, message: String| {
        let p = &tree.packages[i];
        Draft {
            package: Some(PackageRef {
                ecosystem: p.ecosystem,
                name: p.name.clone(),
                version: p.version.clone(),
            }),
            direct: is_direct(tree, i),
            install_script: install_script(p),
            path: graph.path_labels(&server.id(), &tree.root, &p.path),
            ..Draft::new(code, server, message)
        }
    };
    let mut drafts = Vec::new();
    for (i, p) in tree.packages.iter().enumerate() {
        if let Integrity::Mismatch {
            modified,
            missing,
            other,
        } = &p.integrity
        {
            let message = format!(
                "server `{}`: {}@{} at {}: {}",
                server.name,
                p.name,
                p.version,
                tree.root.join(&p.path).display(),
                mismatch_summary(modified, missing, other)
            );
            drafts.push(package_draft(Code::ChecksumMismatch, i, message));
        }
    }
    for issue in &tree.issues {
        let code = issue.kind.code();
        let message = format!("server `{}`: {}", server.name, issue.message);
        drafts.push(match issue.package {
            Some(i) => package_draft(code, i, message),
            None => Draft::new(code, server, message),
        });
    }
    drafts
}

/// Registry facts as findings (deprecated, yanked, too new, install
/// script). Made at evaluation, since the minimum release age comes from
/// the policy, which is loaded after the trees are known.
pub(super) fn fact_findings(
    server: &Server,
    tree: &InstalledTree,
    graph: &DependencyGraph,
    options: &ScanOptions,
) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for (i, p) in tree.packages.iter().enumerate() {
        for (code, message) in crate::facts::findings(p, options.now, options.min_age_secs) {
            drafts.push(Draft {
                package: Some(PackageRef {
                    ecosystem: p.ecosystem,
                    name: p.name.clone(),
                    version: p.version.clone(),
                }),
                server_package: Some(tree.top == Some(i)),
                direct: is_direct(tree, i),
                install_script: install_script(p),
                path: graph.path_labels(&server.id(), &tree.root, &p.path),
                ..Draft::new(code, server, format!("server `{}`: {message}", server.name))
            });
        }
    }
    drafts
}

fn mismatch_summary(modified: &[String], missing: &[String], other: &[String]) -> String {
    let list = |what: &str, files: &[String]| {
        let shown: Vec<&str> = files.iter().take(3).map(String::as_str).collect();
        let more = files.len().saturating_sub(3);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("{} {what} file(s): {}{tail}", files.len(), shown.join(", "))
    };
    let mut parts: Vec<String> = other.to_vec();
    if !modified.is_empty() {
        parts.push(list("modified", modified));
    }
    if !missing.is_empty() {
        parts.push(list("missing", missing));
    }
    parts.join("; ")
}

/// One `tree-changed` finding per package added, removed or at another
/// version since the baseline (the package named is the one installed now,
/// or the one removed).
pub(super) fn tree_changed(server: &Server, changes: &TreeChanges) -> Vec<Draft> {
    let draft = |package: PackageRef, what: String| Draft {
        package: Some(package),
        ..Draft::new(
            Code::TreeChanged,
            server,
            format!("server `{}`: {what} since the baseline", server.name),
        )
    };
    let changed = changes.changed.iter().map(|c| {
        let now = PackageRef {
            ecosystem: c.ecosystem,
            name: c.name.clone(),
            version: c.to.clone(),
        };
        draft(now, format!("{} changed {} → {}", c.name, c.from, c.to))
    });
    let added = changes
        .added
        .iter()
        .map(|p| draft(p.clone(), format!("{p} was added")));
    let removed = changes
        .removed
        .iter()
        .map(|p| draft(p.clone(), format!("{p} was removed")));
    changed.chain(added).chain(removed).collect()
}

pub(super) fn unpinned(server: &Server) -> Option<Draft> {
    let (raw, pin) = server.launch.package_pin()?;
    let raw = redact_text(raw);
    (pin != PinState::Exact).then(|| {
        let message = format!("server `{}`: `{raw}` is not pinned to an exact version; the next launch may run other code", server.name);
        Draft {
            pin: Some(pin),
            ..Draft::new(Code::UnpinnedServer, server, message)
        }
    })
}

pub(super) fn no_data(
    server: &Server,
    tree: &InstalledTree,
    uncovered: &[Ecosystem],
) -> Option<Draft> {
    let used: BTreeSet<Ecosystem> = tree.packages.iter().map(|p| p.ecosystem.base()).collect();
    let missing: Vec<&str> = used
        .iter()
        .filter(|e| uncovered.contains(e))
        .map(|e| e.as_str())
        .collect();
    (!missing.is_empty()).then(|| {
        let message = format!(
            "server `{}`: the advisories store has no {} records, so its packages were not checked (hint: run `supplygate db update --ecosystem {}` or `supplygate db import`)",
            server.name,
            missing.join(", "),
            missing.join(",")
        );
        Draft::new(Code::NoAdvisoryData, server, message)
    })
}
