//! Sizes on the command line: `2GiB`, `500MB`, `1.5GiB` or plain bytes.

use bytesize::ByteSize;

/// Parses a size: a number of bytes, or a number and a unit (`KB`/`KiB` …
/// `TB`/`TiB`, any case; `B` optional). Binary units are powers of 1024,
/// decimal ones powers of 1000, as `bytesize` reads them.
pub fn parse(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "`{}` is not a size: expected bytes or a number and a unit (e.g. 2GiB, 500MB, 1048576)",
            text.escape_debug()
        )
    };
    let trimmed = text.trim();
    // bytesize reads a lone number as bytes but also accepts `-0`, `1e3`
    // and the like: only digits, a dot and a unit are a size here.
    let number_end = trimmed
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(trimmed.len());
    if number_end == 0
        || trimmed[number_end..]
            .trim()
            .starts_with(['e', 'E', '+', '-'])
    {
        return Err(bad());
    }
    trimmed
        .parse::<ByteSize>()
        .map(|s| s.as_u64())
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn units_and_plain_bytes() {
        assert_eq!(parse("2GiB"), Ok(2 << 30));
        assert_eq!(parse("2 GiB"), Ok(2 << 30));
        assert_eq!(parse("2gib"), Ok(2 << 30));
        assert_eq!(parse("500MB"), Ok(500_000_000));
        assert_eq!(parse("1.5KiB"), Ok(1536));
        assert_eq!(parse("1048576"), Ok(1 << 20));
        assert_eq!(parse("10B"), Ok(10));
    }

    #[test]
    fn bad_sizes_say_what_is_expected() {
        for bad in ["", "GiB", "-1", "2XB", "two", "1e9", "2 GiB extra"] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("e.g. 2GiB"), "{bad}: {err}");
        }
    }
}
