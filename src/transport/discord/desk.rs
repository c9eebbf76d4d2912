//! The Discord [`AgentDesk`]: a ticket from a Discord conversation opens a
//! private thread in the configured support channel, the user is added to
//! it, and the summary is posted there with a ping of the support role
//! (and nobody else: `allowed_mentions` names only that role). Agents'
//! claims, resolutions and releases are posted to the same thread.
//!
//! Which thread belongs to which ticket is remembered in memory for the
//! tickets this process opened (bounded); for a ticket it does not know (a
//! restart, another instance) a change is posted to the support channel
//! instead, so nothing is lost but the thread's tidiness.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::{json, Value};

use super::api::DiscordApi;
use crate::handoff::{AgentDesk, Change, DeskError, DeskNotice, Ticket, TicketId};
use crate::model::Platform;

/// Threads remembered for follow-up notices.
const REMEMBERED: usize = 1024;
/// Discord's limit on a message's content.
const CONTENT_MAX: usize = 2000;
/// Characters of one transcript message shown in the summary.
const LINE_MAX: usize = 300;

/// Where Discord tickets go.
#[derive(Debug)]
pub struct DiscordDesk {
    api: DiscordApi,
    channel: u64,
    role: Option<u64>,
    threads: Mutex<Threads>,
}

#[derive(Debug, Default)]
struct Threads {
    by_ticket: HashMap<TicketId, u64>,
    order: VecDeque<TicketId>,
}

impl Threads {
    fn remember(&mut self, ticket: TicketId, thread: u64) {
        if self.by_ticket.insert(ticket, thread).is_none() {
            self.order.push_back(ticket);
        }
        while self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.by_ticket.remove(&old);
            }
        }
    }
}

impl DiscordDesk {
    /// A desk posting to `channel` through `api` (which needs the bot
    /// token), pinging `role` on new tickets.
    pub fn new(api: DiscordApi, channel: u64, role: Option<u64>) -> DiscordDesk {
        DiscordDesk {
            api,
            channel,
            role,
            threads: Mutex::new(Threads::default()),
        }
    }

    fn thread_of(&self, ticket: TicketId) -> Option<u64> {
        self.threads
            .lock()
            .ok()
            .and_then(|t| t.by_ticket.get(&ticket).copied())
    }

    async fn opened(&self, ticket: &Ticket) -> Result<(), DeskError> {
        // A retry after a later step failed reuses the thread it created.
        let thread = match self.thread_of(ticket.id) {
            Some(t) => t,
            None => {
                let name = thread_name(ticket);
                let t = self
                    .api
                    .create_private_thread(self.channel, &name)
                    .await
                    .map_err(|e| DeskError(e.to_string()))?;
                if let Ok(mut threads) = self.threads.lock() {
                    threads.remember(ticket.id, t);
                }
                t
            }
        };
        // The user can only join from a guild conversation; in a DM they
        // may not share the support server. A refused add leaves the thread
        // to the agents, who are told so.
        let mut added = false;
        if ticket.scope.is_some() {
            match self
                .api
                .add_thread_member(thread, &ticket.user.user_id)
                .await
            {
                Ok(()) => added = true,
                Err(e) => {
                    tracing::warn!(ticket = %ticket.id, error = %e, "handoff: the user could not be added to the ticket's thread")
                }
            }
        }
        self.api
            .post_message(thread, &summary(ticket, self.role, added))
            .await
            .map_err(|e| DeskError(e.to_string()))
    }

    async fn changed(&self, notice: &DeskNotice) -> Result<(), DeskError> {
        let channel = self.thread_of(notice.ticket.id).unwrap_or(self.channel);
        self.api
            .post_message(channel, &change_message(notice))
            .await
            .map_err(|e| DeskError(e.to_string()))
    }
}

impl AgentDesk for DiscordDesk {
    fn name(&self) -> &'static str {
        "discord"
    }

    fn serves(&self, ticket: &Ticket) -> bool {
        ticket.user.platform == Platform::Discord
    }

    fn tell<'a>(&'a self, notice: &'a DeskNotice) -> BoxFuture<'a, Result<(), DeskError>> {
        async move {
            match notice.change {
                Change::Opened => self.opened(&notice.ticket).await,
                _ => self.changed(notice).await,
            }
        }
        .boxed()
    }
}

/// `H-3 · asked for a person`, within Discord's 100 characters.
fn thread_name(ticket: &Ticket) -> String {
    format!("{} · {}", ticket.id, ticket.reason)
        .chars()
        .take(100)
        .collect()
}

