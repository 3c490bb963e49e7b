//! Running a package manager: bounded in time and output, with a clear
//! error when it is not installed.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished run printed.
pub struct Ran {
    /// Exited with status 0.
    pub success: bool,
    /// Its standard error (capped).
    pub stderr: String,
    /// Its standard output (capped).
    pub stdout: String,
}

/// Why a run did not finish.
pub enum RunError {
    /// The program is not on PATH.
    Missing,
    /// It ran longer than allowed and was killed.
    TimedOut,
    /// Any other failure to start or wait.
    Io(std::io::Error),
}

/// Most stderr kept for messages.
const MAX_STDERR: u64 = 1 << 20;
/// Most stdout kept (`npm view --json` of a package with many versions).
const MAX_STDOUT: u64 = 16 << 20;

/// Runs `command` in `dir`, killing it after `timeout`.
pub fn run(mut command: Command, dir: &Path, timeout: Duration) -> Result<Ran, RunError> {
    command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => RunError::Missing,
        _ => RunError::Io(e),
    })?;
    let reader = capped(child.stderr.take(), MAX_STDERR);
    let out_reader = capped(child.stdout.take(), MAX_STDOUT);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(RunError::Io)? {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().unwrap_or_default();
    let stdout = out_reader.join().unwrap_or_default();
    Ok(Ran {
        success: status.success(),
        stderr,
        stdout,
    })
}

/// Reads a pipe on a thread, so a chatty child never blocks on a full
/// pipe: the first `cap` bytes are kept, the rest is read and dropped.
fn capped(pipe: Option<impl Read + Send + 'static>, cap: u64) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut p) = pipe {
            let _ = (&mut p).take(cap).read_to_end(&mut bytes);
            let _ = std::io::copy(&mut p, &mut std::io::sink());
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The last few meaningful lines of a package manager's stderr.
pub fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("npm notice") && !l.contains("A complete log"))
        .collect();
    let start = lines.len().saturating_sub(6);
    lines[start..].join(" | ")
}
