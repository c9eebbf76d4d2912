//! The conversation: `Bot::handle(Inbound) -> Reply`, the one entry point
//! every transport calls, and everything that turns a message into a reply:
//! routing ([`Bot::handle`]), the reply locale (decided once per message),
//! reply builders (`reply`), lifecycle commands (`lifecycle`, typed
//! commands parsed by [`parse_command`], refusal wording) and session
//! memory (`/why`, numbered choices).
//!
//! The bot holds the current [`Knowledge`] behind an atomic pointer: a
//! reload builds and validates a complete new value first and swaps it in
//! one step, so a message is always answered by one consistent rule set and
//! a broken edit never replaces a working one.

mod handoff;
mod lifecycle;
mod parse;
mod record;
mod refusal;
mod reply;
mod session;
mod sessions;
mod vars;

use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use arc_swap::ArcSwap;
use futures_util::FutureExt;

pub use lifecycle::{Lifecycle, LifecycleCommands};
pub use parse::parse as parse_command;
pub use session::SessionKey;
pub use sessions::{SessionStore, StoredQuestion, StoredSession, SESSION_TTL};

use crate::answer::{explain_markdown, AnswerVars, Choice, Rendered};
use crate::intent::Classification;
use crate::knowledge::{Knowledge, KnowledgeError};
use crate::locale::LocaleChain;
use crate::model::{Command, Inbound, Message, Reply, ReplyChoice, Visibility};
use reply::{answer_keys, intent_label, plain_reply, render_answer, reply_from, truncate};
use session::{LastAnswer, Memory};
use sessions::Sessions;

/// Messages longer than this are classified on their first
/// `MAX_CLASSIFIED_BYTES` only: requests are short, and a pasted log must
/// not cost more than a paragraph does.
pub const MAX_CLASSIFIED_BYTES: usize = 8 * 1024;

/// The support bot.
#[derive(Debug)]
pub struct Bot {
    knowledge: ArcSwap<Knowledge>,
    sessions: Sessions,
    lifecycle: Option<LifecycleCommands>,
    handoff: Option<crate::handoff::HandoffService>,
    record: Option<crate::record::RecordService>,
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadReport {
    /// Number of rules now active.
    pub rules: usize,
    /// Number of answer locales now active.
    pub locales: usize,
}

impl Bot {
    /// A bot answering from `knowledge`.
    pub fn new(knowledge: Knowledge) -> Bot {
        Bot {
            knowledge: ArcSwap::from_pointee(knowledge),
            sessions: Sessions::Local(Memory::default()),
            lifecycle: None,
            handoff: None,
            record: None,
        }
    }

    /// The same bot, recording every message it handles through `record`.
    pub fn with_record(self, record: crate::record::RecordService) -> Bot {
        Bot {
            record: Some(record),
            ..self
        }
    }

    /// The same bot, keeping each conversation's memory (`/why`, offered
    /// choices) in `store` instead of this process, so any instance sharing
    /// it answers the next message.
    pub fn with_sessions(self, store: Arc<dyn SessionStore>) -> Bot {
        Bot {
            sessions: Sessions::Stored(store),
            ..self
        }
    }

