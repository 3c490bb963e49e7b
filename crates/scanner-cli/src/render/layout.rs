//! Aligned text columns whose widths are measured from the rows, so long
//! launcher names, paths and versions never overflow into the next column
//! and are never cut.

use std::io::Write;

use crate::output::{escape_controls, Colour, Styled};

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

    /// Adds a row. Its cells are escaped now (control characters from
    /// hostile files become visible escapes), so widths are measured on what
    /// is shown.
    pub fn push(&mut self, row: Vec<String>) {
        let row = row
            .into_iter()
            .map(|cell| escape_controls(&cell).into_owned())
            .collect();
        self.rows.push(row);
    }

    /// Writes every row indented by two spaces; the last column is not padded.
    /// `colour(row, column)` may colour a cell (after padding, so colours
    /// never break the alignment).
    pub fn write<W: Write>(
        &self,
        out: &mut Styled<W>,
        colour: impl Fn(usize, usize) -> Option<Colour>,
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
            // Trailing empty cells and the last cell's padding are not written.
            let Some(last) = row.iter().rposition(|cell| !cell.is_empty()) else {
                writeln!(out)?;
                continue;
            };
            write!(out, " ")?;
            for (c, cell) in row.iter().enumerate().take(last + 1) {
                let pad = if c == last {
                    0
                } else {
                    widths[c] - cell.chars().count()
                };
                write!(out, " ")?;
                out.paint(colour(i, c), cell)?;
                write!(out, "{}", " ".repeat(pad))?;
            }
            writeln!(out)?;
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
        c.push(vec!["\u{1b}[2J".into(), "".into(), "".into()]);
        let mut out = Styled::new(Vec::new(), false);
        c.write(&mut out, |_, _| None).unwrap();
        let text = String::from_utf8(out.into_inner()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "  a-very-long-name 1.0.0-beta.1+build x");
        assert_eq!(lines[2], "  é                2                  y");
        assert_eq!(lines[0], "  A                B                  C");
        assert_eq!(lines[3], "  \\e[2J");
    }
}
