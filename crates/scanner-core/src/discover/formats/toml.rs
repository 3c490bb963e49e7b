//! TOML (Codex `config.toml`) into the document tree, with lines from spans.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::tree::{max_values, too_many_values, FormatError, Node, Value, MAX_DEPTH};
use crate::lines::LineIndex;

/// Parses TOML text.
pub fn parse(text: &str) -> Result<Node, FormatError> {
    let lines = LineIndex::new(text);
    check_depth(text, &lines)?;
    let table = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = lines.line_col(offset);
        FormatError {
            line,
            column,
            // The parser's reason, once ("invalid TOML" is said by the caller).
            message: e.message().trim().to_string(),
        }
    })?;
    Ok(Node::new(1, table_value(&lines, table.get_ref())))
}

/// Refuses inline arrays/tables nested past [`MAX_DEPTH`], keys of more
/// than [`MAX_DEPTH`] dotted parts and documents of more values than
/// [`max_values`] allows, before parsing, so the parser never recurses that
/// deep (its own limit is reported without a place) and never builds its
/// spanned tree (about 150 bytes a value) for millions of values. Counts
/// brackets, dots, `=` and `,` outside strings and comments; table headers
/// (`[a.b]`) only ever add one bracket. A value's dots (`1.5`) end at `,` or
/// a bracket. Every value follows a `=`, a `,` or a `[`, and every implicit
/// table a `.` or a `[`, so their count bounds the values from above.
fn check_depth(text: &str, lines: &LineIndex<'_>) -> Result<(), FormatError> {
    let (mut depth, mut dots, mut quote, mut comment) = (0usize, 0usize, None::<char>, false);
    let (mut escaped, mut values, budget) = (false, 0usize, max_values(text.len()));
    for (i, c) in text.char_indices() {
        match (c, quote) {
            _ if escaped => escaped = false,
            ('\\', Some('"')) => escaped = true,
            ('\n', _) => (comment, dots) = (false, 0),
            _ if comment => {}
            ('#', None) => comment = true,
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            (_, Some(_)) => {}
            ('[' | '{', None) => (depth, dots, values) = (depth + 1, 0, values + 1),
            (']' | '}', None) => (depth, dots) = (depth.saturating_sub(1), 0),
            ('=' | ',', None) => (dots, values) = (0, values + 1),
            ('.', None) => (dots, values) = (dots + 1, values + 1),
            _ => {}
        }
        let (line, column) = if depth > MAX_DEPTH || dots >= MAX_DEPTH || values > budget {
            lines.line_col(i)
        } else {
            continue;
        };
        return Err(if values > budget {
            too_many_values(budget, line, column)
        } else {
            FormatError {
                line,
                column,
                message: if depth > MAX_DEPTH {
                    format!("nested deeper than {MAX_DEPTH} levels")
                } else {
                    format!("a key of more than {MAX_DEPTH} dotted parts")
                },
            }
        });
    }
    Ok(())
}

fn table_value(lines: &LineIndex<'_>, table: &DeTable<'_>) -> Value {
    Value::Object(
        table
            .iter()
            .map(|(k, v)| {
                let line = lines.line(k.span().start);
                (k.get_ref().to_string(), Node::new(line, value(lines, v)))
            })
            .collect(),
    )
}

fn value(lines: &LineIndex<'_>, v: &Spanned<DeValue<'_>>) -> Value {
    match v.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => Value::Number(i.to_string()),
        DeValue::Float(f) => Value::Number(f.to_string()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(_) => Value::Null,
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| Node::new(lines.line(i.span().start), value(lines, i)))
                .collect(),
        ),
        DeValue::Table(t) => table_value(lines, t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_tables_with_lines() {
        let text = "model = \"x\"\n\n[mcp_servers.fetch]\ncommand = \"uvx\"\nargs = [\"mcp-server-fetch\"]\n";
        let n = parse(text).unwrap();
        let fetch = n.get("mcp_servers").unwrap().get("fetch").unwrap();
        assert_eq!(fetch.line, 3);
        assert_eq!(
            fetch.get("args").unwrap().items()[0].as_str(),
            Some("mcp-server-fetch")
        );
    }

    #[test]
    fn deep_and_invalid_toml_are_errors() {
        let deep = format!("a = {}", "[".repeat(10_000));
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
        let err = parse("a = \n[x").unwrap_err();
        assert!(err.line >= 1);
        // A key of 1,000 dotted parts is reported on its line, not at 1:1.
        let dotted = format!(
            "[x]\ncommand = \"npx\"\n{} = 1\n",
            vec!["a"; 1000].join(".")
        );
        let err = parse(&dotted).unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
        assert!(err.message.contains("dotted parts"), "{err:?}");
        let floats = format!("a = [{}]\n", vec!["1.5"; 500].join(", "));
        assert!(parse(&floats).is_ok());
        assert!(parse("[a.b.c]\nx.y = 1.5\n").is_ok());
    }
}
