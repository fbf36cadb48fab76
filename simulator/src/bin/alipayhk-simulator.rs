//! A standalone simulator process for the load generator and the crash tests.
//!
//! `alipayhk-simulator [--config FILE]`. Partners use `alipayhk serve`, which has every flag;
//! this binary exists because Cargo can hand a package's own binaries to its benches and
//! tests (`CARGO_BIN_EXE_alipayhk-simulator`).

use std::path::PathBuf;
use std::process::ExitCode;

use alipayhk_simulator::SimulatorConfig;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match args.as_slice() {
        [] => Ok(SimulatorConfig::default()),
        [flag, path] if flag == "--config" => SimulatorConfig::from_file(&PathBuf::from(path)),
        _ => {
            eprintln!("usage: alipayhk-simulator [--config FILE]");
            return ExitCode::from(2);
        }
    };
    let config = match config {
        Ok(config) => config.with_env(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let filter = std::env::var("ALIPAYHK_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_default())
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(alipayhk_simulator::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
