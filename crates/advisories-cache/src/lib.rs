//! Advisory data for supplygate: the OSV model, the local store, import, and
//! (with the `http` feature) OSV over HTTP in [`osv_api`].
//!
//! The scanner's matcher codes against [`AdvisoryLookup`], a small trait: the
//! embedded SQLite [`Store`] implements it for real runs and [`MemoryStore`]
//! for tests.
//!
//! ```
//! use advisories_cache::{AdvisoryLookup, Ecosystem, MemoryStore, Vulnerability};
//!
//! let record = r#"{"id":"MAL-1","modified":"2025-01-01T00:00:00Z",
//!   "affected":[{"package":{"ecosystem":"npm","name":"evil"},"versions":["1.0.0"]}]}"#;
//! let mut store = MemoryStore::default();
//! store.insert(Vulnerability::from_json(record).unwrap());
//! let found = store.advisories_for(Ecosystem::Npm, "evil").unwrap();
//! assert_eq!(found[0].id, "MAL-1");
//! ```

#![warn(missing_docs)]

mod ecosystem;
mod import;
mod lookup;
mod osv;
#[cfg(feature = "http")]
pub mod osv_api;
#[cfg_attr(not(feature = "http"), allow(dead_code))]
mod progress;
mod store;

pub use ecosystem::{Ecosystem, UbuntuRelease, UnknownEcosystem};
pub use import::{
    ImportError, ImportLimits, ImportSource, ImportSummary, RecordReader, RATIO_FLOOR_BYTES,
};
pub use lookup::{AdvisoryLookup, LookupError, MemoryStore};
pub use osv::{
    check_id, rfc3339_key, Affected, Event, OsvPackage, Range, RangeType, Severity, Vulnerability,
};
pub use progress::{NoProgress, Progress, Unit};
pub use store::{EcosystemStatus, ImportRecord, Store, StoreError, StoreOptions, DB_FILE};
