//! Advisory matching for one tree: each package's records, grouped into
//! one finding per advisory, with the fixed versions.

use std::collections::{BTreeSet, HashMap};

use advisories_cache::{AdvisoryLookup, Ecosystem, LookupError, Vulnerability};

use super::draft::{install_script, is_direct, Draft};
use crate::discover::Server;
use crate::graph::DependencyGraph;
use crate::matching::grouping::group;
use crate::matching::{affects, fixes, only_git_ranges};
use crate::resolve::{InstalledPackage, InstalledTree};
use crate::types::finding::{Code, PackageRef};
use crate::types::version::Version;

/// Looks up each (ecosystem, name) once per scan.
pub(super) struct Matcher<'a> {
    pub(super) lookup: &'a dyn AdvisoryLookup,
    pub(super) cache: HashMap<(Ecosystem, String), Vec<Vulnerability>>,
    /// Records naming a package only through GIT ranges (not evaluated).
    pub(super) git_only: BTreeSet<String>,
}

impl Matcher<'_> {
    fn records(&mut self, eco: Ecosystem, name: &str) -> Result<&[Vulnerability], LookupError> {
        let key = (eco, eco.normalize_name(name));
        if !self.cache.contains_key(&key) {
            let found = self.lookup.advisories_for(eco, name)?;
            self.cache.insert(key.clone(), found);
        }
        Ok(&self.cache[&key])
    }

    pub(super) fn match_tree(
        &mut self,
        server: &Server,
        tree: &InstalledTree,
        graph: &DependencyGraph,
    ) -> Result<Vec<Draft>, LookupError> {
        let mut drafts = Vec::new();
        for (index, pkg) in tree.packages.iter().enumerate() {
            let package = PackageRef {
                ecosystem: pkg.ecosystem,
                name: pkg.name.clone(),
                version: pkg.version.clone(),
            };
            // Distribution advisories name the source package and its version.
            let (name, matched_version) = pkg.advisory_name_and_version();
            let Ok(version) = Version::parse(pkg.ecosystem, matched_version) else {
                let message = format!(
                    "server `{}`: {package}{} has a version that is not valid {}; not matched",
                    server.name,
                    source_label(pkg),
                    pkg.ecosystem
                );
                drafts.push(Draft {
                    package: Some(package),
                    ..Draft::new(Code::InvalidVersion, server, message)
                });
                continue;
            };
            let records = self.records(pkg.ecosystem, name)?;
            let git_only: Vec<String> = records
                .iter()
                .filter(|v| only_git_ranges(v, pkg.ecosystem, name))
                .map(|v| format!("{} ({})", v.id, name))
                .collect();
            let matched: Vec<Vulnerability> = records
                .iter()
                .filter(|v| affects(v, pkg.ecosystem, name, &version))
                .cloned()
                .collect();
            self.git_only.extend(git_only);
            for mut g in group(&matched) {
                let members: Vec<&Vulnerability> = matched
                    .iter()
                    .filter(|v| g.advisory.records.contains(&v.id))
                    .collect();
                (g.advisory.fixed, g.advisory.nearest_fix) =
                    fixes(&members, pkg.ecosystem, name, &version);
                let code = if g.malicious {
                    Code::MaliciousPackage
                } else {
                    Code::VulnerableDependency
                };
                let what = g.advisory.summary.as_deref().unwrap_or(code.description());
                let message = format!("{package}{}: {} {what}", source_label(pkg), g.advisory.id);
                drafts.push(Draft {
                    package: Some(package.clone()),
                    server_package: Some(tree.top == Some(index)),
                    direct: is_direct(tree, index),
                    install_script: install_script(pkg),
                    path: graph.path_labels(&server.id(), &tree.root, &pkg.path),
                    advisory: Some(g.advisory),
                    severity: Some(g.severity),
                    ..Draft::new(code, server, message)
                });
            }
        }
        Ok(drafts)
    }
}

/// ` (source util-linux@2.38.1-5)` when advisories were matched through
/// the package's source package, so a reader sees why a record names
/// another package.
fn source_label(pkg: &InstalledPackage) -> String {
    match &pkg.source_package {
        Some(_) => {
            let (name, version) = pkg.advisory_name_and_version();
            format!(" (source {name}@{version})")
        }
        None => String::new(),
    }
}
