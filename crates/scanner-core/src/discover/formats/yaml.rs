//! YAML (Goose, Continue) into the document tree, built from parser events
//! so nesting is capped. Aliases (`*a`) are expanded and merge keys
//! (`<<: *a`) applied, as YAML loaders do, within a budget of
//! [`MAX_EXPANDED`] copied values (no "billion laughs"): a server written
//! through an anchor is read, never dropped as a server without a command.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::tree::{max_values, too_many_values, FormatError, Node, Value, MAX_DEPTH};

/// Parses the first YAML document of `text`.
pub fn parse(text: &str) -> Result<Node, FormatError> {
    let mut builder = Builder {
        budget: max_values(text.len()),
        ..Builder::default()
    };
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

/// Most values aliases may copy in one document.
const MAX_EXPANDED: usize = 100_000;

/// An open container: the node, its anchor id (0 for none) and, for maps,
/// a pending key with its line.
type Open = (Node, usize, Option<(String, usize)>);

#[derive(Default)]
struct Builder {
    /// Open containers, innermost last.
    stack: Vec<Open>,
    root: Option<Node>,
    error: Option<FormatError>,
    /// Anchored values by anchor id, with their size in values and depth.
    anchors: HashMap<usize, (Node, usize, usize)>,
    /// Values copied by aliases so far.
    expanded: usize,
    /// Most values the document may hold, copies kept for anchors and
    /// made by aliases included ([`max_values`]).
    budget: usize,
    /// Values built, kept for anchors or copied so far.
    values: usize,
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() || self.root.is_some() {
            return;
        }
        let line = mark.line();
        // A map's keys are not counted, as in JSON and TOML: a member is
        // one value.
        let counted = match ev {
            Event::MappingStart(..) | Event::SequenceStart(..) => true,
            Event::Scalar(..) => !self.expecting_key(),
            _ => false,
        };
        if counted && !self.count(1, mark) {
            return;
        }
        match ev {
            Event::MappingStart(anchor, _) => {
                self.open(Node::new(line, Value::Object(Vec::new())), anchor, mark)
            }
            Event::SequenceStart(anchor, _) => {
                self.open(Node::new(line, Value::Array(Vec::new())), anchor, mark)
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some((mut node, anchor, _)) = self.stack.pop() {
                    merge_keys(&mut node);
                    self.anchor(anchor, &node, mark);
                    self.push(node);
                }
            }
            Event::Scalar(s, style, anchor, _) => {
                let node = Node::new(line, scalar(s, style));
                self.anchor(anchor, &node, mark);
                self.push(node);
            }
            Event::Alias(id) => self.alias(id, mark),
            _ => {}
        }
    }
}

impl Builder {
    fn open(&mut self, node: Node, anchor: usize, mark: Marker) {
        if self.stack.len() >= MAX_DEPTH {
            self.error = Some(FormatError {
                line: mark.line(),
                column: mark.col() + 1,
                message: format!("nested deeper than {MAX_DEPTH} levels"),
            });
            return;
        }
        self.stack.push((node, anchor, None));
    }

