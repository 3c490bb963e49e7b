//! TOML (Codex `config.toml`) into the document tree, with lines from spans.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::tree::{line_col, FormatError, Node, Value, MAX_DEPTH};

/// Parses TOML text.
pub fn parse(text: &str) -> Result<Node, FormatError> {
    check_depth(text)?;
    let table = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = line_col(text, offset);
        FormatError {
            line,
            column,
            message: "invalid TOML".into(),
        }
    })?;
    Ok(Node::new(1, table_value(text, table.get_ref())))
}

/// Refuses inline arrays/tables nested past [`MAX_DEPTH`] before parsing,
/// so the parser never recurses that deep. Counts brackets outside strings
/// and comments; table headers (`[a.b]`) only ever add one.
fn check_depth(text: &str) -> Result<(), FormatError> {
    let (mut depth, mut quote, mut comment) = (0usize, None::<char>, false);
    for (i, c) in text.char_indices() {
        match (c, quote) {
            ('\n', _) => comment = false,
            _ if comment => {}
            ('#', None) => comment = true,
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('[' | '{', None) => depth += 1,
            (']' | '}', None) => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_DEPTH {
            let (line, column) = line_col(text, i);
            return Err(FormatError {
                line,
                column,
                message: format!("nested deeper than {MAX_DEPTH} levels"),
            });
        }
    }
    Ok(())
}

fn table_value(text: &str, table: &DeTable<'_>) -> Value {
    Value::Object(
        table
            .iter()
            .map(|(k, v)| {
                let line = line_col(text, k.span().start).0;
                (k.get_ref().to_string(), Node::new(line, value(text, v)))
            })
            .collect(),
    )
}

fn value(text: &str, v: &Spanned<DeValue<'_>>) -> Value {
    match v.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => Value::Number(i.to_string()),
        DeValue::Float(f) => Value::Number(f.to_string()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(_) => Value::Null,
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| Node::new(line_col(text, i.span().start).0, value(text, i)))
                .collect(),
        ),
        DeValue::Table(t) => table_value(text, t),
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
    }
}
