//! Typed reads of spanned TOML values; every mismatch becomes a diagnostic.

use std::ops::Range;

use advisories_cache::Ecosystem;
use toml::de::{DeTable, DeValue};

use super::{At, Cx, Val};
use crate::policy::diagnostic::Diagnostic;
use crate::policy::rule::Glob;
use crate::types::finding::Code;

impl Cx<'_> {
    pub(super) fn line(&self, span: &Range<usize>) -> usize {
        self.lines.line_col(span.start).0
    }

    pub(super) fn error(
        &mut self,
        span: Range<usize>,
        message: String,
        label: &str,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(span, message, label));
        self.diags.last_mut().expect("just pushed")
    }

    pub(super) fn keys(&mut self, table: &DeTable<'_>, known: &[&str], whose: &str) {
        for key in table.keys() {
            if known.contains(&key.get_ref().as_ref()) {
                continue;
            }
            let name = key.get_ref().to_string();
            let hint = match closest(&name, known) {
                Some(k) => format!("did you mean `{k}`? known keys: {}", known.join(", ")),
                None => format!("known keys: {}", known.join(", ")),
            };
            let msg = format!("unknown key `{name}` in {whose}");
            self.error(key.span(), msg, "unknown key").hint = Some(hint);
        }
    }

    pub(super) fn type_error(&mut self, key: &str, val: &Val<'_>, want: &str) {
        let msg = format!("`{key}` must be {want}, not {}", val.get_ref().type_str());
        self.error(val.span(), msg, "wrong type");
    }

    pub(super) fn string(&mut self, t: &DeTable<'_>, key: &str) -> Option<At<String>> {
        let val = t.get(key)?;
        match val.get_ref() {
            DeValue::String(s) => Some((s.to_string(), val.span())),
            _ => {
                self.type_error(key, val, "a string");
                None
            }
        }
    }

    /// A string, or an array of strings.
    pub(super) fn strings(&mut self, t: &DeTable<'_>, key: &str) -> Vec<At<String>> {
        let Some(val) = t.get(key) else {
            return Vec::new();
        };
        match val.get_ref() {
            DeValue::String(s) => vec![(s.to_string(), val.span())],
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    DeValue::String(s) => Some((s.to_string(), item.span())),
                    _ => {
                        self.type_error(key, item, "a string or an array of strings");
                        None
                    }
                })
                .collect(),
            _ => {
                self.type_error(key, val, "a string or an array of strings");
                Vec::new()
            }
        }
    }

    pub(super) fn boolean(&mut self, t: &DeTable<'_>, key: &str) -> Option<bool> {
        let val = t.get(key)?;
        let b = val.get_ref().as_bool();
        if b.is_none() {
            self.type_error(key, val, "true or false");
        }
        b
    }

    pub(super) fn required(
        &mut self,
        t: &DeTable<'_>,
        key: &str,
        header: &Range<usize>,
        whose: &str,
    ) -> Option<At<String>> {
        if t.get(key).is_none() {
            let msg = format!("{whose} has no `{key}`");
            self.error(header.clone(), msg, &format!("`{key}` missing here"))
                .hint = required_hint(key);
            return None;
        }
        let (s, span) = self.string(t, key)?;
        if s.trim().is_empty() {
            self.error(span, format!("`{key}` must not be empty"), "empty");
            return None;
        }
        Some((s, span))
    }

    pub(super) fn one_of<T: Copy>(
        &mut self,
        (text, span): At<String>,
        choices: &[(&str, T)],
        what: &str,
    ) -> Option<T> {
        let found = choices
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, v)| *v);
        if found.is_none() {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            let msg = format!("unknown {what} `{text}`");
            self.error(span, msg, "unknown value").hint =
                Some(format!("one of: {}", names.join(", ")));
        }
        found
    }

    pub(super) fn glob(&mut self, at: Option<At<String>>) -> Option<Glob> {
        let (text, span) = at?;
        let shown: String = text.chars().take(40).collect();
        let more = if shown.len() < text.len() { "…" } else { "" };
        Glob::new(&text)
            .map_err(|why| {
                let msg = format!("bad glob `{shown}{more}`: {why}");
                self.error(span, msg, "bad glob")
            })
            .ok()
    }

    pub(super) fn ecosystem(&mut self, (text, span): At<String>) -> Option<Ecosystem> {
        let found = Ecosystem::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(&text));
        if found.is_none() {
            self.error(
                span,
                format!("unknown ecosystem `{text}`"),
                "not an ecosystem",
            )
            .hint = Some("one of: npm, PyPI".into());
        }
        found
    }

    pub(super) fn code(&mut self, (text, span): At<String>) -> Option<Code> {
        let parsed = text.parse::<Code>();
        if let Err(unknown) = &parsed {
            let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            self.error(span, unknown.to_string(), "not a finding code")
                .hint = Some(format!("one of: {}", names.join(", ")));
        }
        parsed.ok()
    }

    /// Each element of an array-of-tables key, with its span.
    pub(super) fn tables<'a, 'i>(
        &mut self,
        val: Option<&'a Val<'i>>,
        key: &str,
    ) -> Vec<(&'a DeTable<'i>, Range<usize>)> {
        let Some(val) = val else {
            return Vec::new();
        };
        let Some(items) = val.get_ref().as_array() else {
            self.type_error(key, val, &format!("an array of tables (`[[{key}]]`)"));
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| match item.get_ref().as_table() {
                Some(t) => Some((t, item.span())),
                None => {
                    self.type_error(key, item, "a table");
                    None
                }
            })
            .collect()
    }
}

/// The known key closest to a misspelt one, if any is close.
fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// What to write for a missing required key.
fn required_hint(key: &str) -> Option<String> {
    let hint = match key {
        "action" => "add `action = \"block\"`, `\"warn\"` or `\"allow\"`",
        "reason" => "say why the finding is acceptable, e.g. `reason = \"the vulnerable function is never called\"`",
        "owner" => "name who answers for the exception, e.g. `owner = \"team@example.com\"`",
        "classification" => "one of: dependency-only, reachable-hardening, confirmed-reachable",
        _ => return None,
    };
    Some(hint.to_string())
}
