//! The async face of the handoff: each step runs on tokio's blocking pool,
//! because a commit waits for the journal's `fdatasync`.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::engine::{self, Outcome, Presence, Turn};
use super::port::TicketStore;
use super::ticket::{Change, HistoryEntry, Ticket, TicketId, UserKey};
use super::{HandoffError, HandoffPolicy};
use crate::lifecycle::{Clock, StoreError};

/// Cheap to clone; share one per process.
#[derive(Clone)]
pub struct HandoffService {
    store: Arc<dyn TicketStore>,
    clock: Arc<dyn Clock>,
    policy: Arc<HandoffPolicy>,
}

impl std::fmt::Debug for HandoffService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandoffService")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl HandoffService {
    /// A service over `store`, with time from `clock`.
    pub fn new(store: Arc<dyn TicketStore>, clock: Arc<dyn Clock>, policy: HandoffPolicy) -> Self {
        HandoffService {
            store,
            clock,
            policy: Arc::new(policy),
        }
    }

    /// The settings.
    pub fn policy(&self) -> &HandoffPolicy {
        &self.policy
    }

    /// The service's notion of now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, HandoffError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn TicketStore, &HandoffPolicy, DateTime<Utc>) -> Result<T, HandoffError>
            + Send
            + 'static,
    {
        let (store, policy, now) = (
            Arc::clone(&self.store),
            Arc::clone(&self.policy),
            self.clock.now(),
        );
        tokio::task::spawn_blocking(move || f(store.as_ref(), &policy, now))
            .await
            .map_err(|e| HandoffError::Store(StoreError::Io(format!("storage task failed: {e}"))))?
    }

    /// Where `key` stands before its message `event` is answered.
    pub async fn presence(&self, key: &UserKey, event: &str) -> Result<Presence, HandoffError> {
        let (key, event) = (key.clone(), event.to_owned());
        self.blocking(move |s, p, now| engine::presence(s, &key, &event, p, now))
            .await
    }

    /// Records how a message was answered; returns the ticket it opened.
    pub async fn record(
        &self,
        turn: Turn,
        outcome: Outcome,
    ) -> Result<Option<Ticket>, HandoffError> {
        self.blocking(move |s, p, _| engine::record(s, &turn, outcome, p))
            .await
    }

    /// Every ticket, by id.
    pub async fn list(&self) -> Result<Vec<Ticket>, HandoffError> {
        self.blocking(|s, _, _| Ok(s.tickets()?)).await
    }

    /// One ticket and its history.
    pub async fn show(&self, id: TicketId) -> Result<(Ticket, Vec<HistoryEntry>), HandoffError> {
        self.blocking(move |s, _, _| {
            let ticket = s.ticket(id)?.ok_or(HandoffError::NotFound(id))?;
            Ok((ticket, s.ticket_history(id)?))
        })
        .await
    }

    /// `agent` (`platform:user`, from signed identity) claims, resolves or
    /// releases ticket `id`.
    pub async fn act(
        &self,
        id: TicketId,
        change: Change,
        agent: &str,
    ) -> Result<Ticket, HandoffError> {
        let agent = agent.to_owned();
        self.blocking(move |s, _, now| engine::act(s, id, change, &agent, now))
            .await
    }
}
