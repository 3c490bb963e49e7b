//! Command-line arguments.

use std::path::PathBuf;

use advisories_cache::Ecosystem;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::HumanDuration;

/// supplygate: check the installed trees of your MCP servers against OSV
/// advisories, and gate their launch on a policy.
#[derive(Debug, Parser)]
#[command(name = "supplygate", version, about, max_term_width = 100)]
pub struct Cli {
    /// The advisories store folder, for `scan`, `vet` and `db` (which also
    /// take it after their name) [default: the user's cache dir, supplygate/].
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,

    /// No progress bars and no informational messages on stderr; errors,
    /// warnings and hints are still written.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan every configured MCP server's installed tree.
    Scan(ScanArgs),
    /// Manage the local advisories store.
    #[command(subcommand)]
    Db(DbCommand),
    /// List every MCP config file looked at and every server found, without
    /// checking packages.
    Inventory(InventoryArgs),
    /// Check or start a policy file (`supplygate.toml`).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print every path from a server to an installed package (like `npm explain`).
    Explain(ExplainArgs),
    /// Vet servers before installing them: resolve what each launch command
    /// (or config entry) would install now, without installing it or running
    /// package code, and check it like `scan`.
    Vet(VetArgs),
    /// Signed receipts: make a key pair, verify receipts and a receipt log.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
    /// Print a shell completion script (e.g. `supplygate completions bash >
    /// ~/.local/share/bash-completion/completions/supplygate`).
    Completions {
        /// The shell to complete for.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page, or with --out write one page per command
    /// (`supplygate.1`, `supplygate-scan.1`, …) into a folder.
    Man {
        /// The folder for the pages (created if missing).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `receipt` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Write a new Ed25519 key pair: DIR/supplygate.key (PKCS#8 PEM, mode
    /// 0600) and DIR/supplygate.pub (SPKI PEM).
    Keygen {
        /// The folder (created if missing); existing keys are never replaced.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Check every signature, the chain of a receipt log and, with --home /
    /// --project / --config, whether the trees on disk are still the ones the
    /// (last) receipt approved. Exit 0 valid and unchanged, 1 invalid or
    /// drifted, 2 bad input.
    Verify(VerifyArgs),
}

/// Options of `receipt verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A receipt file, or a receipt log folder.
    #[arg(value_name = "FILE|DIR")]
    pub path: PathBuf,

    /// The public key (SPKI PEM).
    #[arg(long, value_name = "PUB")]
    pub key: PathBuf,

    /// Where to look for the trees now (drift is checked only when one of
    /// --home, --project or --config is given).
    #[command(flatten)]
    pub discovery: DiscoveryArgs,
}

/// Options of `vet`.
#[derive(Debug, Args)]
pub struct VetArgs {
    /// Launch commands as pasted, one per argument: 'npx -y pkg@1.2.3',
    /// 'uvx --from pkg==1.0 cmd', 'npm exec --package=pkg -- cmd', 'pipx run pkg'.
    #[arg(value_name = "SERVER")]
    pub servers: Vec<String>,

    /// Vet only this server of the --config files (repeatable).
    #[arg(long = "server", value_name = "NAME")]
    pub only: Vec<String>,

    /// The client style of the pinned snippet printed for each server.
    #[arg(long, value_enum, default_value_t = ClientStyle::McpServers)]
    pub client: ClientStyle,

    /// For a blocked or warned server, how many newer releases to resolve
    /// and check (newest first) looking for one without what held it back;
    /// 0 turns the search off.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub remedy_tries: usize,

    /// Scan options (policy, advisories, formats, --config).
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// Config styles a pinned snippet is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientStyle {
    /// `{"mcpServers": {...}}`: Claude Desktop, Claude Code, Cursor, Windsurf and most others.
    McpServers,
    /// VS Code `.vscode/mcp.json`: `{"servers": {...}}`.
    Vscode,
    /// Codex `config.toml`: `[mcp_servers.NAME]`.
    Codex,
}

/// Options of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The package: `name` or `name@version` (`@scope/name@1.2.3`).
    #[arg(value_name = "NAME[@VERSION]", value_parser = package_spec)]
    pub package: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Table)]
    pub format: ExplainFormat,

    /// Where to look.
    #[command(flatten)]
    pub discovery: DiscoveryArgs,
}

/// Formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// One path per line: `server > package@version > …`.
    Table,
    /// `{"package", "paths": [[server, package@version, …]], "truncated"}`.
    Json,
}

/// A package argument: a name is required (`""`, `@1.0` and blanks are not one).
fn package_spec(text: &str) -> Result<String, String> {
    let name = text.strip_prefix('@').map_or(text, |rest| rest);
    if name.trim().is_empty() || name.starts_with('@') {
        return Err("a package name is required, e.g. `ms` or `ms@2.1.3`".into());
    }
    Ok(text.to_string())
}

