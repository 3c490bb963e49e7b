//! Receipts: `receipt keygen`, `scan --receipt/--receipt-log`, `receipt
//! verify` (signatures, chain, drift), an independent DSSE check in Python,
//! key hygiene, and what receipts and baselines cost.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use crate::baseline::{copy_home, set_urllib3};
use crate::support::{imported_store, stderr, stdout, Cmd};

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    home: PathBuf,
    db: tempfile::TempDir,
    key: PathBuf,
    public: PathBuf,
    outputs: Vec<String>,
}

impl Setup {
    fn new() -> Setup {
        let (dir, home) = copy_home("affected");
        let keys = dir.path().join("keys");
        let out = Cmd::receipt("keygen").opt("--out", &keys).run();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let outputs = vec![stdout(&out), stderr(&out)];
        Setup {
            dir: dir.path().to_path_buf(),
            _dir: dir,
            home,
            db: imported_store(),
            key: keys.join("supplygate.key"),
            public: keys.join("supplygate.pub"),
            outputs,
        }
    }

    fn keep(&mut self, out: Output) -> Output {
        self.outputs.push(stdout(&out));
        self.outputs.push(stderr(&out));
        out
    }

    /// An offline scan of the home copy, no signing key given.
    fn unsigned_scan(&self) -> Cmd {
        Cmd::scan().db(self.db.path()).offline().home(&self.home)
    }

    fn scan(&mut self, extra: &[&str]) -> Output {
        let out = self
            .unsigned_scan()
            .opt("--signing-key", &self.key)
            .args(extra)
            .run();
        self.keep(out)
    }

    fn verify(&mut self, target: &Path, key: &Path, extra: &[&str]) -> (i32, String) {
        let out = Cmd::receipt("verify")
            .arg(target)
            .opt("--key", key)
            .args(extra)
            .run();
        let out = self.keep(out);
        (out.status.code().unwrap(), stdout(&out) + &stderr(&out))
    }

    fn receipt(&mut self, name: &str) -> PathBuf {
        let path = self.dir.join(name);
        let out = self.scan(&["--receipt", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        path
    }
}

fn envelope(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
#[cfg(unix)]
fn keygen_writes_a_private_pkcs8_key_and_never_replaces_one() {
    let mut s = Setup::new();
    assert_eq!(mode(&s.key), 0o600);
    let key = std::fs::read_to_string(&s.key).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    let public = std::fs::read_to_string(&s.public).unwrap();
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
    let keys = s.key.parent().unwrap().to_path_buf();
    let out = Cmd::receipt("keygen").opt("--out", &keys).run();
    let out = s.keep(out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&s.key).unwrap(), key);
}

#[test]
fn a_receipt_verifies_and_any_tampering_fails() {
    let mut s = Setup::new();
    let receipt = s.receipt("r.json");
    let (public, r) = (s.public.clone(), receipt.clone());
    let (code, out) = s.verify(&r, &public, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("VALID"), "{out}");

    // The statement: an in-toto v1 VSA with one subject per server tree and config file.
    let env = envelope(&receipt);
    assert_eq!(env["payloadType"], "application/vnd.in-toto+json");
    let payload = STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
    let statement: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        statement["predicateType"],
        "https://slsa.dev/verification_summary/v1"
    );
    let names: Vec<&str> = statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"cursor/user/gdrive") && names.contains(&"vscode/user/fetch"));
    assert_eq!(names.iter().filter(|n| n.starts_with("config:")).count(), 2);
    let p = &statement["predicate"];
    assert_eq!(p["verificationResult"], "PASSED");
    let ours = &p["https://example.invalid/supplygate/receipt/v1"];
    assert_eq!(ours["decisions"]["warn"], 4);
    assert_eq!(ours["reportSha256"].as_str().unwrap().len(), 64);

    // One byte of the payload.
    let mut edited = payload.clone();
    let at = edited.iter().position(|&b| b == b'4').unwrap();
    edited[at] = b'5';
    let mut bad = env.clone();
    bad["payload"] = Value::String(STANDARD.encode(&edited));
    let path = s.dir.join("payload.json");
    write_json(&path, &bad);
    let (code, out) = s.verify(&path, &public, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no signature verifies"), "{out}");

    // One byte of the signature.
    let mut sig = STANDARD
        .decode(env["signatures"][0]["sig"].as_str().unwrap())
        .unwrap();
    sig[10] ^= 1;
    let mut bad = env.clone();
    bad["signatures"][0]["sig"] = Value::String(STANDARD.encode(&sig));
    let path = s.dir.join("sig.json");
    write_json(&path, &bad);
    assert_eq!(s.verify(&path, &public, &[]).0, 1);

    // Another key.
    let other = s.dir.join("other");
    let out = Cmd::receipt("keygen").opt("--out", &other).run();
    s.keep(out);
    let (code, out) = s.verify(&r, &other.join("supplygate.pub"), &[]);
    assert_eq!(code, 1, "{out}");

    // Bad input is exit 2.
    let key = s.key.clone();
    assert_eq!(
        s.verify(&r, &key, &[]).0,
        2,
        "a private key is not a public key"
    );
    assert_eq!(s.verify(&s.dir.join("none.json"), &public, &[]).0, 2);
}

