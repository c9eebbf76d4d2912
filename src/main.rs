//! The `supportbot` binary: parses arguments, loads settings once, sets up
//! logging and hands over to the command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = supportbot::cli::Args::parse();
    supportbot::cli::init_tracing();
    match supportbot::cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
