//! The handoff's port towards the people who take over: an [`AgentDesk`] is
//! told when a ticket opens and when an agent claims, resolves or releases
//! it. Transports implement it (a Discord thread, a Teams card); the domain
//! only says what happened.
//!
//! Telling agents never holds up or fails the user's reply: the ticket is
//! durable before a desk hears of it, delivery runs in the background, is
//! retried a few times, and a delivery that keeps failing is logged as an
//! error naming the ticket (agents still find it with `admin handoff list`).

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::ticket::{Change, Ticket};

/// What a desk is told.
#[derive(Debug, Clone)]
pub struct DeskNotice {
    /// The ticket as it is after the change.
    pub ticket: Ticket,
    /// What happened (`Opened` for a new ticket).
    pub change: Change,
    /// Who did it (`bot` for an opening, else `platform:user`).
    pub by: String,
}

/// A delivery that did not reach the agents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeskError(pub String);

/// Where agents are told about tickets.
pub trait AgentDesk: Send + Sync + 'static {
    /// Short name for the log (`discord`, `teams`).
    fn name(&self) -> &'static str;
    /// Whether this desk handles tickets like `ticket` (usually: from its
    /// platform).
    fn serves(&self, ticket: &Ticket) -> bool;
    /// Delivers one notice. Called again after an error, so a delivery must
    /// not half-happen in a way a retry would duplicate badly.
    fn tell<'a>(&'a self, notice: &'a DeskNotice) -> BoxFuture<'a, Result<(), DeskError>>;
}

/// Waits between delivery attempts: the first try, then these pauses.
pub const RETRY_PAUSES: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(30),
];

/// Delivers `notice` to every desk that serves its ticket, each in its own
/// task, retrying with `pauses`. Returns at once.
pub(super) fn announce(
    desks: &[Arc<dyn AgentDesk>],
    notice: DeskNotice,
    pauses: &'static [Duration],
) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::error!(ticket = %notice.ticket.id, "handoff: no async runtime; agents were not told");
        return;
    };
    for desk in desks.iter().filter(|d| d.serves(&notice.ticket)) {
        let (desk, notice) = (Arc::clone(desk), notice.clone());
        runtime.spawn(async move {
            let mut attempt = 0;
            loop {
                match desk.tell(&notice).await {
                    Ok(()) => {
                        tracing::info!(ticket = %notice.ticket.id, desk = desk.name(), change = ?notice.change, "handoff: agents told");
                        return;
                    }
                    Err(e) => match pauses.get(attempt) {
                        Some(pause) => {
                            tracing::warn!(ticket = %notice.ticket.id, desk = desk.name(), error = %e, "handoff: telling agents failed; retrying");
                            tokio::time::sleep(*pause).await;
                            attempt += 1;
                        }
                        None => {
                            tracing::error!(ticket = %notice.ticket.id, desk = desk.name(), error = %e, "handoff: agents could not be told; the ticket is stored (admin handoff list)");
                            return;
                        }
                    },
                }
            }
        });
    }
}
