//! `supportbot admin handoff …`: the local operator as a support agent. The
//! operator is `cli:operator` in tickets and their history, like any agent
//! is `platform:user`.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::admin::AdminOptions;
use super::runtime;
use crate::config::Settings;
use crate::handoff::{Change, HandoffError, HandoffService, Ticket, TicketId};
use crate::model::Identity;

/// `admin handoff …`.
#[derive(Debug, Subcommand)]
pub enum HandoffCommand {
    /// List tickets, oldest first.
    List {
        /// Only tickets still waiting or claimed.
        #[arg(long)]
        open: bool,
    },
    /// Show a ticket: who, why, the messages before it, and its history.
    Show {
        /// Ticket id, e.g. `H-1`.
        ticket: String,
    },
    /// Take a ticket (first come, first served).
    Claim {
        /// Ticket id, e.g. `H-1`.
        ticket: String,
    },
    /// Mark a ticket done; the bot answers the user again.
    Resolve {
        /// Ticket id, e.g. `H-1`.
        ticket: String,
    },
    /// Hand a ticket back to the bot without resolving it.
    Release {
        /// Ticket id, e.g. `H-1`.
        ticket: String,
    },
}

/// Runs a handoff command.
pub fn run(
    settings: &Settings,
    command: HandoffCommand,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    let (_, service) = super::lifecycle::open_with_handoff(settings, opts.now)?;
    runtime()?.block_on(dispatch(&service, command, opts))
}

fn agent() -> String {
    let me = Identity::local_operator();
    format!("{}:{}", me.platform, me.user_id)
}

async fn dispatch(
    service: &HandoffService,
    command: HandoffCommand,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let (id, change) = match command {
        HandoffCommand::List { open } => {
            for t in service.list().await? {
                if open && !t.state.is_active() {
                    continue;
                }
                if opts.json {
                    writeln!(out, "{}", serde_json::to_string(&t)?)?;
                } else {
                    writeln!(out, "{}", summary(&t))?;
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        HandoffCommand::Show { ticket } => {
            let (t, history) = match service.show(TicketId::parse(&ticket)?).await {
                Ok(found) => found,
                Err(e) => return refused(&mut out, &e, opts),
            };
            if opts.json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&json!({ "ticket": t, "history": history }))?
                )?;
            } else {
                writeln!(out, "{}", summary(&t))?;
                writeln!(out, "scope: {}", t.scope.as_deref().unwrap_or("-"))?;
                if let Some((at, by)) = &t.claimed {
                    writeln!(out, "claimed: {} by {by}", at.to_rfc3339())?;
                }
                if let Some((at, by)) = &t.closed {
                    writeln!(out, "closed: {} by {by}", at.to_rfc3339())?;
                }
                writeln!(out, "messages:")?;
                for m in &t.transcript {
                    writeln!(out, "  {} [{}] {}", m.at.to_rfc3339(), m.answer_key, m.text)?;
                }
                writeln!(out, "history:")?;
                for h in &history {
                    writeln!(out, "  {} {:?} by {}", h.at.to_rfc3339(), h.change, h.by)?;
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        HandoffCommand::Claim { ticket } => (ticket, Change::Claimed),
        HandoffCommand::Resolve { ticket } => (ticket, Change::Resolved),
        HandoffCommand::Release { ticket } => (ticket, Change::Released),
    };
    match service.act(TicketId::parse(&id)?, change, &agent()).await {
        Ok(t) if opts.json => writeln!(out, "{}", serde_json::to_string(&t)?)?,
        Ok(t) => writeln!(out, "{}", summary(&t))?,
        Err(e) => return refused(&mut out, &e, opts),
    }
    Ok(ExitCode::SUCCESS)
}

/// A refusal (taken by someone else, already closed, unknown): said on
/// stdout as text or JSON, exit code 1. Storage failures stay errors.
fn refused(
    out: &mut impl Write,
    e: &HandoffError,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    if matches!(e, HandoffError::Store(_) | HandoffError::Busy) {
        anyhow::bail!("{e}");
    }
    if opts.json {
        writeln!(out, "{}", json!({ "refused": e.to_string() }))?;
    } else {
        writeln!(out, "{e}")?;
    }
    Ok(ExitCode::from(1))
}

fn summary(t: &Ticket) -> String {
    format!(
        "{}  {:<8}  {}:{}  conversation {}  {}  {}  opened {}{}",
        t.id,
        t.state.as_str(),
        t.user.platform,
        t.user.user_id,
        t.user.conversation,
        t.locale,
        t.reason,
        t.created_at.to_rfc3339(),
        t.claimed
            .as_ref()
            .map(|(_, by)| format!("  claimed by {by}"))
            .unwrap_or_default()
    )
}
