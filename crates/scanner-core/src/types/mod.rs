//! The shared vocabulary every stage speaks: server identities, scopes,
//! finding codes, severities, package references, pin states and
//! requirements, and versions. A leaf: it
//! uses nothing else in the crate.

pub mod finding;
mod integrity;
mod pin;
mod scope;
mod server;
pub mod version;

pub use integrity::IntegrityState;
pub use pin::{PinRequirement, PinState};
pub use scope::{Scope, ScopeError};
pub use server::ServerId;
