//! The commented starter policy `supplygate policy init` prints.

/// A commented starter `supplygate.toml`; it passes `policy check` as printed.
pub const STARTER: &str = include_str!("starter.toml");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Date, Policy};

    #[test]
    fn starter_passes_check_as_printed() {
        let today: Date = "2026-01-01".parse().unwrap();
        let policy = Policy::check(STARTER, "supplygate.toml".as_ref(), today);
        assert!(policy.is_ok(), "{}", policy.unwrap_err().render());
    }
}
