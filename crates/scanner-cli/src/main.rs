//! The `supplygate` command.

#[macro_use]
mod output;
mod atomic_file;

mod args;
mod baseline;
mod discovery;
mod docs;
mod duration;
mod exit;
mod explain;
mod image_store;
mod online;
mod policy;
mod receipt;
mod render;
mod resolver;
mod size;
mod ui;
mod verify_cache;
mod vet;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use advisories_cache::{ImportLimits, ImportSource, Store, StoreError};
use anyhow::{Context, Result};
use clap::Parser;
use scanner_core::baseline::FailOn;
use scanner_core::resolve::{ResolveMode, ResolveOptions, VerifyProgress};
use scanner_core::{Report, Resolution, ScanOptions};

use crate::args::{
    Cli, Command, DbCommand, FailOnArg, Format, PolicyCommand, ReceiptCommand, ScanArgs, StoreArgs,
    VerifyArgs,
};
use crate::discovery::discover_options;
use crate::exit::Exit;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Invalid.into()
            } else {
                Exit::Passed.into()
            };
        }
    };
    match run(cli) {
        Ok(exit) => exit.into(),
        // Commands without a verdict (db status, policy init) whose reader
        // went away: nothing went wrong. Commands with one keep it themselves.
        Err(e) if output::is_broken_pipe(&e) => Exit::Passed.into(),
        Err(e) if e.is::<policy::Reported>() => Exit::Invalid.into(),
        Err(e) if e.is::<EarlyExit>() => e
            .downcast_ref::<EarlyExit>()
            .map_or(Exit::Invalid, |x| x.0)
            .into(),
        Err(e) => {
            say!("error: {}", output::causes(&e));
            Exit::Invalid.into()
        }
    }
}

fn run(cli: Cli) -> Result<Exit> {
    ui::init(cli.quiet);
    // `--db` after the command name wins over `supplygate --db DIR command`.
    let db = |store: &StoreArgs| store_dir(store.db.clone().or_else(|| cli.db.clone()));
    match cli.command {
        Command::Scan(args) => scan(&db(&args.store)?, args),
        Command::Db(DbCommand::Import { sources, store }) => import(&db(&store)?, &sources),
        Command::Db(DbCommand::Status { store }) => status(&db(&store)?),
        Command::Inventory(args) => discovery::inventory(args),
        Command::Policy(PolicyCommand::Check { file, today }) => {
            policy::check(&file, policy::today(today.as_deref())?)
        }
        Command::Policy(PolicyCommand::Init) => policy::init(),
        Command::Explain(args) => explain::run(args),
        Command::Vet(args) => vet::run(&db(&args.scan.store)?, args),
        Command::Receipt(ReceiptCommand::Keygen { out }) => keygen(&out),
        Command::Receipt(ReceiptCommand::Verify(args)) => verify(args),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { out } => docs::man(out.as_deref()),
        Command::Db(DbCommand::Update(args)) => {
            online::update(&mut open_store(&db(&args.store)?)?, &args)
        }
    }
}

fn store_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    let cache =
        dirs::cache_dir().context("no cache folder is known for this user; pass --db DIR")?;
    Ok(cache.join("supplygate"))
}

fn open_store(db: &std::path::Path) -> Result<Store> {
    Store::open(db).with_context(|| format!("cannot open the advisories store in {}", db.display()))
}

/// The store for a reader, which never creates one: `None` (after saying so
/// and what to run) when `db` holds no store.
fn open_existing_store(db: &std::path::Path) -> Result<Option<Store>> {
    match Store::open_existing(db) {
        Ok(store) => Ok(Some(store)),
        Err(StoreError::Missing { path }) => {
            eprintln!(
                "error: no advisories store at {}\nhint: create it with `supplygate --db {} db update` (or `db import FILE`)",
                path.display(),
                db.display()
            );
            Ok(None)
        }
        Err(e) => {
            Err(e).with_context(|| format!("cannot open the advisories store in {}", db.display()))
        }
    }
}

/// A mistyped `--image-archive` path is bad input, not an unchecked server.
fn checked_archives(
    archives: &[scanner_core::resolve::ImageArchive],
) -> Result<Vec<scanner_core::resolve::ImageArchive>> {
    for a in archives {
        if !a.path.exists() {
            anyhow::bail!(
                "--image-archive {}={}: no such file or folder\nhint: give an OCI image layout folder or a `docker save` tar",
                a.image,
                a.path.display()
            );
        }
    }
    Ok(archives.to_vec())
}

fn scan(db: &std::path::Path, args: ScanArgs) -> Result<Exit> {
    let discover = discover_options(args.discovery.clone())?;
    let mode = if args.resolve_missing {
        ResolveMode::InstalledElseResolve
    } else {
        ResolveMode::Installed
    };
    let receipt = receipt_plan(&args)?;
    let inventory = scanner_core::discover::discover(&discover)?;
    let configs = receipt::parsed_configs(&inventory);
    let home = discover.home.clone();
    let report = check(db, &args, discover, inventory, mode)?;
    let exit: Exit = report.summary.outcome.into();
    if let Some(plan) = &receipt {
        let mut json = Vec::new();
        render::json::write(&mut json, &report)?;
        let facts = receipt::RunFacts {
            report_json: &json,
            configs: &configs,
            home: &home,
            exit_code: exit as i32,
        };
        receipt::write(plan, &report, &facts)?;
    }
    render(&args, &report, |_| Ok(()))?;
    Ok(exit)
}

