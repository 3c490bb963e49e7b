//! Policy files, in two phases: the spanned TOML tree from the `toml` crate,
//! then validation that collects every problem, each with its span.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use advisories_cache::Ecosystem;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::{line_col, Diagnostic, InvalidPolicy};
use super::exception::{Classification, Exception, Target, VersionRange};
use super::rule::{builtin_rules, Conditions, Glob, Origin, Rule};
use super::{Date, Decision, PinRequirement, Policy, ServerPolicy};
use crate::finding::{Code, Severity};

type Val<'i> = Spanned<DeValue<'i>>;

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

const TOP_KEYS: &[&str] = &["policy", "rule", "exception", "server"];
const POLICY_KEYS: &[&str] = &["extends", "default"];
const RULE_KEYS: &[&str] = &[
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
];
const EXCEPTION_KEYS: &[&str] = &[
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
const SERVER_KEYS: &[&str] = &["owner", "pin"];
const ACTIONS: &[(&str, Decision)] = &[
    ("block", Decision::Block),
    ("warn", Decision::Warn),
    ("allow", Decision::Allow),
];
const SEVERITIES: &[(&str, Severity)] = &[
    ("unscored", Severity::Unscored),
    ("low", Severity::Low),
    ("medium", Severity::Medium),
    ("high", Severity::High),
    ("critical", Severity::Critical),
];
const PINS: &[(&str, PinRequirement)] = &[
    ("exact", PinRequirement::Exact),
    ("range", PinRequirement::Range),
    ("any", PinRequirement::Any),
];

struct Cx<'t> {
    text: &'t str,
    diags: Vec<Diagnostic>,
}

/// A value with its span, after a type check.
type At<T> = (T, Range<usize>);

