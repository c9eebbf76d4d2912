//! `supportbot admin privacy export|erase --user PLATFORM:ID`: what is
//! stored about one person, and deleting their recorded messages on request.
//! Both are audited (`admin audit` shows them under no account).

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::admin::AdminOptions;
use super::runtime;
use crate::auth::authorize_operator;
use crate::config::Settings;
use crate::model::Identity;
use crate::record::UserRef;

/// `admin privacy …`.
#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Print, as JSON, every recorded message and handoff ticket of a user.
    Export {
        /// The user: `platform:id` (`discord:80351110224678912`, `cli:operator`).
        #[arg(long, value_name = "PLATFORM:ID")]
        user: String,
    },
    /// Delete every recorded message of a user (audited).
    Erase {
        /// The user: `platform:id` (`discord:80351110224678912`, `cli:operator`).
        #[arg(long, value_name = "PLATFORM:ID")]
        user: String,
    },
}

/// Runs a privacy command.
pub fn run(
    settings: &Settings,
    command: PrivacyCommand,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    let services = super::lifecycle::open_all(settings, opts.now)?;
    let operator = authorize_operator(&Identity::local_operator(), &settings.auth)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = std::io::stdout().lock();
    runtime()?.block_on(async {
        match command {
            PrivacyCommand::Export { user } => {
                let user = UserRef::parse(&user)?;
                let records = services.record.export(&user, &operator).await?;
                let tickets: Vec<_> = services
                    .handoff
                    .list()
                    .await?
                    .into_iter()
                    .filter(|t| t.user.platform == user.platform && t.user.user_id == user.user_id)
                    .collect();
                let export = json!({
                    "user": user.to_string(),
                    "exported_at": services.record.now(),
                    "records": records,
                    "tickets": tickets,
                });
                writeln!(out, "{}", serde_json::to_string_pretty(&export)?)?;
            }
            PrivacyCommand::Erase { user } => {
                let user = UserRef::parse(&user)?;
                let erased = services.record.erase(&user, &operator).await?;
                if opts.json {
                    let line = json!({ "user": user.to_string(), "erased_records": erased });
                    writeln!(out, "{line}")?;
                } else {
                    writeln!(out, "erased {erased} recorded messages of {user}")?;
                }
            }
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
