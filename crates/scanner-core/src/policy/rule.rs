//! Rules: conditions on a finding, and the action taken when they all hold.

use advisories_cache::Ecosystem;
use globset::{GlobBuilder, GlobMatcher};
use serde::Serialize;

use super::{Decision, FindingContext};
use crate::types::finding::{Code, Severity};

/// A glob over names (`*`, `?`, `[abc]`, `{a,b}`), matched case-insensitively.
#[derive(Debug, Clone)]
pub struct Glob {
    text: String,
    matcher: GlobMatcher,
}

/// Longest glob accepted: package and server names are far shorter (npm's
/// limit is 214 characters), and globset turns longer patterns into regexes
/// it may refuse to compile (it panics when it does).
pub const MAX_GLOB_LEN: usize = 512;
/// Deepest `{a,{b,c}}` nesting accepted.
pub const MAX_GLOB_NESTING: usize = 8;
/// Most `[…]` classes and `{…}` alternatives in one glob.
pub const MAX_GLOB_PARTS: usize = 64;

impl Glob {
    /// Compiles `text`; the error says what is wrong with it. Complexity is
    /// bounded before compiling (`MAX_GLOB_LEN`, `MAX_GLOB_NESTING`,
    /// `MAX_GLOB_PARTS`), so no pattern can make the compiler fail.
    pub fn new(text: &str) -> Result<Glob, String> {
        if text.is_empty() {
            return Err("an empty pattern matches nothing".into());
        }
        check_complexity(text)?;
        let glob = GlobBuilder::new(text)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| e.kind().to_string())?;
        Ok(Glob {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    /// True when `name` matches.
    pub fn is_match(&self, name: &str) -> bool {
        self.matcher.is_match(name)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Refuses globs too long or too nested to compile safely.
fn check_complexity(text: &str) -> Result<(), String> {
    let (mut depth, mut deepest, mut parts) = (0usize, 0usize, 0usize);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '{' => {
                depth += 1;
                deepest = deepest.max(depth);
                parts += 1;
            }
            '}' => depth = depth.saturating_sub(1),
            '[' | ',' => parts += 1,
            _ => {}
        }
    }
    if deepest > MAX_GLOB_NESTING {
        return Err(format!(
            "too complex: `{{…}}` nested {deepest} deep (at most {MAX_GLOB_NESTING})"
        ));
    }
    if parts > MAX_GLOB_PARTS {
        return Err(format!(
            "too complex: {parts} classes and alternatives (at most {MAX_GLOB_PARTS})"
        ));
    }
    if text.len() > MAX_GLOB_LEN {
        return Err(format!(
            "too long ({} bytes; at most {MAX_GLOB_LEN})",
            text.len()
        ));
    }
    Ok(())
}

/// Conditions of a rule; every one given must hold (an empty set matches all).
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    /// Finding codes (any of).
    pub codes: Vec<Code>,
    /// Severity labels (any of); `unscored` must be named to match unscored
    /// advisories. Only advisory findings have a severity.
    pub severities: Vec<Severity>,
    /// At least this severity; never matches `unscored`.
    pub min_severity: Option<Severity>,
    /// A CVSS base score of at least this; never matches a finding without a score.
    pub min_cvss: Option<f64>,
    /// Ecosystems (any of).
    pub ecosystems: Vec<Ecosystem>,
    /// The package name.
    pub package: Option<Glob>,
    /// The server name.
    pub server: Option<Glob>,
    /// Direct dependency of the server (`true`) or transitive (`false`); unknown never matches.
    pub direct: Option<bool>,
    /// The package has (or has not) an install script; unknown never matches.
    pub install_script: Option<bool>,
    /// The package is (or is not) the server's own package; unknown never matches.
    pub server_package: Option<bool>,
}

impl Conditions {
    /// True when every condition given holds for `ctx`.
    pub fn matches(&self, ctx: &FindingContext<'_>) -> bool {
        let any = |list_empty: bool, hit: bool| list_empty || hit;
        any(self.codes.is_empty(), self.codes.contains(&ctx.code))
            && any(
                self.severities.is_empty(),
                ctx.severity.is_some_and(|s| self.severities.contains(&s)),
            )
            && self.min_severity.is_none_or(|min| {
                ctx.severity
                    .is_some_and(|s| s != Severity::Unscored && s >= min)
            })
            && self
                .min_cvss
                .is_none_or(|min| ctx.cvss.is_some_and(|s| s >= min))
            && self.names_match(ctx)
            && self.direct.is_none_or(|d| ctx.direct == Some(d))
            && self
                .install_script
                .is_none_or(|d| ctx.install_script == Some(d))
            && self
                .server_package
                .is_none_or(|d| ctx.server_package == Some(d))
    }

    fn names_match(&self, ctx: &FindingContext<'_>) -> bool {
        let eco_ok = self.ecosystems.is_empty()
            || ctx.ecosystem.is_some_and(|e| self.ecosystems.contains(&e));
        let pkg_ok = self.package.as_ref().is_none_or(|g| {
            ctx.package
                .is_some_and(|name| g.is_match(name) || g.is_match(&normalized(ctx, name)))
        });
        let server_ok = self.server.as_ref().is_none_or(|g| g.is_match(ctx.server));
        eco_ok && pkg_ok && server_ok
    }
}

fn normalized(ctx: &FindingContext<'_>, name: &str) -> String {
    ctx.ecosystem
        .map_or_else(|| name.to_string(), |e| e.normalize_name(name))
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// supplygate's built-in default policy.
    Builtin,
    /// The user's policy file, at this 1-based line.
    File {
        /// Line of the `[[rule]]` header.
        line: usize,
    },
}

/// A rule: when its conditions hold, its action decides the finding.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its name: the `id` given, or `rule-N` by position.
    pub id: String,
    /// Where it was written.
    pub origin: Origin,
    /// What it decides.
    pub action: Decision,
    /// When it applies.
    pub when: Conditions,
}

