//! Turning a parsed config document into servers: every client's field
//! names normalised, variables substituted, config findings collected.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::clients::{Client, ConfigLocation};
use super::findings::{self, ConfigFinding};
use super::formats::{Format, FormatError, Node, Value};
use super::launcher::Launch;
use super::plugin;
use super::read::ConfigError;
use super::schema::{self, Entry, Schema};
use super::secrets::redact_text;
use super::substitute::Vars;
use super::{Server, Transport};
use crate::types::Scope;

/// What one config file holds.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Its servers.
    pub servers: Vec<Server>,
    /// Config-level findings (secrets, transport, variables, skipped entries…).
    pub findings: Vec<ConfigFinding>,
    /// Project folders the file names (Claude Code's `projects` map).
    pub projects: Vec<PathBuf>,
    /// Server files the file names (a Claude Code plugin manifest's
    /// `mcpServers` path), to read next.
    pub follow: Vec<ConfigLocation>,
}

/// Parses the text of a JSON config of `client` into its servers (the
/// simple entry point; [`parse_document`] does the whole job).
pub fn parse_config(text: &str, path: &Path, client: &Client) -> Result<Vec<Server>, ConfigError> {
    let schema = match client {
        Client::ClaudeCode => Schema::ClaudeCodeState,
        Client::Custom => Schema::Detect,
        Client::VsCode => Schema::Servers,
        _ => Schema::McpServers,
    };
    let location = ConfigLocation {
        path: path.to_path_buf(),
        client: client.clone(),
        schema,
        scope: Scope::User,
        explicit: true,
        root: None,
    };
    Ok(parse_document(text, &location, &Vars::default())?.servers)
}

