//! `db status`: what the store holds, per ecosystem.

use std::io::{self, Write};
use std::path::Path;

use advisories_cache::EcosystemStatus;
use scanner_core::policy::Date;

/// Writes one block per ecosystem: records, newest `modified`, and every
/// import with its source and a readable UTC time.
pub fn write(out: &mut impl Write, db: &Path, status: &[EcosystemStatus]) -> io::Result<()> {
    writeln!(out, "store: {}", db.display())?;
    for s in status {
        writeln!(
            out,
            "{:<5} {:>8} records  newest modified {}",
            s.ecosystem.as_str(),
            s.records,
            s.newest_modified.as_deref().unwrap_or("-")
        )?;
        for import in &s.imports {
            writeln!(
                out,
                "      imported {} from {} at {}",
                import.records,
                import.source,
                utc(import.imported_at)
            )?;
        }
    }
    Ok(())
}

/// Seconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let date = Date::from_unix_days(days as i64);
    format!(
        "{date} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_match_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        // `date -u -d @951782400`: the leap day of 2000.
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        // `date -u -d @1795359599`
        assert_eq!(utc(1_795_359_599), "2026-11-22 14:59:59 UTC");
    }
}
