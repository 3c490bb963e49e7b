//! The advisory modes of `scan` (online by default, `--offline`, stale-store
//! fallback) and `db update`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use advisories_cache::osv_api::{
    fetch_into_store, update_ecosystem, ApiUrl, ClientOptions, FetchSummary, OsvApiError,
    PackageQuery, Transport,
};
use advisories_cache::{AdvisoryLookup, Ecosystem, LookupError, Store, Vulnerability};
use anyhow::Result;
use scanner_core::{Collected, EcosystemSnapshot, Report, Snapshot, SourceMode};

use crate::args::{NetArgs, ScanArgs, UpdateArgs};
use crate::duration::{age, HumanDuration};
use crate::exit::Exit;

/// Where a scan's advisories come from, once decided.
pub struct Source<'a> {
    /// The lookup the matcher reads.
    pub lookup: StoreLookup<'a>,
    /// What the report records about it.
    pub snapshot: Snapshot,
    /// What the online lookup did, when one ran.
    fetched: Option<(String, FetchSummary)>,
}

/// The store, as the matcher sees it. After every package was looked up
/// online it covers every ecosystem, even one for which nothing was found.
/// A store that does not exist (`None`, offline) covers nothing.
pub struct StoreLookup<'a> {
    store: Option<&'a Store>,
    asked_online: bool,
}

impl AdvisoryLookup for StoreLookup<'_> {
    fn advisories_for(
        &self,
        eco: Ecosystem,
        name: &str,
    ) -> Result<Vec<Vulnerability>, LookupError> {
        self.store
            .map_or(Ok(Vec::new()), |s| s.advisories_for(eco, name))
    }

    fn record_count(&self, eco: Ecosystem) -> Result<u64, LookupError> {
        self.store.map_or(Ok(0), |s| s.record_count(eco))
    }

    fn covers(&self, eco: Ecosystem) -> Result<bool, LookupError> {
        Ok(self.asked_online || self.record_count(eco)? > 0)
    }
}

impl Source<'_> {
    /// Records the source in `report`: the API URL as its source when online.
    /// Prints what the online lookup did against what the report matched:
    /// the store also holds earlier imports, so the API's count alone would
    /// understate the findings.
    pub fn record_in(self, report: &mut Report) {
        if let Some((api, s)) = &self.fetched {
            let matched: BTreeSet<&str> = report
                .findings
                .iter()
                .filter_map(|f| f.advisory.as_ref().map(|a| a.id.as_str()))
                .collect();
            note!(
                "online: asked {api} about {} packages; it named {} advisories ({} downloaded, {} already stored); {} advisories match, checked against every record in the store",
                s.queried, s.advisories, s.fetched, s.cached, matched.len()
            );
        }
        if self.snapshot.mode == SourceMode::Online {
            report.advisories.source = self.snapshot.api_url.clone().unwrap_or_default();
        }
        report.advisories.snapshot = Some(self.snapshot);
    }
}

/// The source `scan` was asked for: the store with `--offline` (`None`
/// when it does not exist: nothing matches and the run is incomplete), else
/// online. `Err(exit)` means the scan must stop there (the message is printed).
pub fn choose<'a>(
    store: Option<&'a mut Store>,
    db: &std::path::Path,
    collected: &Collected,
    args: &ScanArgs,
) -> Result<std::result::Result<Source<'a>, Exit>> {
    let store = match store {
        Some(store) if !args.offline => store,
        store => return offline(store.map(|s| &*s), db).map(Ok),
    };
    online(
        store,
        collected,
        &args.osv_url,
        args.max_staleness,
        &args.net,
    )
}

fn local(store: &Store) -> StoreLookup<'_> {
    StoreLookup {
        store: Some(store),
        asked_online: false,
    }
}

fn client_options(net: &NetArgs) -> ClientOptions {
    ClientOptions {
        timeout: net.http_timeout.0,
        deadline: net.http_deadline.0,
        ..ClientOptions::default()
    }
}

fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The store's freshness per ecosystem, for the report.
fn ecosystems(store: &Store) -> Result<Vec<EcosystemSnapshot>> {
    let now = now().as_secs();
    Ok(store
        .status()?
        .into_iter()
        .map(|s| {
            let last_import = s.imports.iter().map(|i| i.imported_at).max();
            EcosystemSnapshot {
                ecosystem: s.ecosystem,
                newest_modified: s.newest_modified,
                last_import,
                import_age_seconds: last_import.map(|at| now.saturating_sub(at)),
            }
        })
        .collect())
}

/// `--offline`: the store as it is, or no store at all.
fn offline<'a>(store: Option<&'a Store>, db: &std::path::Path) -> Result<Source<'a>> {
    let snapshot = Snapshot {
        mode: SourceMode::Offline,
        api_url: None,
        store: store.map_or_else(
            || db.join(advisories_cache::DB_FILE).display().to_string(),
            |s| s.path().display().to_string(),
        ),
        fetched_at: None,
        ecosystems: store.map(ecosystems).transpose()?.unwrap_or_default(),
        note: store
            .is_none()
            .then(|| "the store does not exist".to_string()),
    };
    Ok(Source {
        lookup: StoreLookup {
            store,
            asked_online: false,
        },
        snapshot,
        fetched: None,
    })
}

/// The default: ask the API about every collected package and keep what it
/// names in the store; on failure, fall back to the store only as far as
/// `max_staleness` allows. `Err(exit)` means the scan must stop there.
fn online<'a>(
    store: &'a mut Store,
    collected: &Collected,
    url: &str,
    max_staleness: Option<HumanDuration>,
    net: &NetArgs,
) -> Result<std::result::Result<Source<'a>, Exit>> {
    let api = ApiUrl::parse(url)?;
    let queries = queries(collected);
    let fetched = Transport::new(client_options(net))
        .map(|t| t.with_progress(crate::ui::progress()))
        .and_then(|t| fetch_into_store(&t, &api, store, &queries));
    let store: &Store = store;
    let mut snapshot = Snapshot {
        mode: SourceMode::Online,
        api_url: Some(api.to_string()),
        store: store.path().display().to_string(),
        fetched_at: Some(now().as_secs()),
        ecosystems: ecosystems(store)?,
        note: None,
    };
    let error = match fetched {
        Ok(summary) => {
            let lookup = StoreLookup {
                store: Some(store),
                asked_online: true,
            };
            let fetched = Some((api.to_string(), summary));
            return Ok(Ok(Source {
                lookup,
                snapshot,
                fetched,
            }));
        }
        Err(e) => e,
    };
    match stale_fallback(&snapshot.ecosystems, &queries, max_staleness) {
        Ok(note) => {
            say!("warning: online lookup failed: {error}\nwarning: {note}");
            snapshot.mode = SourceMode::StaleStore;
            snapshot.fetched_at = None;
            snapshot.note = Some(format!("online lookup failed ({error}); {note}"));
            Ok(Ok(Source {
                lookup: local(store),
                snapshot,
                fetched: None,
            }))
        }
        Err(why) => {
            report_failure(&error, &queries, &why);
            Ok(Err(Exit::Incomplete))
        }
    }
}

fn queries(collected: &Collected) -> Vec<PackageQuery> {
    collected
        .packages()
        .into_iter()
        .map(|p| PackageQuery {
            ecosystem: p.ecosystem,
            name: p.name,
            version: p.version,
        })
        .collect()
}

fn per_ecosystem(queries: &[PackageQuery]) -> BTreeMap<Ecosystem, usize> {
    let mut counts = BTreeMap::new();
    for q in queries {
        *counts.entry(q.ecosystem).or_default() += 1;
    }
    counts
}

