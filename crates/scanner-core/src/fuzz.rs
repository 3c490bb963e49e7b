//! Bounded fuzzing of every parser that takes untrusted bytes: client
//! configs (JSON, JSONC, TOML, YAML), policies, OSV records, npm lockfiles
//! and package.json, Python METADATA and RECORD. `cargo fuzz` needs a
//! nightly toolchain; this is its stable stand-in: seeded mutations of real
//! inputs (bit flips, hostile tokens, cuts, repeats), each parser run on
//! every mutant, any panic a failure. CI runs a bounded number of cases;
//! `SUPPLYGATE_FUZZ_CASES=N cargo test --release -p scanner-core fuzz`
//! runs more.

use std::path::Path;

use crate::discover::{parse_document, ConfigLocation, Vars};
use crate::policy::{Date, Policy};

/// Mutants per seed in a plain `cargo test`.
const DEFAULT_CASES: usize = 300;

/// Tokens that have broken parsers before: openers, escapes, control
/// characters, substitutions, path parts, huge numbers.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "\\",
    "\\u",
    "\\ud800",
    ":",
    ",",
    "=",
    "\n",
    "\r",
    "\0",
    "\u{1b}[2J",
    "${",
    "${{",
    "{env:",
    "%",
    "$",
    "@",
    "../",
    "-",
    "#",
    "*",
    "&a",
    "*a",
    "<<: *a",
    "!!binary",
    "[[rule]]",
    "1e999999",
    "-0",
    "0x",
    "\u{feff}",
    "\u{202e}",
    "é",
    "a.b.c.d.e",
    "{a,",
    "[a-z]",
];

/// xorshift64*: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to four random edits of `seed`.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                out.splice(at..at, t.iter().copied());
            }
            2 => {
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(32)).min(out.len());
                let piece = out[at..end].to_vec();
                for _ in 0..rng.below(64) {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            4 => out.truncate(at),
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())].repeat(1 + rng.below(200));
                out.splice(at..at, t.bytes());
            }
        }
    }
    out
}

/// Runs `target` on `cases` mutants of each seed; returns how many ran.
/// With `SUPPLYGATE_FUZZ_LAST=FILE` each input is written to FILE before it
/// runs: a stack overflow aborts the process without a panic message, and
/// FILE then holds the input that caused it.
fn fuzz(seeds: &[&[u8]], cases: usize, salt: u64, target: &mut dyn FnMut(&[u8])) -> usize {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ salt);
    let last = std::env::var_os("SUPPLYGATE_FUZZ_LAST");
    let mut run = |input: &[u8]| {
        if let Some(file) = &last {
            std::fs::write(file, input).expect("write SUPPLYGATE_FUZZ_LAST");
        }
        target(input);
    };
    let mut runs = 0;
    for seed in seeds {
        run(seed);
        for _ in 0..cases {
            run(&mutate(seed, &mut rng));
            runs += 1;
        }
    }
    runs
}

