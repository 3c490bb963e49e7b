//! The format-neutral document tree every config format is parsed into:
//! values with the line they start on, object keys in file order (duplicates
//! kept, so they can be reported).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

/// Deepest nesting accepted in any config format; deeper input is refused
/// rather than risking the stack.
pub const MAX_DEPTH: usize = 64;

/// Values (scalars, lists and maps, alias copies included) any document may
/// hold, however small: a small config is never refused for its shape.
pub const MIN_VALUES: usize = 65_536;

/// Bytes of file per value past [`MIN_VALUES`].
pub const BYTES_PER_VALUE: usize = 16;

/// The value budget of a `len`-byte document (a client config, or a
/// `bun.lock` / `pnpm-lock.yaml`): one value per [`BYTES_PER_VALUE`] bytes,
/// and at least [`MIN_VALUES`]; 1,048,576 at the 16 MiB config cap. The file
/// cap alone does not bound memory: a 16 MiB file of `0,` items is 8 million
/// values, and each value costs 60 to 190 bytes in any tree (1.25 GB for TOML,
/// 607 MB for JSON before this budget). Real configs and lockfiles spend 20
/// bytes a value or more. Past the budget the file is refused (the run is
/// incomplete), so a parse costs at most a small multiple of the file's size
/// (about 12 times; 12 MB for files under 1 MiB).
pub fn max_values(len: usize) -> usize {
    MIN_VALUES.max(len / BYTES_PER_VALUE)
}

/// The error for a document over its value budget, at `line`:`column`.
pub fn too_many_values(budget: usize, line: usize, column: usize) -> FormatError {
    FormatError {
        line,
        column,
        message: format!("more than {budget} values (the limit for a document of this size)"),
    }
}

/// A value and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line of the value (for object members: of the key).
    pub line: usize,
    /// The value.
    pub value: Value,
}

/// A parsed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` / `~` / an unsupported scalar (YAML alias, TOML datetime).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    String(String),
    /// A list.
    Array(Vec<Node>),
    /// A map, members in file order; a repeated key appears twice.
    Object(Vec<(String, Node)>),
}

/// A key seen twice in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key.
    pub key: String,
    /// The line of the second occurrence.
    pub line: usize,
}

impl Node {
    /// A node at `line`.
    pub fn new(line: usize, value: Value) -> Node {
        Node { line, value }
    }

    /// The member `key` of an object (the last one, as JSON parsers do).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The first of `keys` present.
    pub fn get_any(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// The string value, if a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (strings, numbers, booleans).
    pub fn as_text(&self) -> Option<String> {
        match &self.value {
            Value::String(s) | Value::Number(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The members of an object, deduplicated (last wins), in first-seen order.
    pub fn members(&self) -> Vec<(&str, &Node)> {
        let Value::Object(members) = &self.value else {
            return Vec::new();
        };
        // A map from key to slot keeps this linear in the number of members.
        let mut out: Vec<(&str, &Node)> = Vec::with_capacity(members.len());
        let mut slots: HashMap<&str, usize> = HashMap::with_capacity(members.len());
        for (k, v) in members {
            match slots.entry(k.as_str()) {
                Entry::Occupied(slot) => out[*slot.get()].1 = v,
                Entry::Vacant(slot) => {
                    slot.insert(out.len());
                    out.push((k.as_str(), v));
                }
            }
        }
        out
    }

    /// The items of an array.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Array(items) => items,
            _ => &[],
        }
    }

    /// True for an object.
    pub fn is_object(&self) -> bool {
        matches!(self.value, Value::Object(_))
    }

    /// Every key repeated within one object, anywhere in the tree.
    pub fn duplicate_keys(&self) -> Vec<DuplicateKey> {
        let mut out = Vec::new();
        self.collect_duplicates(&mut out);
        out
    }

    fn collect_duplicates(&self, out: &mut Vec<DuplicateKey>) {
        match &self.value {
            Value::Object(members) => {
                let mut seen = HashSet::with_capacity(members.len());
                for (k, v) in members {
                    if !seen.insert(k.as_str()) {
                        out.push(DuplicateKey {
                            key: k.clone(),
                            line: v.line,
                        });
                    }
                    v.collect_duplicates(out);
                }
            }
            Value::Array(items) => items.iter().for_each(|n| n.collect_duplicates(out)),
            _ => {}
        }
    }
}

/// A document that could not be parsed, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct FormatError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong (never quotes the input, which may hold secrets).
    pub message: String,
}
