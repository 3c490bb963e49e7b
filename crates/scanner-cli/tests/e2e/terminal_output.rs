//! End-to-end: what a person at a terminal sees (issue 13). Progress bars
//! on stderr only when it is a terminal, none with `--quiet`, uncoloured
//! with `NO_COLOR`; the table coloured only on a terminal, its colour codes
//! intact while control characters from a config stay escaped. The binary
//! runs on a real pseudo-terminal.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcsetwinsize, Winsize};

use crate::support::{fixtures, imported_store, Cmd};

/// What a run wrote: its exit code, what reached the terminal, and the
/// streams that were not on it.
struct Seen {
    code: i32,
    terminal: String,
    stdout: String,
    stderr: String,
}

/// Which of the run's streams are the terminal.
#[derive(Clone, Copy)]
enum On {
    Stdout,
    Stderr,
}

/// Runs `cmd` with one stream on a fresh 40x120 pseudo-terminal, the other
/// piped; the run sees a colour-capable `TERM`.
fn on_terminal(mut cmd: Command, on: On) -> Seen {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let size = Winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    tcsetwinsize(&master, size).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let open_tty = || {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(OsStr::from_bytes(name.as_bytes()))
            .expect("open the terminal")
    };
    cmd.env("TERM", "xterm-256color").stdin(Stdio::null());
    match on {
        On::Stdout => cmd.stdout(open_tty()).stderr(Stdio::piped()),
        On::Stderr => cmd.stderr(open_tty()).stdout(Stdio::piped()),
    };
    let mut child = cmd.spawn().expect("run supplygate");
    // Our copies of the terminal's end are gone with `cmd`: the reader sees
    // the end of output when the child exits.
    drop(cmd);
    let mut master = File::from(master);
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 8192];
        // EIO once the last writer closed the terminal: the end.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        seen
    });
    let mut piped = String::new();
    match on {
        On::Stdout => child.stderr.take().unwrap().read_to_string(&mut piped),
        On::Stderr => child.stdout.take().unwrap().read_to_string(&mut piped),
    }
    .unwrap();
    let code = child.wait().unwrap().code().expect("exit code");
    let terminal = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    let (stdout, stderr) = match on {
        On::Stdout => (String::new(), piped),
        On::Stderr => (piped, String::new()),
    };
    Seen {
        code,
        terminal,
        stdout,
        stderr,
    }
}

/// `cmd` with colours allowed (the test builder sets `NO_COLOR`).
fn colours_allowed(cmd: &Cmd) -> Command {
    let mut c = cmd.command();
    c.env_remove("NO_COLOR");
    c
}

/// An SGR colour sequence such as `ESC[36m` or `ESC[1;31m`.
fn has_colour(text: &str) -> bool {
    text.match_indices("\u{1b}[").any(|(i, _)| {
        let rest = &text[i + 2..];
        let end = rest
            .find(|c: char| !c.is_ascii_digit() && c != ';')
            .unwrap_or(rest.len());
        end > 0 && rest[end..].starts_with('m') && &rest[..end] != "0"
    })
}

fn import(db: &Path, zip: &Path) -> Cmd {
    Cmd::store_command("import").db(db).arg(zip)
}

/// Regression: `db import` of a large archive showed nothing until it was
/// done; and no bar may reach a pipe, a log, or a `--quiet` run.
#[test]
fn import_progress_is_drawn_on_a_terminal_only() {
    let work = tempfile::tempdir().unwrap();
    let zip = crate::store::big_zip(work.path(), 20_000, "bars");

    let db = tempfile::tempdir().unwrap();
    let seen = on_terminal(colours_allowed(&import(db.path(), &zip)), On::Stderr);
    assert_eq!(seen.code, 0, "{}", seen.terminal);
    assert!(
        seen.terminal.contains("records") && seen.terminal.contains("\u{1b}["),
        "a bar is drawn: {:?}",
        seen.terminal
    );
    assert!(has_colour(&seen.terminal), "{:?}", seen.terminal);
    assert!(seen.terminal.contains("imported "), "{:?}", seen.terminal);

    let db = tempfile::tempdir().unwrap();
    let seen = on_terminal(import(db.path(), &zip).command(), On::Stderr);
    assert_eq!(seen.code, 0);
    assert!(seen.terminal.contains("records"), "NO_COLOR keeps the bar");
    assert!(!has_colour(&seen.terminal), "{:?}", seen.terminal);

    let db = tempfile::tempdir().unwrap();
    let quiet = import(db.path(), &zip).arg("--quiet");
    let seen = on_terminal(colours_allowed(&quiet), On::Stderr);
    assert_eq!(seen.code, 0);
    assert_eq!(seen.terminal, "", "--quiet: nothing on stderr");

    let db = tempfile::tempdir().unwrap();
    let out = colours_allowed(&import(db.path(), &zip)).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains('\u{1b}'), "no bar in a pipe: {err:?}");
    assert!(err.contains("imported "), "{err}");
}

/// `--quiet` silences what was done, never what went wrong.
#[test]
fn quiet_keeps_errors() {
    let db = tempfile::tempdir().unwrap();
    let missing = db.path().join("missing.zip");
    let (code, _, err) = import(db.path(), &missing).arg("--quiet").outcome();
    assert_eq!(code, 2);
    assert!(
        err.contains("error: ") && err.contains("missing.zip"),
        "{err}"
    );
    let ok = fixtures().join("osv/npm");
    let (code, _, err) = import(db.path(), &ok).arg("-q").outcome();
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
}

