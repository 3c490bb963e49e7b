//! Problems found in a policy file, each pointing into the file, and their
//! rendering with line, column, the offending line and a caret.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

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

/// A 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(offset)
}

/// Where each line of a text starts, so many offsets convert to lines in
/// O(log n) each (a policy file may hold thousands of entries).
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// Indexes `text`.
    pub fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// The 1-based line and column (in characters) of `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }

    /// The text of 1-based `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> &'t str {
        let start = self
            .starts
            .get(line - 1)
            .copied()
            .unwrap_or(self.text.len());
        let end = self.starts.get(line).map_or(self.text.len(), |e| e - 1);
        self.text[start..end.max(start)].trim_end_matches('\r')
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
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
    let text = index.text;
    let (line, col) = index.line_col(d.span.start);
    let line_text = index.line_text(line);
    let width = line.to_string().len();
    let pad = " ".repeat(width);
    let carets = caret_width(text, line_text, &d.span, col);
    let _ = writeln!(out, "error: {}", d.message);
    let _ = writeln!(out, "{pad}--> {}:{line}:{col}", path.display());
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{line} | {line_text}");
    let _ = writeln!(
        out,
        "{pad} | {}{} {}",
        " ".repeat(col - 1),
        "^".repeat(carets),
        d.label
    );
    if let Some(hint) = &d.hint {
        let _ = writeln!(out, "{pad} = hint: {hint}");
    }
    let _ = writeln!(out);
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
    fn line_and_column_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        let x = text.find("\"x").unwrap();
        assert_eq!(line_col(text, x), (2, 6));
        assert_eq!(line_col(text, 10_000), (3, 1));
    }

    #[test]
    fn line_index_agrees_with_counting_newlines() {
        let text = "a = 1\r\nbé = \"x\"\n\n[[rule]]\nlast";
        let index = LineIndex::new(text);
        for offset in (0..=text.len()).filter(|i| text.is_char_boundary(*i)) {
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let col = text[start..offset].chars().count() + 1;
            assert_eq!(index.line_col(offset), (line, col), "offset {offset}");
        }
        assert_eq!(index.line_text(1), "a = 1");
        assert_eq!(index.line_text(3), "");
        assert_eq!(index.line_text(5), "last");
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
