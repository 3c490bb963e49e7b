//! Problems found in a policy file, each pointing into the file, and their
//! rendering with line, column, the offending line and a caret.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::lines::{floor_char_boundary, LineIndex};

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// What is wrong, in one line.
    pub message: String,
    /// Byte range in the file the problem is about.
    pub span: Range<usize>,
    /// A short label printed under the caret.
    pub label: String,
    /// What to do about it, when that can be said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem at `span`.
    pub fn new(span: Range<usize>, message: impl Into<String>, label: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            span,
            label: label.into(),
            hint: None,
        }
    }

    /// The same problem with a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The policy file was invalid: every problem found, with the text they point into.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} is not a valid policy: {} problem{}", .path.display(), .diagnostics.len(), if .diagnostics.len() == 1 { "" } else { "s" })]
pub struct InvalidPolicy {
    /// The policy file.
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
    /// Every problem, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl InvalidPolicy {
    /// Renders every problem as `error:` blocks with file:line:col, the line
    /// and a caret under the fault.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let index = LineIndex::new(&self.text);
        for d in &self.diagnostics {
            render_one(&mut out, &self.path, &index, d);
        }
        let n = self.diagnostics.len();
        let _ = writeln!(
            out,
            "error: {} is not a valid policy ({n} problem{})",
            self.path.display(),
            if n == 1 { "" } else { "s" }
        );
        out
    }
}

fn render_one(out: &mut String, path: &Path, index: &LineIndex<'_>, d: &Diagnostic) {
    let text = index.text();
    let (line, col) = index.line_col(d.span.start);
    let line_text = index.line_text(line);
    let width = line.to_string().len();
    let pad = " ".repeat(width);
    let carets = caret_width(text, line_text, &d.span, col);
    let (line_text, col_shown, carets) = window(line_text, col, carets);
    let _ = writeln!(out, "error: {}", d.message);
    let _ = writeln!(out, "{pad}--> {}:{line}:{col}", path.display());
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{line} | {line_text}");
    let _ = writeln!(
        out,
        "{pad} | {}{} {}",
        " ".repeat(col_shown - 1),
        "^".repeat(carets),
        d.label
    );
    if let Some(hint) = &d.hint {
        let _ = writeln!(out, "{pad} = hint: {hint}");
    }
    let _ = writeln!(out);
}

/// Longest stretch of a line shown under a diagnostic.
const SHOWN_CHARS: usize = 100;

/// A line cut to at most [`SHOWN_CHARS`] characters around the fault (a
/// hostile policy may hold a 750 KB line), with the column and caret count
/// adjusted to the cut.
fn window(line_text: &str, col: usize, carets: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line_text.chars().collect();
    if chars.len() <= SHOWN_CHARS {
        return (line_text.to_string(), col, carets);
    }
    let fault = (col - 1).min(chars.len());
    let start = fault.saturating_sub(20);
    let end = (start + SHOWN_CHARS).min(chars.len());
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < chars.len() { "…" } else { "" };
    let shown: String = chars[start..end].iter().collect();
    let col = fault - start + lead.chars().count() + 1;
    let carets = carets.min(end.saturating_sub(fault)).max(1);
    (format!("{lead}{shown}{tail}"), col, carets)
}

/// How many carets: the span's characters on its first line, at least one.
fn caret_width(text: &str, line_text: &str, span: &Range<usize>, col: usize) -> usize {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
    let in_span = text[start..end]
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .count();
    let rest_of_line = line_text.chars().count().saturating_sub(col - 1);
    in_span.min(rest_of_line).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_line_is_cut_around_the_fault() {
        let text = format!("[[rule]]\nserver = \"{}\"\n", "[a-z]".repeat(150_000));
        let err = InvalidPolicy {
            path: "p.toml".into(),
            text,
            diagnostics: vec![Diagnostic::new(18..750_018, "bad glob", "bad glob")],
        };
        let out = err.render();
        assert!(out.len() < 1_000, "{} bytes", out.len());
        assert!(out.contains("2 | server = \"[a-z]"), "{out}");
        assert!(out.contains("…\n"), "{out}");
    }

    #[test]
    fn renders_caret_under_span() {
        let text = "[[rule]]\nactoin = \"block\"\n";
        let err = InvalidPolicy {
            path: "p.toml".into(),
            text: text.into(),
            diagnostics: vec![
                Diagnostic::new(9..15, "unknown key `actoin`", "unknown key")
                    .hint("did you mean `action`?"),
            ],
        };
        let out = err.render();
        assert!(out.contains(" --> p.toml:2:1\n"), "{out}");
        assert!(
            out.contains("2 | actoin = \"block\"\n  | ^^^^^^ unknown key\n"),
            "{out}"
        );
    }
}
