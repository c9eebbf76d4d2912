//! `supportbot admin operator …`: console operators. The password of a new
//! operator comes from `SUPPORTBOT_OPERATOR_PASSWORD` or the first line of
//! stdin, never from argv.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use secrecy::ExposeSecret;

use super::admin::AdminOptions;
use super::runtime;
use crate::config::{operator_password_from_env, Settings, OPERATOR_PASSWORD_VAR};
use crate::operator::{OperatorError, OperatorRole, OperatorService};

/// `admin operator …`.
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Add an operator; the password is read from
    /// SUPPORTBOT_OPERATOR_PASSWORD or the first line of stdin.
    Add {
        /// Sign-in name (letters, digits, '.', '_', '-').
        name: String,
        /// `agent` (tickets), `admin` (tickets and account actions) or
        /// `rule-author` (inbox and rule tester).
        #[arg(long, value_parser = parse_role)]
        role: OperatorRole,
    },
    /// Remove an operator and end their sessions.
    Remove {
        /// Sign-in name.
        name: String,
    },
    /// List operators (name, role, added); never a password hash.
    List,
}

fn parse_role(text: &str) -> Result<OperatorRole, String> {
    OperatorRole::parse(text).map_err(|e| e.to_string())
}

/// The local operator, as the audit log names them.
const BY: &str = "cli:operator";

/// Runs an operator command.
pub fn run(
    settings: &Settings,
    command: OperatorCommand,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    let services = super::lifecycle::open_all(settings, opts.now)?;
    runtime()?.block_on(dispatch(&services.operators, command, opts))
}

fn password() -> anyhow::Result<secrecy::SecretString> {
    if let Some(p) = operator_password_from_env() {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        bail!("no password: set {OPERATOR_PASSWORD_VAR} or write it as the first line of stdin");
    }
    Ok(line.into())
}

async fn dispatch(
    service: &OperatorService,
    command: OperatorCommand,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        OperatorCommand::Add { name, role } => {
            let pw = password()?;
            match service.add(&name, role, pw.expose_secret(), BY).await {
                Ok(op) => writeln!(out, "operator {} added ({})", op.name, op.role.as_str())?,
                Err(e) => return refused(e),
            }
        }
        OperatorCommand::Remove { name } => match service.remove(&name, BY).await {
            Ok(()) => writeln!(out, "operator {name} removed; their sessions ended")?,
            Err(e) => return refused(e),
        },
        OperatorCommand::List => {
            for op in service.list().await? {
                if opts.json {
                    let line = serde_json::json!({
                        "name": op.name,
                        "role": op.role.as_str(),
                        "created_at": op.created_at,
                    });
                    writeln!(out, "{line}")?;
                } else {
                    let added = op.created_at.format("%Y-%m-%d");
                    writeln!(out, "{}\t{}\t{added}", op.name, op.role.as_str())?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A refusal the operator can act on: the reason on stderr, exit 1.
fn refused(e: OperatorError) -> anyhow::Result<ExitCode> {
    match e {
        OperatorError::Store(e) => Err(e.into()),
        e => {
            eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