#[test]
fn a_log_names_the_removed_receipt() {
    let mut s = Setup::new();
    let log = s.dir.join("log");
    for _ in 0..3 {
        let out = s.scan(&["--receipt-log", log.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let public = s.public.clone();
    let (code, out) = s.verify(&log, &public, &[]);
    assert_eq!(code, 0, "{out}");
    std::fs::remove_file(log.join("000002.intoto.json")).unwrap();
    let (code, out) = s.verify(&log, &public, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("receipt 000002.intoto.json missing"), "{out}");

    // Renumbering the last one to close the gap breaks the chain instead.
    std::fs::rename(
        log.join("000003.intoto.json"),
        log.join("000002.intoto.json"),
    )
    .unwrap();
    let (code, out) = s.verify(&log, &public, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("000002.intoto.json says it is receipt 3"),
        "{out}"
    );
    assert!(out.contains("does not chain to"), "{out}");
}

#[test]
fn a_package_changed_after_the_receipt_is_drift() {
    let mut s = Setup::new();
    let receipt = s.receipt("r.json");
    let (public, home) = (s.public.clone(), s.home.clone());
    let home = home.to_str().unwrap().to_string();
    let (code, out) = s.verify(&receipt, &public, &["--home", &home]);
    assert_eq!(code, 0, "{out}");
    set_urllib3(&s.home, "2.2.1", "2.2.2");
    let (code, out) = s.verify(&receipt, &public, &["--home", &home]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("DRIFT server vscode/user/fetch: tree changed: urllib3 2.2.1 → 2.2.2"),
        "{out}"
    );
    assert!(!out.contains("gdrive"), "{out}");
}

#[test]
fn python_cryptography_verifies_the_envelope_independently() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("SKIPPED: python3 is not installed, so the independent DSSE check cannot run");
        return;
    }
    let mut s = Setup::new();
    let receipt = s.receipt("r.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/dsse_verify.py");
    let check = |envelope: &Path| {
        Command::new("python3")
            .arg(&script)
            .arg(envelope)
            .arg(&s.public)
            .output()
            .unwrap()
    };
    let out = check(&receipt);
    assert_ne!(
        out.status.code(),
        Some(3),
        "python3 has no `cryptography` package: run `python3 -m pip install cryptography` (.ci/run does): {}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out)
        .starts_with("https://in-toto.io/Statement/v1 https://slsa.dev/verification_summary/v1"));
    let mut env = envelope(&receipt);
    let payload = STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
    let edited: Vec<u8> = payload
        .iter()
        .map(|&b| if b == b'P' { b'Q' } else { b })
        .collect();
    env["payload"] = Value::String(STANDARD.encode(edited));
    let bad = s.dir.join("bad.json");
    write_json(&bad, &env);
    assert_eq!(check(&bad).status.code(), Some(1));
}

#[test]
fn the_private_key_is_never_printed_and_a_shared_key_is_warned_about() {
    let mut s = Setup::new();
    let log = s.dir.join("log");
    let log = log.to_str().unwrap().to_string();
    let receipt = s.receipt("r.json");
    for format in ["table", "json", "markdown", "sarif"] {
        s.scan(&["--receipt-log", &log, "--format", format]);
    }
    let (public, r) = (s.public.clone(), receipt.clone());
    s.verify(&r, &public, &[]);
    // A key given through the environment, and a broken key: neither is echoed.
    let logged = s.unsigned_scan().opt("--receipt-log", &log);
    let out = logged.clone().env("SUPPLYGATE_SIGNING_KEY", &s.key).run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    s.keep(out);
    let key_text = std::fs::read_to_string(&s.key).unwrap();
    let broken = s.dir.join("broken.key");
    std::fs::write(&broken, key_text.replace("PRIVATE KEY", "PRIVATE  KEY")).unwrap();
    let out = logged.clone().env("SUPPLYGATE_SIGNING_KEY", &broken).run();
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    s.keep(out);
    let out = logged.run();
    assert_eq!(
        out.status.code(),
        Some(2),
        "no signing key: {}",
        stderr(&out)
    );
    s.keep(out);

    let secret: Vec<&str> = key_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(!secret.is_empty());
    let receipts = std::fs::read_to_string(&receipt).unwrap();
    for text in s.outputs.iter().chain([&receipts]) {
        for line in &secret {
            assert!(
                !text.contains(line),
                "private key material in output: {text}"
            );
        }
    }

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&s.key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = s.scan(&["--receipt", s.dir.join("r2.json").to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0));
        let err = stderr(&out);
        assert!(
            err.contains("can be read by other users (mode 0644)"),
            "{err}"
        );
        assert!(err.contains("chmod 600"), "{err}");
    }
}

#[test]
fn cost_of_baseline_and_receipt_against_a_plain_scan() {
    let mut s = Setup::new();
    let base = s.dir.join("base.json");
    let out = s.scan(&["--format", "json"]);
    std::fs::write(&base, &out.stdout).unwrap();
    let log = s.dir.join("log");
    let full_args = [
        "--format",
        "json",
        "--baseline",
        base.to_str().unwrap(),
        "--receipt-log",
        log.to_str().unwrap(),
    ];
    // Interleaved, so load from other tests running at the same time falls
    // on both sides alike.
    let (mut plain, mut full) = (0.0, 0.0);
    for _ in 0..5 {
        for (extra, total) in [(&full_args[..2], &mut plain), (&full_args[..], &mut full)] {
            let start = Instant::now();
            let out = s.scan(extra);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            *total += start.elapsed().as_secs_f64();
        }
    }
    let ratio = full / plain;
    eprintln!(
        "scan with --baseline and --receipt-log / plain scan, 5 interleaved runs each: {ratio:.2}x"
    );
    // A bound against gross regressions only: parallel tests make timings noisy.
    assert!(
        ratio < 10.0,
        "baseline + receipt made the scan {ratio:.2}x slower"
    );
}
