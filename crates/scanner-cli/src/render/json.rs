//! The JSON report: the report data as is, with a format version.

use std::io::Write;

use scanner_core::Report;
use serde::Serialize;

#[derive(Serialize)]
struct Envelope<'a> {
    tool: &'static str,
    version: &'static str,
    #[serde(flatten)]
    report: &'a Report,
}

/// Writes `report` as pretty JSON.
pub fn write(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let envelope = Envelope {
        tool: "supplygate",
        version: env!("CARGO_PKG_VERSION"),
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &envelope)?;
    writeln!(out)
}
