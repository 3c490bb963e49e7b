//! The seam between advisory data and the matcher.

use std::collections::HashMap;

use crate::{Ecosystem, Vulnerability};

/// A failure to read advisory data.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The store could not be read.
    #[error("advisories store: {0}")]
    Store(#[from] crate::StoreError),
}

/// Where the matcher gets its advisories: every record that names a package.
pub trait AdvisoryLookup {
    /// Every non-withdrawn record with an `affected` entry for `name` in
    /// `ecosystem`. The name is normalised by the implementation.
    fn advisories_for(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Vec<Vulnerability>, LookupError>;

    /// How many records the source holds for `ecosystem`; zero means the
    /// ecosystem cannot be checked at all.
    fn record_count(&self, ecosystem: Ecosystem) -> Result<u64, LookupError>;

    /// Whether packages of `ecosystem` can be checked against this source at
    /// all. A local store covers an ecosystem it holds records for; a source
    /// that asked an online API about every package covers it even when
    /// nothing was found.
    fn covers(&self, ecosystem: Ecosystem) -> Result<bool, LookupError> {
        Ok(self.record_count(ecosystem)? > 0)
    }
}

/// An in-memory advisory source, for tests and small imports.
#[derive(Debug, Default)]
pub struct MemoryStore {
    by_package: HashMap<(Ecosystem, String), Vec<Vulnerability>>,
    counts: HashMap<Ecosystem, u64>,
}

impl MemoryStore {
    /// Adds a record under every package it names (withdrawn records are kept
    /// out, as the real store does).
    pub fn insert(&mut self, vuln: Vulnerability) {
        if vuln.withdrawn.is_some() {
            return;
        }
        let keys = vuln.package_keys();
        let mut ecos: Vec<Ecosystem> = keys.iter().map(|k| k.0).collect();
        ecos.dedup();
        for eco in ecos {
            *self.counts.entry(eco).or_default() += 1;
        }
        for key in keys {
            self.by_package.entry(key).or_default().push(vuln.clone());
        }
    }
}

impl AdvisoryLookup for MemoryStore {
    fn advisories_for(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Vec<Vulnerability>, LookupError> {
        let key = (ecosystem.base(), ecosystem.normalize_name(name));
        Ok(self.by_package.get(&key).cloned().unwrap_or_default())
    }

    fn record_count(&self, ecosystem: Ecosystem) -> Result<u64, LookupError> {
        Ok(self.counts.get(&ecosystem.base()).copied().unwrap_or(0))
    }
}
