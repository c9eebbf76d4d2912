//! Tickets and their pure state machine: open → claimed → resolved or
//! released. Every change bumps the revision and yields one history entry, so
//! the history is append-only and the revision check in the store makes
//! claims first-come.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::HandoffError;
use crate::model::Platform;

/// A ticket number, shown as `H-7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketId(u64);

impl TicketId {
    /// The ticket with number `n`.
    pub fn new(n: u64) -> TicketId {
        TicketId(n)
    }

    /// The number.
    pub fn number(self) -> u64 {
        self.0
    }

    /// Reads `H-7`, `h-7` or `7`.
    pub fn parse(text: &str) -> Result<TicketId, HandoffError> {
        let t = text.trim();
        let digits = t
            .strip_prefix("H-")
            .or_else(|| t.strip_prefix("h-"))
            .unwrap_or(t);
        digits
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(TicketId)
            .ok_or_else(|| HandoffError::BadTicketId(t.chars().take(40).collect()))
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "H-{}", self.0)
    }
}

/// Why a ticket was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "count", rename_all = "snake_case")]
pub enum Reason {
    /// The user asked for a person.
    Asked,
    /// The bot did not understand the user this many times in a row.
    NotUnderstood(u32),
    /// The user said an answer did not help.
    Feedback,
    /// An agent took the conversation over.
    AgentTakeover,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Asked => f.write_str("asked for a person"),
            Reason::NotUnderstood(n) => write!(f, "not understood {n} times in a row"),
            Reason::Feedback => f.write_str("an answer did not help"),
            Reason::AgentTakeover => f.write_str("taken over by an agent"),
        }
    }
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Waiting for an agent.
    Open,
    /// An agent has it.
    Claimed,
    /// An agent finished it.
    Resolved,
    /// Handed back to the bot (by an agent, or by the timeout).
    Released,
}

impl TicketState {
    /// True while the bot stays quiet for the ticket's user.
    pub fn is_active(self) -> bool {
        matches!(self, TicketState::Open | TicketState::Claimed)
    }

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::Claimed => "claimed",
            TicketState::Resolved => "resolved",
            TicketState::Released => "released",
        }
    }
}

/// Whose conversation it is: one user in one conversation on one platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserKey {
    /// Platform.
    pub platform: Platform,
    /// Channel, chat or thread id.
    pub conversation: String,
    /// The user's platform id (from signed identity).
    pub user_id: String,
}

/// One message of the conversation, as the agent will see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// What the user wrote.
    pub text: String,
    /// The answer the bot gave (`none` when it did not understand).
    pub answer_key: String,
}

/// "Did this help?" for one answer, from one user, once per platform event
/// (a re-delivered click overwrites the same record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    /// The answer key the user judged.
    pub answer: String,
    /// The locale it was shown in (the locale of the click's reply).
    pub locale: String,
    /// Whether it helped.
    pub helped: bool,
    /// Who said so.
    pub user: UserKey,
    /// When.
    pub at: DateTime<Utc>,
    /// The platform event of the click (`platform:id`).
    pub event: String,
}

/// A conversation handed to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Number.
    pub id: TicketId,
    /// Whose conversation.
    pub user: UserKey,
    /// The user's guild or tenant, if any.
    pub scope: Option<String>,
    /// The reply locale the user was answered in.
    pub locale: String,
    /// Why it was opened.
    pub reason: Reason,
    /// The last messages before it was opened, oldest first.
    pub transcript: Vec<Exchange>,
    /// Current state.
    pub state: TicketState,
    /// Opened at.
    pub created_at: DateTime<Utc>,
    /// Claimed at and by (`platform:user`).
    pub claimed: Option<(DateTime<Utc>, String)>,
    /// Resolved or released at and by (`timeout` for the timeout).
    pub closed: Option<(DateTime<Utc>, String)>,
    /// Platform event that opened it (idempotency key).
    pub event: String,
    /// Bumped by every change; the store accepts revision `n` only over `n - 1`.
    pub revision: u64,
}

/// What happened to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Opened.
    Opened,
    /// Claimed by an agent.
    Claimed,
    /// Resolved by an agent.
    Resolved,
    /// Released by an agent.
    Released,
    /// Released because nobody finished it in time.
    TimedOut,
}

/// One append-only history entry: the change that produced `revision`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Ticket.
    pub ticket: TicketId,
    /// The ticket revision this change produced.
    pub revision: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`platform:user`, or `bot` / `timeout`).
    pub by: String,
    /// What.
    pub change: Change,
}

