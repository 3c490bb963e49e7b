//! Ed25519 keys for receipts: PKCS#8 PEM private key (mode 0600), SPKI PEM
//! public key. Key material is never printed, nor put in an error message.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::baseline::read_capped;

/// A PEM key file is a few hundred bytes; anything larger is not one.
const MAX_KEY_BYTES: u64 = 64 << 10;

/// The key id written in envelopes: hex SHA-256 of the raw public key.
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Writes a new key pair into `dir` (created if missing); refuses to
/// replace an existing key.
pub fn keygen(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (private, public) = (dir.join("supplygate.key"), dir.join("supplygate.pub"));
    for path in [&private, &public] {
        if path.exists() {
            bail!(
                "{} already exists; a key is never replaced\nhint: choose another --out folder, or move the old key away first",
                path.display()
            );
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|_| anyhow::anyhow!("cannot encode the private key"))?;
    write_new(&private, pem.as_bytes(), 0o600)?;
    let public_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|_| anyhow::anyhow!("cannot encode the public key"))?;
    write_new(&public, public_pem.as_bytes(), 0o644)?;
    Ok((private, public))
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Loads the signing key; warns when others can read the file.
pub fn load_signing(path: &Path) -> Result<SigningKey> {
    let text = read_capped(path, MAX_KEY_BYTES, "signing key")?;
    warn_if_shared(path);
    SigningKey::from_pkcs8_pem(&text).map_err(|_| {
        anyhow::anyhow!(
            "signing key {}: not an Ed25519 PKCS#8 PEM private key\nhint: create one with `supplygate receipt keygen --out DIR`",
            path.display()
        )
    })
}

/// Loads a public key (SPKI PEM).
pub fn load_public(path: &Path) -> Result<VerifyingKey> {
    let text = read_capped(path, MAX_KEY_BYTES, "public key")?;
    VerifyingKey::from_public_key_pem(&text).map_err(|_| {
        anyhow::anyhow!(
            "public key {}: not an Ed25519 SPKI PEM public key (the `supplygate.pub` that `receipt keygen` wrote)",
            path.display()
        )
    })
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: signing key {} can be read by other users (mode {mode:04o})\nhint: chmod 600 {}",
                path.display(),
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}