    /// Deletes the stored sessions expired at `now` (for the scheduler);
    /// returns how many.
    pub async fn purge_sessions(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, crate::lifecycle::StoreError> {
        self.sessions.purge(now).await
    }

    /// The same bot, handing conversations to people through `handoff`.
    pub fn with_handoff(self, handoff: crate::handoff::HandoffService) -> Bot {
        Bot {
            handoff: Some(handoff),
            ..self
        }
    }

    /// A bot that also runs subscription-lifecycle commands.
    pub fn with_lifecycle(knowledge: Knowledge, lifecycle: LifecycleCommands) -> Bot {
        Bot {
            lifecycle: Some(lifecycle),
            ..Bot::new(knowledge)
        }
    }

    /// The lifecycle commands, when configured.
    pub fn lifecycle(&self) -> Option<&LifecycleCommands> {
        self.lifecycle.as_ref()
    }

    /// The knowledge currently in use.
    pub fn knowledge(&self) -> Arc<Knowledge> {
        self.knowledge.load_full()
    }

    /// A short interface text (a notice, a dialog title) in the language
    /// `locales` negotiate to: the answer `key` rendered as plain text. Keys the
    /// transports use are in [`REQUIRED_ANSWERS`](crate::knowledge::REQUIRED_ANSWERS),
    /// so the default locale always has them.
    pub fn phrase(&self, key: &str, locales: &[String]) -> String {
        let knowledge = self.knowledge();
        let chain = knowledge.negotiator.negotiate(locales, &[], "");
        let vars = AnswerVars::for_date(chrono::Utc::now().date_naive());
        render_answer(&knowledge, &[key], &chain, &vars)
            .markdown
            .trim()
            .to_owned()
    }

    /// Loads and validates the knowledge again from where the current one
    /// came from, then swaps it in. On error the running knowledge stays and
    /// the error says what is wrong.
    pub fn reload(&self) -> Result<ReloadReport, KnowledgeError> {
        let source = self.knowledge().source.clone();
        let fresh = Knowledge::load(&source)?;
        let report = ReloadReport {
            rules: fresh.matcher.rule_count(),
            locales: fresh.catalog.locales().len(),
        };
        self.knowledge.store(Arc::new(fresh));
        Ok(report)
    }

    /// Answers one inbound message: decides what it asks for, then the
    /// reply locale (once), then builds the reply in that locale.
    ///
    /// Every transport and the CLI come through here, so this is where a
    /// panic on one message is contained: the sender gets a short notice in
    /// their platform's language and the conversation (and the process)
    /// carries on.
    ///
    /// With a record, the message and its reply are recorded (redacted)
    /// before the reply is returned; a failure to record is logged and the
    /// reply still goes out.
    #[tracing::instrument(skip_all, fields(platform = %inbound.identity.platform, event = %inbound.event_id))]
    pub async fn handle(&self, inbound: Inbound) -> Reply {
        let Some(service) = &self.record else {
            return self.handle_contained(inbound).await;
        };
        let seen = record::Seen::of(&inbound, self.lifecycle.is_some());
        let reply = self.handle_contained(inbound).await;
        record::note(service, seen, &reply).await;
        reply
    }

    async fn handle_contained(&self, inbound: Inbound) -> Reply {
        let requested = inbound.locales.clone();
        let received = inbound.received_at.date_naive();
        match AssertUnwindSafe(self.handle_routed(inbound))
            .catch_unwind()
            .await
        {
            Ok(reply) => reply,
            Err(_) => {
                // The message text stays out of the log (it may be private);
                // the event id in the span finds it in the platform's log.
                tracing::error!("answering a message panicked; sent the internal-error notice");
                let knowledge = self.knowledge();
                let chain = knowledge.negotiator.negotiate(&requested, &[], "");
                let vars = AnswerVars::for_date(received);
                plain_reply(
                    render_answer(&knowledge, &["notice-internal-error"], &chain, &vars),
                    &chain,
                )
            }
        }
    }

    async fn handle_routed(&self, inbound: Inbound) -> Reply {
        match (&self.handoff, &inbound.message) {
            (Some(service), _) => handoff::handle(self, service, inbound).await,
            (None, Message::Agent(command)) => handoff::agent(self, None, &inbound, command).await,
            (None, _) => self.handle_unguarded(inbound).await,
        }
    }

    async fn handle_unguarded(&self, inbound: Inbound) -> Reply {
        let knowledge = self.knowledge();
        let key = (
            inbound.identity.platform,
            inbound.identity.user_id.clone(),
            inbound.conversation.clone(),
        );
        let now = inbound.received_at;
        let choice = self.offered_choice(&key, &inbound).await;
        let route = self.route(&knowledge, choice, &inbound);
        let chain = reply_locale(&knowledge, &inbound, &route);
        let vars = AnswerVars::for_date(inbound.received_at.date_naive());
        match route {
            Route::Command { command, .. } => {
                self.command(&knowledge, &inbound, &command, &chain, vars)
                    .await
            }
            Route::Choice(choice) => {
                let intent = knowledge.matcher.intent(&choice);
                let rendered = render_answer(&knowledge, &answer_keys(intent), &chain, &vars);
                let mut reply = plain_reply(rendered, &chain);
                reply.intent = Some(choice);
                reply
            }
            Route::Question {
                text,
                classification,
            } => {
                let (reply, choices, last) =
                    self.answer(&knowledge, text, &classification, chain, vars);
                self.sessions.remember(&key, choices, last, now).await;
                reply
            }
            Route::Help { topic } => {
                let intent = topic.and_then(|t| knowledge.matcher.intent(t));
                let keys: Vec<&str> = match intent {
                    Some(i) => vec![i.answer.as_str()],
                    None => vec!["help"],
                };
                plain_reply(render_answer(&knowledge, &keys, &chain, &vars), &chain)
            }
            Route::Why => {
                let last = self.sessions.last(&key, now, &knowledge).await;
                why(last, &chain)
            }
        }
    }

    /// The intent an offered choice `inbound` picks by its number, when it
    /// is a text that is no command; the offer is used up.
    async fn offered_choice(&self, key: &SessionKey, inbound: &Inbound) -> Option<String> {
        let Message::Text(text) = &inbound.message else {
            return None;
        };
        if self.lifecycle.is_some() && parse_command(text).is_some() {
            return None;
        }
        let text = truncate(text.trim(), MAX_CLASSIFIED_BYTES);
        self.sessions
            .pending_choice(key, text, inbound.received_at)
            .await
    }

    /// What `inbound` asks for; `choice` is the offered choice it picked.
    fn route<'a>(
        &self,
        knowledge: &Knowledge,
        choice: Option<String>,
        inbound: &'a Inbound,
    ) -> Route<'a> {
        match &inbound.message {
            Message::Text(text) => {
                if let Some(command) = self.lifecycle.as_ref().and_then(|_| parse_command(text)) {
                    // The chat text the command came in only helps pick the
                    // reply language.
                    let langs = knowledge.matcher.classify(text).langs;
                    return Route::Command {
                        command: Cow::Owned(command),
                        langs,
                    };
                }
                let text = truncate(text.trim(), MAX_CLASSIFIED_BYTES);
                if let Some(choice) = choice {
                    return Route::Choice(choice);
                }
                Route::Question {
                    text,
                    classification: knowledge.matcher.classify(text),
                }
            }
            Message::Help { topic } => Route::Help {
                topic: topic.as_deref(),
            },
            Message::Why => Route::Why,
            // Answered by `handoff` before routing; here only for
            // completeness, as help.
            Message::Agent(_) | Message::Feedback { .. } => Route::Help { topic: None },
            Message::Command(command) => Route::Command {
                command: Cow::Borrowed(command),
                langs: Vec::new(),
            },
        }
    }