/// The advisories store, for the commands that read or write it.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The advisories store folder [default: the user's cache dir, supplygate/].
    #[arg(long = "db", env = "SUPPLYGATE_DB", value_name = "DIR")]
    pub db: Option<PathBuf>,
}

/// Where discovery looks: shared by `scan` and `inventory`.
#[derive(Debug, Clone, Args)]
pub struct DiscoveryArgs {
    /// The home folder whose client configs, npm and uv caches are read [default: $HOME].
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Read this MCP config file too (repeatable); its client and format are detected.
    #[arg(long = "config", value_name = "FILE")]
    pub configs: Vec<PathBuf>,

    /// Read this project folder's MCP configs too (repeatable), besides the
    /// projects the clients know of.
    #[arg(long = "project", value_name = "DIR")]
    pub projects: Vec<PathBuf>,

    /// Read only the files given with --config and --project, not the well-known locations.
    #[arg(long)]
    pub no_default_configs: bool,

    /// The folder layout of --home [default: the running OS].
    #[arg(long, value_enum)]
    pub os: Option<OsArg>,
}

/// Operating-system folder layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OsArg {
    /// Linux (XDG).
    Linux,
    /// macOS.
    Macos,
    /// Windows.
    Windows,
}

/// Options of `inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Where to look.
    #[command(flatten)]
    pub discovery: DiscoveryArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = InventoryFormat::Table)]
    pub format: InventoryFormat,

    /// List missing well-known locations in the table too (JSON always has them).
    #[arg(long, short)]
    pub verbose: bool,

    /// The policy whose `[server.NAME]` owners and pin requirements are shown.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Formats of `inventory` (findings and packages are `scan`'s formats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    /// A readable table: files, servers, config findings.
    Table,
    /// Everything discovery saw, as JSON.
    Json,
}

/// `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file; report every problem with file, line and column.
    Check {
        /// The policy file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The date exceptions are checked against [default: today, UTC].
        #[arg(long, env = "SUPPLYGATE_TODAY", value_name = "YYYY-MM-DD")]
        today: Option<String>,
    },
    /// Print a commented starter policy on stdout (redirect it into supplygate.toml).
    Init,
}

/// Options of `scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The advisories store.
    #[command(flatten)]
    pub store: StoreArgs,

    /// Use only the local advisories store; never touch the network.
    #[arg(long)]
    pub offline: bool,

    /// The OSV-compatible API asked for every package (https, or http on
    /// loopback); ignored with --offline.
    #[arg(
        long,
        env = "SUPPLYGATE_OSV_URL",
        value_name = "URL",
        default_value = advisories_cache::osv_api::DEFAULT_API_URL
    )]
    pub osv_url: String,

    /// If the online lookup fails, fall back to the local store when every
    /// ecosystem in use was imported less than DURATION ago (e.g. 7d, 12h).
    #[arg(long, value_name = "DURATION", conflicts_with = "offline")]
    pub max_staleness: Option<HumanDuration>,

    #[command(flatten)]
    pub net: NetArgs,

    /// Where to look.
    #[command(flatten)]
    pub discovery: DiscoveryArgs,

    /// Do not verify installed files (RECORD, cached npm tarballs); every
    /// package is then reported `unverified`.
    #[arg(long)]
    pub no_verify: bool,

    /// Read every installed file again: do not use or update the
    /// verification cache kept beside the advisories store (files unchanged
    /// since an earlier scan verified them, by device, inode, size, mtime
    /// and ctime, are otherwise not read again).
    #[arg(long)]
    pub no_verify_cache: bool,

    /// The image a `docker run`/`podman run` server uses, as an OCI image
    /// layout folder or a `docker save` tar (repeatable). Nothing is run.
    #[arg(long = "image-archive", value_name = "IMAGE=PATH")]
    pub image_archives: Vec<scanner_core::resolve::ImageArchive>,

    /// Do not export images from the local Docker/Podman store: without it,
    /// an image no --image-archive covers is exported with `docker image
    /// save` / `podman image save` (never run, created or pulled) into a
    /// private temporary folder and read.
    #[arg(long)]
    pub no_image_store: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to FILE instead of stdout, atomically (a temporary
    /// file beside it, then renamed): a reader never sees half a report.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The source root SARIF locations are relative to (`%SRCROOT%`)
    /// [default: the first --project folder].
    #[arg(long, value_name = "DIR")]
    pub sarif_root: Option<PathBuf>,

    /// Which policy decides.
    #[command(flatten)]
    pub policy: PolicyArgs,

    /// A server whose tree is not installed is resolved from the registry
    /// (npm/uv with scripts and builds off) instead of ending as
    /// tree-not-installed: for fresh CI runners.
    #[arg(long)]
    pub resolve_missing: bool,

    /// Versions published less than this long ago are `too-new` [default:
    /// the policy's `min-age`, else 2d].
    #[arg(long, value_name = "DURATION")]
    pub min_age: Option<HumanDuration>,

    /// Longest one npm/uv resolution may take.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub resolve_timeout: HumanDuration,

    /// The Python a uvx/pipx server runs on, for resolving it (`3.12`, or
    /// an interpreter path) when its launch command has no `--python`
    /// [default: `UV_PYTHON`, else the first Python on PATH, as uvx].
    #[arg(long, value_name = "VERSION|PATH")]
    pub python: Option<String>,

    /// An earlier `--format json` report: mark findings `new` or
    /// `unchanged`, list resolved ones and every tree change.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub baseline: Option<PathBuf>,

    /// Which blocking findings exit 1: `any` (the launch gate) or only
    /// those not in the --baseline (`new`, the nightly alert).
    #[arg(long, value_enum, default_value_t = FailOnArg::Any, requires = "baseline")]
    pub fail_on: FailOnArg,

    /// Also write a signed receipt (DSSE envelope of an in-toto statement) to FILE.
    #[arg(long, value_name = "FILE")]
    pub receipt: Option<PathBuf>,

    /// Also append a signed receipt to the receipt log in DIR (numbered
    /// files, each chained to the previous one).
    #[arg(long, value_name = "DIR")]
    pub receipt_log: Option<PathBuf>,

    /// The Ed25519 private key (PKCS#8 PEM) that signs receipts.
    #[arg(
        long,
        env = "SUPPLYGATE_SIGNING_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub signing_key: Option<PathBuf>,
}