    /// True when the next value is a key of the innermost open map.
    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some((n, _, None)) if n.is_object())
    }

    /// Counts `n` more values against the budget; false (and the error
    /// set) past it.
    fn count(&mut self, n: usize, mark: Marker) -> bool {
        self.values = self.values.saturating_add(n);
        if self.values <= self.budget {
            return true;
        }
        self.error = Some(too_many_values(self.budget, mark.line(), mark.col() + 1));
        false
    }

    /// Keeps a copy of an anchored value; the copy counts against the
    /// budget (anchors on nested values would copy the innermost each time).
    fn anchor(&mut self, anchor: usize, node: &Node, mark: Marker) {
        if anchor != 0 {
            let n = size(node);
            if self.count(n, mark) {
                self.anchors.insert(anchor, (node.clone(), n, depth(node)));
            }
        }
    }

    /// A copy of the anchored value, counted against [`MAX_EXPANDED`] and
    /// the document's value budget.
    fn alias(&mut self, id: usize, mark: Marker) {
        let Some((n, depth)) = self.anchors.get(&id).map(|(_, n, d)| (*n, *d)) else {
            return self.push(Node::new(mark.line(), Value::Null));
        };
        self.expanded += n;
        // A copy nests as deep as its anchor, below where it is used: the
        // nesting cap holds for expanded documents too.
        let message = if self.expanded > MAX_EXPANDED {
            format!("aliases expand to more than {MAX_EXPANDED} values")
        } else if self.stack.len() + depth > MAX_DEPTH {
            format!("aliases nest deeper than {MAX_DEPTH} levels")
        } else {
            if let Some(node) = self.count(n, mark).then(|| self.anchors.get(&id)).flatten() {
                let node = node.0.clone();
                self.push(node);
            }
            return;
        };
        self.error = Some(FormatError {
            line: mark.line(),
            column: mark.col() + 1,
            message,
        });
    }

    fn push(&mut self, node: Node) {
        let Some((parent, _, pending)) = self.stack.last_mut() else {
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

/// How many values `node` holds, itself included.
fn size(node: &Node) -> usize {
    1 + match &node.value {
        Value::Array(items) => items.iter().map(size).sum(),
        Value::Object(members) => members.iter().map(|(_, v)| size(v)).sum(),
        _ => 0,
    }
}

/// How deep `node` nests (a scalar is 1).
fn depth(node: &Node) -> usize {
    1 + match &node.value {
        Value::Array(items) => items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => members.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

/// Applies YAML merge keys: the members of `<<: *a` (or of each map in
/// `<<: [*a, *b]`, earlier first) that the map does not set itself.
fn merge_keys(node: &mut Node) {
    let Value::Object(members) = &mut node.value else {
        return;
    };
    if !members.iter().any(|(k, _)| k == "<<") {
        return;
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = std::mem::take(members)
        .into_iter()
        .partition(|(k, _)| k == "<<");
    let sources = merges.into_iter().flat_map(|(_, v)| match v.value {
        Value::Array(items) => items,
        _ => vec![v],
    });
    // A set of the keys present keeps this linear: a map of many keys
    // merging a large anchor was quadratic.
    let mut present: std::collections::HashSet<String> =
        own.iter().map(|(k, _)| k.clone()).collect();
    for source in sources {
        if let Value::Object(inherited) = source.value {
            for (key, value) in inherited {
                if present.insert(key.clone()) {
                    own.push((key, value));
                }
            }
        }
    }
    *members = own;
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
    fn merge_keys_and_aliases_are_applied() {
        let text = "extensions:\n  base: &b\n    cmd: npx\n    args: [-y, x@1.0.0]\n    enabled: true\n  fetch:\n    <<: *b\n    args: [-y, y@2.0.0]\n  other:\n    <<: [*b]\n    cmd: *b\n";
        let n = parse(text).unwrap();
        let fetch = n.get("extensions").unwrap().get("fetch").unwrap();
        assert_eq!(fetch.get("cmd").unwrap().as_str(), Some("npx"));
        assert_eq!(
            fetch.get("args").unwrap().items()[1].as_str(),
            Some("y@2.0.0")
        );
        assert!(fetch.get("<<").is_none());
        let other = n.get("extensions").unwrap().get("other").unwrap();
        assert!(matches!(other.get("cmd").unwrap().value, Value::Object(_)));
    }

    #[test]
    fn deep_nesting_and_aliases_are_safe() {
        let deep = format!("a: {}", "[".repeat(10_000));
        assert!(parse(&deep).is_err());
        let laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n";
        assert!(parse(laughs).is_ok());
        let mut bomb = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        // Stopped by the alias budget or, in a file this small, by the
        // document's value budget (anchor copies count) first.
        let err = parse(&bomb).unwrap_err();
        assert!(
            err.message.contains("aliases expand") || err.message.contains("values"),
            "{err:?}"
        );
        // Each copy nested under the last: the expanded depth is capped.
        let mut tower = String::from("l0: &l0 [[[[[[[[[[x]]]]]]]]]]\n");
        for i in 1..20 {
            tower.push_str(&format!("l{i}: &l{i} [[[[[[[[[[*l{}]]]]]]]]]]\n", i - 1));
        }
        let err = parse(&tower).unwrap_err();
        assert!(err.message.contains("nest deeper"), "{err:?}");
        assert!(parse("a: [\n").is_err());
    }

    #[test]
    fn anchors_on_nested_values_count_their_copies() {
        // Each anchor keeps a copy of its value: 60 anchored lists around
        // 20,000 items kept 1.2 million copies (memory 60 times the file).
        let items = vec!["0"; 20_000].join(", ");
        let nested = format!("a: {}[{items}]{}\n", "&x [".repeat(60), "]".repeat(60));
        let err = parse(&nested).unwrap_err();
        assert!(err.message.contains("values"), "{err:?}");
        assert_eq!(err.line, 1);
        // Unanchored, the same document parses.
        let plain = format!("a: {}[{items}]{}\n", "[".repeat(60), "]".repeat(60));
        assert!(parse(&plain).is_ok());
    }

    #[test]
    fn a_large_merge_is_linear() {
        // 30,000 inherited keys merged into a map of 30,000 keys: a scan of
        // the map's keys per inherited key took 900 million comparisons.
        let value = "a value long enough to keep the file within its budget";
        let mut text = String::from("base: &b\n");
        (0..30_000).for_each(|i| text.push_str(&format!("  i{i}: {value}\n")));
        text.push_str("m:\n  <<: *b\n");
        (0..30_000).for_each(|i| text.push_str(&format!("  o{i}: {value}\n")));
        let n = parse(&text).unwrap();
        assert_eq!(n.get("m").unwrap().members().len(), 60_000);
    }

    #[test]
    fn a_document_of_tiny_values_is_refused_at_its_budget() {
        let text = format!("x:\n{}", "- 0\n".repeat(200_000));
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("more than 65536 values"), "{err:?}");
        assert_eq!(err.line, 65_536, "{err:?}");
        assert!(parse(&format!("x:\n{}", "- 0\n".repeat(60_000))).is_ok());
    }
}
