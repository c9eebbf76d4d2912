//! `Bot::handle(Inbound) -> Reply`: the one entry point every transport
//! calls.
//!
//! The bot holds the current [`Knowledge`] behind an atomic pointer: a
//! reload builds and validates a complete new value first and swaps it in
//! one step, so a message is always answered by one consistent rule set and
//! a broken edit never replaces a working one.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::actions::parse::parse as parse_command;
use crate::actions::Actions;
use crate::answer::{explain_markdown, AnswerVars, Choice, Rendered};
use crate::intent::Classification;
use crate::knowledge::{Knowledge, KnowledgeError};
use crate::locale::LocaleChain;
use crate::model::{Command, Inbound, Message, Platform, Reply, ReplyChoice, Visibility};

/// Messages longer than this are classified on their first
/// `MAX_CLASSIFIED_BYTES` only: requests are short, and a pasted log must
/// not cost more than a paragraph does.
pub const MAX_CLASSIFIED_BYTES: usize = 8 * 1024;

/// Conversations whose choices and last explanation are remembered; the
/// oldest is forgotten first.
const MAX_SESSIONS: usize = 10_000;

/// The support bot.
#[derive(Debug)]
pub struct Bot {
    knowledge: ArcSwap<Knowledge>,
    sessions: Mutex<Sessions>,
    actions: Option<Actions>,
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadReport {
    /// Number of rules now active.
    pub rules: usize,
    /// Number of answer locales now active.
    pub locales: usize,
}

#[derive(Debug, Default)]
struct Sessions {
    map: HashMap<SessionKey, Session>,
    order: VecDeque<SessionKey>,
}

type SessionKey = (Platform, String, String);

#[derive(Debug, Default, Clone)]
struct Session {
    choices: Vec<String>,
    last: Option<LastAnswer>,
}

/// What `/why` needs to explain the last answer: the text and the knowledge
/// that answered it (explaining is several times the cost of classifying, so
/// it runs only when asked; the knowledge is kept so a reload in between does
/// not change the explanation).
#[derive(Debug, Clone)]
struct LastAnswer {
    text: String,
    chain: LocaleChain,
    knowledge: Arc<Knowledge>,
}

impl Bot {
    /// A bot answering from `knowledge`.
    pub fn new(knowledge: Knowledge) -> Bot {
        Bot {
            knowledge: ArcSwap::from_pointee(knowledge),
            sessions: Mutex::new(Sessions::default()),
            actions: None,
        }
    }

    /// A bot that also runs subscription-lifecycle commands.
    pub fn with_actions(knowledge: Knowledge, actions: Actions) -> Bot {
        Bot {
            actions: Some(actions),
            ..Bot::new(knowledge)
        }
    }

