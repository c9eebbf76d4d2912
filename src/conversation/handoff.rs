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
use crate::auth::authorize_agent;
use crate::handoff::{
    Change, Feedback, HandoffError, HandoffService, Outcome, Presence, Ticket, TicketId, Turn,
    UserKey,
};
use crate::intent::IntentKind;
use crate::locale::LocaleChain;
use crate::model::{
    AgentAction, AgentCommand, Button, ButtonAction, ButtonStyle, EventId, FeedbackChoice, Inbound,
    Message, Platform, Reply, Visibility,
};

/// Characters of a message kept on a ticket: enough for an agent to read
/// the request, not a pasted log.
const KEPT_CHARS: usize = 500;

/// Answers `inbound` with the handoff in the loop.
pub(super) async fn handle(bot: &Bot, service: &HandoffService, inbound: Inbound) -> Reply {
    if let Message::Agent(command) = &inbound.message {
        return agent(bot, Some(service), &inbound, command).await;
    }
    if let Message::Feedback { answer, choice } = &inbound.message {
        if *choice != FeedbackChoice::AskPerson {
            return feedback(bot, service, &inbound, answer, *choice).await;
        }
    }
    let (text, disliked) = match &inbound.message {
        Message::Text(text) => (text.clone(), None),
        // "Ask a person" after a no: a handoff request about that answer.
        Message::Feedback { answer, .. } => {
            (format!("(did not help: {answer})"), Some(answer.clone()))
        }
        _ => return bot.handle_unguarded(inbound).await,
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
    let platform = inbound.identity.platform;
    let (mut reply, outcome) = match disliked {
        None => {
            let reply = bot.handle_unguarded(inbound).await;
            let outcome = match reply.answer_key.as_str() {
                "handoff" => Outcome::Asked,
                "none" => Outcome::NotUnderstood,
                _ => Outcome::Answered,
            };
            (reply, outcome)
        }
        Some(answer) => {
            // Replaced by `handoff-opened` once the ticket is stored; the
            // user's own words for a person, should storage fail.
            let knowledge = bot.knowledge();
            let chain = knowledge.negotiator.negotiate(&inbound.locales, &[], "");
            let vars = AnswerVars::for_date(inbound.received_at.date_naive());
            let mut reply = plain_reply(
                render_answer(&knowledge, &["handoff"], &chain, &vars),
                &chain,
            );
            reply.answer_key = answer;
            (reply, Outcome::Unhelpful)
        }
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
    if outcome == Outcome::Answered {
        offer_feedback(bot, &mut reply, platform, &chain);
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
        ..HandoffVars::default()
    });
    plain_reply(render_answer(&knowledge, &[key], chain, &vars), chain)
}

/// An agent's `/handoff claim|resolve|release`: authorised from the signed
/// identity, then applied first-come. The answer goes to the agent alone;
/// without handoff (`service` = `None`) or for anyone who is not an agent it
/// is the same refusal, which says nothing about the ticket.
pub(super) async fn agent(
    bot: &Bot,
    service: Option<&HandoffService>,
    inbound: &Inbound,
    command: &AgentCommand,
) -> Reply {
    let ticket = TicketId::parse(&command.ticket);
    let shown = ticket
        .as_ref()
        .map_or_else(|_| String::new(), ToString::to_string);
    let (outcome, by) = match service {
        None => ("refused", String::new()),
        Some(service) => match authorize_agent(&inbound.identity, service.agents()) {
            Err(_) => {
                tracing::info!(user = %inbound.identity.user_id, "handoff: agent command refused");
                ("refused", String::new())
            }
            Ok(agent) => match ticket {
                Err(_) => ("unknown", String::new()),
                Ok(id) => {
                    let change = match command.action {
                        AgentAction::Claim => Change::Claimed,
                        AgentAction::Resolve => Change::Resolved,
                        AgentAction::Release => Change::Released,
                    };
                    match service.act_as(&agent, id, change).await {
                        Ok(t) => {
                            tracing::info!(ticket = %t.id, agent = %agent.user(), change = ?change, "handoff: agent acted");
                            let done = match change {
                                Change::Claimed => "claimed",
                                Change::Resolved => "resolved",
                                _ => "released",
                            };
                            (done, agent.user().to_string())
                        }
                        Err(HandoffError::AlreadyClaimed { by, .. }) => ("taken", by),
                        Err(HandoffError::AlreadyYours(_)) => ("yours", String::new()),
                        Err(HandoffError::Closed { .. }) => ("closed", String::new()),
                        Err(HandoffError::NotFound(_) | HandoffError::BadTicketId(_)) => {
                            ("unknown", String::new())
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "handoff: agent command failed");
                            ("busy", String::new())
                        }
                    }
                }
            },
        },
    };
    let knowledge = bot.knowledge();
    let chain = knowledge.negotiator.negotiate(&inbound.locales, &[], "");
    let mut vars = AnswerVars::for_date(inbound.received_at.date_naive());
    let policy = service.map(HandoffService::policy);
    vars.handoff = Some(HandoffVars {
        ticket: shown,
        hours: policy.map(|p| p.hours.clone()).unwrap_or_default(),
        timeout_hours: policy.map_or(0, |p| p.timeout_hours()),
        outcome: outcome.into(),
        agent: by,
    });
    let mut reply = plain_reply(
        render_answer(&knowledge, &["handoff-agent"], &chain, &vars),
        &chain,
    );
    reply.visibility = Visibility::Private;
    reply
}

