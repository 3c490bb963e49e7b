//! Receipts: keys, signing a scan's statement, the receipt log, and
//! `receipt verify`. The statement itself is built by
//! [`scanner_core::receipt`].

pub mod keys;
pub mod log;
pub mod verify;
pub mod write;

pub use write::{write, ReceiptPlan, RunFacts};