impl Cx<'_> {
    fn document(&mut self, root: &DeTable<'_>, path: &Path, today: Date, strict: bool) -> Policy {
        self.keys(root, TOP_KEYS, "the policy file");
        let (extends, default, default_line) = self.policy_table(root.get("policy"));
        let mut rules = self.rules(root.get("rule"));
        if extends {
            rules.extend(builtin_rules());
        }
        let exceptions = self.exceptions(root.get("exception"), today, strict);
        let servers = self.servers(root.get("server"));
        Policy {
            source: Some(path.to_path_buf()),
            rules,
            default,
            default_line,
            exceptions,
            servers,
            today: Some(today),
        }
    }

    fn line(&self, span: &Range<usize>) -> usize {
        line_col(self.text, span.start).0
    }

    fn error(&mut self, span: Range<usize>, message: String, label: &str) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(span, message, label));
        self.diags.last_mut().expect("just pushed")
    }

    fn keys(&mut self, table: &DeTable<'_>, known: &[&str], whose: &str) {
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

    fn type_error(&mut self, key: &str, val: &Val<'_>, want: &str) {
        let msg = format!("`{key}` must be {want}, not {}", val.get_ref().type_str());
        self.error(val.span(), msg, "wrong type");
    }

    fn string(&mut self, t: &DeTable<'_>, key: &str) -> Option<At<String>> {
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
    fn strings(&mut self, t: &DeTable<'_>, key: &str) -> Vec<At<String>> {
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

    fn boolean(&mut self, t: &DeTable<'_>, key: &str) -> Option<bool> {
        let val = t.get(key)?;
        let b = val.get_ref().as_bool();
        if b.is_none() {
            self.type_error(key, val, "true or false");
        }
        b
    }

    fn required(
        &mut self,
        t: &DeTable<'_>,
        key: &str,
        header: &Range<usize>,
        whose: &str,
    ) -> Option<At<String>> {
        if t.get(key).is_none() {
            let msg = format!("{whose} has no `{key}`");
            self.error(header.clone(), msg, &format!("`{key}` missing here"));
            return None;
        }
        let (s, span) = self.string(t, key)?;
        if s.trim().is_empty() {
            self.error(span, format!("`{key}` must not be empty"), "empty");
            return None;
        }
        Some((s, span))
    }

    fn one_of<T: Copy>(
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

    fn glob(&mut self, at: Option<At<String>>) -> Option<Glob> {
        let (text, span) = at?;
        Glob::new(&text)
            .map_err(|why| self.error(span, format!("bad glob `{text}`: {why}"), "bad glob"))
            .ok()
    }

    fn ecosystem(&mut self, (text, span): At<String>) -> Option<Ecosystem> {
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

    fn code(&mut self, (text, span): At<String>) -> Option<String> {
        let known = Code::ALL.iter().any(|c| c.as_str() == text);
        if !known {
            let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            self.error(
                span,
                format!("unknown finding code `{text}`"),
                "not a finding code",
            )
            .hint = Some(format!("one of: {}", names.join(", ")));
        }
        known.then_some(text)
    }

    /// Each element of an array-of-tables key, with its span.
    fn tables<'a, 'i>(
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

    fn rules(&mut self, val: Option<&Val<'_>>) -> Vec<Rule> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut rules = Vec::new();
        for (n, (t, span)) in self.tables(val, "rule").into_iter().enumerate() {
            let line = self.line(&span);
            let id = self.string(t, "id");
            if let Some((id, id_span)) = &id {
                if let Some(first) = seen.insert(id.clone(), line) {
                    let msg = format!("duplicate rule id `{id}`");
                    self.error(id_span.clone(), msg, "duplicate").hint =
                        Some(format!("the first rule with this id is at line {first}"));
                }
            }
            if let Some(rule) = self.rule(t, &span, line) {
                let id = id.map_or_else(|| format!("rule-{}", n + 1), |(s, _)| s);
                rules.push(Rule { id, ..rule });
            }
        }
        rules
    }

    fn rule(&mut self, t: &DeTable<'_>, header: &Range<usize>, line: usize) -> Option<Rule> {
        self.keys(t, RULE_KEYS, "[[rule]]");
        let action = self
            .required(t, "action", header, "this [[rule]]")
            .and_then(|at| self.one_of(at, ACTIONS, "action"));
        let when = self.conditions(t);
        Some(Rule {
            id: String::new(),
            origin: Origin::File { line },
            action: action?,
            when,
        })
    }

    fn conditions(&mut self, t: &DeTable<'_>) -> Conditions {
        let codes = self
            .strings(t, "code")
            .into_iter()
            .filter_map(|at| self.code(at))
            .collect();
        let severities = self
            .strings(t, "severity")
            .into_iter()
            .filter_map(|at| self.one_of(at, SEVERITIES, "severity"))
            .collect();
        let min_severity = self
            .string(t, "min-severity")
            .and_then(|at| self.min_severity(at));
        let ecosystems = self
            .strings(t, "ecosystem")
            .into_iter()
            .filter_map(|at| self.ecosystem(at))
            .collect();
        let package = self.string(t, "package");
        let server = self.string(t, "server");
        Conditions {
            codes,
            severities,
            min_severity,
            min_cvss: self.cvss(t),
            ecosystems,
            package: self.glob(package),
            server: self.glob(server),
            direct: self.boolean(t, "direct"),
            install_script: self.boolean(t, "install-script"),
        }
    }

    fn min_severity(&mut self, at: At<String>) -> Option<Severity> {
        let span = at.1.clone();
        let sev = self.one_of(at, SEVERITIES, "severity")?;
        if sev == Severity::Unscored {
            self.error(span, "`min-severity` cannot be `unscored`".into(), "not a threshold").hint =
                Some("a threshold never matches unscored findings; write `severity = \"unscored\"` to match them".into());
            return None;
        }
        Some(sev)
    }

    fn cvss(&mut self, t: &DeTable<'_>) -> Option<f64> {
        let val = t.get("min-cvss")?;
        let score = match val.get_ref() {
            DeValue::Integer(i) => i.as_str().parse::<f64>().ok(),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            _ => None,
        };
        match score {
            Some(s) if (0.0..=10.0).contains(&s) => Some(s),
            Some(_) => {
                self.error(
                    val.span(),
                    "`min-cvss` must be between 0.0 and 10.0".into(),
                    "out of range",
                );
                None
            }
            None => {
                self.type_error("min-cvss", val, "a number from 0.0 to 10.0");
                None
            }
        }
    }

    fn exceptions(&mut self, val: Option<&Val<'_>>, today: Date, strict: bool) -> Vec<Exception> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::new();
        for (t, span) in self.tables(val, "exception") {
            let Some((e, expires_span)) = self.exception(t, &span) else {
                continue;
            };
            if let Some(first) = seen.insert(scope_key(&e), e.line) {
                let msg = format!("duplicate exception for `{}`", e.label());
                self.error(span.clone(), msg, "duplicate").hint = Some(format!(
                    "an exception with the same target and scope is at line {first}; merge them"
                ));
            }
            if strict && e.is_expired(today) {
                let msg = format!(
                    "exception for `{}` expired on {} (today is {today})",
                    e.label(),
                    e.expires
                );
                self.error(expires_span, msg, "expired").hint =
                    Some("re-triage the finding: extend `expires` with a new review, or delete the exception".into());
            }
            out.push(e);
        }
        out
    }

    fn exception(
        &mut self,
        t: &DeTable<'_>,
        header: &Range<usize>,
    ) -> Option<(Exception, Range<usize>)> {
        self.keys(t, EXCEPTION_KEYS, "[[exception]]");
        let line = self.line(header);
        let target = self.target(t, header);
        let ecosystem = self
            .string(t, "ecosystem")
            .and_then(|at| self.ecosystem(at));
        let versions = self.versions(t, ecosystem);
        let server = self.string(t, "server");
        let server = self.glob(server);
        let package = self.string(t, "package").map(|(s, _)| s);
        let reason = self.required(t, "reason", header, "this [[exception]]");
        let owner = self.required(t, "owner", header, "this [[exception]]");
        let expires = self.expires(t, header);
        let classification = self
            .required(t, "classification", header, "this [[exception]]")
            .and_then(|at| self.one_of(at, &Classification::ALL, "classification"));
        let (expires, expires_span) = expires?;
        let e = Exception {
            line,
            target: target?,
            package,
            ecosystem,
            versions,
            server,
            reason: reason?.0,
            owner: owner?.0,
            expires,
            classification: classification?,
        };
        Some((e, expires_span))
    }

    fn target(&mut self, t: &DeTable<'_>, header: &Range<usize>) -> Option<Target> {
        let id = self.string(t, "id");
        let code = self.string(t, "code");
        match (id, code) {
            (Some((id, _)), None) => Some(Target::Advisory(id)),
            (None, Some(at)) => self.code(at).map(Target::Code),
            (Some(_), Some((_, span))) => {
                self.error(
                    span,
                    "an exception names either `id` or `code`, not both".into(),
                    "second target",
                );
                None
            }
            (None, None) => {
                self.error(
                    header.clone(),
                    "this [[exception]] has no `id` (advisory id or alias) or `code`".into(),
                    "target missing here",
                );
                None
            }
        }
    }

    fn versions(&mut self, t: &DeTable<'_>, ecosystem: Option<Ecosystem>) -> Option<VersionRange> {
        let (text, span) = self.string(t, "versions")?;
        VersionRange::parse(&text, ecosystem)
            .map_err(|why| {
                self.error(
                    span,
                    format!("bad version range `{text}`: {why}"),
                    "bad range",
                )
            })
            .ok()
    }

    fn expires(&mut self, t: &DeTable<'_>, header: &Range<usize>) -> Option<(Date, Range<usize>)> {
        let Some(val) = t.get("expires") else {
            self.error(
                header.clone(),
                "this [[exception]] has no `expires`".into(),
                "`expires` missing here",
            )
            .hint = Some("every exception needs an end date, e.g. `expires = 2026-12-31`".into());
            return None;
        };
        let text = match val.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            _ => {
                self.type_error("expires", val, "a date (YYYY-MM-DD)");
                return None;
            }
        };
        match text.parse::<Date>() {
            Ok(d) => Some((d, val.span())),
            Err(e) => {
                self.error(val.span(), e.to_string(), "not a date");
                None
            }
        }
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

/// Two exceptions with the same key excuse the same findings.
fn scope_key(e: &Exception) -> String {
    let (kind, target) = match &e.target {
        Target::Advisory(id) => ("id", id.to_ascii_lowercase()),
        Target::Code(c) => ("code", c.clone()),
    };
    format!(
        "{kind}={target}|{:?}|{:?}|{:?}|{:?}",
        e.package.as_deref().map(str::to_ascii_lowercase),
        e.ecosystem,
        e.versions.as_ref().map(VersionRange::as_str),
        e.server.as_ref().map(Glob::as_str)
    )
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