    /// Runs a lifecycle command.
    async fn command(
        &self,
        knowledge: &Knowledge,
        inbound: &Inbound,
        command: &Command,
        chain: &LocaleChain,
        base: AnswerVars,
    ) -> Reply {
        match &self.lifecycle {
            Some(lifecycle) => {
                lifecycle
                    .handle(knowledge, inbound, command, chain, base)
                    .await
            }
            None => {
                let rendered = Rendered {
                    key: "lifecycle".into(),
                    locale: chain.preferred().to_owned(),
                    title: None,
                    markdown: "Subscription actions are not enabled on this bot.".into(),
                };
                let mut reply = plain_reply(rendered, chain);
                reply.visibility = Visibility::Private;
                reply
            }
        }
    }

    /// Answers a question from its classification: a choice between
    /// candidates, the top intent's answer, a topic's, or `none`. Also
    /// returns what the session remembers: the choices offered and the answer.
    fn answer(
        &self,
        knowledge: &Arc<Knowledge>,
        text: &str,
        classification: &Classification,
        chain: LocaleChain,
        mut vars: AnswerVars,
    ) -> (Reply, Vec<String>, LastAnswer) {
        let mut offered_intents = Vec::new();
        vars.product = classification.slots.product.clone();
        vars.subscription_id = classification.slots.subscription_id.clone();

        let reply = if classification.is_ambiguous() {
            let choices: Vec<Choice> = classification
                .candidates
                .iter()
                .enumerate()
                .map(|(i, c)| Choice {
                    number: i + 1,
                    intent: c.intent.clone(),
                    label: intent_label(knowledge, &c.intent, &chain.chain),
                })
                .collect();
            vars.choices = choices.clone();
            let rendered = render_answer(knowledge, &["choose"], &chain, &vars);
            let offered = choices
                .iter()
                .map(|c| ReplyChoice {
                    number: c.number,
                    intent: c.intent.clone(),
                    label: c.label.clone(),
                })
                .collect();
            offered_intents = choices.into_iter().map(|c| c.intent).collect();
            let mut reply = reply_from(rendered, &chain, classification, None, offered);
            reply.intent = classification.top().map(|c| c.intent.clone());
            reply
        } else if let Some(top) = classification.top() {
            let intent = knowledge.matcher.intent(&top.intent);
            let rendered = render_answer(knowledge, &answer_keys(intent), &chain, &vars);
            let mut reply = reply_from(
                rendered,
                &chain,
                classification,
                Some(top.rule.clone()),
                Vec::new(),
            );
            reply.intent = Some(top.intent.clone());
            reply
        } else if let Some(topic) = &classification.topic {
            let intent = knowledge.matcher.intent(&topic.intent);
            let rendered = render_answer(knowledge, &answer_keys(intent), &chain, &vars);
            reply_from(
                rendered,
                &chain,
                classification,
                Some(topic.rule.clone()),
                Vec::new(),
            )
        } else {
            let rendered = render_answer(knowledge, &["none"], &chain, &vars);
            reply_from(rendered, &chain, classification, None, Vec::new())
        };
        let last = LastAnswer {
            text: text.to_owned(),
            chain,
            knowledge: Arc::clone(knowledge),
        };
        (reply, offered_intents, last)
    }
}

