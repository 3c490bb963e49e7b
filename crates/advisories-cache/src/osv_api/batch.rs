//! `POST /v1/querybatch`: which advisories name each (ecosystem, name,
//! version), as (id, modified) pairs, following every `next_page_token`.

use serde::{Deserialize, Serialize};

use super::{ApiUrl, OsvApiError, Transport};
use crate::Ecosystem;

/// Most queries in one querybatch request (the API's limit).
pub const MAX_BATCH: usize = 1000;
/// Most pages followed for one query before the answer is judged hostile.
const MAX_PAGES: usize = 1000;

/// One installed package to ask about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageQuery {
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// Its name as installed.
    pub name: String,
    /// Its version as installed.
    pub version: String,
}

/// An advisory the API named for a query: its id and `modified` time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub struct VulnRef {
    /// The advisory id.
    pub id: String,
    /// When the advisory was last modified.
    pub modified: String,
}

#[derive(Serialize)]
struct Request<'a> {
    queries: Vec<Query<'a>>,
}

#[derive(Serialize)]
struct Query<'a> {
    package: Package<'a>,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_token: Option<&'a str>,
}

#[derive(Serialize)]
struct Package<'a> {
    /// Serialised as OSV spells it, with the release (`Debian:12`).
    ecosystem: Ecosystem,
    name: &'a str,
}

#[derive(Deserialize)]
struct Response {
    results: Vec<QueryResult>,
}

#[derive(Deserialize)]
struct QueryResult {
    #[serde(default)]
    vulns: Vec<VulnRef>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Asks `POST {base}/v1/querybatch` about every package, in requests of at
/// most [`MAX_BATCH`] queries, re-sending each query with its page token until
/// it has none. The answer is in the order of `packages`.
pub fn query_batch(
    transport: &Transport,
    base: &ApiUrl,
    packages: &[PackageQuery],
) -> Result<Vec<Vec<VulnRef>>, OsvApiError> {
    let url = base.join(&["v1", "querybatch"]);
    let mut answers = vec![Vec::new(); packages.len()];
    let mut pending: Vec<(usize, Option<String>)> =
        (0..packages.len()).map(|i| (i, None)).collect();
    let mut pages = 0;
    let progress = transport.progress();
    progress.start(
        &format!("asking {base} about packages"),
        crate::Unit::Packages,
        Some(packages.len() as u64),
    );
    let answered = query_pages(
        transport,
        &url,
        packages,
        &mut answers,
        &mut pending,
        &mut pages,
    );
    progress.finish();
    answered?;
    for answer in &mut answers {
        answer.sort();
        answer.dedup();
    }
    Ok(answers)
}

/// The pages of [`query_batch`]: first pages advance the progress by one
/// package each.
fn query_pages(
    transport: &Transport,
    url: &ApiUrl,
    packages: &[PackageQuery],
    answers: &mut [Vec<VulnRef>],
    pending: &mut Vec<(usize, Option<String>)>,
    pages: &mut usize,
) -> Result<(), OsvApiError> {
    while !pending.is_empty() {
        *pages += 1;
        if *pages > MAX_PAGES {
            return Err(bad(url, format!("more than {MAX_PAGES} pages of answers")));
        }
        let mut next = Vec::new();
        for chunk in pending.chunks(MAX_BATCH) {
            let results = post(transport, url, packages, chunk)?;
            if *pages == 1 {
                transport.progress().advance(chunk.len() as u64);
            }
            for ((i, _), result) in chunk.iter().zip(results) {
                answers[*i].extend(result.vulns);
                if let Some(token) = result.next_page_token.filter(|t| !t.is_empty()) {
                    next.push((*i, Some(token)));
                }
            }
        }
        *pending = next;
    }
    Ok(())
}

fn post(
    transport: &Transport,
    url: &ApiUrl,
    packages: &[PackageQuery],
    chunk: &[(usize, Option<String>)],
) -> Result<Vec<QueryResult>, OsvApiError> {
    let request = Request {
        queries: chunk
            .iter()
            .map(|(i, token)| Query {
                package: Package {
                    ecosystem: packages[*i].ecosystem,
                    name: &packages[*i].name,
                },
                version: &packages[*i].version,
                page_token: token.as_deref(),
            })
            .collect(),
    };
    let body = serde_json::to_vec(&request).map_err(|e| bad(url, e.to_string()))?;
    let answer = transport.post_json(url, &body)?;
    let response: Response =
        serde_json::from_slice(&answer).map_err(|e| bad(url, e.to_string()))?;
    if response.results.len() != chunk.len() {
        return Err(bad(
            url,
            format!(
                "{} results for {} queries",
                response.results.len(),
                chunk.len()
            ),
        ));
    }
    for v in response.results.iter().flat_map(|r| &r.vulns) {
        if !is_valid_id(&v.id) {
            return Err(bad(
                url,
                format!("`{}` is not an advisory id", v.id.escape_debug()),
            ));
        }
    }
    Ok(response.results)
}

/// OSV ids follow one grammar ([`crate::check_id`]): anything else is
/// refused before it becomes a URL.
pub(crate) fn is_valid_id(id: &str) -> bool {
    crate::check_id(id).is_ok()
}

pub(crate) fn bad(url: &ApiUrl, reason: String) -> OsvApiError {
    OsvApiError::BadResponse {
        url: url.clone(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_they_become_urls() {
        assert!(is_valid_id("GHSA-34jh-p97f-mpxf"));
        assert!(is_valid_id("PYSEC-2024-1"));
        assert!(!is_valid_id(".."));
        assert!(!is_valid_id("a/b"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("GHSA x"));
    }

    #[test]
    fn a_real_querybatch_answer_parses() {
        // From osv-scanner's recorded answers (peer-fixtures querybatch-index).
        let text = r#"{"results":[{"vulns":[{"id":"GHSA-8rrh-rw8j-w5fx","modified":"2026-07-07T17:56:06.063831Z"},{"id":"PYSEC-2026-2047","modified":"2026-07-07T17:47:43.451695Z"}]},{},{"next_page_token":"abc"}]}"#;
        let r: Response = serde_json::from_str(text).unwrap();
        assert_eq!(r.results.len(), 3);
        assert_eq!(r.results[0].vulns[1].id, "PYSEC-2026-2047");
        assert!(r.results[1].vulns.is_empty());
        assert_eq!(r.results[2].next_page_token.as_deref(), Some("abc"));
    }
}
