//! YAML (Goose, Continue) into the document tree, built from parser events
//! so nesting is capped and aliases are never expanded (no "billion laughs").

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::tree::{FormatError, Node, Value, MAX_DEPTH};

/// Parses the first YAML document of `text`.
pub fn parse(text: &str) -> Result<Node, FormatError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    let result = parser.load(&mut builder, false);
    if let Some(e) = builder.error {
        return Err(e);
    }
    result.map_err(|e| FormatError {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: if e.info().contains("recursion limit") {
            format!("nested deeper than {MAX_DEPTH} levels")
        } else {
            e.info().to_string()
        },
    })?;
    Ok(builder.root.unwrap_or(Node::new(1, Value::Null)))
}

#[derive(Default)]
struct Builder {
    /// Open containers; for maps, a pending key.
    stack: Vec<(Node, Option<(String, usize)>)>,
    root: Option<Node>,
    error: Option<FormatError>,
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() || self.root.is_some() {
            return;
        }
        let line = mark.line();
        match ev {
            Event::MappingStart(..) => self.open(Node::new(line, Value::Object(Vec::new())), mark),
            Event::SequenceStart(..) => self.open(Node::new(line, Value::Array(Vec::new())), mark),
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.push(node);
                }
            }
            Event::Scalar(s, style, _, _) => self.push(Node::new(line, scalar(s, style))),
            Event::Alias(_) => self.push(Node::new(line, Value::Null)),
            _ => {}
        }
    }
}

impl Builder {
    fn open(&mut self, node: Node, mark: Marker) {
        if self.stack.len() >= MAX_DEPTH {
            self.error = Some(FormatError {
                line: mark.line(),
                column: mark.col() + 1,
                message: format!("nested deeper than {MAX_DEPTH} levels"),
            });
            return;
        }
        self.stack.push((node, None));
    }

    fn push(&mut self, node: Node) {
        let Some((parent, pending)) = self.stack.last_mut() else {
            self.root = Some(node);
            return;
        };
        match &mut parent.value {
            Value::Array(items) => items.push(node),
            Value::Object(members) => match pending.take() {
                Some((key, line)) => members.push((key, Node { line, ..node })),
                None => *pending = Some((node.as_text().unwrap_or_default(), node.line)),
            },
            _ => {}
        }
    }
}

fn scalar(s: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(s);
    }
    match s.as_str() {
        "~" | "null" | "Null" | "NULL" | "" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        n if n.parse::<f64>().is_ok() => Value::Number(s),
        _ => Value::String(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goose_extensions_with_lines() {
        let text = "extensions:\n  fetch:\n    cmd: uvx\n    args: [mcp-server-fetch]\n    enabled: true\n";
        let n = parse(text).unwrap();
        let fetch = n.get("extensions").unwrap().get("fetch").unwrap();
        assert_eq!(fetch.line, 2);
        assert_eq!(fetch.get("cmd").unwrap().as_str(), Some("uvx"));
        assert_eq!(fetch.get("enabled").unwrap().value, Value::Bool(true));
    }

    #[test]
    fn deep_nesting_and_aliases_are_safe() {
        let deep = format!("a: {}", "[".repeat(10_000));
        assert!(parse(&deep).is_err());
        let laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n";
        assert!(parse(laughs).is_ok());
        assert!(parse("a: [\n").is_err());
    }
}
