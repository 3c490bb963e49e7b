//! Receipts: keys, signing a scan's statement, the receipt log, and
//! `receipt verify`. The statement itself is built by
//! [`scanner_core::receipt`].

pub mod keys;
pub mod log;
pub mod verify;
pub mod write;

pub use write::{write, ReceiptPlan, RunFacts};

/// Every config file discovery read and parsed: the receipt's config subjects.
pub fn parsed_configs(inventory: &scanner_core::discover::Inventory) -> Vec<std::path::PathBuf> {
    inventory
        .configs
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                scanner_core::discover::ConfigStatus::Parsed { .. }
            )
        })
        .map(|c| c.path.clone())
        .collect()
}
