//! The handoff's storage port. Adapters (memory, sled) live in `crate::store`
//! and share the lifecycle's durable commit path, so a ticket is on disk
//! before the user is told a person will take over.

use serde::{Deserialize, Serialize};

use super::ticket::{Exchange, Feedback, HistoryEntry, Ticket, TicketId, UserKey};
use crate::lifecycle::StoreError;

/// What the bot remembers about one user in one conversation, stored so that
/// any process answering the next message sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserState {
    /// Whose.
    pub key: UserKey,
    /// Messages in a row the bot did not understand.
    pub misses: u32,
    /// Those messages, oldest first (the ticket's transcript).
    pub recent: Vec<Exchange>,
    /// The ticket the bot is quiet for, if any.
    pub ticket: Option<TicketId>,
    /// Bumped by every change; 0 = must not exist yet.
    pub revision: u64,
}

/// Everything one handoff step writes, applied atomically and durably.
/// Versioned records carry their *new* revision (see `lifecycle::WriteSet`).
#[derive(Debug, Clone, Default)]
pub struct HandoffWrite {
    /// New ticket versions.
    pub tickets: Vec<Ticket>,
    /// History entries to append.
    pub history: Vec<HistoryEntry>,
    /// New user-state versions.
    pub users: Vec<UserState>,
    /// The platform event that opened a ticket: if the event is already
    /// stored, nothing is applied and its ticket is returned instead.
    pub event: Option<(String, TicketId)>,
    /// Feedback to store (keyed by answer, locale and event, so a
    /// re-delivered click writes the same record again).
    pub feedback: Vec<Feedback>,
}

/// Result of [`TicketStore::commit_handoff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffCommitted {
    /// Applied and durable.
    Applied,
    /// The event had already opened this ticket; nothing was applied.
    Replayed(TicketId),
}

/// The storage operations the handoff needs.
pub trait TicketStore: Send + Sync + 'static {
    /// One ticket.
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;
    /// Every ticket, by id.
    fn tickets(&self) -> Result<Vec<Ticket>, StoreError>;
    /// The highest ticket id in use.
    fn last_ticket_id(&self) -> Result<Option<TicketId>, StoreError>;
    /// A ticket's history in append order.
    fn ticket_history(&self, id: TicketId) -> Result<Vec<HistoryEntry>, StoreError>;
    /// One user's state in one conversation.
    fn user_state(&self, key: &UserKey) -> Result<Option<UserState>, StoreError>;
    /// The ticket a platform event opened, if any.
    fn ticket_for_event(&self, event_key: &str) -> Result<Option<TicketId>, StoreError>;
    /// Checks revisions and applies `writes` atomically; returns once durable.
    fn commit_handoff(&self, writes: HandoffWrite) -> Result<HandoffCommitted, StoreError>;
    /// Every stored feedback record, by answer key, then locale.
    fn feedback(&self) -> Result<Vec<Feedback>, StoreError>;
}

impl<S: TicketStore + ?Sized> TicketStore for std::sync::Arc<S> {
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        (**self).ticket(id)
    }
    fn tickets(&self) -> Result<Vec<Ticket>, StoreError> {
        (**self).tickets()
    }
    fn last_ticket_id(&self) -> Result<Option<TicketId>, StoreError> {
        (**self).last_ticket_id()
    }
    fn ticket_history(&self, id: TicketId) -> Result<Vec<HistoryEntry>, StoreError> {
        (**self).ticket_history(id)
    }
    fn user_state(&self, key: &UserKey) -> Result<Option<UserState>, StoreError> {
        (**self).user_state(key)
    }
    fn ticket_for_event(&self, event_key: &str) -> Result<Option<TicketId>, StoreError> {
        (**self).ticket_for_event(event_key)
    }
    fn commit_handoff(&self, writes: HandoffWrite) -> Result<HandoffCommitted, StoreError> {
        (**self).commit_handoff(writes)
    }
    fn feedback(&self) -> Result<Vec<Feedback>, StoreError> {
        (**self).feedback()
    }
}
