//! Comparing a run with its baseline: trees, servers and findings.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::{Baseline, BaselineDiff, Change, FailOn, ServerKey, TreeChanges, VersionChange};
use crate::policy::Decision;
use crate::report::{Outcome, Report, ServerReport};
use crate::types::finding::{Code, PackageRef};
use advisories_cache::Ecosystem;

type Versions = BTreeMap<(Ecosystem, String), Vec<String>>;

fn by_name(packages: &[PackageRef]) -> Versions {
    let mut map = Versions::new();
    for p in packages {
        map.entry((p.ecosystem, p.ecosystem.normalize_name(&p.name)))
            .or_default()
            .push(p.version.clone());
    }
    map.values_mut().for_each(|v| v.sort());
    map
}

/// Removes the versions both sides have (as multisets), keeping the rest.
fn leftovers(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let mut rest_b = b.to_vec();
    let mut rest_a = Vec::new();
    for v in a {
        match rest_b.iter().position(|w| w == v) {
            Some(i) => {
                rest_b.remove(i);
            }
            None => rest_a.push(v.clone()),
        }
    }
    (rest_a, rest_b)
}

/// What changed between two package lists. A name installed at other
/// versions is `changed` (paired in version order when a tree holds
/// several copies); extra copies are `added` or `removed`.
pub fn diff_trees(before: &[PackageRef], after: &[PackageRef]) -> TreeChanges {
    let (old, new) = (by_name(before), by_name(after));
    let names: BTreeSet<&(Ecosystem, String)> = old.keys().chain(new.keys()).collect();
    let display = |eco: Ecosystem, key: &str, list: &[PackageRef]| {
        list.iter()
            .find(|p| p.ecosystem == eco && eco.normalize_name(&p.name) == key)
            .map_or(key.to_string(), |p| p.name.clone())
    };
    let mut changes = TreeChanges::default();
    for key @ (eco, norm) in names {
        let empty = Vec::new();
        let (gone, came) = leftovers(
            old.get(key).unwrap_or(&empty),
            new.get(key).unwrap_or(&empty),
        );
        let pkg = |list: &[PackageRef], version: &str| PackageRef {
            ecosystem: *eco,
            name: display(*eco, norm, list),
            version: version.to_string(),
        };
        for (from, to) in gone.iter().zip(&came) {
            changes.changed.push(VersionChange {
                ecosystem: *eco,
                name: display(*eco, norm, after),
                from: from.clone(),
                to: to.clone(),
            });
        }
        let paired = gone.len().min(came.len());
        changes
            .removed
            .extend(gone[paired..].iter().map(|v| pkg(before, v)));
        changes
            .added
            .extend(came[paired..].iter().map(|v| pkg(after, v)));
    }
    changes
}

/// For each server of `servers` whose tree was resolved now and in the
/// baseline: its index and what changed (possibly nothing).
pub fn tree_changes_for(
    servers: &[ServerReport],
    baseline: &Baseline,
) -> Vec<(usize, TreeChanges)> {
    let before: BTreeMap<&ServerKey, &Vec<PackageRef>> = baseline
        .servers
        .iter()
        .filter_map(|s| Some((&s.key, s.packages.as_ref()?)))
        .collect();
    servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.tree.is_some())
        .filter_map(|(i, s)| {
            let old = before.get(&s.key())?;
            let now: Vec<PackageRef> = s.packages.iter().map(|p| p.package.clone()).collect();
            Some((i, diff_trees(old, &now)))
        })
        .collect()
}

/// Marks every finding `new` or `unchanged` and records what the baseline
/// had that is gone (`file` is how the baseline was named).
pub fn annotate(report: &mut Report, baseline: &Baseline, file: &str) {
    let before: HashSet<&str> = baseline.findings.iter().map(|f| f.id.as_str()).collect();
    let mut now = HashSet::new();
    let mut diff = BaselineDiff {
        file: file.to_string(),
        ..BaselineDiff::default()
    };
    for f in &mut report.findings {
        let id = f.fingerprint();
        let change = if before.contains(id.as_str()) {
            diff.unchanged += 1;
            Change::Unchanged
        } else {
            diff.new += 1;
            Change::New
        };
        f.change = Some(change);
        now.insert(id);
    }
    diff.resolved = baseline
        .findings
        .iter()
        .filter(|f| f.code != Code::TreeChanged.as_str() && !now.contains(&f.id))
        .cloned()
        .collect();
    let old: BTreeSet<&ServerKey> = baseline.servers.iter().map(|s| &s.key).collect();
    let current: BTreeSet<ServerKey> = report.servers.iter().map(ServerReport::key).collect();
    diff.servers_added = current
        .iter()
        .filter(|k| !old.contains(k))
        .cloned()
        .collect();
    diff.servers_removed = old
        .into_iter()
        .filter(|k| !current.contains(*k))
        .cloned()
        .collect();
    report.baseline = Some(diff);
}

/// Applies `--fail-on`: with [`FailOn::New`], blocking findings that were
/// already in the baseline no longer fail the run (an incomplete run stays
/// incomplete).
pub fn apply_fail_on(report: &mut Report, fail_on: FailOn) {
    if fail_on == FailOn::Any || report.summary.outcome != Outcome::Blocked {
        return;
    }
    let new_block = report
        .findings
        .iter()
        .any(|f| f.decision == Decision::Block && f.change != Some(Change::Unchanged));
    if !new_block {
        report.summary.outcome = if report.summary.incomplete.is_empty() {
            Outcome::Passed
        } else {
            Outcome::Incomplete
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, version: &str) -> PackageRef {
        PackageRef {
            ecosystem: Ecosystem::Npm,
            name: name.into(),
            version: version.into(),
        }
    }

    #[test]
    fn one_version_bump_is_one_change() {
        let before = [p("a", "1.0.0"), p("b", "2.0.0"), p("c", "1.0.0")];
        let after = [p("a", "1.0.1"), p("b", "2.0.0"), p("d", "0.1.0")];
        let d = diff_trees(&before, &after);
        assert_eq!(
            d.changed,
            vec![VersionChange {
                ecosystem: Ecosystem::Npm,
                name: "a".into(),
                from: "1.0.0".into(),
                to: "1.0.1".into()
            }]
        );
        assert_eq!(d.added, vec![p("d", "0.1.0")]);
        assert_eq!(d.removed, vec![p("c", "1.0.0")]);
        assert!(diff_trees(&before, &before).is_empty());
    }

    #[test]
    fn nested_copies_pair_the_versions_that_moved() {
        let before = [p("x", "1.0.0"), p("x", "2.0.0")];
        let after = [p("x", "1.0.0"), p("x", "2.1.0"), p("x", "3.0.0")];
        let d = diff_trees(&before, &after);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(
            (d.changed[0].from.as_str(), d.changed[0].to.as_str()),
            ("2.0.0", "2.1.0")
        );
        assert_eq!(d.added, vec![p("x", "3.0.0")]);
        assert!(d.removed.is_empty());
    }
}