    /// The lifecycle commands, when configured.
    pub fn actions(&self) -> Option<&Actions> {
        self.actions.as_ref()
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

    /// Answers one inbound message.
    #[tracing::instrument(skip_all, fields(platform = %inbound.identity.platform, event = %inbound.event_id))]
    pub async fn handle(&self, inbound: Inbound) -> Reply {
        let knowledge = self.knowledge();
        let key = (
            inbound.identity.platform,
            inbound.identity.user_id.clone(),
            inbound.conversation.clone(),
        );
        match &inbound.message {
            Message::Text(text) => {
                let command = self.actions.as_ref().and_then(|_| parse_command(text));
                match command {
                    Some(command) => self.command(&knowledge, &inbound, &command, text).await,
                    None => self.answer_text(&knowledge, &key, &inbound, text),
                }
            }
            Message::Help { topic } => {
                let chain = knowledge.negotiator.negotiate(&inbound.locales, &[], "");
                let intent = topic.as_deref().and_then(|t| knowledge.matcher.intent(t));
                let keys: Vec<&str> = match intent {
                    Some(i) => vec![i.answer.as_str()],
                    None => vec!["help"],
                };
                let vars = AnswerVars::for_date(inbound.received_at.date_naive());
                let rendered = render_answer(&knowledge, &keys, &chain, &vars);
                reply_from(
                    rendered,
                    &chain,
                    &Classification::default(),
                    None,
                    Vec::new(),
                )
            }
            Message::Why => self.why(&knowledge, &key, &inbound),
            Message::Command(command) => self.command(&knowledge, &inbound, command, "").await,
        }
    }

    /// Runs a lifecycle command; `text` (the chat message it came from, if
    /// any) only helps pick the reply language.
    async fn command(
        &self,
        knowledge: &Knowledge,
        inbound: &Inbound,
        command: &Command,
        text: &str,
    ) -> Reply {
        let langs = if text.is_empty() {
            Vec::new()
        } else {
            knowledge.matcher.classify(text).langs
        };
        let chain = knowledge.negotiator.negotiate(&inbound.locales, &langs, "");
        let base = AnswerVars::for_date(inbound.received_at.date_naive());
        match &self.actions {
            Some(actions) => {
                actions
                    .handle(knowledge, inbound, command, &chain, base)
                    .await
            }
            None => {
                let rendered = Rendered {
                    key: "lifecycle".into(),
                    locale: chain.preferred().to_owned(),
                    title: None,
                    markdown: "Subscription actions are not enabled on this bot.".into(),
                };
                let mut reply = plain_reply(rendered, &chain);
                reply.visibility = Visibility::Private;
                reply
            }
        }
    }

    fn answer_text(
        &self,
        knowledge: &Arc<Knowledge>,
        key: &SessionKey,
        inbound: &Inbound,
        text: &str,
    ) -> Reply {
        let text = truncate(text.trim(), MAX_CLASSIFIED_BYTES);
        let vars_base = AnswerVars::for_date(inbound.received_at.date_naive());
        if let Some(choice) = self.pending_choice(key, text) {
            let chain = knowledge.negotiator.negotiate(&inbound.locales, &[], "");
            let intent = knowledge.matcher.intent(&choice);
            let keys = answer_keys(intent);
            let rendered = render_answer(knowledge, &keys, &chain, &vars_base);
            let mut reply = reply_from(
                rendered,
                &chain,
                &Classification::default(),
                None,
                Vec::new(),
            );
            reply.intent = Some(choice);
            return reply;
        }
        let classification = &knowledge.matcher.classify(text);
        let chain = knowledge.negotiator.negotiate_with_markers(
            &inbound.locales,
            &classification.langs,
            &classification.marker_langs,
            text,
        );
        let mut vars = vars_base;
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
            self.remember(key, choices.into_iter().map(|c| c.intent).collect(), None);
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
        if reply.choices.is_empty() {
            self.remember(key, Vec::new(), Some(last));
        } else {
            self.remember_last(key, last);
        }
        reply
    }

    fn why(&self, knowledge: &Knowledge, key: &SessionKey, inbound: &Inbound) -> Reply {
        let last = self
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.map.get(key).and_then(|s| s.last.clone()));
        let chain = knowledge.negotiator.negotiate(&inbound.locales, &[], "");
        let markdown = match &last {
            Some(last) => {
                explain_markdown(&last.knowledge.matcher.explain(&last.text), &last.chain)
            }
            None => "There is no earlier answer in this conversation to explain.".to_owned(),
        };
        Reply {
            intent: None,
            candidates: Vec::new(),
            locale: chain.preferred().to_owned(),
            fallback_chain: chain.chain.clone(),
            locale_source: chain.source,
            rule: None,
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

    fn pending_choice(&self, key: &SessionKey, text: &str) -> Option<String> {
        let n: usize = text.trim_end_matches(['.', ')']).parse().ok()?;
        let mut sessions = self.sessions.lock().ok()?;
        let session = sessions.map.get_mut(key)?;
        let choice = session.choices.get(n.checked_sub(1)?)?.clone();
        session.choices.clear();
        Some(choice)
    }

    fn remember(&self, key: &SessionKey, choices: Vec<String>, last: Option<LastAnswer>) {
        let Ok(mut sessions) = self.sessions.lock() else {
            return;
        };
        let session = sessions.entry(key);
        session.choices = choices;
        if last.is_some() {
            session.last = last;
        }
    }

    fn remember_last(&self, key: &SessionKey, last: LastAnswer) {
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.entry(key).last = Some(last);
        }
    }
}

impl Sessions {
    fn entry(&mut self, key: &SessionKey) -> &mut Session {
        if !self.map.contains_key(key) {
            if self.order.len() >= MAX_SESSIONS {
                if let Some(oldest) = self.order.pop_front() {
                    self.map.remove(&oldest);
                }
            }
            self.order.push_back(key.clone());
        }
        self.map.entry(key.clone()).or_default()
    }
}

/// The answer keys for an intent: its template, then its imported article.
fn answer_keys(intent: Option<&crate::intent::matcher::IntentInfo>) -> Vec<&str> {
    match intent {
        Some(i) => std::iter::once(i.answer.as_str())
            .chain(i.article.as_deref())
            .collect(),
        None => vec!["none"],
    }
}

/// Renders the first of `keys` available in each locale of the chain, in
/// chain order: a Norwegian article beats an English template.
pub(crate) fn render_answer(
    knowledge: &Knowledge,
    keys: &[&str],
    chain: &LocaleChain,
    vars: &AnswerVars,
) -> Rendered {
    for locale in &chain.chain {
        for key in keys {
            if let Some(r) = knowledge
                .catalog
                .render(key, std::slice::from_ref(locale), vars)
            {
                return r;
            }
        }
    }
    // The default locale is validated to have every key the bot uses, so
    // this only happens if an intent's answer vanished; say so, never stay
    // silent.
    tracing::error!(?keys, chain = ?chain.chain, "no answer template found in any locale");
    Rendered {
        key: keys.first().copied().unwrap_or("none").to_owned(),
        locale: chain.preferred().to_owned(),
        title: None,
        markdown: "Sorry, I have no answer for that right now. A support agent can help.".into(),
    }
}

fn intent_label(knowledge: &Knowledge, intent: &str, chain: &[String]) -> String {
    let info = knowledge.matcher.intent(intent);
    let key = info.map_or(intent, |i| i.answer.as_str());
    chain
        .iter()
        .find_map(|l| knowledge.catalog.title(l, key))
        .or_else(|| info.map(|i| i.description.clone()))
        .unwrap_or_else(|| intent.to_owned())
}

/// A reply that carries only an answer (no classification).
pub(crate) fn plain_reply(rendered: Rendered, chain: &LocaleChain) -> Reply {
    reply_from(
        rendered,
        chain,
        &Classification::default(),
        None,
        Vec::new(),
    )
}

fn reply_from(
    rendered: Rendered,
    chain: &LocaleChain,
    classification: &Classification,
    rule: Option<String>,
    choices: Vec<ReplyChoice>,
) -> Reply {
    Reply {
        intent: None,
        candidates: classification.candidates.clone(),
        locale: rendered.locale,
        fallback_chain: chain.chain.clone(),
        locale_source: chain.source,
        rule,
        answer_key: rendered.key,
        title: rendered.title,
        markdown: rendered.markdown,
        choices,
        slots: classification.slots.clone(),
        visibility: Visibility::Public,
        buttons: Vec::new(),
        attachment: None,
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
