//! The async face of the handoff: each step runs on tokio's blocking pool,
//! because a commit waits for the journal's `fdatasync`.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use std::time::Duration;

use super::desk::{self, AgentDesk, DeskNotice, RETRY_PAUSES};
use super::engine::{self, Outcome, Presence, Turn};
use super::port::{HandoffWrite, TicketStore};
use super::relay::{UserRelay, MAX_REPLY_CHARS};
use super::ticket::{Change, Feedback, HistoryEntry, Ticket, TicketId, TicketState, UserKey};
use super::{HandoffError, HandoffPolicy};
use crate::auth::{AgentRoster, VerifiedAgent};
use crate::lifecycle::{Clock, StoreError};

/// Cheap to clone; share one per process.
#[derive(Clone)]
pub struct HandoffService {
    store: Arc<dyn TicketStore>,
    clock: Arc<dyn Clock>,
    policy: Arc<HandoffPolicy>,
    desks: Arc<Vec<Arc<dyn AgentDesk>>>,
    relays: Arc<Vec<Arc<dyn UserRelay>>>,
    roster: Arc<AgentRoster>,
    pauses: &'static [Duration],
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
            desks: Arc::new(Vec::new()),
            relays: Arc::new(Vec::new()),
            roster: Arc::new(AgentRoster::default()),
            pauses: &RETRY_PAUSES,
        }
    }

    /// The same service, also telling agents at `desk` about tickets.
    pub fn with_desk(mut self, desk: Arc<dyn AgentDesk>) -> Self {
        let mut desks = (*self.desks).clone();
        desks.push(desk);
        self.desks = Arc::new(desks);
        self
    }

    /// The same service, also able to reply to users that `relay` reaches.
    pub fn with_relay(mut self, relay: Arc<dyn UserRelay>) -> Self {
        let mut relays = (*self.relays).clone();
        relays.push(relay);
        self.relays = Arc::new(relays);
        self
    }

    /// The same service, with the agents who may act from a platform.
    pub fn with_agents(mut self, roster: AgentRoster) -> Self {
        self.roster = Arc::new(roster);
        self
    }

    /// The same service, pausing `pauses` between delivery attempts (tests
    /// use short ones).
    pub fn with_retry_pauses(mut self, pauses: &'static [Duration]) -> Self {
        self.pauses = pauses;
        self
    }

    /// Who may act on tickets.
    pub fn agents(&self) -> &AgentRoster {
        &self.roster
    }

    fn announce(&self, ticket: &Ticket, change: Change, by: &str) {
        if self.desks.is_empty() {
            return;
        }
        let notice = DeskNotice {
            ticket: ticket.clone(),
            change,
            by: by.to_owned(),
        };
        desk::announce(&self.desks, notice, self.pauses);
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
        let recorded = self
            .blocking(move |s, p, _| engine::record(s, &turn, outcome, p))
            .await?;
        Ok(recorded.map(|(ticket, fresh)| {
            // A re-delivered event told the agents already.
            if fresh {
                self.announce(&ticket, Change::Opened, "bot");
            }
            ticket
        }))
    }

    /// Stores one "Did this help?" answer, durably.
    pub async fn feedback(&self, feedback: Feedback) -> Result<(), HandoffError> {
        self.blocking(move |s, _, _| {
            s.commit_handoff(HandoffWrite {
                feedback: vec![feedback],
                ..HandoffWrite::default()
            })?;
            Ok(())
        })
        .await
    }

    /// Every stored feedback record.
    pub async fn feedback_list(&self) -> Result<Vec<Feedback>, HandoffError> {
        self.blocking(|s, _, _| Ok(s.feedback()?)).await
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
        let by = agent.to_owned();
        let ticket = self
            .blocking(move |s, _, now| engine::act(s, id, change, &by, now))
            .await?;
        self.announce(&ticket, change, agent);
        Ok(ticket)
    }

    /// A verified agent claims, resolves or releases ticket `id`.
    pub async fn act_as(
        &self,
        agent: &VerifiedAgent,
        id: TicketId,
        change: Change,
    ) -> Result<Ticket, HandoffError> {
        self.act(id, change, &agent.user().to_string()).await
    }

    /// `agent` replies to the user of ticket `id`, which they must hold
    /// claimed, through the relay that reaches the conversation. Waits for
    /// the delivery, so the agent learns whether the user got it.
    pub async fn reply_as(
        &self,
        agent: &VerifiedAgent,
        id: TicketId,
        text: &str,
    ) -> Result<Ticket, HandoffError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_REPLY_CHARS {
            return Err(HandoffError::BadReply);
        }
        let (ticket, _) = self.show(id).await?;
        let me = agent.user().to_string();
        let holds = ticket.state == TicketState::Claimed
            && ticket.claimed.as_ref().is_some_and(|(_, by)| *by == me);
        if !holds {
            return Err(HandoffError::NotYours { ticket: id });
        }
        let relay =
            self.relays
                .iter()
                .find(|r| r.reaches(&ticket))
                .ok_or(HandoffError::NoRelay {
                    platform: ticket.user.platform,
                })?;
        relay
            .send(&ticket, &agent.user().user_id, text)
            .await
            .map_err(|e| HandoffError::Undelivered(e.0))?;
        tracing::info!(ticket = %id, relay = relay.name(), "agent replied to the user");
        Ok(ticket)
    }
}
