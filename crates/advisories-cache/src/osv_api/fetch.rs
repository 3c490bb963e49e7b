//! Online lookups into the store: querybatch, then `GET /v1/vulns/{id}` for
//! every advisory the store lacks or holds at another `modified` time.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::batch::{bad, query_batch, PackageQuery, VulnRef};
use super::{ApiUrl, OsvApiError, Transport};
use crate::{Store, Vulnerability};

/// What an online lookup did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchSummary {
    /// Packages asked about.
    pub queried: usize,
    /// Distinct advisories the API named for them.
    pub advisories: usize,
    /// Advisories downloaded (new or changed).
    pub fetched: usize,
    /// Advisories already in the store at the same `modified` time.
    pub cached: usize,
}

/// Asks the API at `base` about every package and stores every advisory it
/// names that the store does not hold at the same `modified` time. The
/// store is written only when every request succeeded.
pub fn fetch_into_store(
    transport: &Transport,
    base: &ApiUrl,
    store: &mut Store,
    packages: &[PackageQuery],
) -> Result<FetchSummary, OsvApiError> {
    let named: BTreeSet<VulnRef> = query_batch(transport, base, packages)?
        .into_iter()
        .flatten()
        .collect();
    let ids: Vec<String> = named.iter().map(|v| v.id.clone()).collect();
    let stored = store.modified_of(&ids)?;
    let wanted: Vec<&VulnRef> = named
        .iter()
        .filter(|v| stored.get(&v.id) != Some(&v.modified))
        .collect();
    let mut wanted_ids: Vec<&str> = wanted.iter().map(|v| v.id.as_str()).collect();
    wanted_ids.dedup();
    let progress = transport.progress();
    progress.start(
        &format!("downloading advisories from {base}"),
        crate::Unit::Records,
        Some(wanted_ids.len() as u64),
    );
    let records = fetch_records(transport, base, &wanted_ids);
    progress.finish();
    let records = records?;
    store.upsert(&records)?;
    let distinct: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    Ok(FetchSummary {
        queried: packages.len(),
        advisories: distinct.len(),
        fetched: records.len(),
        cached: distinct.len() - wanted_ids.len(),
    })
}

/// Downloads `ids` with at most `parallel` requests in flight; stops at the
/// first failure.
fn fetch_records(
    transport: &Transport,
    base: &ApiUrl,
    ids: &[&str],
) -> Result<Vec<(Vulnerability, String)>, OsvApiError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results = Mutex::new(Vec::with_capacity(ids.len()));
    let workers = transport.options().parallel.clamp(1, 64).min(ids.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= ids.len() || failed.load(Ordering::Relaxed) {
                    break;
                }
                let result = fetch_one(transport, base, ids[i]);
                transport.progress().advance(1);
                failed.fetch_or(result.is_err(), Ordering::Relaxed);
                results
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(result);
            });
        }
    });
    let results = results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut records = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    records.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    Ok(records)
}

fn fetch_one(
    transport: &Transport,
    base: &ApiUrl,
    id: &str,
) -> Result<(Vulnerability, String), OsvApiError> {
    let url = base.join(&["v1", "vulns", id]);
    let body = transport.get(&url)?;
    let text = String::from_utf8(body).map_err(|_| bad(&url, "the body is not UTF-8".into()))?;
    let vuln = Vulnerability::from_json(&text).map_err(|e| bad(&url, e.to_string()))?;
    if vuln.id != id {
        return Err(bad(&url, format!("asked for `{id}`, got `{}`", vuln.id)));
    }
    Ok((vuln, text))
}
