//! Durations on the command line: `90s`, `30m`, `12h`, `7d`, `2w`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A duration written as a whole number and one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

/// Why a duration did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadDuration(String);

impl fmt::Display for BadDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a duration: expected a whole number and a unit, ms, s, m, h, d or w (e.g. 7d, 12h, 30s)",
            self.0.escape_debug()
        )
    }
}

impl std::error::Error for BadDuration {}

impl FromStr for HumanDuration {
    type Err = BadDuration;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadDuration(s.to_string());
        let text = s.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (number, unit) = text.split_at(split);
        let n: u64 = number.parse().map_err(|_| bad())?;
        let unit_ms: u64 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            _ => return Err(bad()),
        };
        let ms = n.checked_mul(unit_ms).ok_or_else(bad)?;
        Ok(HumanDuration(Duration::from_millis(ms)))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", age(self.0))
    }
}

/// A readable age: the largest unit that fits and the next one if not zero,
/// e.g. `3d2h`, `7d`, `5h`, `42s`.
pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    let two = |big: u64, b: &str, small: u64, m: &str| match small {
        0 => format!("{big}{b}"),
        _ => format!("{big}{b}{small}{m}"),
    };
    match s {
        0 if d.subsec_millis() > 0 => format!("{}ms", d.subsec_millis()),
        s if s >= 86_400 => two(s / 86_400, "d", s % 86_400 / 3_600, "h"),
        s if s >= 3_600 => two(s / 3_600, "h", s % 3_600 / 60, "m"),
        s if s >= 60 => two(s / 60, "m", s % 60, "s"),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Duration, BadDuration> {
        s.parse::<HumanDuration>().map(|d| d.0)
    }

    #[test]
    fn units() {
        assert_eq!(parse("7d").unwrap(), Duration::from_secs(7 * 86_400));
        assert_eq!(parse("12h").unwrap(), Duration::from_secs(12 * 3_600));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse(" 2w ").unwrap(), Duration::from_secs(14 * 86_400));
    }

    #[test]
    fn bad_durations_say_what_is_expected() {
        for bad in [
            "",
            "7",
            "d",
            "-1d",
            "1.5h",
            "7 days",
            "99999999999999999999d",
            "1y",
        ] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.contains("e.g. 7d"), "{bad}: {err}");
        }
    }

    #[test]
    fn ages_read_well() {
        assert_eq!(age(Duration::from_secs(3 * 86_400 + 7_200)), "3d2h");
        assert_eq!(age(Duration::from_secs(42)), "42s");
        assert_eq!(age(Duration::from_secs(7 * 86_400)), "7d");
    }
}