/// Values of `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Every blocking finding fails the run.
    Any,
    /// Only blocking findings that are not in the baseline fail the run.
    New,
}

/// Where the policy comes from, shared by `scan` and `inventory`.
#[derive(Debug, Clone, Args)]
pub struct PolicyArgs {
    /// The policy file [default: the built-in policy].
    #[arg(long = "policy", value_name = "FILE", conflicts_with = "policy_dir")]
    pub file: Option<PathBuf>,

    /// The folder whose `supplygate.toml` is the policy [default: the first
    /// --project folder]; the built-in policy when it has none.
    #[arg(long, value_name = "DIR")]
    pub policy_dir: Option<PathBuf>,

    /// The date exceptions are checked against [default: today, UTC].
    #[arg(long, env = "SUPPLYGATE_TODAY", value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table, one finding per line.
    Table,
    /// The whole report as JSON.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// A CycloneDX 1.6 JSON SBOM of the resolved trees, with vulnerabilities.
    Cyclonedx,
    /// Markdown, for a pull-request comment or a ticket.
    Markdown,
}

/// `db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import OSV records: an osv.dev all.zip, a .json record, or a folder of them.
    Import {
        /// The sources to import, each in its own transaction.
        #[arg(required = true, value_name = "PATH")]
        sources: Vec<PathBuf>,
        /// The advisories store.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show what the store holds, per ecosystem.
    Status {
        /// The advisories store.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Download osv.dev's <ECOSYSTEM>/all.zip and import it; nothing is
    /// replaced unless the download is complete and every record imports.
    Update(UpdateArgs),
}

/// Options of `db update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Ecosystems to update (comma-separated): npm, PyPI, Debian, Ubuntu, Alpine, Go
    /// [default: npm,PyPI].
    #[arg(long = "ecosystem", value_name = "ECO", value_delimiter = ',')]
    pub ecosystems: Vec<Ecosystem>,

    /// Where <ECOSYSTEM>/all.zip is published (https, or http on loopback).
    #[arg(
        long,
        env = "SUPPLYGATE_OSV_DATA_URL",
        value_name = "URL",
        default_value = advisories_cache::osv_api::DEFAULT_DATA_URL
    )]
    pub data_url: String,

    /// Largest archive accepted: bytes, or a number and a unit (2GiB, 500MB, 1.5GiB).
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = crate::size::parse)]
    pub max_size: u64,

    /// The advisories store.
    #[command(flatten)]
    pub store: StoreArgs,

    #[command(flatten)]
    pub net: NetArgs,
}

/// Network patience, shared by `scan` and `db update`.
#[derive(Debug, Args)]
pub struct NetArgs {
    /// Longest one HTTP request may take.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub http_timeout: HumanDuration,

    /// Longest all HTTP requests of the run may take together; then fail closed.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub http_deadline: HumanDuration,
}
