//! What the terminal allows: colours and progress bars only for a person
//! watching (a terminal, `NO_COLOR` unset, no `--quiet`).

use std::io::IsTerminal;

/// True when `NO_COLOR` is set to anything non-empty (no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Colours in stdout's table: a terminal, and `NO_COLOR` unset.
pub fn stdout_colour() -> bool {
    !no_color() && std::io::stdout().is_terminal()
}
