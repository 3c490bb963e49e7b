//! Config parsing is linear: a config at the 16 MiB cap, in each format and
//! shaped the way that used to be quadratic (one long array, many keys,
//! `${` repeated in one value), parses within a fixed multiple of the time
//! `serde_json` takes on a JSON text of the same size and shape, measured in
//! the same run. Reproducer: hostile/config-parse-quadratic (at 400 KB the
//! old parser took 11-60 s; at 16 MiB, hours). Items are 16 bytes or more
//! with their separator, so a 16 MiB file stays within the value budget of
//! a document (`formats::max_values`, one value per 16 bytes) and is parsed
//! whole; files of smaller values are refused early (config_parse_memory.rs).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use scanner_core::discover::{parse_document, ConfigLocation, Vars, MAX_CONFIG_BYTES};

/// How many times slower than serde_json a config may parse. serde_json
/// builds a plain value tree; the config path also keeps lines, checks
/// duplicates, substitutes and looks for secrets. In a dev build this crate
/// is unoptimised (several times slower per character) while serde_json
/// gets `opt-level = 1` (the workspace's `profile.dev.package."*"`), hence a
/// wider margin there. The quadratic parser was 100,000 times slower or more
/// at 16 MiB (hours against tenths of a second), so neither margin hides it;
/// `cargo test --release` checks the tight one.
const MAX_RATIO: f64 = if cfg!(debug_assertions) { 2000.0 } else { 60.0 };

/// Just under the config cap.
fn size() -> usize {
    MAX_CONFIG_BYTES as usize - 4096
}

/// A 16-byte number: with its separator, an item stays within the value budget.
const NUM: &str = "1000000000000000";

/// `head` + `item` repeated (with `sep`) + `tail`, about `size()` bytes.
fn fill(head: &str, item: &str, sep: &str, tail: &str) -> String {
    let n = (size() - head.len() - tail.len()) / (item.len() + sep.len());
    let mut out = String::with_capacity(size());
    out.push_str(head);
    for i in 0..n {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item);
    }
    out.push_str(tail);
    out
}

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// Parses `config` as the file `name` through the whole config path and
/// compares with serde_json on `json`.
fn assert_linear(name: &str, config: &str, json: &str) {
    assert_linear_with(name, config, json, &Vars::default());
}

fn assert_linear_with(name: &str, config: &str, json: &str, vars: &Vars) {
    assert!(config.len() as u64 <= MAX_CONFIG_BYTES);
    let baseline = time(|| {
        serde_json::from_str::<serde_json::Value>(json).unwrap();
    });
    let location = ConfigLocation::explicit(PathBuf::from(name));
    let took = time(|| {
        parse_document(config, &location, vars).unwrap();
    });
    let ratio = took.as_secs_f64() / baseline.as_secs_f64().max(1e-4);
    eprintln!(
        "{name}: {} bytes in {took:?}; serde_json {baseline:?}; ratio {ratio:.1}",
        config.len()
    );
    assert!(ratio < MAX_RATIO, "{name}: {ratio:.1}x serde_json");
}

const SERVER: &str = r#"{"mcpServers":{"a":{"command":"npx","args":["-y","a@1.0.0"]"#;

#[test]
fn a_16_mib_json_array_parses_in_linear_time() {
    let json = fill(&format!("{SERVER},\"x\":["), NUM, ",", "]}}}");
    assert_linear("mcp.json", &json, &json);
}

#[test]
fn a_16_mib_jsonc_file_with_comments_parses_in_linear_time() {
    let config = fill(
        &format!("// c\n{SERVER},\"x\":["),
        "0 /* comment */",
        ",\n",
        ",]}}}",
    );
    let json = fill(&format!("{SERVER},\"x\":["), NUM, ",\n", "]}}}");
    assert_linear("mcp.json", &config, &json);
}

#[test]
fn a_16_mib_json_object_of_many_keys_parses_in_linear_time() {
    let mut n = 0;
    let mut text = format!("{SERVER},\"x\":{{");
    while text.len() + 32 < size() {
        text.push_str(&format!("\"k{n}\":{NUM},"));
        n += 1;
    }
    text.push_str("\"end\":0}}}}");
    assert_linear("mcp.json", &text, &text);
}

#[test]
fn a_16_mib_toml_array_parses_in_linear_time() {
    let head = "[mcp_servers.a]\ncommand = \"npx\"\nargs = [\"-y\", \"a@1.0.0\"]\nx = [";
    let config = fill(head, NUM, ",", "]\n");
    let json = fill(&format!("{SERVER},\"x\":["), NUM, ",", "]}}}");
    assert_linear("config.toml", &config, &json);
}

#[test]
fn a_16_mib_yaml_map_of_many_keys_parses_in_linear_time() {
    let mut config = String::from(
        "mcpServers:\n  - name: a\n    command: npx\n    args: [\"-y\", \"a@1.0.0\"]\nx:\n",
    );
    let mut json = format!("{SERVER},\"x\":{{");
    let mut n = 0;
    while config.len() + 32 < size() {
        config.push_str(&format!("  k{n}: {NUM}\n"));
        json.push_str(&format!("\"k{n}\":{NUM},"));
        n += 1;
    }
    json.push_str("\"end\":0}}}}");
    assert_linear("config.yaml", &config, &json);
}

#[test]
fn a_16_mib_value_of_unclosed_substitutions_is_linear() {
    for opener in ["${", "{", "%"] {
        let config = fill(
            r#"{"mcpServers":{"a":{"command":"npx","args":["-y","a@1.0.0",""#,
            opener,
            "",
            "\"]}}}",
        );
        let every_form = Vars {
            bare_dollar: true,
            opencode: true,
            percent: true,
            ..Vars::default()
        };
        assert_linear_with("mcp.json", &config, &config, &every_form);
    }
}
