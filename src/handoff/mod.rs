//! Handing a conversation to a person: tickets with an append-only history,
//! first-come claims, and what the bot does while a person has the
//! conversation.
//!
//! The domain owns its storage port ([`TicketStore`]); `crate::store`
//! implements it next to the lifecycle's, on the same durable commit path.
//! Nothing here knows a transport or a storage engine. The async
//! [`HandoffService`] runs every storage step on tokio's blocking pool.

mod desk;
mod engine;
mod port;
mod relay;
mod service;
mod ticket;

pub use desk::{AgentDesk, DeskError, DeskNotice, RETRY_PAUSES};
pub use engine::{Outcome, Presence, Turn, TIMEOUT_AGENT};
pub use port::{HandoffCommitted, HandoffWrite, TicketStore, UserState};
pub use relay::{UserRelay, MAX_REPLY_CHARS};
pub use service::HandoffService;
pub use ticket::{
    Change, Exchange, Feedback, HistoryEntry, Reason, Ticket, TicketId, TicketState, UserKey,
};

use crate::lifecycle::StoreError;

/// Settings of the handoff, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffPolicy {
    /// Messages in a row the bot may not understand before it hands over.
    pub misses: u32,
    /// How long the bot stays quiet when nobody resolves or releases a ticket.
    pub timeout: chrono::TimeDelta,
    /// When people answer, shown to the user (free text; empty = not shown).
    pub hours: String,
    /// Messages kept on a ticket.
    pub transcript: usize,
}

impl Default for HandoffPolicy {
    fn default() -> Self {
        HandoffPolicy {
            misses: 2,
            timeout: chrono::TimeDelta::hours(24),
            hours: String::new(),
            transcript: 10,
        }
    }
}

impl HandoffPolicy {
    /// The timeout in whole hours, for the answers.
    pub fn timeout_hours(&self) -> u32 {
        u32::try_from(self.timeout.num_hours()).unwrap_or(u32::MAX)
    }
}

/// Why a handoff step did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    /// Not a ticket id.
    #[error("{0:?} is not a ticket id (like H-3)")]
    BadTicketId(String),
    /// No such ticket.
    #[error("there is no ticket {0}")]
    NotFound(TicketId),
    /// Someone else has the ticket.
    #[error("ticket {ticket} is already claimed by {by}")]
    AlreadyClaimed {
        /// The ticket.
        ticket: TicketId,
        /// Who has it.
        by: String,
    },
    /// The caller already has it.
    #[error("you have already claimed ticket {0}")]
    AlreadyYours(TicketId),
    /// The ticket was opened already.
    #[error("ticket {0} is already open")]
    AlreadyOpen(TicketId),
    /// The ticket is finished.
    #[error("ticket {ticket} is already {}", state.as_str())]
    Closed {
        /// The ticket.
        ticket: TicketId,
        /// Its final state.
        state: TicketState,
    },
    /// The records kept changing under concurrent writers.
    #[error("the ticket store is busy; try again")]
    Busy,
    /// Only the agent holding the claim replies to the user.
    #[error("ticket {ticket} is not claimed by you; claim it before replying")]
    NotYours {
        /// The ticket.
        ticket: TicketId,
    },
    /// The reply is empty or too long.
    #[error("a reply needs 1 to {max} characters", max = relay::MAX_REPLY_CHARS)]
    BadReply,
    /// No relay reaches this conversation's platform.
    #[error(
        "replies from here do not reach {platform} conversations; answer the user in {platform}"
    )]
    NoRelay {
        /// The conversation's platform.
        platform: crate::model::Platform,
    },
    /// The relay could not deliver the reply.
    #[error("the reply was not delivered: {0}")]
    Undelivered(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
