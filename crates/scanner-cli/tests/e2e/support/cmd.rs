//! One argument builder for every end-to-end test: a `supplygate` command
//! line is said in words (`Cmd::scan().home(h).offline().db(d).format("json")`)
//! instead of hand-built argument vectors, so an option that moves or is
//! renamed is changed here once.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use super::{binary, fixtures, stderr, stdout};

/// A `supplygate` command line and its environment, run with a scrubbed
/// environment (no store, date or OSV address from the caller's shell;
/// `NO_COLOR` set).
#[derive(Debug, Clone, Default)]
#[must_use = "a command does nothing until it is run"]
pub struct Cmd {
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    dir: Option<PathBuf>,
}

impl Cmd {
    /// `supplygate` followed by `words` (a subcommand and its arguments, or
    /// any argument vector a test of the parser itself needs).
    pub fn new<I, S>(words: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Cmd::default().args(words)
    }

    /// `supplygate scan`.
    pub fn scan() -> Cmd {
        Cmd::new(["scan"])
    }

    /// `supplygate inventory`.
    pub fn inventory() -> Cmd {
        Cmd::new(["inventory"])
    }

    /// `supplygate vet` with the launch commands `servers`.
    pub fn vet<S: AsRef<OsStr>>(servers: impl IntoIterator<Item = S>) -> Cmd {
        Cmd::new(["vet"]).args(servers)
    }

    /// `supplygate explain PACKAGE`.
    pub fn explain(package: &str) -> Cmd {
        Cmd::new(["explain", package])
    }

    /// `supplygate db SUBCOMMAND` (`import`, `status`, `update`, …).
    pub fn store_command(subcommand: &str) -> Cmd {
        Cmd::new(["db", subcommand])
    }

    /// `supplygate policy SUBCOMMAND` (`check`, `init`).
    pub fn policy_command(subcommand: &str) -> Cmd {
        Cmd::new(["policy", subcommand])
    }

    /// `supplygate receipt SUBCOMMAND` (`keygen`, `verify`).
    pub fn receipt(subcommand: &str) -> Cmd {
        Cmd::new(["receipt", subcommand])
    }

    /// One more argument, as is.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// More arguments, as they are.
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Cmd {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// `OPTION VALUE`.
    pub fn opt(self, option: &str, value: impl AsRef<OsStr>) -> Cmd {
        self.arg(option).arg(value)
    }

    /// `--db DIR`: the advisories store.
    pub fn db(self, dir: impl AsRef<Path>) -> Cmd {
        self.opt("--db", dir.as_ref())
    }

    /// `--home DIR`.
    pub fn home(self, dir: impl AsRef<Path>) -> Cmd {
        self.opt("--home", dir.as_ref())
    }

    /// `--home fixtures/homes/NAME`: a fixture home, read in place.
    pub fn fixture_home(self, name: &str) -> Cmd {
        self.home(fixtures().join("homes").join(name))
    }

    /// `--project DIR`.
    pub fn project(self, dir: impl AsRef<Path>) -> Cmd {
        self.opt("--project", dir.as_ref())
    }

    /// `--config FILE`.
    pub fn config(self, file: impl AsRef<Path>) -> Cmd {
        self.opt("--config", file.as_ref())
    }

    /// `--policy FILE`.
    pub fn policy(self, file: impl AsRef<Path>) -> Cmd {
        self.opt("--policy", file.as_ref())
    }

    /// `--format FORMAT`.
    pub fn format(self, format: &str) -> Cmd {
        self.opt("--format", format)
    }

    /// `--offline`: the local store only.
    pub fn offline(self) -> Cmd {
        self.arg("--offline")
    }

    /// `--no-default-configs`: only the configs named.
    pub fn no_default_configs(self) -> Cmd {
        self.arg("--no-default-configs")
    }

    /// `--os OS`: read configs where that system keeps them.
    pub fn os(self, os: &str) -> Cmd {
        self.opt("--os", os)
    }

    /// An environment variable for the run.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cmd {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// `SUPPLYGATE_TODAY=DATE`: the date the run takes as today.
    pub fn today(self, date: &str) -> Cmd {
        self.env("SUPPLYGATE_TODAY", date)
    }

    /// The working directory of the run.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.dir = Some(dir.as_ref().to_owned());
        self
    }

    /// The arguments as given (for messages and for `Command`s of a test's own).
    pub fn argv(&self) -> &[OsString] {
        &self.args
    }

    /// The process, ready to run: arguments, scrubbed environment, working
    /// directory; stdin empty.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(binary());
        cmd.args(&self.args)
            .env_remove("SUPPLYGATE_DB")
            .env_remove("SUPPLYGATE_TODAY")
            .env_remove("SUPPLYGATE_OSV_URL")
            .env_remove("SUPPLYGATE_OSV_DATA_URL")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        cmd
    }

    /// Runs it to the end.
    pub fn run(&self) -> Output {
        self.command()
            .output()
            .unwrap_or_else(|e| panic!("run supplygate {:?}: {e}", self.args))
    }

    /// Runs it: exit code, stdout, stderr.
    pub fn outcome(&self) -> (i32, String, String) {
        let out = self.run();
        (code(&out), stdout(&out), stderr(&out))
    }

    /// Runs it and parses stdout as JSON (panics with stderr when it is
    /// not): exit code and the document.
    pub fn json(&self) -> (i32, Value) {
        let (code, out, err) = self.outcome();
        let doc = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("bad JSON from {:?} ({e}): {err}", self.args));
        (code, doc)
    }
}

/// The exit code (panics when the process was killed by a signal).
fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {}", stderr(out)))
}
