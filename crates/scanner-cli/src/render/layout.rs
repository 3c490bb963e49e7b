//! Aligned text columns whose widths are measured from the rows, so long
//! launcher names, paths and versions never overflow into the next column
//! and are never cut.

use std::io::Write;

/// Rows of cells, written with each column as wide as its widest cell.
#[derive(Debug, Default)]
pub struct Columns {
    rows: Vec<Vec<String>>,
}

impl Columns {
    /// Starts with a header row.
    pub fn new(header: &[&str]) -> Self {
        Columns {
            rows: vec![header.iter().map(|h| h.to_string()).collect()],
        }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// Writes every row indented by two spaces; the last column is not padded.
    /// `paint(row, column, padded_cell)` may wrap a cell in colour codes
    /// (after padding, so colours never break the alignment).
    pub fn write(
        &self,
        out: &mut impl Write,
        paint: impl Fn(usize, usize, String) -> String,
    ) -> std::io::Result<()> {
        let count = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..count)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for (i, row) in self.rows.iter().enumerate() {
            let mut line = String::from(" ");
            for (c, cell) in row.iter().enumerate() {
                let text = if c + 1 == row.len() {
                    cell.clone()
                } else {
                    let pad = widths[c] - cell.chars().count();
                    format!("{cell}{}", " ".repeat(pad))
                };
                line.push(' ');
                line.push_str(&paint(i, c, text));
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let mut c = Columns::new(&["A", "B", "C"]);
        c.push(vec![
            "a-very-long-name".into(),
            "1.0.0-beta.1+build".into(),
            "x".into(),
        ]);
        c.push(vec!["é".into(), "2".into(), "y".into()]);
        let mut out = Vec::new();
        c.write(&mut out, |_, _, s| s).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "  a-very-long-name 1.0.0-beta.1+build x");
        assert_eq!(lines[2], "  é                2                  y");
        assert_eq!(lines[0], "  A                B                  C");
    }
}