/// Parses a config file's text as `location` describes it.
pub fn parse_document(
    text: &str,
    location: &ConfigLocation,
    vars: &Vars,
) -> Result<Parsed, ConfigError> {
    let path = &location.path;
    let root = parse_text(text, location).map_err(|(format, e)| ConfigError::Syntax {
        path: path.clone(),
        format: format.name(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    let (client, schema) = match location.schema {
        Schema::Detect => detect_with(&root, &location.client),
        s => (location.client.clone(), s),
    };
    let entries = schema::entries(&root, schema).map_err(|message| ConfigError::Shape {
        path: path.clone(),
        message,
    })?;
    let mut parsed = Parsed {
        projects: known_projects(&root, schema, path),
        ..Parsed::default()
    };
    parsed.findings.extend(findings::duplicates(&root, path));
    let (follow, refused) = plugin::referenced(&root, location);
    parsed.follow = follow;
    for r in refused {
        let line = root.get("mcpServers").map_or(root.line, |n| n.line);
        parsed
            .findings
            .push(findings::skipped_file(path, line, &r.reason));
    }
    let ctx = Context {
        client: &client,
        location,
        vars,
    };
    for entry in entries {
        match server_from(&entry, &ctx) {
            Ok((server, found)) => {
                parsed.findings.extend(found);
                parsed.servers.push(server);
            }
            Err(reason) => parsed
                .findings
                .push(findings::skipped_entry(path, &entry, &reason)),
        }
    }
    Ok(parsed)
}

/// Parses in the format the file name implies; a `--config` file of
/// unknown client may really be in another format, so TOML and then YAML
/// (when it gives a map) are tried before the JSON error is reported.
fn parse_text(text: &str, location: &ConfigLocation) -> Result<Node, (Format, FormatError)> {
    let by_name = location.format();
    let error = match by_name.parse(text) {
        Ok(node) => return Ok(node),
        Err(e) => (by_name, e),
    };
    // Only a `--config` file named like JSON whose text does not start
    // like JSON may be TOML or YAML; broken JSON stays a JSON error (YAML
    // would accept much of it).
    let starts_like_json = text.trim_start().starts_with(['{', '/']);
    if location.schema != Schema::Detect || by_name != Format::Json || starts_like_json {
        return Err(error);
    }
    [Format::Toml, Format::Yaml]
        .into_iter()
        .filter_map(|f| f.parse(text).ok())
        .find(Node::is_object)
        .ok_or(error)
}

fn detect_with(root: &Node, client: &Client) -> (Client, Schema) {
    let (detected, schema) = schema::detect(root);
    match client {
        Client::Custom => (detected, schema),
        known => (known.clone(), schema),
    }
}

/// Project folders a file names: Claude Code's and Codex's `projects` keys, a
/// `.code-workspace` file's `folders[].path` (relative to the file).
fn known_projects(root: &Node, schema: Schema, path: &Path) -> Vec<PathBuf> {
    match schema {
        // Codex lists trusted projects as `[projects."<path>"]`.
        Schema::ClaudeCodeState | Schema::CodexToml => root
            .get("projects")
            .map(|p| {
                p.members()
                    .into_iter()
                    .map(|(k, _)| PathBuf::from(k))
                    .collect()
            })
            .unwrap_or_default(),
        Schema::CodeWorkspace => {
            let base = path.parent().unwrap_or(Path::new(""));
            root.get("folders")
                .map(|f| f.items())
                .unwrap_or_default()
                .iter()
                .filter_map(|f| f.get("path").and_then(Node::as_str))
                .map(|p| base.join(p))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// What a server entry is read against.
struct Context<'a> {
    client: &'a Client,
    location: &'a ConfigLocation,
    vars: &'a Vars,
}

/// A server entry's fields as written, whatever the client calls them.
#[derive(Debug, Default)]
pub struct Written {
    /// `command` / `cmd` / `command[0]`.
    pub command: Option<String>,
    /// `args` / `command[1..]`.
    pub args: Vec<String>,
    /// `env` / `envs` / `environment`.
    pub env: Vec<(String, String)>,
    /// `headers` / `http_headers` / `requestOptions.headers`.
    pub headers: Vec<(String, String)>,
    /// `url` / `serverUrl` / `httpUrl` / `uri`.
    pub url: Option<String>,
    /// `cwd`.
    pub cwd: Option<String>,
    /// `type` / `transportType`.
    pub kind: Option<String>,
    /// True when `httpUrl` (Gemini's Streamable HTTP) held the URL.
    pub http_url: bool,
    /// `disabled: true` or `enabled: false`.
    pub disabled: bool,
}

fn strings(node: &Node, what: &str) -> Result<Vec<String>, String> {
    match &node.value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_text()
                    .ok_or_else(|| format!("`{what}` must be a list of strings"))
            })
            .collect(),
        _ => Err(format!("`{what}` must be a list of strings")),
    }
}

fn pairs(node: Option<&Node>) -> Vec<(String, String)> {
    node.map(|n| {
        n.members()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.as_text().unwrap_or_default()))
            .collect()
    })
    .unwrap_or_default()
}

/// Reads the fields of one entry; an error says which field is malformed.
pub fn written(node: &Node) -> Result<Written, String> {
    if !node.is_object() {
        return Err("the entry is not an object".into());
    }
    // Continue's legacy form nests the launch in `transport`.
    let n = node
        .get("transport")
        .filter(|t| t.is_object())
        .unwrap_or(node);
    let mut w = Written::default();
    let command = n.get_any(&["command", "cmd"]);
    match command.map(|c| (c, &c.value)) {
        Some((_, Value::String(s))) => w.command = Some(s.clone()),
        Some((c, Value::Array(_))) => {
            let mut words = strings(c, "command")?;
            if !words.is_empty() {
                w.command = Some(words.remove(0));
                w.args = words;
            }
        }
        // Zed's old form: "command": {"path", "args", "env"}. Read from the
        // command object itself, one level down: reading `n` again (when
        // the key was `cmd`) recursed until the stack overflowed (found by
        // the fuzz run: `"cmd": {}` aborted the scan).
        Some((c, Value::Object(_))) => {
            return written(c).map(|mut z| {
                z.command = c.get("path").and_then(Node::as_text);
                z
            })
        }
        Some((_, Value::Null)) | None => {}
        Some(_) => return Err("`command` must be a string".into()),
    }
    if let Some(args) = n.get("args") {
        w.args.extend(strings(args, "args")?);
    }
    w.env = pairs(n.get_any(&["env", "envs", "environment"]));
    w.headers = pairs(
        n.get_any(&["headers", "http_headers"])
            .or_else(|| n.get("requestOptions").and_then(|r| r.get("headers"))),
    );
    w.http_url = n.get("httpUrl").is_some();
    w.url = n
        .get_any(&["url", "serverUrl", "httpUrl", "uri"])
        .and_then(Node::as_text);
    w.cwd = n.get("cwd").and_then(Node::as_text);
    w.kind = n
        .get_any(&["type", "transportType"])
        .and_then(Node::as_text);
    w.disabled = node
        .get("disabled")
        .is_some_and(|d| d.value == Value::Bool(true))
        || node
            .get("enabled")
            .is_some_and(|e| e.value == Value::Bool(false));
    Ok(w)
}