/// Explains the conversation's last answer.
fn why(last: Option<LastAnswer>, chain: &LocaleChain) -> Reply {
    let markdown = match last {
        Some(last) => explain_markdown(&last.knowledge.matcher.explain(&last.text), &last.chain),
        None => "There is no earlier answer in this conversation to explain.".to_owned(),
    };
    Reply {
        intent: None,
        candidates: Vec::new(),
        locale: chain.preferred().to_owned(),
        fallback_chain: chain.chain.clone(),
        locale_source: chain.source,
        rule: None,
        vetoed: Vec::new(),
        answer_key: "why".into(),
        title: None,
        markdown,
        choices: Vec::new(),
        slots: Default::default(),
        visibility: Visibility::Private,
        buttons: Vec::new(),
        attachment: None,
    }
}

/// What a message asks for, decided before its reply locale.
enum Route<'a> {
    /// A lifecycle command; `langs` are the languages of the chat text it
    /// was typed as (none for platform commands).
    Command {
        command: Cow<'a, Command>,
        langs: Vec<String>,
    },
    /// A number picking one of the choices offered before.
    Choice(String),
    /// A question for the intent matcher.
    Question {
        text: &'a str,
        classification: Classification,
    },
    /// `/help`, optionally on one topic.
    Help { topic: Option<&'a str> },
    /// `/why`.
    Why,
}

/// The reply locale of a message: the platform's locales, refined by the
/// languages the text is written in where there is text to read.
fn reply_locale(knowledge: &Knowledge, inbound: &Inbound, route: &Route<'_>) -> LocaleChain {
    let negotiator = &knowledge.negotiator;
    match route {
        Route::Command { langs, .. } => negotiator.negotiate(&inbound.locales, langs, ""),
        Route::Question {
            text,
            classification,
        } => negotiator.negotiate_with_markers(
            &inbound.locales,
            &classification.langs,
            &classification.marker_langs,
            text,
        ),
        Route::Choice(_) | Route::Help { .. } | Route::Why => {
            negotiator.negotiate(&inbound.locales, &[], "")
        }
    }
}
