//! Parsing client config files into servers.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::clients::Client;
use super::launcher::Launch;
use super::Server;

/// Largest config file read.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// A config file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not exist.
    #[error("{0}: no such file")]
    Missing(PathBuf),
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The path is not a regular file, or is too large.
    #[error("{path}: {reason}")]
    NotReadable {
        /// The file.
        path: PathBuf,
        /// Why it was not read.
        reason: String,
    },
    /// The file is not valid JSON.
    #[error("{path}:{line}:{column}: invalid JSON: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The JSON is valid but not a config of the expected shape.
    #[error("{path}: {message}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Reads a config file, refusing anything but a regular file of at most
/// [`MAX_CONFIG_BYTES`] (FIFOs and devices would hang or never end).
pub fn read_capped(path: &Path) -> Result<String, ConfigError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::Missing(path.into()))
        }
        Err(source) => {
            return Err(ConfigError::Io {
                path: path.into(),
                source,
            })
        }
    };
    let not_readable = |reason: String| ConfigError::NotReadable {
        path: path.into(),
        reason,
    };
    if !meta.is_file() {
        return Err(not_readable("not a regular file".into()));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(not_readable(format!(
            "larger than {MAX_CONFIG_BYTES} bytes"
        )));
    }
    let io = |source| ConfigError::Io {
        path: path.into(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let text = String::from_utf8(bytes).map_err(|_| not_readable("not valid UTF-8".into()))?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

/// Parses the text of a config file of `client` into its servers.
pub fn parse_config(text: &str, path: &Path, client: &Client) -> Result<Vec<Server>, ConfigError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ConfigError::Syntax {
        path: path.into(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_string(),
    })?;
    let shape = |message: &str| ConfigError::Shape {
        path: path.into(),
        message: message.into(),
    };
    let root = root
        .as_object()
        .ok_or_else(|| shape("the top level is not a JSON object"))?;
    let client = match client {
        Client::Custom => detect_client(root),
        known => known.clone(),
    };
    let mut servers = Vec::new();
    if let Some(map) = root.get(client.servers_key()) {
        servers.extend(servers_in(map, path, &client, "user")?);
    }
    // Claude Code keeps per-project servers under `projects.<dir>.mcpServers`.
    if client == Client::ClaudeCode {
        if let Some(projects) = root.get("projects").and_then(Value::as_object) {
            for (dir, project) in projects {
                if let Some(map) = project.get("mcpServers") {
                    servers.extend(servers_in(map, path, &client, &format!("project:{dir}"))?);
                }
            }
        }
    }
    Ok(servers)
}

fn detect_client(root: &Map<String, Value>) -> Client {
    if root.contains_key("projects") {
        Client::ClaudeCode
    } else if root.contains_key("servers") && !root.contains_key("mcpServers") {
        Client::VsCode
    } else {
        Client::Custom
    }
}

fn servers_in(
    map: &Value,
    path: &Path,
    client: &Client,
    scope: &str,
) -> Result<Vec<Server>, ConfigError> {
    let map = map.as_object().ok_or_else(|| ConfigError::Shape {
        path: path.into(),
        message: format!("`{}` is not an object", client.servers_key()),
    })?;
    map.iter()
        .map(|(name, entry)| server_from(name, entry, path, client, scope))
        .collect()
}

fn server_from(
    name: &str,
    entry: &Value,
    path: &Path,
    client: &Client,
    scope: &str,
) -> Result<Server, ConfigError> {
    let shape = |message: String| ConfigError::Shape {
        path: path.into(),
        message,
    };
    let obj = entry
        .as_object()
        .ok_or_else(|| shape(format!("server `{name}` is not an object")))?;
    let command = obj
        .get("command")
        .and_then(Value::as_str)
        .map(str::to_string);
    let args = match obj.get("args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|a| a.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| shape(format!("server `{name}`: `args` must be a list of strings")))?,
        Some(_) => {
            return Err(shape(format!(
                "server `{name}`: `args` must be a list of strings"
            )))
        }
    };
    let env: BTreeMap<String, String> = obj
        .get("env")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let url = ["url", "serverUrl", "httpUrl"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str));
    let launch = Launch::from_entry(command.as_deref(), &args, url);
    Ok(Server {
        name: name.to_string(),
        client: client.clone(),
        scope: scope.to_string(),
        config_path: path.to_path_buf(),
        command,
        args,
        env,
        cwd: obj.get("cwd").and_then(Value::as_str).map(PathBuf::from),
        launch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_code_user_and_project_scopes() {
        let text = r#"{"mcpServers":{"a":{"type":"stdio","command":"npx","args":["-y","x@1.0.0"]}},
            "projects":{"/p":{"mcpServers":{"b":{"command":"uvx","args":["y"]}}}}}"#;
        let s = parse_config(text, Path::new("c.json"), &Client::ClaudeCode).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].name.as_str(), s[0].scope.as_str()), ("a", "user"));
        assert_eq!(
            (s[1].name.as_str(), s[1].scope.as_str()),
            ("b", "project:/p")
        );
    }

    #[test]
    fn vscode_uses_servers_key_and_is_detected() {
        let text = r#"{"servers":{"a":{"command":"uvx","args":["mcp-server-fetch"]}}}"#;
        let s = parse_config(text, Path::new("mcp.json"), &Client::Custom).unwrap();
        assert_eq!(s[0].client, Client::VsCode);
    }

    #[test]
    fn malformed_json_names_file_line_and_column() {
        let err = parse_config(
            "{\n  \"mcpServers\": {",
            Path::new("/h/.cursor/mcp.json"),
            &Client::Cursor,
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("/h/.cursor/mcp.json:2:"), "{msg}");
    }

    #[test]
    fn env_values_never_serialise() {
        let text = r#"{"mcpServers":{"a":{"command":"npx","args":["x"],"env":{"TOKEN":"ghp_secretvalue1234"}}}}"#;
        let s = parse_config(text, Path::new("c.json"), &Client::Cursor).unwrap();
        let json = serde_json::to_string(&s[0]).unwrap();
        assert!(
            json.contains("TOKEN") && !json.contains("ghp_secret"),
            "{json}"
        );
    }
}
