//! Deciding one finding, and the audit of the policy after a scan.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::{
    Classification, Date, Decision, Exception, FindingContext, Origin, PinRequirement, Policy,
    Rule, ServerPolicy,
};
use crate::types::finding::Code;
use crate::types::PinState;

/// What kind of thing decided a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeciderKind {
    /// An exception in the policy file.
    Exception,
    /// A `[server.NAME]` pin requirement in the policy file.
    Server,
    /// A rule in the policy file.
    Rule,
    /// A built-in rule.
    Builtin,
    /// The default action (the file's `default`, or the built-in warn).
    Default,
}

/// What decided a finding: enough to find it in the policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecidedBy {
    /// Its kind.
    pub kind: DeciderKind,
    /// The rule id, exception target, server name, or `default`.
    pub id: String,
    /// The policy file, when it comes from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// Its 1-based line in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            DeciderKind::Exception => "exception",
            DeciderKind::Server => "server",
            DeciderKind::Rule => "rule",
            DeciderKind::Builtin => "builtin rule",
            DeciderKind::Default => "default",
        };
        match (&self.file, self.line) {
            (Some(file), Some(line)) => {
                write!(f, "{kind} `{}` ({}:{line})", self.id, file.display())
            }
            _ if self.kind == DeciderKind::Default => f.write_str("builtin default"),
            _ => write!(f, "{kind} `{}`", self.id),
        }
    }
}

/// An exception as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionNote {
    /// The advisory id or code it excuses.
    pub id: String,
    /// Its 1-based line in the policy file.
    pub line: usize,
    /// Why it is acceptable.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// The last day it applies.
    pub expires: Date,
    /// How the finding was triaged.
    pub classification: Classification,
    #[serde(skip)]
    index: usize,
}

impl ExceptionNote {
    fn new(index: usize, e: &Exception) -> ExceptionNote {
        ExceptionNote {
            id: e.label().to_string(),
            line: e.line,
            reason: e.reason.clone(),
            owner: e.owner.clone(),
            expires: e.expires,
            classification: e.classification,
            index,
        }
    }
}

/// A decision and what made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The decision.
    pub decision: Decision,
    /// What decided it.
    pub decided_by: DecidedBy,
    /// The exception that excused it, when `decision` is `excepted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionNote>,
    /// An exception that named this finding but has expired, so did not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_exception: Option<ExceptionNote>,
}

/// One server's policy metadata, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerNote {
    /// The server name as the policy file writes it.
    pub name: String,
    /// Its metadata.
    #[serde(flatten)]
    pub policy: ServerPolicy,
}

/// The policy as a report shows it: where it came from, and the exceptions
/// that need attention.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyAudit {
    /// The policy file, or `None` for the built-in policy.
    pub file: Option<PathBuf>,
    /// The SHA-256 of the policy file's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The date exceptions were checked against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub today: Option<Date>,
    /// Unexpired exceptions that matched no finding.
    pub unused_exceptions: Vec<ExceptionNote>,
    /// Exceptions past their `expires` date: they no longer apply.
    pub expired_exceptions: Vec<ExceptionNote>,
    /// Per-server metadata from the file.
    pub servers: Vec<ServerNote>,
}

impl Policy {
    /// Decides one finding: exceptions, server pin requirement, rules, default.
    pub fn decide(&self, ctx: &FindingContext<'_>) -> Verdict {
        let expired_exception = self.matching_exception(ctx, true);
        if let Some(note) = self.matching_exception(ctx, false) {
            return Verdict {
                decision: Decision::Excepted,
                decided_by: self.by(DeciderKind::Exception, &note.id, Some(note.line)),
                exception: Some(note),
                expired_exception,
            };
        }
        let (decision, decided_by) = self
            .server_pin(ctx)
            .or_else(|| {
                self.rules
                    .iter()
                    .find(|r| r.when.matches(ctx))
                    .map(|r| self.rule_verdict(r))
            })
            .unwrap_or_else(|| {
                (
                    self.default,
                    self.by(DeciderKind::Default, "default", self.default_line),
                )
            });
        Verdict {
            decision,
            decided_by,
            exception: None,
            expired_exception,
        }
    }

    fn matching_exception(&self, ctx: &FindingContext<'_>, expired: bool) -> Option<ExceptionNote> {
        let today = self.today?;
        self.exceptions
            .iter()
            .enumerate()
            .find(|(_, e)| e.is_expired(today) == expired && e.matches(ctx))
            .map(|(i, e)| ExceptionNote::new(i, e))
    }

    fn server_pin(&self, ctx: &FindingContext<'_>) -> Option<(Decision, DecidedBy)> {
        if ctx.code != Code::UnpinnedServer {
            return None;
        }
        let server = self.servers.get(ctx.server)?;
        let decision = match (server.pin?, ctx.pin) {
            (PinRequirement::Any, _) | (PinRequirement::Range, Some(PinState::Range)) => {
                Decision::Allow
            }
            _ => Decision::Block,
        };
        Some((
            decision,
            self.by(DeciderKind::Server, ctx.server, Some(server.line)),
        ))
    }

    fn rule_verdict(&self, rule: &Rule) -> (Decision, DecidedBy) {
        let by = match rule.origin {
            Origin::Builtin => self.by(DeciderKind::Builtin, &rule.id, None),
            Origin::File { line } => self.by(DeciderKind::Rule, &rule.id, Some(line)),
        };
        (rule.action, by)
    }

    fn by(&self, kind: DeciderKind, id: &str, line: Option<usize>) -> DecidedBy {
        DecidedBy {
            kind,
            id: id.to_string(),
            file: line.and(self.source.clone()),
            line,
        }
    }

    /// The audit after a scan: which exceptions went unused (given every
    /// exception the scan's verdicts applied) and which have expired.
    pub fn audit<'a>(&self, applied: impl IntoIterator<Item = &'a ExceptionNote>) -> PolicyAudit {
        let used: Vec<usize> = applied.into_iter().map(|n| n.index).collect();
        let notes = |expired: bool| -> Vec<ExceptionNote> {
            let Some(today) = self.today else {
                return Vec::new();
            };
            self.exceptions
                .iter()
                .enumerate()
                .filter(|(i, e)| e.is_expired(today) == expired && (expired || !used.contains(i)))
                .map(|(i, e)| ExceptionNote::new(i, e))
                .collect()
        };
        PolicyAudit {
            file: self.source.clone(),
            sha256: self.sha256.clone(),
            today: self.today,
            unused_exceptions: notes(false),
            expired_exceptions: notes(true),
            servers: self
                .servers
                .iter()
                .map(|(name, policy)| ServerNote {
                    name: name.clone(),
                    policy: policy.clone(),
                })
                .collect(),
        }
    }
}
