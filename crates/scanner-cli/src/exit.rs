//! The exit codes of `supplygate`: one enum, documented in the README.

use scanner_core::Outcome;

/// How `supplygate` exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything in use was checked and nothing is blocked.
    Passed = 0,
    /// 1: at least one finding was decided `block` by the policy.
    Blocked = 1,
    /// 2: invalid invocation, config, policy or input; nothing was decided.
    Invalid = 2,
    /// 3: incomplete: something in use could not be checked (no advisory
    /// data, a tree not installed, an unsupported launcher), and nothing blocks.
    Incomplete = 3,
}

impl From<Outcome> for Exit {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Passed => Exit::Passed,
            Outcome::Blocked => Exit::Blocked,
            Outcome::Incomplete => Exit::Incomplete,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}
