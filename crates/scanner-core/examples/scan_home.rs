//! Scans a home folder's MCP servers against an in-memory advisory store,
//! the way a library caller would, and prints one line per finding.
//!
//! ```sh
//! cargo run -p scanner-core --example scan_home -- fixtures/homes/affected fixtures/osv/npm/GHSA-r683-j2x4-v87g.json
//! ```
//!
//! Arguments: the home folder, then OSV record files (JSON) to load.

use advisories_cache::{MemoryStore, Vulnerability};
use scanner_core::{scan, Policy, ScanOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let home = args.next().ok_or("usage: scan_home HOME [OSV.json ...]")?;
    let mut store = MemoryStore::default();
    for file in args {
        let text = std::fs::read_to_string(&file)?;
        store.insert(Vulnerability::from_json(&text)?);
    }
    let report = scan(&ScanOptions::new(home), &store, &Policy::builtin())?;
    for f in &report.findings {
        println!("{:?} {} {}: {}", f.decision, f.code, f.server, f.message);
    }
    println!("{:?}", report.summary.outcome);
    Ok(())
}
