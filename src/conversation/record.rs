//! The record around a message: what came in is noted before it is
//! answered, and stored with how it was answered once the reply exists.
//!
//! Commands are recorded by kind only: their text may carry a confirmation
//! token. The record service redacts the text before it is stored. A
//! storage failure never costs the user the reply: it is logged (without
//! the text) and the reply goes out.

use chrono::{DateTime, Utc};

use super::parse_command;
use crate::model::{Inbound, Message, Reply};
use crate::record::{Entry, EntryKind, RecordService, UserRef};

/// The answer while a person has the conversation: the bot did not read the
/// message.
const QUIET_NOTICE: &str = "handoff-waiting";

/// What the record keeps of an inbound message.
pub(super) struct Seen {
    at: DateTime<Utc>,
    event: String,
    user: UserRef,
    conversation: String,
    scope: Option<String>,
    kind: EntryKind,
    text: Option<String>,
}

impl Seen {
    /// Notes `inbound`; `commands` says whether chat text can be a command.
    pub(super) fn of(inbound: &Inbound, commands: bool) -> Seen {
        let (kind, text) = match &inbound.message {
            Message::Text(t) if commands && parse_command(t).is_some() => {
                (EntryKind::Command, None)
            }
            Message::Text(t) => (EntryKind::Text, Some(t.clone())),
            Message::Help { .. } => (EntryKind::Help, None),
            Message::Why => (EntryKind::Why, None),
            // Agents' commands and feedback clicks carry no free text; the
            // feedback itself is stored by the handoff (`handoff::Feedback`).
            Message::Command(_) | Message::Agent(_) | Message::Feedback { .. } => {
                (EntryKind::Command, None)
            }
        };
        let identity = &inbound.identity;
        Seen {
            at: inbound.received_at,
            event: format!("{}:{}", identity.platform, inbound.event_id),
            user: UserRef {
                platform: identity.platform,
                user_id: identity.user_id.clone(),
            },
            conversation: inbound.conversation.clone(),
            scope: identity.scope.clone(),
            kind,
            text,
        }
    }
}

/// Stores what was seen and how `reply` answered it.
pub(super) async fn note(service: &RecordService, seen: Seen, reply: &Reply) {
    let mut rules: Vec<String> = reply.candidates.iter().map(|c| c.rule.clone()).collect();
    if let Some(rule) = &reply.rule {
        if !rules.contains(rule) {
            rules.push(rule.clone());
        }
    }
    // Conversational intents (help, greeting) are not `Reply::intent`; their
    // rule id names them (`intent/lang/rule`).
    let intent = reply.intent.clone().or_else(|| {
        reply
            .rule
            .as_deref()
            .and_then(|r| r.split('/').next())
            .map(str::to_owned)
    });
    // The handoff may have replaced the answer with its notice; what the
    // matcher found is still on the reply. A quiet notice means the bot did
    // not read the message at all.
    let read = seen.kind == EntryKind::Text && reply.answer_key != QUIET_NOTICE;
    let understood = read
        .then(|| reply.intent.is_some() || reply.rule.is_some() || !reply.candidates.is_empty());
    let entry = Entry {
        at: seen.at,
        event: seen.event,
        user: seen.user,
        conversation: seen.conversation,
        scope: seen.scope,
        kind: seen.kind,
        locale: reply.locale.clone(),
        text: seen.text,
        intent,
        rules,
        vetoed: reply.vetoed.clone(),
        answer_key: reply.answer_key.clone(),
        understood,
    };
    if let Err(e) = service.record(entry).await {
        tracing::warn!(error = %e, "record: cannot store this message's record; replied anyway");
    }
}
