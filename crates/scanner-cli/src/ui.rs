//! What the terminal allows: colours and progress bars only for a person
//! watching (a terminal, `NO_COLOR` unset, no `--quiet`).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use advisories_cache::{Progress, Unit};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::escape_controls;

/// True when `NO_COLOR` is set to anything non-empty (no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Colours in stdout's table: a terminal that is not `TERM=dumb`, and
/// `NO_COLOR` unset.
pub fn stdout_colour() -> bool {
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    !no_color() && !dumb && std::io::stdout().is_terminal()
}

static BARS: std::sync::OnceLock<Arc<Bars>> = std::sync::OnceLock::new();

/// Sets up this run's output once, from `--quiet`: informational messages
/// and progress bars off when `quiet`.
pub fn init(quiet: bool) {
    if quiet {
        crate::output::set_quiet();
    }
    let _ = BARS.set(Bars::new(quiet));
}

/// Where long work reports its progress (bars on a terminal).
pub fn progress() -> Arc<dyn Progress> {
    BARS.get_or_init(|| Bars::new(false)).clone()
}

/// Progress bars on stderr. indicatif's stderr target draws nothing when
/// stderr is not a terminal (a pipe, a file, CI logs); `--quiet` draws
/// nothing anywhere; `NO_COLOR` keeps the bars and drops their colours.
pub struct Bars {
    shown: bool,
    colour: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars for this run: none with `quiet`.
    pub fn new(quiet: bool) -> Arc<Bars> {
        Arc::new(Bars {
            shown: !quiet,
            colour: !no_color(),
            bar: Mutex::new(None),
        })
    }

    fn style(&self, unit: Unit, known_total: bool) -> ProgressStyle {
        let (bar, spin) = if self.colour {
            ("{wide_bar:.cyan/blue}", "{spinner:.cyan}")
        } else {
            ("{wide_bar}", "{spinner}")
        };
        let template = match (unit, known_total) {
            (Unit::Bytes, true) => format!(
                "{{msg}} {bar} {{binary_bytes}}/{{binary_total_bytes}} ({{binary_bytes_per_sec}}, {{eta}})"
            ),
            (Unit::Bytes, false) => {
                format!("{spin} {{msg}}: {{binary_bytes}} ({{binary_bytes_per_sec}})")
            }
            (Unit::Records, true) => format!("{{msg}} {bar} {{human_pos}}/{{human_len}} records"),
            (Unit::Records, false) => format!("{spin} {{msg}}: {{human_pos}} records ({{elapsed}})"),
            (Unit::Packages, _) => format!("{{msg}} {bar} {{human_pos}}/{{human_len}} packages"),
        };
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar())
    }

    fn current(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Progress for Bars {
    fn start(&self, what: &str, unit: Unit, total: Option<u64>) {
        if !self.shown {
            return;
        }
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        bar.set_style(self.style(unit, total.is_some()));
        // Paths and URLs may come from the user or a server: shown escaped.
        bar.set_message(escape_controls(what).into_owned());
        if total.is_none() {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        if let Some(old) = self.current().replace(bar) {
            old.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.current().as_ref() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.current().take() {
            bar.finish_and_clear();
        }
    }
}