/// A config whose server name carries a screen-clearing sequence, beside a
/// fixture home whose high-severity finding a policy blocks.
fn hostile_scan(db: &Path, work: &Path) -> Cmd {
    let config = work.join("mcp.json");
    std::fs::write(
        &config,
        r#"{"mcpServers":{"evil\u001b[2J\u001b[32mPASSED":{"url":"https://example.invalid/mcp"}}}"#,
    )
    .unwrap();
    let policy = work.join("supplygate.toml");
    std::fs::write(
        &policy,
        "[policy]\nextends = \"builtin\"\n[[rule]]\nid = \"block-high\"\naction = \"block\"\nmin-severity = \"high\"\n",
    )
    .unwrap();
    Cmd::scan()
        .db(db)
        .offline()
        .fixture_home("affected")
        .config(&config)
        .policy(&policy)
}

/// Regression: the table was never coloured (its stream was escaped whole,
/// colour codes included); colours must come only on a terminal, and a
/// config's control characters stay escaped inside a coloured table.
#[test]
fn the_table_is_coloured_on_a_terminal_with_hostile_text_still_escaped() {
    let db = imported_store();
    let work = tempfile::tempdir().unwrap();
    let scan = hostile_scan(db.path(), work.path());

    let seen = on_terminal(colours_allowed(&scan), On::Stdout);
    assert_eq!(seen.code, 1, "{}", seen.stderr);
    let table = &seen.terminal;
    assert!(
        table.contains("\u{1b}[31mblock"),
        "red decisions: {table:?}"
    );
    assert!(table.contains("\u{1b}[31mBLOCKED\u{1b}[0m:"), "{table:?}");
    assert!(table.contains("evil\\e[2J\\e[32mPASSED"), "{table:?}");
    assert!(!table.contains("\u{1b}[2J"), "{table:?}");
    assert!(!table.contains("evil\u{1b}"), "{table:?}");

    let seen = on_terminal(scan.command(), On::Stdout);
    assert_eq!(seen.code, 1);
    assert!(
        !seen.terminal.contains('\u{1b}'),
        "NO_COLOR: {:?}",
        seen.terminal
    );

    let out = colours_allowed(&scan).output().unwrap();
    let piped = String::from_utf8_lossy(&out.stdout);
    assert!(piped.contains("BLOCKED"), "{piped}");
    assert!(!piped.contains('\u{1b}'), "no colour in a pipe: {piped:?}");

    let file = work.path().join("report.txt");
    let to_file = scan.clone().opt("--output", &file);
    let seen = on_terminal(colours_allowed(&to_file), On::Stdout);
    assert_eq!(seen.code, 1);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("BLOCKED"), "{written}");
    assert!(
        !written.contains('\u{1b}'),
        "no colour in --output: {written:?}"
    );
    assert!(seen.stdout.is_empty());
}

/// A venv (`hostile_trees::py_env`) whose package also holds a 48 MiB
/// file listed in its RECORD: verification reads it, long enough to show.
fn big_venv(w: &Path) -> std::path::PathBuf {
    use crate::hostile_trees::{append, py_env, record_row};
    let (home, sp) = py_env(w);
    let rel = "mcp_runcmd_server/model.bin";
    let bytes: Vec<u8> = (0..48u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(sp.join(rel), &bytes).unwrap();
    append(
        &sp.join("mcp_runcmd_server-1.0.dist-info/RECORD"),
        &record_row(rel, &bytes),
    );
    home
}

/// Regression: verifying a large tree showed nothing until it was done.
/// Verification now reports its bytes (Python RECORDs) and packages (npm
/// tarballs) to the bar on a terminal; never to a pipe or a `--quiet` run.
#[test]
fn verification_progress_is_drawn_on_a_terminal_only() {
    let db = imported_store();
    let w = tempfile::tempdir().unwrap();
    let home = big_venv(w.path());
    let scan = Cmd::scan().db(db.path()).offline().home(&home);

    let seen = on_terminal(colours_allowed(&scan), On::Stderr);
    assert_eq!(
        seen.code, 1,
        "the malicious package is blocked: {}",
        seen.stdout
    );
    let terminal = &seen.terminal;
    assert!(
        terminal.contains("verifying `s`'s files") && terminal.contains("MiB"),
        "a byte bar is drawn: {terminal:?}"
    );
    assert!(terminal.contains("48.00 MiB"), "its total: {terminal:?}");
    assert!(seen.stdout.contains("BLOCKED"), "{}", seen.stdout);
    assert!(!seen.stdout.contains('\u{1b}'), "{:?}", seen.stdout);

    let npm = Cmd::scan()
        .db(db.path())
        .offline()
        .home(fixtures().join("trees/home"));
    let seen = on_terminal(npm.command(), On::Stderr);
    assert!(
        seen.terminal.contains("verifying `chalk-npx`'s files")
            && seen.terminal.contains("packages"),
        "a package bar for npm trees: {:?}",
        seen.terminal
    );

    let quiet = scan.clone().arg("--quiet");
    let seen = on_terminal(colours_allowed(&quiet), On::Stderr);
    assert_eq!(seen.code, 1);
    assert!(!seen.terminal.contains("verifying"), "{:?}", seen.terminal);
    assert!(!seen.terminal.contains('\u{1b}'), "{:?}", seen.terminal);

    let out = colours_allowed(&scan).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("verifying"), "no bar in a pipe: {err:?}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}
