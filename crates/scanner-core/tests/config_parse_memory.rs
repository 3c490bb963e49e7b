//! Config parsing costs a small multiple of the file's size in memory: a
//! config at the 16 MiB cap, in each format, whether made of millions of
//! tiny values (refused past the document's value budget) or of as many
//! values as the budget allows, parses with a peak heap of at most
//! [`MAX_RATIO`] times the file's size. Before the budget, a 16 MiB TOML
//! array of `0,` took 1.25 GB peak RSS (JSON 607 MB, YAML 130 MB).
//!
//! The heap is counted by a limiting allocator: each case runs with a limit
//! of the bytes in use before it plus the bound, so a parse past the bound
//! aborts this test binary ("memory allocation of N bytes failed") right
//! after the case's name is printed. One test in this binary, so no other
//! test allocates meanwhile.

use std::alloc::System;
use std::path::PathBuf;

use cap::Cap;
use scanner_core::discover::formats::max_values;
use scanner_core::discover::{parse_document, ConfigLocation, Vars, MAX_CONFIG_BYTES};

#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

/// Peak heap of a parse, as a multiple of the file's size. Measured in the
/// worst shapes below (heap, untouched `Vec` capacity included): about 3.5x
/// for JSON and 13.5x for TOML, whose parser keeps a token list and a
/// spanned tree besides ours (peak RSS of the whole scan: 6.6x, 10.4x and
/// 7.4x the file).
const MAX_RATIO: usize = 16;

const SERVER_JSON: &str = r#"{"mcpServers":{"a":{"command":"npx","args":["-y","a@1.0.0"]"#;
const SERVER_TOML: &str = "[mcp_servers.a]\ncommand = \"npx\"\nargs = [\"-y\", \"a@1.0.0\"]\n";
const SERVER_YAML: &str =
    "mcpServers:\n  - name: a\n    command: npx\n    args: [\"-y\", \"a@1.0.0\"]\n";

/// Just under the config cap.
fn size() -> usize {
    MAX_CONFIG_BYTES as usize - 4096
}

/// A config of `values` tiny values in `format`, padded with one long
/// string to `size()` bytes.
fn config(format: &str, values: usize) -> String {
    let mut text = String::with_capacity(size() + 64);
    let (head, item, tail) = match format {
        "json" => (format!("{SERVER_JSON},\"x\":["), "0,", "0],\"pad\":\"\"}}}"),
        "toml" => (format!("{SERVER_TOML}x = ["), "0,", "0]\npad = \"\"\n"),
        _ => (format!("{SERVER_YAML}x:\n"), "- 0\n", "pad: \"\"\n"),
    };
    text.push_str(&head);
    for _ in 0..values {
        text.push_str(item);
        if text.len() + tail.len() + 16 >= size() {
            break;
        }
    }
    text.push_str(tail);
    let pad = size().saturating_sub(text.len());
    let at = text.len() - tail.len() + tail.find("\"\"").unwrap_or(0) + 1;
    text.insert_str(at, &"p".repeat(pad));
    text
}

/// Parses `text` as `name` with the heap limited to what is in use now plus
/// `MAX_RATIO` times the text's size; true if it parsed.
fn parse_within_bound(label: &str, name: &str, text: &str) -> bool {
    let bound = MAX_RATIO * text.len();
    eprintln!("{label}: {} bytes, heap bound {bound} bytes", text.len());
    let location = ConfigLocation::explicit(PathBuf::from(name));
    HEAP.set_limit(HEAP.allocated() + bound).unwrap();
    let parsed = parse_document(text, &location, &Vars::default()).is_ok();
    HEAP.set_limit(usize::MAX).unwrap();
    eprintln!(
        "{label}: parsed {parsed}; peak heap so far {} bytes",
        HEAP.max_allocated()
    );
    parsed
}

#[test]
fn a_16_mib_config_costs_a_small_multiple_of_its_size_in_every_format() {
    let budget = max_values(size());
    for (format, name) in [
        ("json", "mcp.json"),
        ("toml", "config.toml"),
        ("yaml", "config.yaml"),
    ] {
        // Millions of values: refused at the budget, before the tree grows.
        let tiny = config(format, usize::MAX);
        assert!(tiny.len() as u64 <= MAX_CONFIG_BYTES);
        let label = format!("{format}, tiny values to the cap");
        assert!(
            !parse_within_bound(&label, name, &tiny),
            "{label}: not refused"
        );
        drop(tiny);
        // As many values as the budget allows: parsed whole.
        let full = config(format, budget - 100);
        let label = format!("{format}, {} values", budget - 100);
        assert!(parse_within_bound(&label, name, &full), "{label}: refused");
    }
}