/// Adds "Did this help?" to an answer to a support request on a platform
/// with buttons (not to greetings, help, choices or command answers).
fn offer_feedback(bot: &Bot, reply: &mut Reply, platform: Platform, chain: &LocaleChain) {
    if !matches!(
        platform,
        Platform::Discord | Platform::Teams | Platform::Web
    ) || !reply.buttons.is_empty()
        || !reply.choices.is_empty()
    {
        return;
    }
    let knowledge = bot.knowledge();
    let request = reply
        .intent
        .as_deref()
        .and_then(|i| knowledge.matcher.intent(i))
        .is_some_and(|i| i.kind == IntentKind::Request);
    if !request {
        return;
    }
    let vars = AnswerVars::for_date(chrono::Utc::now().date_naive());
    let label = |key: &str| {
        render_answer(&knowledge, &[key], chain, &vars)
            .markdown
            .trim()
            .to_owned()
    };
    for (choice, key) in [
        (FeedbackChoice::Helped, "button-helped"),
        (FeedbackChoice::NotHelped, "button-not-helped"),
    ] {
        reply.buttons.push(Button {
            label: label(key),
            action: ButtonAction::Feedback {
                answer: reply.answer_key.clone(),
                choice,
            },
            style: ButtonStyle::Secondary,
        });
    }
}

/// A "Did this help?" click: stored per answer key and locale; a no is
/// answered with the offer to hand the conversation to a person.
async fn feedback(
    bot: &Bot,
    service: &HandoffService,
    inbound: &Inbound,
    answer: &str,
    choice: FeedbackChoice,
) -> Reply {
    let knowledge = bot.knowledge();
    let chain = knowledge.negotiator.negotiate(&inbound.locales, &[], "");
    let vars = AnswerVars::for_date(inbound.received_at.date_naive());
    // The key came back from a button (card data on Teams can be forged):
    // only answers the bot has are counted.
    if !chain.chain.iter().any(|l| knowledge.catalog.has(l, answer)) {
        let mut reply = plain_reply(
            render_answer(&knowledge, &["notice-unknown-button"], &chain, &vars),
            &chain,
        );
        reply.visibility = Visibility::Private;
        return reply;
    }
    let helped = choice == FeedbackChoice::Helped;
    let identity = &inbound.identity;
    let event = EventId::new(identity.platform, &inbound.event_id).map(|e| e.key());
    match event {
        Ok(event) => {
            let record = Feedback {
                answer: answer.to_owned(),
                locale: chain.preferred().to_owned(),
                helped,
                user: UserKey {
                    platform: identity.platform,
                    conversation: inbound.conversation.clone(),
                    user_id: identity.user_id.clone(),
                },
                at: service.now(),
                event,
            };
            if let Err(e) = service.feedback(record).await {
                tracing::warn!(error = %e, "feedback: cannot store it");
            } else {
                tracing::info!(answer, helped, "feedback stored");
            }
        }
        Err(e) => tracing::warn!(error = %e, "feedback: no event id; not stored"),
    }
    let key = if helped {
        "feedback-thanks"
    } else {
        "feedback-sorry"
    };
    let mut reply = plain_reply(render_answer(&knowledge, &[key], &chain, &vars), &chain);
    reply.visibility = Visibility::Private;
    if !helped {
        let label = render_answer(&knowledge, &["button-ask-person"], &chain, &vars);
        reply.buttons.push(Button {
            label: label.markdown.trim().to_owned(),
            action: ButtonAction::Feedback {
                answer: answer.to_owned(),
                choice: FeedbackChoice::AskPerson,
            },
            style: ButtonStyle::Secondary,
        });
    }
    reply
}