fn cases() -> usize {
    std::env::var("SUPPLYGATE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn fixture(rel: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const JSON: &str = r#"{"mcpServers":{"a":{"command":"npx","args":["-y","@s/a@1.2.3","--token","${TOKEN}"],"env":{"DATABASE_URL":"postgres://u:p4ssw0rd@h/db"}},"r":{"url":"https://u:pw@h/mcp","headers":{"Authorization":"Bearer x"}}}}"#;
const JSONC: &str = "// c\n{\n  /* b */ \"servers\": {\"a\": {\"command\": \"uvx\", \"args\": [\"mcp-server-fetch==1.0\",],},},\n}\n";
const TOML: &str = "[mcp_servers.fetch]\ncommand = \"uvx\"\nargs = [\"mcp-server-fetch\"]\nenv = { K = \"v\" }\n[mcp_servers.b]\nurl = \"http://h/x\"\n";
const YAML: &str = "extensions:\n  fetch:\n    cmd: uvx\n    args: [mcp-server-fetch]\n    envs: {K: v}\n    enabled: true\nbase: &a {x: 1}\nmore:\n  <<: *a\n";
const POLICY: &str = "[[rule]]\naction = \"block\"\npackage = \"{a,b}*\"\nserver = \"f?tch\"\nseverity = [\"critical\"]\n\n[[exception]]\nid = \"GHSA-1234-5678-9abc\"\nreason = \"x\"\nexpires = \"2030-01-01\"\n\n[server.fetch]\nowner = \"me\"\npin = \"exact\"\n";
const OSV: &str = r#"{"id":"MAL-2025-1","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"chalk"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"5.6.2"}]}],"versions":["5.6.1"]}],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}"#;
const METADATA: &str = "Metadata-Version: 2.1\nName: mcp-server-fetch\nVersion: 1.0\nRequires-Dist: httpx (>=0.27)\nRequires-Dist: pywin32; sys_platform == \"win32\"\n\nBody text\n";
const RECORD: &str = "pkg/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n\"pkg/a,b.py\",sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\npkg-1.0.dist-info/RECORD,,\n";
const LOCK: &str = r#"{"name":"p","lockfileVersion":3,"packages":{"":{"dependencies":{"chalk":"5.6.1"}},"node_modules/chalk":{"version":"5.6.1","integrity":"sha512-abc=","resolved":"https://r/chalk.tgz"},"node_modules/a/node_modules/b":{"version":"1.0.0"}}}"#;
const PACKAGE_JSON: &str = r#"{"name":"chalk","version":"5.6.1","dependencies":{"a":"^1"},"optionalDependencies":{"b":"2"},"scripts":{"postinstall":"x"},"bin":{"c":"c.js"}}"#;

#[test]
fn fuzz_config_formats() {
    let mut runs = 0;
    for (name, seed) in [
        ("mcp.json", JSON),
        ("mcp.jsonc", JSONC),
        ("config.toml", TOML),
        ("config.yaml", YAML),
    ] {
        let location = ConfigLocation::explicit(name.into());
        runs += fuzz(&[seed.as_bytes()], cases(), runs as u64, &mut |b| {
            let _ = parse_document(&text(b), &location, &Vars::default());
        });
    }
    eprintln!("config formats: {runs} mutants");
}

#[test]
fn fuzz_policies() {
    let today: Date = "2026-01-01".parse().unwrap();
    let runs = fuzz(&[POLICY.as_bytes()], cases(), 7, &mut |b| {
        let _ = Policy::check(&text(b), Path::new("p.toml"), today);
    });
    eprintln!("policies: {runs} mutants");
}

#[test]
fn fuzz_osv_records() {
    let real = fixture("osv/npm/MAL-2022-3.json");
    let runs = fuzz(&[OSV.as_bytes(), &real], cases(), 11, &mut |b| {
        if let Ok(v) = advisories_cache::Vulnerability::from_json(&text(b)) {
            let _ = advisories_cache::check_id(&v.id);
            let _ = advisories_cache::rfc3339_key(&v.modified);
            let _ = v.package_keys();
        }
    });
    eprintln!("OSV records: {runs} mutants");
}

#[test]
fn fuzz_python_metadata_and_record() {
    let mut runs = fuzz(&[METADATA.as_bytes()], cases(), 13, &mut |b| {
        crate::resolve::fuzz_targets::metadata(&text(b));
    });
    runs += fuzz(&[RECORD.as_bytes()], cases(), 17, &mut |b| {
        crate::resolve::fuzz_targets::record(&text(b));
    });
    eprintln!("METADATA and RECORD: {runs} mutants");
}

#[test]
fn fuzz_npm_lockfile_and_package_json() {
    let mut runs = fuzz(&[LOCK.as_bytes()], cases(), 19, &mut |b| {
        crate::resolve::fuzz_targets::lockfile(&text(b));
    });
    let dir = tempfile::tempdir().unwrap();
    runs += fuzz(&[PACKAGE_JSON.as_bytes()], cases(), 23, &mut |b| {
        std::fs::write(dir.path().join("package.json"), b).unwrap();
        crate::resolve::fuzz_targets::package_json(dir.path());
    });
    eprintln!("lockfiles and package.json: {runs} mutants");
}