fn server_from(
    entry: &Entry<'_>,
    ctx: &Context<'_>,
) -> Result<(Server, Vec<ConfigFinding>), String> {
    let w = written(entry.node)?;
    let scope = entry
        .scope
        .clone()
        .unwrap_or_else(|| ctx.location.scope.clone());
    let vars = vars_for(ctx, &scope);
    let mut unresolved = Vec::new();
    let mut sub = |s: &str| {
        let r = vars.substitute(s);
        unresolved.extend(r.unresolved);
        r.value
    };
    let command = w.command.as_deref().map(&mut sub);
    let args: Vec<String> = w.args.iter().map(|a| sub(a)).collect();
    let env: BTreeMap<String, String> = w.env.iter().map(|(k, v)| (k.clone(), sub(v))).collect();
    let headers: BTreeMap<String, String> =
        w.headers.iter().map(|(k, v)| (k.clone(), sub(v))).collect();
    let url = w.url.as_deref().map(&mut sub);
    let cwd = w.cwd.as_deref().map(&mut sub).map(PathBuf::from);
    let mut launch = Launch::from_entry(command.as_deref(), &args, url.as_deref());
    if let Launch::Remote { url } = &mut launch {
        *url = redact_text(url);
    }
    let server = Server {
        name: entry.name.clone(),
        client: ctx.client.clone(),
        scope,
        config_path: ctx.location.path.clone(),
        line: entry.node.line,
        command,
        written_args: w.args.clone(),
        args,
        env,
        headers,
        cwd,
        transport: transport(&w, ctx.client),
        disabled: w.disabled,
        launch,
    };
    let found = findings::check(&server, &w, &unresolved, &vars.home);
    Ok((server, found))
}

fn vars_for(ctx: &Context<'_>, scope: &Scope) -> Vars {
    let config_dir = ctx.location.root_dir();
    Vars {
        workspace: scope.project().map(PathBuf::from),
        bare_dollar: *ctx.client == Client::GeminiCli,
        opencode: *ctx.client == Client::Opencode,
        config_dir,
        ..ctx.vars.clone()
    }
}

