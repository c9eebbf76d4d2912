//! The synchronous handoff steps over a [`TicketStore`]. Every step re-reads
//! and retries when a concurrent writer won the revision check, so two agents
//! claiming at once get one winner and a clear answer for the other.

use chrono::{DateTime, Utc};

use super::port::{HandoffCommitted, HandoffWrite, TicketStore, UserState};
use super::ticket::{
    Change, Exchange, HistoryEntry, Reason, Ticket, TicketId, TicketState, UserKey,
};
use super::{HandoffError, HandoffPolicy};
use crate::lifecycle::StoreError;

/// Attempts before a step gives up on a record that keeps changing.
const RETRIES: usize = 8;

/// Who closes a ticket on timeout, in its history.
pub const TIMEOUT_AGENT: &str = "timeout";

/// What the bot should do with a user's next message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// No ticket: answer as usual.
    Free,
    /// This very event opened `ticket` before (a re-delivery): say the same again.
    Replayed(Ticket),
    /// A person has the conversation: stay out of it.
    Quiet(Ticket),
    /// The ticket ended since the last message: answer, and say the bot is back.
    Resumed(Ticket),
}

/// How the bot's reply went, as far as handoff cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Understood and answered.
    Answered,
    /// Not understood (the `none` answer).
    NotUnderstood,
    /// The user asked for a person.
    Asked,
    /// The user said an answer did not help and asked for a person.
    Unhelpful,
}

/// Facts about the message that a ticket keeps.
#[derive(Debug, Clone)]
pub struct Turn {
    /// Whose message.
    pub key: UserKey,
    /// Guild or tenant.
    pub scope: Option<String>,
    /// Platform event key (`platform:id`).
    pub event: String,
    /// Reply locale.
    pub locale: String,
    /// What the user wrote.
    pub text: String,
    /// The answer the bot chose.
    pub answer_key: String,
    /// When.
    pub at: DateTime<Utc>,
}

fn retrying<T>(mut step: impl FnMut() -> Result<T, HandoffError>) -> Result<T, HandoffError> {
    for _ in 0..RETRIES {
        match step() {
            Err(HandoffError::Store(StoreError::Conflict(_))) => continue,
            other => return other,
        }
    }
    Err(HandoffError::Busy)
}

fn bumped(state: &UserState) -> UserState {
    UserState {
        revision: state.revision + 1,
        ..state.clone()
    }
}

/// Where `key` stands before its message `event` is answered. Ends a ticket
/// that timed out and forgets one that was resolved or released.
pub fn presence(
    store: &dyn TicketStore,
    key: &UserKey,
    event: &str,
    policy: &HandoffPolicy,
    now: DateTime<Utc>,
) -> Result<Presence, HandoffError> {
    retrying(|| {
        let Some(state) = store.user_state(key)? else {
            return Ok(Presence::Free);
        };
        let Some(id) = state.ticket else {
            return Ok(Presence::Free);
        };
        let ticket = store.ticket(id)?;
        let mut writes = HandoffWrite::default();
        let ticket = match ticket {
            Some(t) if t.event == event => return Ok(Presence::Replayed(t)),
            Some(t) if t.state.is_active() && !t.timed_out(now, policy.timeout) => {
                return Ok(Presence::Quiet(t))
            }
            Some(t) if t.state.is_active() => {
                let (next, entry) = t.apply(Change::TimedOut, TIMEOUT_AGENT, now)?;
                writes.tickets.push(next.clone());
                writes.history.push(entry);
                Some(next)
            }
            other => other,
        };
        let mut cleared = bumped(&state);
        cleared.ticket = None;
        cleared.misses = 0;
        cleared.recent.clear();
        writes.users.push(cleared);
        store.commit_handoff(writes)?;
        Ok(match ticket {
            Some(t) => Presence::Resumed(t),
            // A ticket that vanished (restored database): just answer.
            None => Presence::Free,
        })
    })
}