impl Ticket {
    /// Whether the bot should answer again although the ticket is active.
    pub fn timed_out(&self, now: DateTime<Utc>, timeout: chrono::TimeDelta) -> bool {
        self.state.is_active() && now >= self.created_at + timeout
    }

    /// Applies an agent's or the timeout's `change`, returning the next
    /// version and its history entry. Claims are first-come: a ticket claimed
    /// by someone else is refused with who has it.
    pub fn apply(
        &self,
        change: Change,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(Ticket, HistoryEntry), HandoffError> {
        if !self.state.is_active() {
            return Err(HandoffError::Closed {
                ticket: self.id,
                state: self.state,
            });
        }
        if let Some((_, holder)) = &self.claimed {
            if holder != by && !matches!(change, Change::TimedOut) {
                return Err(HandoffError::AlreadyClaimed {
                    ticket: self.id,
                    by: holder.clone(),
                });
            }
        }
        let mut next = self.clone();
        match change {
            Change::Opened => return Err(HandoffError::AlreadyOpen(self.id)),
            Change::Claimed => {
                if self.claimed.is_some() {
                    return Err(HandoffError::AlreadyYours(self.id));
                }
                next.state = TicketState::Claimed;
                next.claimed = Some((now, by.to_owned()));
            }
            Change::Resolved => {
                next.state = TicketState::Resolved;
                next.closed = Some((now, by.to_owned()));
            }
            Change::Released | Change::TimedOut => {
                next.state = TicketState::Released;
                next.closed = Some((now, by.to_owned()));
            }
        }
        next.revision = self.revision + 1;
        let entry = HistoryEntry {
            ticket: self.id,
            revision: next.revision,
            at: now,
            by: by.to_owned(),
            change,
        };
        Ok((next, entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> Ticket {
        Ticket {
            id: TicketId::new(1),
            user: UserKey {
                platform: Platform::Cli,
                conversation: "cli".into(),
                user_id: "operator".into(),
            },
            scope: None,
            locale: "en-US".into(),
            reason: Reason::Asked,
            transcript: Vec::new(),
            state: TicketState::Open,
            created_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            claimed: None,
            closed: None,
            event: "cli:1".into(),
            revision: 0,
        }
    }

    #[test]
    fn a_second_claimer_is_told_who_has_it() {
        let now = ticket().created_at;
        let (claimed, entry) = ticket()
            .apply(Change::Claimed, "discord:1", now)
            .expect("first claim");
        assert_eq!(claimed.state, TicketState::Claimed);
        assert_eq!(entry.revision, 1);
        match claimed.apply(Change::Claimed, "discord:2", now) {
            Err(HandoffError::AlreadyClaimed { by, .. }) => assert_eq!(by, "discord:1"),
            other => panic!("expected AlreadyClaimed, got {other:?}"),
        }
        assert!(matches!(
            claimed.apply(Change::Resolved, "discord:2", now),
            Err(HandoffError::AlreadyClaimed { .. })
        ));
        let (done, _) = claimed
            .apply(Change::Resolved, "discord:1", now)
            .expect("holder resolves");
        assert!(matches!(
            done.apply(Change::Released, "discord:1", now),
            Err(HandoffError::Closed { .. })
        ));
    }

    #[test]
    fn timeout_releases_even_a_claimed_ticket() {
        let t = ticket();
        let later = t.created_at + chrono::TimeDelta::hours(24);
        assert!(t.timed_out(later, chrono::TimeDelta::hours(24)));
        assert!(!t.timed_out(
            later - chrono::TimeDelta::seconds(1),
            chrono::TimeDelta::hours(24)
        ));
        let (claimed, _) = t
            .apply(Change::Claimed, "cli:operator", later)
            .expect("claim");
        let (released, entry) = claimed
            .apply(Change::TimedOut, "timeout", later)
            .expect("timeout");
        assert_eq!(released.state, TicketState::Released);
        assert_eq!(entry.change, Change::TimedOut);
    }

    #[test]
    fn ticket_ids_parse_with_or_without_prefix() {
        assert_eq!(TicketId::parse("H-12").ok(), Some(TicketId::new(12)));
        assert_eq!(TicketId::parse("12").ok(), Some(TicketId::new(12)));
        assert!(TicketId::parse("H-0").is_err());
        assert!(TicketId::parse("H-x").is_err());
        assert_eq!(TicketId::new(3).to_string(), "H-3");
    }
}
