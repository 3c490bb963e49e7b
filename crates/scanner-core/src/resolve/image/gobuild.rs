//! Go build information embedded in a binary (what `go version -m` prints):
//! the toolchain version and the module list, found by the `.go.buildinfo`
//! magic rather than by parsing ELF/Mach-O/PE sections, so one streaming
//! pass over the file serves every format.
//!
//! Written by hand: the format (Go 1.18+, `debug/buildinfo`) is a 32-byte
//! header and two length-prefixed strings; no Rust crate reads it.

use std::io::Read;

const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// Inline strings (Go 1.18+); older binaries point into the data segment.
const FLAG_INLINE: u8 = 0x2;
/// Bytes kept after the magic: header plus version plus module list.
const WINDOW: usize = 1 << 20;
const CHUNK: usize = 1 << 20;

/// What a Go binary says it was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    /// The toolchain, e.g. `go1.22.3`: the standard library's version.
    pub go_version: String,
    /// The main module's path (`path` line).
    pub path: String,
    /// The main module and every dependency, replacements applied:
    /// (module path, version).
    pub modules: Vec<(String, String)>,
}

/// Is this the start of an executable format Go writes (ELF, Mach-O, PE)?
pub fn is_native(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
        || head.starts_with(b"MZ")
        || [
            [0xfe, 0xed, 0xfa, 0xce],
            [0xfe, 0xed, 0xfa, 0xcf],
            [0xce, 0xfa, 0xed, 0xfe],
            [0xcf, 0xfa, 0xed, 0xfe],
        ]
        .iter()
        .any(|m| head.starts_with(m))
}

/// Streams `reader` looking for build info: `Ok(None)` when the binary is
/// not a Go binary, `Err` when it is one whose build info cannot be read.
pub fn scan(reader: &mut impl Read) -> Result<Option<BuildInfo>, String> {
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK * 2);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = read_some(reader, &mut chunk)?;
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = find(&buf) {
            let mut window = buf.split_off(at);
            while window.len() < WINDOW {
                let n = read_some(reader, &mut chunk)?;
                if n == 0 {
                    break;
                }
                window.extend_from_slice(&chunk[..n]);
            }
            return parse(&window).map(Some);
        }
        if n == 0 {
            return Ok(None);
        }
        // Keep a magic-sized tail: the magic may straddle two chunks.
        let keep = buf.len().saturating_sub(MAGIC.len() - 1);
        buf.drain(..keep);
    }
}

fn read_some(reader: &mut impl Read, chunk: &mut [u8]) -> Result<usize, String> {
    loop {
        match reader.read(chunk) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other.map_err(|e| e.to_string()),
        }
    }
}

fn find(buf: &[u8]) -> Option<usize> {
    buf.windows(MAGIC.len()).position(|w| w == MAGIC)
}

/// Parses the header and strings that start at the magic.
pub fn parse(data: &[u8]) -> Result<BuildInfo, String> {
    if data.len() < 32 || &data[..14] != MAGIC {
        return Err("truncated Go build info".into());
    }
    if data[15] & FLAG_INLINE == 0 {
        return Err("Go build info in the pre-Go 1.18 format is not read".into());
    }
    let mut rest = &data[32..];
    let version = take_string(&mut rest).ok_or("Go build info: bad version string")?;
    let modinfo = take_string(&mut rest).ok_or("Go build info: bad module list")?;
    let go_version = version.split_whitespace().next().unwrap_or("").to_string();
    let (path, modules) = parse_modinfo(strip_sentinels(&modinfo));
    Ok(BuildInfo {
        go_version,
        path,
        modules,
    })
}

fn take_string(rest: &mut &[u8]) -> Option<String> {
    let (len, used) = uvarint(rest)?;
    let len = usize::try_from(len).ok()?;
    let end = used.checked_add(len)?;
    let bytes = rest.get(used..end)?;
    *rest = &rest[end..];
    Some(String::from_utf8_lossy(bytes).into_owned())
}

fn uvarint(data: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, b) in data.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// The module list is wrapped in 16-byte sentinels.
fn strip_sentinels(text: &str) -> &str {
    let b = text.as_bytes();
    if b.len() >= 33 && b[b.len() - 17] == b'\n' {
        text.get(16..b.len() - 16).unwrap_or(text)
    } else {
        text
    }
}

/// `path`, `mod`, `dep` and `=>` (replacement of the line above) lines.
fn parse_modinfo(text: &str) -> (String, Vec<(String, String)>) {
    let mut path = String::new();
    let mut modules: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["path", p, ..] => path = p.to_string(),
            ["mod" | "dep", p, v, ..] => modules.push((p.to_string(), v.to_string())),
            // A replacement by a local folder has no version: the module
            // keeps its required version, which is what advisories name.
            ["=>", p, v, ..] if !v.is_empty() => {
                if let Some(last) = modules.last_mut() {
                    *last = (p.to_string(), v.to_string());
                }
            }
            _ => {}
        }
    }
    (path, modules)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Build info as a Go 1.18+ linker writes it (magic, header, strings).
    pub(in crate::resolve::image) fn blob(version: &str, modinfo: &str) -> Vec<u8> {
        let mut data = MAGIC.to_vec();
        data.extend([8, FLAG_INLINE]);
        data.resize(32, 0);
        for s in [version, modinfo] {
            let mut n = s.len();
            while n >= 0x80 {
                data.push((n as u8) | 0x80);
                n >>= 7;
            }
            data.push(n as u8);
            data.extend(s.as_bytes());
        }
        data
    }

    #[test]
    fn reads_modules_with_replacements() {
        let modinfo = "0123456789abcdefpath\texample.com/x\nmod\texample.com/x\t(devel)\t\ndep\tgolang.org/x/net\tv0.1.0\th1:x\n=>\tgolang.org/x/net\tv0.2.0\th1:y\n0123456789abcdef";
        let mut bytes = b"\x7fELF junk".to_vec();
        bytes.extend(blob("go1.22.3", modinfo));
        let info = scan(&mut bytes.as_slice()).unwrap().unwrap();
        assert_eq!(info.go_version, "go1.22.3");
        assert_eq!(info.path, "example.com/x");
        assert_eq!(
            info.modules[1],
            ("golang.org/x/net".into(), "v0.2.0".into())
        );
    }

    #[test]
    fn a_non_go_binary_has_none() {
        assert_eq!(scan(&mut &b"\x7fELF nothing here"[..]).unwrap(), None);
    }
}
