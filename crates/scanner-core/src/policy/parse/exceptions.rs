//! `[[exception]]` tables.

use std::collections::HashMap;
use std::ops::Range;

use advisories_cache::Ecosystem;
use toml::de::{DeTable, DeValue};

use super::{Cx, Val, EXCEPTION_KEYS};
use crate::policy::exception::{Classification, Exception, Target, VersionRange};
use crate::policy::rule::Glob;
use crate::policy::Date;

impl Cx<'_> {
    pub(super) fn exceptions(
        &mut self,
        val: Option<&Val<'_>>,
        today: Date,
        strict: bool,
    ) -> Vec<Exception> {
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

    pub(super) fn exception(
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

    pub(super) fn target(&mut self, t: &DeTable<'_>, header: &Range<usize>) -> Option<Target> {
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

    pub(super) fn versions(
        &mut self,
        t: &DeTable<'_>,
        ecosystem: Option<Ecosystem>,
    ) -> Option<VersionRange> {
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

    pub(super) fn expires(
        &mut self,
        t: &DeTable<'_>,
        header: &Range<usize>,
    ) -> Option<(Date, Range<usize>)> {
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
}

/// Two exceptions with the same key excuse the same findings.
fn scope_key(e: &Exception) -> String {
    let (kind, target) = match &e.target {
        Target::Advisory(id) => ("id", id.to_ascii_lowercase()),
        Target::Code(c) => ("code", c.as_str().to_string()),
    };
    format!(
        "{kind}={target}|{:?}|{:?}|{:?}|{:?}",
        e.package.as_deref().map(str::to_ascii_lowercase),
        e.ecosystem,
        e.versions.as_ref().map(VersionRange::as_str),
        e.server.as_ref().map(Glob::as_str)
    )
}