/// A user's text as a quote that cannot break out of it or ping anyone
/// (pings are also off in `allowed_mentions`).
fn quoted(text: &str) -> String {
    let short: String = text.chars().take(LINE_MAX).collect();
    short
        .replace('@', "@\u{200b}")
        .lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first message in a ticket's thread: who, why, in which language, the
/// messages before the handoff and what the bot answered them.
pub fn summary(ticket: &Ticket, role: Option<u64>, user_added: bool) -> Value {
    let place = match ticket.user.conversation.strip_prefix("dm:") {
        Some(_) => "a direct message".to_owned(),
        None => format!("<#{}>", ticket.user.conversation),
    };
    let mut head = format!(
        "**Ticket {}**: {}\nUser: <@{}> · locale `{}` · conversation {place} · opened <t:{}:f>",
        ticket.id,
        ticket.reason,
        ticket.user.user_id,
        ticket.locale,
        ticket.created_at.timestamp(),
    );
    if ticket.scope.is_none() {
        head.push_str("\nThe user wrote in a direct message; answer them there.");
    } else if !user_added {
        head.push_str(
            "\nThe user could not be added to this thread; answer them in their channel.",
        );
    }
    head.push_str("\nUse `/handoff claim`, `/handoff resolve` or `/handoff release` with ticket ");
    head.push_str(&ticket.id.number().to_string());
    head.push('.');
    let ping = role.map(|r| format!("\n<@&{r}>")).unwrap_or_default();
    let mut lines = String::new();
    for m in ticket.transcript.iter().rev() {
        let line = format!("{}\n↳ bot answered `{}`\n", quoted(&m.text), m.answer_key);
        if head.chars().count() + lines.chars().count() + line.chars().count() + ping.len() + 20
            > CONTENT_MAX
        {
            break;
        }
        lines.insert_str(0, &line);
    }
    let content = if lines.is_empty() {
        format!("{head}{ping}")
    } else {
        format!("{head}\n\n**Last messages**\n{lines}{ping}")
    };
    json!({
        "content": content,
        "allowed_mentions": {
            "parse": [],
            "roles": role.map(|r| vec![r.to_string()]).unwrap_or_default(),
        },
    })
}

fn change_message(notice: &DeskNotice) -> Value {
    let by = match notice.by.strip_prefix("discord:") {
        Some(id) => format!("<@{id}>"),
        None => format!("`{}`", notice.by),
    };
    let what = match notice.change {
        Change::Opened => "opened",
        Change::Claimed => "claimed",
        Change::Resolved => "resolved; the bot answers the user again",
        Change::Released | Change::TimedOut => "released; the bot answers the user again",
    };
    json!({
        "content": format!("Ticket {} {what} (by {by}).", notice.ticket.id),
        "allowed_mentions": { "parse": [] },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::{Exchange, Reason, TicketState, UserKey};

    fn ticket() -> Ticket {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        Ticket {
            id: TicketId::new(3),
            user: UserKey {
                platform: Platform::Discord,
                conversation: "645027906669510667".into(),
                user_id: "53908232506183680".into(),
            },
            scope: Some("290926798626357999".into()),
            locale: "nb-NO".into(),
            reason: Reason::NotUnderstood(2),
            transcript: vec![Exchange {
                at,
                text: "hjelp @everyone\n# big".into(),
                answer_key: "none".into(),
            }],
            state: TicketState::Open,
            created_at: at,
            claimed: None,
            closed: None,
            event: "discord:1".into(),
            revision: 0,
        }
    }

    #[test]
    fn the_summary_pings_only_the_role_and_quotes_the_user() {
        let s = summary(&ticket(), Some(77), true);
        let content = s["content"].as_str().unwrap_or_default();
        assert!(content.contains("**Ticket H-3**"), "{content}");
        assert!(content.contains("nb-NO"), "{content}");
        assert!(
            content.contains("> hjelp @\u{200b}everyone\n> # big"),
            "{content}"
        );
        assert!(content.contains("bot answered `none`"), "{content}");
        assert!(content.ends_with("<@&77>"), "{content}");
        assert_eq!(
            s["allowed_mentions"],
            json!({ "parse": [], "roles": ["77"] })
        );
        let quiet = summary(&ticket(), None, false);
        assert_eq!(quiet["allowed_mentions"]["roles"], json!([]));
    }

    #[test]
    fn a_long_transcript_keeps_the_newest_messages_within_the_limit() {
        let mut t = ticket();
        t.transcript = (0..40)
            .map(|i| Exchange {
                at: t.created_at,
                text: format!("message {i} {}", "x".repeat(290)),
                answer_key: "none".into(),
            })
            .collect();
        let s = summary(&t, Some(77), true);
        let content = s["content"].as_str().unwrap_or_default();
        assert!(content.chars().count() <= CONTENT_MAX);
        assert!(content.contains("message 39"));
        assert!(!content.contains("message 0 "));
    }

    #[test]
    fn the_thread_map_is_bounded() {
        let mut threads = Threads::default();
        for n in 1..=(REMEMBERED as u64 + 5) {
            threads.remember(TicketId::new(n), n);
        }
        assert_eq!(threads.by_ticket.len(), REMEMBERED);
        assert!(!threads.by_ticket.contains_key(&TicketId::new(1)));
    }
}
