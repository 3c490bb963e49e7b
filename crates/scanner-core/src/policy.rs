//! Policy: what to do with each finding.
//!
//! For now only the built-in default policy exists; user policy files come
//! with their own module.

use std::fmt;

use serde::Serialize;

use crate::finding::{Code, Severity};

/// What a policy decides for a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Reported, does not fail the run.
    Allow,
    /// Reported as a warning, does not fail the run.
    Warn,
    /// Fails the run.
    Block,
}

impl Decision {
    /// The lowercase label.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Warn => "warn",
            Decision::Block => "block",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The policy in force.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    _private: (),
}

impl Policy {
    /// The built-in default: malicious packages and critical findings block,
    /// everything else warns.
    pub fn builtin() -> Self {
        Policy::default()
    }

    /// Decides a finding; returns the decision and the rule that made it.
    pub fn decide(&self, code: Code, severity: Severity) -> (Decision, String) {
        if code == Code::MaliciousPackage {
            (Decision::Block, "builtin: malicious-package blocks".into())
        } else if severity == Severity::Critical {
            (Decision::Block, "builtin: critical severity blocks".into())
        } else {
            (Decision::Warn, "builtin: default warns".into())
        }
    }
}