/// Resolves, matches and decides: what `scan` and `vet` share.
fn check(
    db: &std::path::Path,
    args: &ScanArgs,
    discover: scanner_core::discover::DiscoverOptions,
    inventory: scanner_core::discover::Inventory,
    mode: ResolveMode,
) -> Result<Report> {
    let home = discover.home.clone();
    let today = policy::today(args.policy.today.as_deref())?;
    let policy_file = policy::locate(
        args.policy.file.clone(),
        args.policy.policy_dir.clone(),
        &discover.projects,
    )?;
    // A reader never creates a store: offline, a missing one matches nothing
    // and makes the run incomplete.
    let mut store = if args.offline {
        open_existing_store(db)?
    } else {
        Some(open_store(db)?)
    };
    let missing_store = store.is_none();
    let policy_text = policy::read(policy_file.as_deref())?;
    let baseline = args.baseline.as_deref().map(baseline::load).transpose()?;
    // Only beside a store that was opened: a reader never creates state.
    let cached = (!args.no_verify && !args.no_verify_cache && store.is_some())
        .then(|| verify_cache::load(db, std::time::SystemTime::now()));
    let mut image_archives = checked_archives(&args.image_archives)?;
    // Lives until the scan is decided: the exported archives are read from it.
    let exports = image_store::export_missing(
        &inventory,
        &image_archives,
        !args.no_image_store,
        args.resolve_timeout.0,
    );
    image_archives.extend(exports.archives.iter().cloned());
    let mut options = ScanOptions {
        discover,
        resolve: ResolveOptions {
            home: home.clone(),
            verify: !args.no_verify,
            image_archives,
            image_store_failures: exports.failed.clone(),
            search_path: std::env::var_os("PATH"),
            verify_cache: cached.as_ref().map(|c| c.cache.clone()),
            progress: VerifyProgress(ui::progress()),
            ..ResolveOptions::new(home.clone())
        },
        advisory_source: db.join(advisories_cache::DB_FILE).display().to_string(),
        now: Some(unix_now()),
        min_age_secs: scanner_core::DEFAULT_MIN_AGE_SECS,
    };
    let resolvers = resolvers(args, home);
    let resolution = Resolution {
        mode,
        resolver: (mode != ResolveMode::Installed).then_some(&resolvers as _),
    };
    let collected = scanner_core::collect_inventory(inventory, &options, resolution);
    if let Some(cached) = cached {
        verify_cache::save(cached, &collected.tree_roots());
    }
    if let Some(file) = &policy_file {
        policy::refuse_inside_trees(file, &collected)?;
    }
    // An invalid policy stops the run (exit 2); it never falls back to the built-in one.
    let loaded = policy::parse(policy_file.as_deref(), policy_text, today)?;
    options.min_age_secs = match args.min_age {
        Some(d) => i64::try_from(d.0.as_secs()).unwrap_or(i64::MAX),
        None => loaded
            .min_age_secs()
            .unwrap_or(scanner_core::DEFAULT_MIN_AGE_SECS),
    };
    let source = match online::choose(store.as_mut(), db, &collected, args)? {
        Ok(source) => source,
        Err(exit) => return Err(anyhow::Error::new(EarlyExit(exit))),
    };
    let label = args.baseline.as_ref().map(|p| p.display().to_string());
    let against = baseline.as_ref().zip(label.as_deref());
    let mut report =
        scanner_core::evaluate_against(collected, &source.lookup, &loaded, &options, against)?;
    report.generated_at = Some(render::cyclonedx::now());
    if missing_store {
        let line = format!(
            "no advisories store at {}: no package was checked against advisories",
            db.display()
        );
        report.summary.incomplete.push(line);
        if report.summary.outcome == scanner_core::Outcome::Passed {
            report.summary.outcome = scanner_core::Outcome::Incomplete;
        }
    }
    source.record_in(&mut report);
    if args.fail_on == FailOnArg::New {
        scanner_core::baseline::apply_fail_on(&mut report, FailOn::New);
    }
    Ok(report)
}

/// The resolvers `vet` and `--resolve-missing` use, for `home`.
fn resolvers(args: &ScanArgs, home: PathBuf) -> resolver::Resolvers {
    resolver::Resolvers::new(resolver::ResolverOptions {
        home,
        offline: args.offline,
        timeout: args.resolve_timeout.0,
        http_timeout: args.net.http_timeout.0,
        python: args.python.clone(),
    })
}

/// A run that stopped with this exit code after printing why.
#[derive(Debug)]
struct EarlyExit(Exit);

impl std::fmt::Display for EarlyExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped with exit code {}", self.0 as u8)
    }
}

