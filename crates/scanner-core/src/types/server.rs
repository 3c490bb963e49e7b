//! A server's identity.

use std::fmt;
use std::path::PathBuf;

use super::Scope;

/// Which server: the config file and scope that name it, and its name
/// there. The name alone is not an identity: the same name in two clients'
/// configs (or two projects of one file) is the normal case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId {
    /// The config file that names it.
    pub config: PathBuf,
    /// The scope of the entry in that file.
    pub scope: Scope,
    /// Its name in that scope.
    pub name: String,
}

impl ServerId {
    /// The identity of `name` in `scope` of `config`.
    pub fn new(config: PathBuf, scope: Scope, name: impl Into<String>) -> Self {
        ServerId {
            config,
            scope,
            name: name.into(),
        }
    }
}

/// Shows the name: what a person calls the server.
impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
