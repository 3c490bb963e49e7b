//! Receipts: a signed, tamper-evident record of what a scan approved.
//!
//! Pure data only: the in-toto Statement v1 with a SLSA Verification
//! Summary predicate ([`statement`]), the tree digest its subjects carry
//! ([`digest`]), and the DSSE envelope and its pre-authentication encoding
//! ([`dsse`]). Signing, keys and files are the CLI's.

pub mod digest;
pub mod dsse;
pub mod statement;

pub use digest::{tree_digest, tree_lines, TreeLine};
pub use dsse::{pae, Envelope, EnvelopeSignature, PAYLOAD_TYPE};
pub use statement::{
    build, Invocation, ReceiptInputs, ReceiptServer, Statement, Subject, RECEIPT_FIELD,
};