impl std::error::Error for EarlyExit {}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Prints warnings and the report in the format asked; `extra` writes
/// after a table (vet's pinned snippets).
fn render(
    args: &ScanArgs,
    report: &Report,
    extra: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    for e in &report.policy.expired_exceptions {
        say!(
            "warning: exception for `{}` (line {}) expired on {}; it no longer applies",
            e.id,
            e.line,
            e.expires
        );
    }
    for line in &report.summary.incomplete {
        say!("incomplete: {line}");
    }
    let sarif_root = match &args.sarif_root {
        Some(dir) => Some(discovery::existing_folder("--sarif-root", dir)?),
        None => args
            .discovery
            .projects
            .first()
            .map(|p| discovery::normal_path(p))
            .transpose()?,
    };
    // Colours only for a person at a terminal: never in a file or a pipe.
    // Human-readable formats are escaped (names and specs from hostile
    // configs never reach the terminal as control sequences); the table's
    // colour codes are added after escaping, by `output::Styled`.
    let colour = args.output.is_none() && ui::stdout_colour();
    let mut extra = Some(extra);
    let mut write = |out: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            Format::Table => {
                let mut human = output::Styled::new(out, colour);
                render::table::write(&mut human, report)?;
                match extra.take() {
                    Some(extra) => extra(&mut human).map_err(std::io::Error::other),
                    None => Ok(()),
                }
            }
            Format::Json => render::json::write(&mut { out }, report),
            Format::Sarif => render::sarif::write(&mut { out }, report, sarif_root.as_deref()),
            Format::Cyclonedx => render::cyclonedx::write(&mut { out }, report),
            Format::Markdown => render::markdown::write(&mut output::Escaping(out), report),
        }
    };
    // The exit code is the verdict whatever happens to the report: a reader
    // that went away (`| head`) is not an error, and a report that could not
    // be written is said on stderr without turning a block into a pass.
    match &args.output {
        Some(file) => atomic_file::write_report(file, write)?,
        None => {
            let mut out = std::io::stdout().lock();
            match write(&mut out).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => say!("error: the report could not be written to stdout: {e}"),
                Ok(()) => {}
            }
        }
    }
    Ok(())
}

/// The receipt a scan must write, with its key loaded before anything is
/// scanned (a bad key is exit 2, not a scan without receipt).
fn receipt_plan(args: &ScanArgs) -> Result<Option<receipt::ReceiptPlan>> {
    if args.receipt.is_none() && args.receipt_log.is_none() {
        return Ok(None);
    }
    let Some(key) = &args.signing_key else {
        anyhow::bail!("--receipt and --receipt-log need a signing key\nhint: pass --signing-key KEY or set SUPPLYGATE_SIGNING_KEY (make one with `supplygate receipt keygen --out DIR`)");
    };
    Ok(Some(receipt::ReceiptPlan {
        key: receipt::keys::load_signing(key)?,
        file: args.receipt.clone(),
        log: args.receipt_log.clone(),
    }))
}

fn keygen(dir: &std::path::Path) -> Result<Exit> {
    let (private, public) = receipt::keys::keygen(dir)?;
    note!(
        "wrote {} (private, mode 0600: keep it secret) and {} (public: give it to verifiers)",
        private.display(),
        public.display()
    );
    Ok(Exit::Passed)
}

fn verify(args: VerifyArgs) -> Result<Exit> {
    let d = &args.discovery;
    let check_trees = d.home.is_some() || !d.projects.is_empty() || !d.configs.is_empty();
    let discovery = args.discovery.clone();
    let trees = move || -> Result<Vec<scanner_core::report::ServerReport>> {
        Ok(discovery::collect_unverified(discovery)?.servers().to_vec())
    };
    let trees: Option<Box<dyn FnOnce() -> Result<_>>> = check_trees.then(|| Box::new(trees) as _);
    receipt::verify::run(&args.path, &args.key, trees)
}

fn import(db: &std::path::Path, sources: &[PathBuf]) -> Result<Exit> {
    let mut store = open_store(db)?;
    store.set_progress(ui::progress());
    for path in sources {
        let source = ImportSource::detect(path)?;
        note!("importing {} …", path.display());
        let summary = store.import(&source, ImportLimits::default())?;
        let stored: Vec<String> = summary
            .stored
            .iter()
            .map(|(e, n)| format!("{n} {e}"))
            .collect();
        note!(
            "imported {}: {} records ({} withdrawn; {} for other ecosystems skipped)",
            path.display(),
            if stored.is_empty() {
                "0".to_string()
            } else {
                stored.join(", ")
            },
            summary.withdrawn,
            summary.skipped_other_ecosystems
        );
    }
    Ok(Exit::Passed)
}

fn status(db: &std::path::Path) -> Result<Exit> {
    let Some(store) = open_existing_store(db)? else {
        return Ok(Exit::Invalid);
    };
    let mut out = std::io::stdout().lock();
    render::status::write(&mut out, store.path(), &store.status()?)?;
    out.flush()?;
    Ok(Exit::Passed)
}
