//! Policy files, in two phases: the spanned TOML tree from the `toml` crate,
//! then validation that collects every problem, each with its span.

mod exceptions;
mod rules;
mod values;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::{Diagnostic, InvalidPolicy};
use super::rule::builtin_rules;
use super::{Date, Decision, PinRequirement, Policy, ServerPolicy};
use crate::lines::LineIndex;
use crate::types::finding::Severity;

pub(super) type Val<'i> = Spanned<DeValue<'i>>;

/// Parses `text`. With `strict`, expired exceptions are problems too (for
/// `policy check`); a scan only reports them.
pub(super) fn parse_with(
    text: &str,
    path: &Path,
    today: Date,
    strict: bool,
) -> Result<Policy, InvalidPolicy> {
    let mut cx = Cx {
        text,
        lines: LineIndex::new(text),
        diags: Vec::new(),
    };
    let (root, errors) = DeTable::parse_recoverable(text);
    for e in &errors {
        let span = e.span().unwrap_or(0..0);
        let msg = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string();
        cx.diags.push(Diagnostic::new(
            span,
            format!("invalid TOML: {msg}"),
            "here",
        ));
    }
    let policy = if errors.is_empty() {
        Some(cx.document(root.get_ref(), path, today, strict))
    } else {
        None
    };
    match policy {
        Some(p) if cx.diags.is_empty() => Ok(p),
        _ => {
            cx.diags.sort_by_key(|d| (d.span.start, d.span.end));
            Err(InvalidPolicy {
                path: path.to_path_buf(),
                text: text.to_string(),
                diagnostics: cx.diags,
            })
        }
    }
}

/// Parses `text` for a scan (expired exceptions only stop applying).
pub(super) fn parse(text: &str, path: &Path, today: Date) -> Result<Policy, InvalidPolicy> {
    parse_with(text, path, today, false)
}

pub(super) const TOP_KEYS: &[&str] = &["policy", "rule", "exception", "server"];
pub(super) const POLICY_KEYS: &[&str] = &["extends", "default", "min-age"];
pub(super) const RULE_KEYS: &[&str] = &[
    "id",
    "action",
    "code",
    "severity",
    "min-severity",
    "min-cvss",
    "ecosystem",
    "package",
    "server",
    "direct",
    "install-script",
    "server-package",
];
pub(super) const EXCEPTION_KEYS: &[&str] = &[
    "id",
    "code",
    "package",
    "ecosystem",
    "versions",
    "server",
    "reason",
    "owner",
    "expires",
    "classification",
];
pub(super) const SERVER_KEYS: &[&str] = &["owner", "pin"];
pub(super) const ACTIONS: &[(&str, Decision)] = &[
    ("block", Decision::Block),
    ("warn", Decision::Warn),
    ("allow", Decision::Allow),
];
pub(super) const SEVERITIES: &[(&str, Severity)] = &[
    ("unscored", Severity::Unscored),
    ("low", Severity::Low),
    ("medium", Severity::Medium),
    ("high", Severity::High),
    ("critical", Severity::Critical),
];
pub(super) const PINS: &[(&str, PinRequirement)] = &[
    ("exact", PinRequirement::Exact),
    ("range", PinRequirement::Range),
    ("any", PinRequirement::Any),
];

pub(super) struct Cx<'t> {
    pub(super) text: &'t str,
    pub(super) lines: LineIndex<'t>,
    pub(super) diags: Vec<Diagnostic>,
}

/// A value with its span, after a type check.
pub(super) type At<T> = (T, Range<usize>);

impl Cx<'_> {
    fn document(&mut self, root: &DeTable<'_>, path: &Path, today: Date, strict: bool) -> Policy {
        self.keys(root, TOP_KEYS, "the policy file");
        let (extends, default, default_line) = self.policy_table(root.get("policy"));
        let min_age = self.min_age(root.get("policy"));
        let mut rules = self.rules(root.get("rule"));
        if extends {
            rules.extend(builtin_rules());
        }
        let exceptions = self.exceptions(root.get("exception"), today, strict);
        let servers = self.servers(root.get("server"));
        Policy {
            source: Some(path.to_path_buf()),
            sha256: Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                self.text,
            ))),
            rules,
            default,
            default_line,
            exceptions,
            servers,
            today: Some(today),
            min_age,
        }
    }

    /// `[policy] min-age = "2d"`: the minimum release age, in seconds.
    fn min_age(&mut self, val: Option<&Val<'_>>) -> Option<i64> {
        let t = val?.get_ref().as_table()?;
        let (text, span) = self.string(t, "min-age")?;
        let secs = crate::facts::parse_age(&text);
        if secs.is_none() {
            self.error(
                span,
                format!("`{text}` is not a duration"),
                "expected a whole number and a unit",
            )
            .hint = Some("write e.g. \"2d\", \"36h\", \"1w\" or \"0s\" (s, m, h, d, w)".into());
        }
        secs
    }

    fn policy_table(&mut self, val: Option<&Val<'_>>) -> (bool, Decision, Option<usize>) {
        let Some(val) = val else {
            return (true, Decision::Warn, None);
        };
        let Some(t) = val.get_ref().as_table() else {
            self.type_error("policy", val, "a table (`[policy]`)");
            return (true, Decision::Warn, None);
        };
        self.keys(t, POLICY_KEYS, "[policy]");
        let extends = self.string(t, "extends").and_then(|at| {
            self.one_of(at, &[("builtin", true), ("none", false)], "`extends` value")
        });
        let default_at = self.string(t, "default");
        let default_line = default_at.as_ref().map(|(_, s)| self.line(s));
        let default = default_at.and_then(|at| self.one_of(at, ACTIONS, "action"));
        (
            extends.unwrap_or(true),
            default.unwrap_or(Decision::Warn),
            default_line,
        )
    }

    fn servers(&mut self, val: Option<&Val<'_>>) -> BTreeMap<String, ServerPolicy> {
        let mut out = BTreeMap::new();
        let Some(val) = val else {
            return out;
        };
        let Some(t) = val.get_ref().as_table() else {
            self.type_error("server", val, "a table of servers (`[server.NAME]`)");
            return out;
        };
        for (name, v) in t.iter() {
            let Some(st) = v.get_ref().as_table() else {
                self.type_error(name.get_ref(), v, "a table (`[server.NAME]`)");
                continue;
            };
            self.keys(st, SERVER_KEYS, &format!("[server.{}]", name.get_ref()));
            let owner = self.string(st, "owner").map(|(s, _)| s);
            let pin = self
                .string(st, "pin")
                .and_then(|at| self.one_of(at, PINS, "pin requirement"));
            let line = self.line(&name.span());
            out.insert(
                name.get_ref().to_string(),
                ServerPolicy { owner, pin, line },
            );
        }
        out
    }
}