/// The built-in rules, in order; anything they do not match gets the default (warn).
pub fn builtin_rules() -> Vec<Rule> {
    let rule = |id: &str, when: Conditions| Rule {
        id: id.to_string(),
        origin: Origin::Builtin,
        action: Decision::Block,
        when,
    };
    let code = |c: Code| Conditions {
        codes: vec![c],
        ..Conditions::default()
    };
    vec![
        rule("builtin:malicious-package", code(Code::MaliciousPackage)),
        rule("builtin:checksum-mismatch", code(Code::ChecksumMismatch)),
        // "Block deprecated packages unless explicitly approved" (MCP
        // production checklists): the server's own package blocks; a
        // deprecated transitive package only warns (the default).
        rule(
            "builtin:deprecated-server-package",
            Conditions {
                codes: vec![Code::DeprecatedPackage, Code::YankedVersion],
                server_package: Some(true),
                ..Conditions::default()
            },
        ),
        rule(
            "builtin:critical",
            Conditions {
                severities: vec![Severity::Critical],
                ..Conditions::default()
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> FindingContext<'static> {
        FindingContext {
            code: Code::VulnerableDependency,
            severity: Some(Severity::High),
            cvss: Some(7.5),
            ecosystem: Some(Ecosystem::PyPI),
            package: Some("Jinja2"),
            version: Some("3.1.0"),
            server: "fetch",
            direct: Some(false),
            install_script: None,
            ..FindingContext::default()
        }
    }

    #[test]
    fn each_condition_kind_matches_and_misses() {
        let c = ctx();
        let when = |f: fn(&mut Conditions)| {
            let mut k = Conditions::default();
            f(&mut k);
            k.matches(&c)
        };
        assert!(when(|_| {}));
        assert!(when(|k| k.codes = vec![Code::VulnerableDependency]));
        assert!(!when(|k| k.codes = vec![Code::UnpinnedServer]));
        assert!(when(|k| k.severities = vec![Severity::High]));
        assert!(!when(|k| k.severities = vec![Severity::Unscored]));
        assert!(when(|k| k.min_severity = Some(Severity::Medium)));
        assert!(!when(|k| k.min_severity = Some(Severity::Critical)));
        assert!(when(|k| k.min_cvss = Some(7.5)));
        assert!(!when(|k| k.min_cvss = Some(7.6)));
        assert!(when(|k| k.ecosystems = vec![Ecosystem::PyPI]));
        assert!(!when(|k| k.ecosystems = vec![Ecosystem::Npm]));
        assert!(when(|k| k.package = Some(Glob::new("jinja*").unwrap())));
        assert!(!when(|k| k.package = Some(Glob::new("flask").unwrap())));
        assert!(when(|k| k.server = Some(Glob::new("f?tch").unwrap())));
        assert!(!when(|k| k.server = Some(Glob::new("gdrive").unwrap())));
        assert!(when(|k| k.direct = Some(false)));
        assert!(!when(|k| k.direct = Some(true)));
        // Unknown install-script state never matches either way.
        assert!(!when(|k| k.install_script = Some(true)));
        assert!(!when(|k| k.install_script = Some(false)));
    }

    #[test]
    fn unscored_is_explicit() {
        let c = FindingContext {
            severity: Some(Severity::Unscored),
            cvss: None,
            ..ctx()
        };
        let min = Conditions {
            min_severity: Some(Severity::Unscored),
            ..Conditions::default()
        };
        assert!(!min.matches(&c), "a threshold never matches unscored");
        let cvss = Conditions {
            min_cvss: Some(0.0),
            ..Conditions::default()
        };
        assert!(!cvss.matches(&c), "a CVSS threshold needs a score");
        let named = Conditions {
            severities: vec![Severity::Unscored],
            ..Conditions::default()
        };
        assert!(named.matches(&c));
        let config_finding = FindingContext {
            code: Code::UnpinnedServer,
            severity: None,
            ..ctx()
        };
        assert!(
            !named.matches(&config_finding),
            "only advisories have a severity"
        );
        assert!(!min.matches(&config_finding));
    }

    #[test]
    fn scoped_npm_glob_and_bad_globs() {
        let g = Glob::new("@modelcontextprotocol/*").unwrap();
        assert!(g.is_match("@modelcontextprotocol/server-gdrive"));
        assert!(Glob::new("node-[fetch").is_err());
    }

    #[test]
    fn glob_complexity_is_bounded_before_compiling() {
        // hostile/policy-glob-panic: these made globset panic.
        let nested = format!("{}b{}", "{a,".repeat(150), "}".repeat(150));
        assert!(Glob::new(&nested).unwrap_err().contains("nested 150 deep"));
        let classes = "[a-z]".repeat(150_000);
        assert!(Glob::new(&classes).unwrap_err().contains("150000 classes"));
        // The worst patterns inside the bounds still compile.
        let deep = format!("{}b{}", "{a,".repeat(8), "}".repeat(8));
        assert!(Glob::new(&deep).is_ok());
        let many = "[^a]".repeat(MAX_GLOB_PARTS);
        assert!(Glob::new(&many).is_ok());
        let alternatives = format!("{{{}}}", vec!["[^a]*?"; 32].join(","));
        assert!(Glob::new(&alternatives).is_ok());
        assert!(Glob::new("").is_err());
    }
}