/// Whether the store may stand in for the API: only with `--max-staleness`,
/// and only if every ecosystem in use was imported within it.
fn stale_fallback(
    snapshot: &[EcosystemSnapshot],
    queries: &[PackageQuery],
    max: Option<HumanDuration>,
) -> std::result::Result<String, String> {
    let max = max.ok_or("no stale data is allowed without --max-staleness".to_string())?;
    let mut ages = Vec::new();
    for eco in per_ecosystem(queries).keys() {
        let age_s = snapshot
            .iter()
            .find(|s| s.ecosystem == *eco)
            .and_then(|s| s.import_age_seconds)
            .ok_or(format!(
                "the store holds no imported {eco} data to fall back on"
            ))?;
        let data_age = Duration::from_secs(age_s);
        if data_age > max.0 {
            return Err(format!(
                "the store's {eco} data was imported {} ago, older than --max-staleness {max}",
                age(data_age)
            ));
        }
        ages.push(format!("{eco} imported {} ago", age(data_age)));
    }
    Ok(format!(
        "using the local store instead, as --max-staleness {max} allows ({})",
        ages.join(", ")
    ))
}

fn report_failure(error: &OsvApiError, queries: &[PackageQuery], why: &str) {
    let counts: Vec<String> = per_ecosystem(queries)
        .iter()
        .map(|(eco, n)| format!("{n} {eco}"))
        .collect();
    say!("error: online lookup failed: {error}");
    say!(
        "incomplete: {} packages ({}) could not be checked against OSV; {why}",
        queries.len(),
        counts.join(", ")
    );
    say!("hint: retry later, scan with --offline against `supplygate db update` data, or allow a recent store with --max-staleness 7d");
}

/// `db update`: each ecosystem in turn, each all-or-nothing.
pub fn update(store: &mut Store, args: &UpdateArgs) -> Result<Exit> {
    let base = ApiUrl::parse(&args.data_url)?;
    let transport = Transport::new(client_options(&args.net))?.with_progress(crate::ui::progress());
    store.set_progress(crate::ui::progress());
    // The image ecosystems' archives are large (Debian's is hundreds of
    // MB): they are downloaded when asked for, and a scan that meets their
    // packages without data says so (incomplete) and names the command.
    let ecos = if args.ecosystems.is_empty() {
        vec![Ecosystem::Npm, Ecosystem::PyPI]
    } else {
        args.ecosystems.iter().map(|e| e.base()).collect()
    };
    for eco in ecos {
        match update_ecosystem(&transport, &base, store, eco, args.max_size) {
            Ok(s) => note!(
                "updated {eco} from {}: {} bytes, {} records ({} withdrawn)",
                s.url,
                s.bytes,
                s.import.stored.iter().map(|(_, n)| n).sum::<u64>(),
                s.import.withdrawn
            ),
            Err(e) => {
                say!("error: {eco} was not updated, the store keeps its previous {eco} data: {e}");
                return Ok(Exit::Incomplete);
            }
        }
    }
    Ok(Exit::Passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(eco: Ecosystem, age_s: Option<u64>) -> EcosystemSnapshot {
        EcosystemSnapshot {
            ecosystem: eco,
            newest_modified: None,
            last_import: age_s.map(|_| 0),
            import_age_seconds: age_s,
        }
    }

    fn query(eco: Ecosystem) -> PackageQuery {
        PackageQuery {
            ecosystem: eco,
            name: "x".into(),
            version: "1.0.0".into(),
        }
    }

    fn week() -> Option<HumanDuration> {
        Some("7d".parse().unwrap())
    }

    #[test]
    fn stale_data_only_with_max_staleness_and_only_if_young_enough() {
        let fresh = [
            snap(Ecosystem::Npm, Some(3600)),
            snap(Ecosystem::PyPI, None),
        ];
        let npm = [query(Ecosystem::Npm)];
        assert!(stale_fallback(&fresh, &npm, None)
            .unwrap_err()
            .contains("without --max-staleness"));
        let ok = stale_fallback(&fresh, &npm, week()).unwrap();
        assert!(ok.contains("npm imported 1h ago"), "{ok}");
        let both = [query(Ecosystem::Npm), query(Ecosystem::PyPI)];
        assert!(stale_fallback(&fresh, &both, week())
            .unwrap_err()
            .contains("no imported PyPI data"));
        let old = [snap(Ecosystem::Npm, Some(8 * 86_400))];
        let err = stale_fallback(&old, &npm, week()).unwrap_err();
        assert!(
            err.contains("imported 8d ago, older than --max-staleness 7d"),
            "{err}"
        );
    }
}
