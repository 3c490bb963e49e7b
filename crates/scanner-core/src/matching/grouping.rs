//! Grouping records that describe one problem: records whose ids or aliases
//! overlap become one finding listing every id.

use std::collections::BTreeSet;

use advisories_cache::Vulnerability;

use crate::matching::severity::{assess, Assessment};
use crate::types::finding::{AdvisoryRef, Severity};

/// One group of matched records.
#[derive(Debug, Clone)]
pub struct AdvisoryGroup {
    /// The ids and aliases, primary id first.
    pub advisory: AdvisoryRef,
    /// The highest severity of the group's records.
    pub severity: Severity,
    /// True when any record is a malicious-package report.
    pub malicious: bool,
}

/// Groups records by overlapping ids (union of connected components).
pub fn group(records: &[Vulnerability]) -> Vec<AdvisoryGroup> {
    let ids: Vec<BTreeSet<&str>> = records
        .iter()
        .map(|r| {
            std::iter::once(r.id.as_str())
                .chain(r.aliases.iter().map(String::as_str))
                .collect()
        })
        .collect();
    let mut parent: Vec<usize> = (0..records.len()).collect();
    fn find(parent: &mut [usize], i: usize) -> usize {
        let mut root = i;
        while parent[root] != root {
            root = parent[root];
        }
        parent[i] = root;
        root
    }
    for i in 0..records.len() {
        for j in i + 1..records.len() {
            if !ids[i].is_disjoint(&ids[j]) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut groups: Vec<AdvisoryGroup> = Vec::new();
    for root in 0..records.len() {
        let members: Vec<usize> = (0..records.len())
            .filter(|&i| find(&mut parent, i) == root)
            .collect();
        if members.is_empty() {
            continue;
        }
        groups.push(make_group(records, &ids, &members));
    }
    groups.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
    groups
}

fn make_group(
    records: &[Vulnerability],
    ids: &[BTreeSet<&str>],
    members: &[usize],
) -> AdvisoryGroup {
    let all: BTreeSet<&str> = members
        .iter()
        .flat_map(|&i| ids[i].iter().copied())
        .collect();
    let mut record_ids: Vec<String> = members.iter().map(|&i| records[i].id.clone()).collect();
    record_ids.sort_by_key(|id| (rank(id), id.clone()));
    let primary = record_ids[0].clone();
    let mut aliases: Vec<String> = all
        .into_iter()
        .filter(|id| *id != primary)
        .map(str::to_string)
        .collect();
    aliases.sort_by_key(|id| (rank(id), id.clone()));
    let assessments: Vec<Assessment> = members.iter().map(|&i| assess(&records[i])).collect();
    AdvisoryGroup {
        advisory: AdvisoryRef {
            id: primary,
            aliases,
            records: record_ids,
            summary: members.iter().find_map(|&i| records[i].summary.clone()),
            cvss: assessments
                .iter()
                .filter_map(|a| a.cvss.clone())
                .max_by(|a, b| a.score.total_cmp(&b.score)),
        },
        severity: assessments
            .iter()
            .map(|a| a.severity)
            .max()
            .unwrap_or(Severity::Unscored),
        malicious: members.iter().any(|&i| records[i].is_malicious()),
    }
}

/// Which id names a group: malicious reports first, then GHSA, PYSEC, others, CVE.
fn rank(id: &str) -> u8 {
    match id.split('-').next().unwrap_or("") {
        "MAL" => 0,
        "GHSA" => 1,
        "PYSEC" => 2,
        "CVE" => 4,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(json: &str) -> Vulnerability {
        Vulnerability::from_json(json).unwrap()
    }

    #[test]
    fn aliases_join_records_into_one_group() {
        let records = [
            rec(r#"{"id":"PYSEC-2023-1","aliases":["CVE-2023-9","GHSA-aaaa"]}"#),
            rec(
                r#"{"id":"GHSA-aaaa","aliases":["CVE-2023-9"],"database_specific":{"severity":"HIGH"}}"#,
            ),
            rec(r#"{"id":"GHSA-bbbb"}"#),
        ];
        let groups = group(&records);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].advisory.id, "GHSA-aaaa");
        assert_eq!(groups[0].advisory.aliases, ["PYSEC-2023-1", "CVE-2023-9"]);
        assert_eq!(groups[0].severity, Severity::High);
        assert_eq!(groups[1].advisory.id, "GHSA-bbbb");
    }
}
