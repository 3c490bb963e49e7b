//! Byte offsets to lines and columns, for every parser that reports where
//! (config formats, policies). The index is built once per text, so a file
//! with many values costs O(n + k log n), never a rescan per value.

/// A 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(offset)
}

/// Where each line of a text starts, so many offsets convert to lines in
/// O(log n) each (a policy file may hold thousands of entries).
pub struct LineIndex<'t> {
    text: &'t str,
    /// Offsets as `u32`, sized exactly: a file of newlines costs four bytes
    /// a byte, not sixteen (`usize` and doubling). Every text indexed here
    /// is capped far below 4 GiB; a later line would read as the last one.
    starts: Vec<u32>,
}

impl<'t> LineIndex<'t> {
    /// Indexes `text`.
    pub fn new(text: &'t str) -> Self {
        let mut starts = Vec::with_capacity(1 + text.bytes().filter(|&b| b == b'\n').count());
        starts.push(0);
        starts.extend(
            text.match_indices('\n')
                .map_while(|(i, _)| u32::try_from(i + 1).ok()),
        );
        LineIndex { text, starts }
    }

    /// The indexed text.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The 1-based line of `offset` (no column: cheap even on one long line).
    pub fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.starts.partition_point(|&s| s as usize <= offset)
    }

    /// The 1-based line and column (in characters) of `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.starts.partition_point(|&s| s as usize <= offset);
        let start = self.starts[line - 1] as usize;
        (line, self.text[start..offset].chars().count() + 1)
    }

    /// The text of 1-based `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> &'t str {
        let start = self
            .starts
            .get(line - 1)
            .map_or(self.text.len(), |&s| s as usize);
        let end = self
            .starts
            .get(line)
            .map_or(self.text.len(), |&e| e as usize - 1);
        self.text[start..end.max(start)].trim_end_matches('\r')
    }
}

/// The largest char boundary of `text` at or before `i`.
pub(crate) fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
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
    fn line_alone_agrees_with_line_col() {
        let text = "a\n\nbé\nc";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let expect = index.line_col(offset).0;
            assert_eq!(index.line(offset), expect, "offset {offset}");
        }
    }
}
