//! `[[rule]]` tables.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{At, Cx, Val, ACTIONS, RULE_KEYS, SEVERITIES};
use crate::policy::rule::{Conditions, Origin, Rule};
use crate::types::finding::Severity;

impl Cx<'_> {
    pub(super) fn rules(&mut self, val: Option<&Val<'_>>) -> Vec<Rule> {
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

    pub(super) fn rule(
        &mut self,
        t: &DeTable<'_>,
        header: &Range<usize>,
        line: usize,
    ) -> Option<Rule> {
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

    pub(super) fn conditions(&mut self, t: &DeTable<'_>) -> Conditions {
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
            server_package: self.boolean(t, "server-package"),
        }
    }

    pub(super) fn min_severity(&mut self, at: At<String>) -> Option<Severity> {
        let span = at.1.clone();
        let sev = self.one_of(at, SEVERITIES, "severity")?;
        if sev == Severity::Unscored {
            self.error(span, "`min-severity` cannot be `unscored`".into(), "not a threshold").hint =
                Some("a threshold never matches unscored findings; write `severity = \"unscored\"` to match them".into());
            return None;
        }
        Some(sev)
    }

    pub(super) fn cvss(&mut self, t: &DeTable<'_>) -> Option<f64> {
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
}
