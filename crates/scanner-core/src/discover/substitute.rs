//! Variable substitution in config values, the way the clients do it:
//! `${VAR}`, `${VAR:-default}`, `${env:VAR}`, `$VAR` (Gemini), `${userHome}`,
//! `${workspaceFolder}`, `${workspaceFolderBasename}`, `${pathSeparator}`,
//! `${/}`, `${CLAUDE_PLUGIN_ROOT}`, `${__dirname}`, opencode's `{env:VAR}`
//! and Windows `%VAR%`. Prompt-time inputs (`${input:…}`), hub secrets
//! (`${{ secrets.X }}`), `${file:…}`, opencode's `{file:…}` (files are never
//! read) and bundle user settings are never guessed: they are reported as
//! unresolved.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What variables resolve to.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    /// The environment the client would pass on.
    pub env: BTreeMap<String, String>,
    /// The user's home.
    pub home: PathBuf,
    /// The project folder, for project-scoped configs.
    pub workspace: Option<PathBuf>,
    /// The folder of the config file (plugin root, bundle dir).
    pub config_dir: Option<PathBuf>,
    /// Expand bare `$VAR` too (Gemini CLI does in `env`).
    pub bare_dollar: bool,
    /// Expand opencode's `{env:VAR}` and report its `{file:…}`.
    pub opencode: bool,
    /// Expand Windows `%VAR%` (configs read with the Windows layout).
    pub percent: bool,
}

/// A value after substitution, and every reference that did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    /// The value with resolvable references replaced; unresolved ones kept as written.
    pub value: String,
    /// The references that could not be resolved, as written (`${input:token}`).
    pub unresolved: Vec<String>,
}

impl Vars {
    /// Substitutes every reference in `text`.
    pub fn substitute(&self, text: &str) -> Substituted {
        let mut out = Substituted {
            value: String::new(),
            unresolved: Vec::new(),
        };
        let mut rest = text;
        let mut braces = NextBrace::new(text);
        while let Some(at) = rest.find(|c| self.opens_reference(c)) {
            out.value.push_str(&rest[..at]);
            rest = &rest[at..];
            let (len, resolved) = self.reference(rest, &mut braces);
            let written = &rest[..len];
            match resolved {
                Some(v) => out.value.push_str(&v),
                None => {
                    out.value.push_str(written);
                    if len > 1 {
                        out.unresolved.push(written.to_string());
                    }
                }
            }
            rest = &rest[len..];
        }
        out.value.push_str(rest);
        out
    }

    fn opens_reference(&self, c: char) -> bool {
        c == '$' || (c == '{' && self.opencode) || (c == '%' && self.percent)
    }

    /// The length of the reference at the start of `s` (which starts with
    /// `$`, `{` or `%`) and its value, if it resolves. A character that
    /// starts no reference has length 1 and stands for itself.
    fn reference(&self, s: &str, braces: &mut NextBrace<'_>) -> (usize, Option<Cow<'static, str>>) {
        match s.as_bytes()[0] {
            b'{' => return self.opencode_reference(s, braces),
            b'%' => return self.percent_reference(s),
            _ => {}
        }
        if let Some(inner) = s.strip_prefix("${{") {
            let len = inner.find("}}").map_or(s.len(), |e| e + 5);
            return (len, None);
        }
        if let Some(inner) = s.strip_prefix("${") {
            let Some(end) = braces.after(s, 2) else {
                return (1, Some("$".into()));
            };
            return (end + 3, self.braced(&inner[..end]).map(Cow::Owned));
        }
        let name_len = s[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len() - 1);
        if !self.bare_dollar || name_len == 0 || s[1..].starts_with(|c: char| c.is_ascii_digit()) {
            return (1, Some("$".into()));
        }
        (
            name_len + 1,
            self.env.get(&s[1..=name_len]).cloned().map(Cow::Owned),
        )
    }

    /// opencode's `{env:VAR}` (unset is unresolved) and `{file:path}`
    /// (never read: always unresolved).
    fn opencode_reference(
        &self,
        s: &str,
        braces: &mut NextBrace<'_>,
    ) -> (usize, Option<Cow<'static, str>>) {
        let end = braces.after(s, 0);
        match (end, &s[1..]) {
            (Some(end), inner) if inner.starts_with("env:") => {
                (end + 1, self.env.get(&s[5..end]).cloned().map(Cow::Owned))
            }
            (Some(end), inner) if inner.starts_with("file:") => (end + 1, None),
            _ => (1, Some("{".into())),
        }
    }

    /// Windows `%VAR%`: the name starts with a letter or `_`; names match
    /// case-insensitively, as on Windows. Anything else (`%20`, `100%`)
    /// stands for itself.
    fn percent_reference(&self, s: &str) -> (usize, Option<Cow<'static, str>>) {
        let Some(end) = s[1..].find('%').map(|e| e + 1) else {
            return (1, Some("%".into()));
        };
        let name = &s[1..end];
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_()".contains(c));
        if !valid {
            return (1, Some("%".into()));
        }
        let value = self.env.get(name).cloned().or_else(|| {
            self.env
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        });
        (end + 1, value.map(Cow::Owned))
    }

