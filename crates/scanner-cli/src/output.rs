//! Where text leaves the program, made safe against what it carries.
//!
//! Server names, package specs, paths and advisory ids come from hostile
//! files: an escape sequence or `\r` in one could erase a line or paint a
//! fake "PASSED" on the user's terminal. Every human-readable stream (the
//! table and Markdown reports, `inventory`, `explain`, and every message on
//! stderr) goes through [`escape_controls`], so control characters arrive
//! as visible escapes (`\e`, `\r`, `\u{202e}`). Machine formats (JSON, SARIF,
//! CycloneDX) escape them by their own grammar.
//!
//! stderr is best effort: a stderr that cannot be written (`2>/dev/full`, a
//! closed pipe) never changes the exit code and never panics.

use std::borrow::Cow;
use std::io::Write;

/// `text` with every control character except newline and tab, and every
/// Unicode bidirectional override, replaced by a visible escape.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\r' => out.push_str("\\r"),
        '\0' => out.push_str("\\0"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// A writer that passes text through [`escape_controls`]. Renderers write
/// whole strings, so a write is valid UTF-8; if it is not, ASCII control
/// bytes are still escaped one by one.
pub struct Escaping<W: Write>(pub W);

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(escape_controls(text).as_bytes())?,
            Err(_) => {
                for &b in buf {
                    let c = b as char;
                    if b < 0x80 && needs_escape(c) {
                        let mut s = String::new();
                        push_escape(&mut s, c);
                        self.0.write_all(s.as_bytes())?;
                    } else {
                        self.0.write_all(&[b])?;
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Writes a message line to stderr, control characters escaped; a failed
/// write is ignored (the exit code carries the outcome).
pub fn message(args: std::fmt::Arguments<'_>) {
    write_stderr(&format!("{args}\n"));
}

/// Writes `text` to stderr as it is (no newline added), control characters
/// escaped; a failed write is ignored.
pub fn write_stderr(text: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(escape_controls(text).as_bytes());
}

/// `eprintln!` that escapes control characters and never panics.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::message(format_args!($($arg)*))
    };
}

/// `e` and its causes joined by `: `, each said once: a cause whose text
/// its error already shows (`{path}: {source}`) is not repeated.
pub fn causes(e: &anyhow::Error) -> String {
    let mut text = String::new();
    let mut previous = String::new();
    for cause in e.chain() {
        let line = cause.to_string();
        if previous.contains(&line) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&line);
        previous = line;
    }
    text
}

/// True when `e` (or a cause of it) is a closed pipe on our output.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(escape_controls("plain\tline\n"), "plain\tline\n");
        assert_eq!(
            escape_controls("x\u{1b}[2K\rPASSED\u{7}"),
            "x\\e[2K\\rPASSED\\x07"
        );
        assert_eq!(escape_controls("a\u{9b}b\u{202e}c"), "a\\u{9b}b\\u{202e}c");
    }

    #[test]
    fn causes_already_shown_are_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        #[derive(Debug)]
        struct Shows(std::io::Error);
        impl std::fmt::Display for Shows {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "/x: {}", self.0)
            }
        }
        impl std::error::Error for Shows {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = anyhow::Error::new(Shows(io)).context("cannot open");
        assert_eq!(causes(&e), "cannot open: /x: gone");
    }

    #[test]
    fn the_writer_escapes_what_it_passes_on() {
        let mut w = Escaping(Vec::new());
        writeln!(w, "name \u{1b}]0;title\u{7} ok").unwrap();
        w.write_all(&[b'\r', 0xff]).unwrap();
        assert_eq!(w.0, b"name \\e]0;title\\x07 ok\n\\r\xff");
    }
}
