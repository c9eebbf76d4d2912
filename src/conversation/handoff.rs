//! The handoff around a text message: before it, whether a person has the
//! conversation (then the bot stays out of it); after it, whether the user
//! asked for a person or was not understood too often (then a ticket opens
//! and the user is told what to expect).
//!
//! A storage failure here never costs the user an answer: the bot answers as
//! if handoff were off and logs the failure.

use super::reply::{plain_reply, render_answer, truncate};
use super::{Bot, MAX_CLASSIFIED_BYTES};
use crate::answer::{AnswerVars, HandoffVars};
use crate::handoff::{HandoffService, Outcome, Presence, Ticket, Turn, UserKey};
use crate::locale::LocaleChain;
use crate::model::{EventId, Inbound, Message, Reply, Visibility};

/// Characters of a message kept on a ticket: enough for an agent to read
/// the request, not a pasted log.
const KEPT_CHARS: usize = 500;

/// Answers `inbound` with the handoff in the loop.
pub(super) async fn handle(bot: &Bot, service: &HandoffService, inbound: Inbound) -> Reply {
    let Message::Text(text) = &inbound.message else {
        return bot.handle_unguarded(inbound).await;
    };
    let identity = &inbound.identity;
    let Ok(event) = EventId::new(identity.platform, &inbound.event_id) else {
        return bot.handle_unguarded(inbound).await;
    };
    let key = UserKey {
        platform: identity.platform,
        conversation: inbound.conversation.clone(),
        user_id: identity.user_id.clone(),
    };
    let event = event.key();
    let presence = match service.presence(&key, &event).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "handoff: cannot read the conversation's state; answering");
            Presence::Free
        }
    };
    let resumed = match presence {
        Presence::Quiet(ticket) => {
            return notice(bot, service, &inbound, "handoff-waiting", &ticket)
        }
        Presence::Replayed(ticket) => {
            return notice(bot, service, &inbound, "handoff-opened", &ticket)
        }
        Presence::Resumed(ticket) => Some(ticket),
        Presence::Free => None,
    };
    // Redacted like the record: a ticket's transcript is stored too.
    let turn_text: String = crate::record::redact(truncate(text.trim(), MAX_CLASSIFIED_BYTES))
        .chars()
        .take(KEPT_CHARS)
        .collect();
    let (scope, at) = (identity.scope.clone(), service.now());
    let mut reply = bot.handle_unguarded(inbound).await;
    let outcome = match reply.answer_key.as_str() {
        "handoff" => Outcome::Asked,
        "none" => Outcome::NotUnderstood,
        _ => Outcome::Answered,
    };
    let turn = Turn {
        key,
        scope,
        event,
        locale: reply.locale.clone(),
        text: turn_text,
        answer_key: reply.answer_key.clone(),
        at,
    };
    let chain = LocaleChain {
        chain: reply.fallback_chain.clone(),
        source: reply.locale_source,
    };
    match service.record(turn, outcome).await {
        Ok(Some(ticket)) => {
            tracing::info!(ticket = %ticket.id, reason = %ticket.reason, "handoff: ticket opened");
            let opened = render(bot, service, &chain, "handoff-opened", &ticket);
            reply.answer_key = opened.answer_key;
            reply.title = opened.title;
            reply.markdown = opened.markdown;
            reply.locale = opened.locale;
            reply.choices.clear();
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "handoff: cannot record the answer"),
    }
    if let Some(ticket) = resumed {
        let back = render(bot, service, &chain, "handoff-resumed", &ticket);
        reply.markdown = format!("{}\n\n{}", back.markdown.trim(), reply.markdown);
    }
    reply
}

/// A short private notice about `ticket`, in the ticket's language unless the
/// platform asks for another.
fn notice(
    bot: &Bot,
    service: &HandoffService,
    inbound: &Inbound,
    key: &str,
    ticket: &Ticket,
) -> Reply {
    let mut locales = inbound.locales.clone();
    locales.push(ticket.locale.clone());
    let chain = bot.knowledge().negotiator.negotiate(&locales, &[], "");
    let mut reply = render(bot, service, &chain, key, ticket);
    reply.visibility = Visibility::Private;
    reply
}

fn render(
    bot: &Bot,
    service: &HandoffService,
    chain: &LocaleChain,
    key: &str,
    ticket: &Ticket,
) -> Reply {
    let knowledge = bot.knowledge();
    let mut vars = AnswerVars::for_date(service.now().date_naive());
    vars.handoff = Some(HandoffVars {
        ticket: ticket.id.to_string(),
        hours: service.policy().hours.clone(),
        timeout_hours: service.policy().timeout_hours(),
    });
    plain_reply(render_answer(&knowledge, &[key], chain, &vars), chain)
}