    fn braced(&self, inner: &str) -> Option<String> {
        let path = |p: &PathBuf| p.display().to_string();
        match inner {
            "userHome" => Some(path(&self.home)),
            "workspaceFolder" => self.workspace.as_ref().map(path),
            "workspaceFolderBasename" => self
                .workspace
                .as_ref()
                .and_then(|w| w.file_name())
                .map(|n| n.to_string_lossy().into_owned()),
            "pathSeparator" | "/" => Some(std::path::MAIN_SEPARATOR.to_string()),
            "CLAUDE_PLUGIN_ROOT" | "__dirname" => self.config_dir.as_ref().map(path),
            _ => self.variable(inner),
        }
    }

    fn variable(&self, inner: &str) -> Option<String> {
        if let Some(name) = inner.strip_prefix("env:") {
            return self.env.get(name).cloned();
        }
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return None;
        }
        self.env
            .get(name)
            .filter(|v| !v.is_empty() || default.is_none())
            .cloned()
            .or_else(|| default.map(str::to_string))
    }
}

/// Where the next `}` is, remembered across references: the scan only moves
/// forward, so each byte of a value is searched once however many `${` or
/// `{` open without closing (a value of a million `${` stays linear).
struct NextBrace<'t> {
    text: &'t str,
    /// The last answer: the offset searched from and the `}` found (absolute).
    last: Option<(usize, Option<usize>)>,
}

impl<'t> NextBrace<'t> {
    fn new(text: &'t str) -> Self {
        NextBrace { text, last: None }
    }

    /// The offset in `s` (a suffix of the text) of the first `}` at or after
    /// `s[skip..]`, relative to `s[skip..]`.
    fn after(&mut self, s: &str, skip: usize) -> Option<usize> {
        let from = self.text.len() - s.len() + skip;
        let found = match self.last {
            Some((_, Some(at))) if at >= from => Some(at),
            Some((searched, None)) if searched <= from => None,
            _ => self.text[from..].find('}').map(|i| i + from),
        };
        self.last = Some((from, found));
        found.map(|at| at - from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        Vars {
            env: [("TOKEN".to_string(), "abc".to_string())].into(),
            home: PathBuf::from("/h"),
            workspace: Some(PathBuf::from("/w/proj")),
            config_dir: Some(PathBuf::from("/plug")),
            ..Vars::default()
        }
    }

    #[test]
    fn every_documented_form() {
        let v = vars();
        for (input, want) in [
            ("${TOKEN}", "abc"),
            ("${MISSING:-d}", "d"),
            ("${env:TOKEN}", "abc"),
            ("${userHome}/x", "/h/x"),
            ("${workspaceFolder}", "/w/proj"),
            ("${workspaceFolderBasename}", "proj"),
            ("${CLAUDE_PLUGIN_ROOT}/s.js", "/plug/s.js"),
            ("$TOKEN", "$TOKEN"),
            ("a$ b", "a$ b"),
        ] {
            let s = v.substitute(input);
            assert_eq!((s.value.as_str(), s.unresolved.len()), (want, 0), "{input}");
        }
        let bare = Vars {
            bare_dollar: true,
            ..vars()
        };
        assert_eq!(bare.substitute("x$TOKEN/y").value, "xabc/y");
    }

    #[test]
    fn inputs_and_secrets_are_reported_never_guessed() {
        let v = vars();
        for input in [
            "${input:api_key}",
            "${{ secrets.KEY }}",
            "${MISSING}",
            "${file:/etc/x}",
            "${user_config.key}",
        ] {
            let s = v.substitute(input);
            assert_eq!(s.unresolved, vec![input.to_string()], "{input}");
            assert_eq!(s.value, input);
        }
    }

    #[test]
    fn opencode_env_resolves_and_file_is_never_read() {
        let v = Vars {
            opencode: true,
            ..vars()
        };
        assert_eq!(v.substitute("Bearer {env:TOKEN}").value, "Bearer abc");
        for input in ["{env:MISSING}", "{file:~/.secrets/key}"] {
            assert_eq!(v.substitute(input).unresolved, vec![input.to_string()]);
        }
        let json = r#"{"a": 1} {envy}"#;
        assert_eq!(v.substitute(json).value, json);
        // Without the opencode flag braces are plain text.
        assert_eq!(vars().substitute("{env:TOKEN}").value, "{env:TOKEN}");
    }

    #[test]
    fn windows_percent_variables_resolve_case_insensitively() {
        let v = Vars {
            percent: true,
            ..vars()
        };
        assert_eq!(v.substitute("%token%\\x").value, "abc\\x");
        assert_eq!(v.substitute("%MISSING%").unresolved, vec!["%MISSING%"]);
        for literal in ["100%", "a%20b%20c", "%%", "50% off", "%1%"] {
            let s = v.substitute(literal);
            assert_eq!((s.value.as_str(), s.unresolved.len()), (literal, 0));
        }
        assert_eq!(vars().substitute("%TOKEN%").value, "%TOKEN%");
    }
}
