//! Wheel `RECORD` files: the sha256 and size of every installed file, checked
//! against the disk.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::resolve::verify::FileHash;
use crate::resolve::Integrity;

/// One hashed line of a RECORD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// The path as written, relative to site-packages.
    pub path: String,
    /// Its sha256.
    pub sha256: [u8; 32],
    /// Its size, when given.
    pub size: Option<u64>,
}

/// Parses a RECORD (CSV: `path,sha256=<urlsafe b64>,size`). Rows without a
/// hash (RECORD itself, `.pyc` files) are skipped; a malformed hash is an error.
pub fn parse(text: &str) -> Result<Vec<RecordRow>, String> {
    let mut rows = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let fields = split_csv(line);
        let (Some(path), Some(hash)) = (fields.first(), fields.get(1)) else {
            return Err(format!("line {}: expected `path,hash,size`", n + 1));
        };
        if hash.is_empty() {
            continue;
        }
        let digest = hash
            .strip_prefix("sha256=")
            .and_then(|b| URL_SAFE_NO_PAD.decode(b.trim_end_matches('=')).ok())
            .and_then(|d| <[u8; 32]>::try_from(d).ok())
            .ok_or_else(|| format!("line {}: `{hash}` is not a sha256 digest", n + 1))?;
        let size = fields.get(2).and_then(|s| s.parse().ok());
        rows.push(RecordRow {
            path: path.clone(),
            sha256: digest,
            size,
        });
    }
    Ok(rows)
}

/// Splits one CSV line, honouring double quotes.
fn split_csv(line: &str) -> Vec<String> {
    let (mut fields, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// `site/rel`, normalised without touching the disk; `None` when it is
/// absolute or leaves `env` (such a path is never read).
pub fn place(site: &Path, env: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    if rel.has_root() || rel.is_absolute() {
        return None;
    }
    let mut out = site.to_path_buf();
    for part in rel.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    out.starts_with(env).then_some(out)
}

/// Compares each row's expected hash against what was hashed on disk.
pub fn judge(rows: &[(RecordRow, PathBuf)], hashes: &HashMap<PathBuf, FileHash>) -> Integrity {
    let (mut modified, mut missing) = (Vec::new(), Vec::new());
    for (row, path) in rows {
        match hashes.get(path) {
            Some(FileHash::Hashed { size, sha256 }) => {
                let differs = *sha256 != row.sha256 || row.size.is_some_and(|s| s != *size);
                if differs && !pipx_rewritten_shebang(path, row) {
                    modified.push(row.path.clone());
                }
            }
            Some(FileHash::Missing) | None => missing.push(row.path.clone()),
            Some(FileHash::Unreadable(why)) => modified.push(format!("{} ({why})", row.path)),
        }
    }
    if modified.is_empty() && missing.is_empty() {
        return Integrity::Verified;
    }
    Integrity::Mismatch {
        modified,
        missing,
        other: Vec::new(),
    }
}

/// pipx rewrites the shebang of console scripts after install, appending
/// ` -E`; such a script is accepted only if it matches its RECORD hash once
/// exactly that rewrite is undone.
fn pipx_rewritten_shebang(path: &Path, row: &RecordRow) -> bool {
    let mut bytes = Vec::new();
    let read = crate::resolve::confine::open_regular(path)
        .and_then(|f| f.take((1 << 20) + 1).read_to_end(&mut bytes));
    if read.is_err() {
        return false;
    }
    let Some(end) = bytes.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let Some(head) = bytes[..end].strip_suffix(b" -E") else {
        return false;
    };
    if !head.starts_with(b"#!") || bytes.len() > 1 << 20 {
        return false;
    }
    let mut hasher = Sha256::new();
    hasher.update(head);
    hasher.update(&bytes[end..]);
    let digest: [u8; 32] = hasher.finalize().into();
    digest == row.sha256
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_and_skips_unhashed() {
        let text = "six.py,sha256=4NdAOaGT5BWGfDF8IVdAk5Nn6k7tnbfk_6zSsy1cgwA,34549\n\
                    six-1.16.0.dist-info/RECORD,,\n\"a,b.py\",sha256=4NdAOaGT5BWGfDF8IVdAk5Nn6k7tnbfk_6zSsy1cgwA,1\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].size, Some(34549));
        assert_eq!(rows[1].path, "a,b.py");
        assert!(parse("x.py,md5=zz,1").unwrap_err().contains("line 1"));
    }

    #[test]
    fn paths_that_leave_the_environment_are_refused() {
        let env = Path::new("/e");
        let site = Path::new("/e/lib/python3.11/site-packages");
        assert_eq!(
            place(site, env, "../../../bin/tool"),
            Some(PathBuf::from("/e/bin/tool"))
        );
        assert_eq!(place(site, env, "../../../../etc/passwd"), None);
        assert_eq!(place(site, env, "/etc/passwd"), None);
    }
}
