//! What a command reports when it did not fail outright, and its exit code.

use std::process::ExitCode;

/// What a command reports when it did not fail outright.
pub enum Outcome {
    /// Everything checked out.
    Success,
    /// The command ran but its check failed (exit code 1).
    CheckFailed,
    /// A call was sent but its outcome is unknown (exit code 3).
    Unknown,
    /// The command refused and already said why (exit code 2).
    Refused,
}

impl Outcome {
    /// The process's exit code: 0, 1 (a check failed), 3 (outcome unknown), 2 (refused).
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::CheckFailed => ExitCode::from(1),
            Outcome::Unknown => ExitCode::from(3),
            Outcome::Refused => ExitCode::from(2),
        }
    }
}
