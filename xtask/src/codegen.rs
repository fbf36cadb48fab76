//! `cargo xtask codegen [--check]`.

use std::process::ExitCode;

pub fn run(_args: &[String]) -> Result<ExitCode, String> {
    Err("codegen is not implemented yet".to_string())
}