/// Records how the bot answered `turn`, and opens a ticket when the user
/// asked for a person or was not understood `policy.misses` times in a row.
/// Returns the opened (or, for a re-delivered event, the existing) ticket,
/// and whether this call opened it (false for a re-delivery).
pub fn record(
    store: &dyn TicketStore,
    turn: &Turn,
    outcome: Outcome,
    policy: &HandoffPolicy,
) -> Result<Option<(Ticket, bool)>, HandoffError> {
    retrying(|| {
        let stored = store.user_state(&turn.key)?;
        let (state, mut next) = match stored {
            Some(state) => {
                let next = bumped(&state);
                (state, next)
            }
            None => {
                let fresh = UserState {
                    key: turn.key.clone(),
                    misses: 0,
                    recent: Vec::new(),
                    ticket: None,
                    revision: 0,
                };
                (fresh.clone(), fresh)
            }
        };
        match outcome {
            Outcome::Answered if state.misses == 0 && state.recent.is_empty() => Ok(None),
            Outcome::Answered => {
                next.misses = 0;
                next.recent.clear();
                store.commit_handoff(HandoffWrite {
                    users: vec![next],
                    ..HandoffWrite::default()
                })?;
                Ok(None)
            }
            Outcome::NotUnderstood | Outcome::Asked | Outcome::Unhelpful => {
                next.recent.push(Exchange {
                    at: turn.at,
                    text: turn.text.clone(),
                    answer_key: turn.answer_key.clone(),
                });
                let excess = next.recent.len().saturating_sub(policy.transcript.max(1));
                next.recent.drain(..excess);
                let reason = match outcome {
                    Outcome::Asked => Reason::Asked,
                    Outcome::Unhelpful => Reason::Feedback,
                    _ => {
                        next.misses = state.misses.saturating_add(1);
                        if next.misses < policy.misses.max(1) {
                            store.commit_handoff(HandoffWrite {
                                users: vec![next],
                                ..HandoffWrite::default()
                            })?;
                            return Ok(None);
                        }
                        Reason::NotUnderstood(next.misses)
                    }
                };
                open(store, turn, reason, next).map(Some)
            }
        }
    })
}

/// Opens a ticket for `turn` with the conversation in `state`; `true` when
/// this call opened it, `false` when the event had opened it before.
fn open(
    store: &dyn TicketStore,
    turn: &Turn,
    reason: Reason,
    mut state: UserState,
) -> Result<(Ticket, bool), HandoffError> {
    if let Some(id) = store.ticket_for_event(&turn.event)? {
        return Ok((store.ticket(id)?.ok_or(HandoffError::NotFound(id))?, false));
    }
    let id = TicketId::new(store.last_ticket_id()?.map_or(0, TicketId::number) + 1);
    let ticket = Ticket {
        id,
        user: turn.key.clone(),
        scope: turn.scope.clone(),
        locale: turn.locale.clone(),
        reason,
        transcript: std::mem::take(&mut state.recent),
        state: TicketState::Open,
        created_at: turn.at,
        claimed: None,
        closed: None,
        event: turn.event.clone(),
        revision: 0,
    };
    state.misses = 0;
    state.ticket = Some(id);
    let writes = HandoffWrite {
        tickets: vec![ticket.clone()],
        history: vec![HistoryEntry {
            ticket: id,
            revision: 0,
            at: turn.at,
            by: "bot".into(),
            change: Change::Opened,
        }],
        users: vec![state],
        event: Some((turn.event.clone(), id)),
        feedback: Vec::new(),
    };
    match store.commit_handoff(writes)? {
        HandoffCommitted::Applied => Ok((ticket, true)),
        HandoffCommitted::Replayed(id) => {
            Ok((store.ticket(id)?.ok_or(HandoffError::NotFound(id))?, false))
        }
    }
}

/// An agent's `change` to ticket `id`.
pub fn act(
    store: &dyn TicketStore,
    id: TicketId,
    change: Change,
    agent: &str,
    now: DateTime<Utc>,
) -> Result<Ticket, HandoffError> {
    retrying(|| {
        let ticket = store.ticket(id)?.ok_or(HandoffError::NotFound(id))?;
        let (next, entry) = ticket.apply(change, agent, now)?;
        store.commit_handoff(HandoffWrite {
            tickets: vec![next.clone()],
            history: vec![entry],
            ..HandoffWrite::default()
        })?;
        Ok(next)
    })
}
