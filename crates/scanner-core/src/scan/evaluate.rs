//! Evaluation: match the collected trees against advisories, decide every
//! finding with the policy, and assemble the report.

use std::collections::{BTreeSet, HashMap};

use advisories_cache::{AdvisoryLookup, Ecosystem};

use super::collect::{collect, Collected};
use super::draft::Draft;
use super::findings::{fact_findings, no_data, tree_changed};
use super::matcher::Matcher;
use super::options::{PolicyPlacementError, ScanError, ScanOptions};
use crate::baseline::{annotate, tree_changes_for, Baseline};
use crate::policy::{Finding, Policy};
use crate::report::{AdvisorySource, Report, ServerReport, Summary};

/// Matches collected trees against `lookup` and decides every finding.
pub fn evaluate(
    collected: Collected,
    lookup: &dyn AdvisoryLookup,
    policy: &Policy,
    options: &ScanOptions,
) -> Result<Report, ScanError> {
    evaluate_against(collected, lookup, policy, options, None)
}

/// [`evaluate`], and when a `baseline` is given: a `tree-changed` finding
/// for every package added, removed or changed since it, each server's
/// `tree_changes`, and every finding marked `new` or `unchanged`.
pub fn evaluate_against(
    collected: Collected,
    lookup: &dyn AdvisoryLookup,
    policy: &Policy,
    options: &ScanOptions,
    baseline: Option<(&Baseline, &str)>,
) -> Result<Report, ScanError> {
    // Already read and parsed: a file gone since then is not this check's
    // concern, only one inside a tree.
    if let Some(Err(inside @ PolicyPlacementError::InsideTree { .. })) = policy
        .source()
        .map(|file| collected.refuse_policy_inside(file))
    {
        return Err(inside.into());
    }
    let Collected {
        servers,
        trees,
        graph,
        mut reports,
        mut drafts,
        ..
    } = collected;
    if let Some((baseline, _)) = baseline {
        for (i, changes) in tree_changes_for(&reports, baseline) {
            drafts.extend(tree_changed(&servers[i], &changes));
            reports[i].tree_changes = Some(changes);
        }
    }
    let mut matcher = Matcher {
        lookup,
        cache: HashMap::new(),
        git_only: BTreeSet::new(),
    };
    let mut counts = Vec::new();
    let mut uncovered = Vec::new();
    for eco in Ecosystem::ALL {
        counts.push((eco, lookup.record_count(eco)?));
        if !lookup.covers(eco)? {
            uncovered.push(eco);
        }
    }
    for (server, tree) in servers.iter().zip(&trees) {
        let Some(tree) = tree else { continue };
        drafts.extend(fact_findings(server, tree, &graph, options));
        if let Some(draft) = no_data(server, tree, &uncovered) {
            drafts.push(draft);
            continue;
        }
        drafts.extend(matcher.match_tree(server, tree, &graph)?);
    }
    let mut report = finish(reports, drafts, policy, options, counts);
    report.advisories.git_ranges_not_evaluated = matcher.git_only.into_iter().collect();
    if let Some((baseline, file)) = baseline {
        annotate(&mut report, baseline, file);
    }
    Ok(report)
}

/// Runs the whole pipeline against `lookup`: [`collect`] then [`evaluate`].
pub fn scan(
    options: &ScanOptions,
    lookup: &dyn AdvisoryLookup,
    policy: &Policy,
) -> Result<Report, ScanError> {
    evaluate(collect(options)?, lookup, policy, options)
}

fn finish(
    servers: Vec<ServerReport>,
    drafts: Vec<Draft>,
    policy: &Policy,
    options: &ScanOptions,
    records: Vec<(Ecosystem, u64)>,
) -> Report {
    let incomplete: Vec<String> = drafts
        .iter()
        .filter(|d| d.code.is_coverage_gap())
        .map(|d| d.message.clone())
        .collect();
    let mut findings: Vec<Finding> = drafts.into_iter().map(|d| d.decide(policy)).collect();
    let audit = policy.audit(findings.iter().filter_map(|f| f.exception.as_ref()));
    let servers = with_owners(servers, policy);
    findings.sort_by(|a, b| {
        (b.decision, b.severity, &a.server, &a.package)
            .cmp(&(a.decision, a.severity, &b.server, &b.package))
    });
    let summary = Summary::new(&servers, &findings, incomplete);
    Report {
        generated_at: None,
        servers,
        findings,
        advisories: AdvisorySource {
            source: options.advisory_source.clone(),
            records,
            snapshot: None,
            git_ranges_not_evaluated: Vec::new(),
        },
        summary,
        policy: audit,
        baseline: None,
    }
}

fn with_owners(mut servers: Vec<ServerReport>, policy: &Policy) -> Vec<ServerReport> {
    for s in &mut servers {
        s.owner = policy.servers().get(&s.name).and_then(|p| p.owner.clone());
    }
    servers
}