fn transport(w: &Written, client: &Client) -> Transport {
    let kind = w.kind.as_deref().map(str::to_ascii_lowercase);
    match kind.as_deref() {
        Some("stdio" | "local") => return Transport::Stdio,
        Some("sse") => return Transport::Sse,
        Some("http" | "streamable-http" | "streamable_http" | "streamablehttp" | "remote") => {
            return Transport::Http
        }
        _ => {}
    }
    match (&w.command, &w.url) {
        (Some(_), _) => Transport::Stdio,
        (None, Some(_)) if w.http_url => Transport::Http,
        (None, Some(_)) if matches!(client, Client::GeminiCli | Client::Cline) => Transport::Sse,
        (None, Some(_)) => Transport::Http,
        (None, None) => Transport::Unknown,
    }
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
        assert_eq!(
            (s[0].name.as_str(), s[0].scope.to_string().as_str()),
            ("a", "user")
        );
        assert_eq!(
            (
                s[1].name.as_str(),
                s[1].scope.to_string().as_str(),
                s[1].line
            ),
            ("b", "project:/p", 2)
        );
    }

    #[test]
    fn many_repeated_keys_make_a_bounded_number_of_findings() {
        let keys = vec!["\"k\":0"; 1_000].join(",\n");
        let text = format!("{{\"mcpServers\":{{}},\"x\":{{{keys}}}}}");
        let location = ConfigLocation::explicit(PathBuf::from("mcp.json"));
        let parsed = parse_document(&text, &location, &Vars::default()).unwrap();
        let dups: Vec<_> = parsed
            .findings
            .iter()
            .filter(|f| f.code == crate::types::finding::Code::DuplicateKey)
            .collect();
        assert_eq!(dups.len(), 21, "{dups:#?}");
        assert!(dups[0].message.contains("key `k` appears more than once"));
        assert_eq!(dups[20].line, 22);
        assert!(
            dups[20]
                .message
                .contains("979 more keys appear more than once"),
            "{}",
            dups[20].message
        );
    }

    #[test]
    fn a_command_object_under_cmd_is_read_once_not_forever() {
        let location = ConfigLocation::explicit(PathBuf::from("mcp.json"));
        for text in [
            r#"{"mcpServers":{"a":{"cmd":{}}}}"#,
            r#"{"mcpServers":{"a":{"cmd":{"cmd":{"x":1}}}}}"#,
        ] {
            // Returns at all: it used to overflow the stack and abort.
            let parsed = parse_document(text, &location, &Vars::default()).unwrap();
            assert!(parsed.servers.len() <= 1, "{text}");
        }
        let text = r#"{"mcpServers":{"a":{"cmd":{"path":"npx","args":["-y","x@1.0.0"]}}}}"#;
        let parsed = parse_document(text, &location, &Vars::default()).unwrap();
        assert_eq!(parsed.servers.len(), 1);
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
    fn env_and_header_values_never_serialise() {
        let text = r#"{"mcpServers":{"a":{"command":"npx","args":["x"],"env":{"TOKEN":"ghp_secretvalue1234"},
            "headers":{"Authorization":"Bearer abcdefgh12345678"}}}}"#;
        let s = parse_config(text, Path::new("c.json"), &Client::Cursor).unwrap();
        let json = serde_json::to_string(&s[0]).unwrap();
        assert!(
            json.contains("TOKEN") && !json.contains("ghp_secret"),
            "{json}"
        );
        assert!(!json.contains("abcdefgh"), "{json}");
    }

    #[test]
    fn a_bad_entry_is_skipped_with_a_finding_not_the_whole_file() {
        let text = r#"{"mcpServers":{"bad":{"command":"npx","args":[{"x":1}]},"good":{"command":"uvx","args":["a==1"]}}}"#;
        let loc = ConfigLocation::explicit(PathBuf::from("c.json"));
        let parsed = parse_document(text, &loc, &Vars::default()).unwrap();
        assert_eq!(parsed.servers.len(), 1);
        assert_eq!(
            parsed.findings[0].code,
            crate::types::finding::Code::ConfigSkipped
        );
        assert!(parsed.findings[0].message.contains("`args` must be a list"));
    }

    #[test]
    fn format_is_sniffed_for_config_files_named_json() {
        let loc = ConfigLocation::explicit(PathBuf::from("x.json"));
        let toml = "[mcp_servers.a]\ncommand = \"uvx\"\nargs = [\"a==1\"]\n";
        assert_eq!(
            parse_document(toml, &loc, &Vars::default())
                .unwrap()
                .servers[0]
                .client,
            Client::Codex
        );
        let yaml = "extensions:\n  a:\n    type: stdio\n    cmd: uvx\n    args: [a]\n";
        assert_eq!(
            parse_document(yaml, &loc, &Vars::default())
                .unwrap()
                .servers[0]
                .client,
            Client::Goose
        );
    }

    /// Every fixture config cut at every third character never panics any parser.
    #[test]
    fn truncated_fixture_configs_never_panic() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/configs");
        let mut stack = vec![root];
        let mut files = 0;
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = e.path();
                if e.file_type().unwrap().is_dir() {
                    stack.push(path);
                    continue;
                }
                let config = ["json", "jsonc", "toml", "yaml"]
                    .iter()
                    .any(|x| path.extension().is_some_and(|e| e == *x));
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                if !config || path.ends_with("EXPECTED.json") {
                    continue;
                }
                files += 1;
                let loc = ConfigLocation::explicit(path.clone());
                for (cut, _) in text.char_indices().step_by(3) {
                    let _ = parse_document(&text[..cut], &loc, &Vars::default());
                }
            }
        }
        assert!(files > 40, "{files}");
    }
}
