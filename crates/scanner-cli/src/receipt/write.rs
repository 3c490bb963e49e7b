//! Writing a receipt: build the statement, sign its PAE, write the envelope
//! to a file and/or as the next entry of a receipt log.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ed25519_dalek::{Signer, SigningKey};
use scanner_core::receipt::{build, pae, Envelope, Invocation, ReceiptInputs, PAYLOAD_TYPE};
use scanner_core::Report;
use sha2::{Digest, Sha256};

use super::keys::key_id;
use super::log;
use crate::baseline::read_capped;

/// Where a scan's receipt goes.
pub struct ReceiptPlan {
    /// The signing key.
    pub key: SigningKey,
    /// `--receipt FILE`.
    pub file: Option<PathBuf>,
    /// `--receipt-log DIR`.
    pub log: Option<PathBuf>,
}

/// Facts of the run besides the report.
pub struct RunFacts<'a> {
    /// The JSON report's bytes.
    pub report_json: &'a [u8],
    /// Config files read.
    pub configs: &'a [PathBuf],
    /// The scanned home folder.
    pub home: &'a Path,
    /// The exit code the scan will have.
    pub exit_code: i32,
}

/// Config files are capped by discovery already; this bound only keeps a
/// file swapped in since from being read whole.
const MAX_CONFIG_BYTES: u64 = 64 << 20;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn config_digests(configs: &[PathBuf]) -> Result<Vec<(String, String)>> {
    configs
        .iter()
        .map(|p| {
            let text = read_capped(p, MAX_CONFIG_BYTES, "config file")?;
            Ok((p.display().to_string(), sha256_hex(text.as_bytes())))
        })
        .collect()
}

/// Signs a statement of `report` and writes it where `plan` says.
pub fn write(plan: &ReceiptPlan, report: &Report, facts: &RunFacts) -> Result<()> {
    let config_files = config_digests(facts.configs)?;
    let inputs = |sequence, previous| ReceiptInputs {
        report_sha256: sha256_hex(facts.report_json),
        time_verified: now_rfc3339(),
        exit_code: facts.exit_code,
        invocation: invocation(),
        config_files: config_files.clone(),
        resource_uri: file_uri(facts.home),
        policy_uri: report.policy.file.as_deref().map(file_uri),
        sequence,
        previous,
    };
    if let Some(file) = &plan.file {
        let bytes = envelope_bytes(&plan.key, report, inputs(None, None))?;
        write_atomic(file, &bytes)?;
    }
    if let Some(dir) = &plan.log {
        let next = log::next(dir)?;
        let bytes = envelope_bytes(
            &plan.key,
            report,
            inputs(Some(next.sequence), next.previous),
        )?;
        write_atomic(&next.path, &bytes)?;
    }
    Ok(())
}

fn envelope_bytes(key: &SigningKey, report: &Report, inputs: ReceiptInputs) -> Result<Vec<u8>> {
    let statement = build(report, inputs);
    let payload = serde_json::to_vec(&statement)?;
    let signature = key.sign(&pae(PAYLOAD_TYPE, &payload));
    let envelope = Envelope::new(
        &payload,
        key_id(&key.verifying_key()),
        &signature.to_bytes(),
    );
    let mut bytes = serde_json::to_vec_pretty(&envelope)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Writes through a temporary file in the same folder, then renames: a
/// reader never sees half a receipt. An existing log entry is never replaced.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    if !dir.is_dir() {
        bail!(
            "receipt {}: folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    crate::atomic_file::replace(path, ".receipt.", |out| out.write_all(bytes))
        .map_err(|(_, e)| e)
        .with_context(|| format!("cannot write receipt {}", path.display()))
}

/// Who runs this, from the environment; CI run ids of the common systems.
fn invocation() -> Invocation {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let user = var("USER").or_else(|| var("USERNAME")).unwrap_or_default();
    let host = var("HOSTNAME")
        .or_else(|| {
            let text = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
            Some(text.trim().to_string())
        })
        .or_else(|| var("COMPUTERNAME"))
        .unwrap_or_default();
    let ci_systems = [
        ("github-actions", "GITHUB_RUN_ID"),
        ("gitlab-ci", "CI_PIPELINE_ID"),
        ("buildkite", "BUILDKITE_BUILD_ID"),
        ("circleci", "CIRCLE_WORKFLOW_ID"),
        ("azure-pipelines", "BUILD_BUILDID"),
        ("jenkins", "BUILD_TAG"),
    ];
    let ci = ci_systems
        .iter()
        .find_map(|(name, key)| Some((name.to_string(), var(key)?)));
    Invocation {
        user,
        host,
        ci: ci.as_ref().map(|c| c.0.clone()),
        ci_run_id: ci.map(|c| c.1),
    }
}

/// `file://` URI of a path (absolute when it can be made so).
fn file_uri(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    crate::render::common::file_uri(&absolute)
}

/// Now, as RFC 3339 UTC (`2026-11-25T19:30:00Z`).
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let date = scanner_core::policy::Date::from_unix_days((secs / 86_400) as i64);
    let rest = secs % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
