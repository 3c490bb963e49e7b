//! Where a server entry lives: the user's own config, a project, a
//! machine-wide file, a profile, an extension…

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// The scope of a config file or server entry. Serialised as text, the way
/// reports always wrote it: `user`, `project:<path>`, `profile:<id>`, …
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// The user's own config.
    User,
    /// A project folder's config (`project:<path>`).
    Project(PathBuf),
    /// A VS Code multi-root workspace file (`workspace:<path>`).
    Workspace(PathBuf),
    /// A managed (enterprise) config.
    Managed,
    /// A machine-wide config.
    System,
    /// A plugin's server file.
    Plugin,
    /// A client profile (`profile:<id>`).
    Profile(String),
    /// A client extension (`extension:<id>`).
    Extension(String),
    /// An agent definition.
    Agent,
}

impl Scope {
    /// The project folder, for project scopes.
    pub fn project(&self) -> Option<&std::path::Path> {
        match self {
            Scope::Project(p) => Some(p),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::User => f.write_str("user"),
            Scope::Project(p) => write!(f, "project:{}", p.display()),
            Scope::Workspace(p) => write!(f, "workspace:{}", p.display()),
            Scope::Managed => f.write_str("managed"),
            Scope::System => f.write_str("system"),
            Scope::Plugin => f.write_str("plugin"),
            Scope::Profile(id) => write!(f, "profile:{id}"),
            Scope::Extension(id) => write!(f, "extension:{id}"),
            Scope::Agent => f.write_str("agent"),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A scope text that names no scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a scope (user, project:<path>, workspace:<path>, managed, system, plugin, profile:<id>, extension:<id>, agent)")]
pub struct ScopeError(pub String);

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(text: &str) -> Result<Scope, ScopeError> {
        let bad = || ScopeError(text.to_string());
        Ok(match text.split_once(':') {
            None => match text {
                "user" => Scope::User,
                "managed" => Scope::Managed,
                "system" => Scope::System,
                "plugin" => Scope::Plugin,
                "agent" => Scope::Agent,
                _ => return Err(bad()),
            },
            Some((_, "")) => return Err(bad()),
            Some(("project", p)) => Scope::Project(PathBuf::from(p)),
            Some(("workspace", p)) => Scope::Workspace(PathBuf::from(p)),
            Some(("profile", id)) => Scope::Profile(id.to_string()),
            Some(("extension", id)) => Scope::Extension(id.to_string()),
            Some(_) => return Err(bad()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_back_what_they_write() {
        for text in [
            "user",
            "project:/p/q",
            "workspace:/w.code-workspace",
            "managed",
            "system",
            "plugin",
            "profile:ci",
            "extension:x.y",
            "agent",
        ] {
            let scope: Scope = text.parse().unwrap();
            assert_eq!(scope.to_string(), text);
            assert_eq!(serde_json::to_value(&scope).unwrap(), text);
        }
        assert_eq!(
            "profile:ci:x".parse::<Scope>().unwrap(),
            Scope::Profile("ci:x".into())
        );
        assert!("project:".parse::<Scope>().is_err());
        assert!("nobody".parse::<Scope>().is_err());
    }
}
