//! Answers a verified interaction: the initial response at once, or a
//! deferred one and the reply as follow-ups. Shared by the HTTP endpoint
//! (which returns the initial response as the HTTP answer) and the gateway
//! (which posts it to the callback route).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::task::JoinHandle;

use super::api::DiscordApi;
use super::custom_id::{ACCOUNT_INPUT, CONFIRM_TYPED};
use super::kind::{CallbackType, ComponentType, InteractionType};
use super::payload::{Intake, Interaction, Notice};
use super::render;
use crate::model::{Attachment, Inbound, Message, Reply};
use crate::transport::metrics::Metrics;
use crate::Bot;

/// Default time the bot gets before the endpoint defers (Discord allows 3 s
/// for the initial response, including the network).
pub const DEFAULT_DEFER_AFTER: Duration = Duration::from_millis(2500);
/// An initial interaction response: its JSON and the file it declares.
#[derive(Debug, Clone)]
pub struct Initial {
    /// `{"type": …, "data": …}`.
    pub body: Value,
    /// The attachment, sent as multipart with the body.
    pub file: Option<Attachment>,
}

impl Initial {
    fn new(kind: CallbackType, data: Option<Value>) -> Initial {
        let mut body = json!({ "type": u8::from(kind) });
        if let Some(d) = data {
            body["data"] = d;
        }
        Initial { body, file: None }
    }

    /// Content type and bytes (JSON, or multipart with the file).
    pub fn encode(&self) -> (String, Vec<u8>) {
        render::encode(&self.body, self.file.as_ref())
    }
}

/// Turns verified interactions into responses; shared by the HTTP endpoint
/// and the gateway (which sends the same response through the callback
/// route).
#[derive(Debug, Clone)]
pub struct Responder {
    /// REST client for follow-ups.
    pub api: DiscordApi,
    /// Application id when the payload lacks one.
    pub application_id: Option<String>,
    /// How long the bot may take before the response is deferred.
    pub defer_after: Duration,
    /// Delay before handling each interaction: a test knob to exercise the
    /// deferred path; zero in production.
    pub handle_delay: Duration,
}

impl Responder {
    /// A responder following up through `api`, with the default timing.
    pub fn new(api: DiscordApi, application_id: Option<String>) -> Responder {
        Responder {
            api,
            application_id,
            defer_after: DEFAULT_DEFER_AFTER,
            handle_delay: Duration::ZERO,
        }
    }

    /// The initial response to `interaction`; any later messages (long
    /// replies, deferred answers) are sent as follow-ups in the background.
    pub async fn respond(
        &self,
        bot: &Arc<Bot>,
        metrics: &Metrics,
        interaction: &Interaction,
        action: Intake,
    ) -> Initial {
        // An interaction gets here only once its type is known.
        let kind_label = interaction.kind().map_or("modal", InteractionType::label);
        let (label, initial) = match action {
            Intake::Pong => ("pong", Initial::new(CallbackType::Pong, None)),
            Intake::Autocomplete => (
                "autocomplete",
                Initial::new(
                    CallbackType::AutocompleteResult,
                    Some(json!({ "choices": [] })),
                ),
            ),
            Intake::Notice(notice) => {
                let text = notice_text(bot, notice, &interaction.locales());
                (
                    "notice",
                    Initial::new(CallbackType::Message, Some(render::notice(&text, true))),
                )
            }
            Intake::AskAccount { token } => (
                "modal",
                Initial::new(
                    CallbackType::Modal,
                    Some(account_modal(bot, &token, &interaction.locales())),
                ),
            ),
            Intake::Handle(inbound) => self.answer(bot, metrics, interaction, *inbound).await,
        };
        metrics.interaction(kind_label, label);
        initial
    }

    /// Runs the bot and answers inline, or defers and follows up.
    async fn answer(
        &self,
        bot: &Arc<Bot>,
        metrics: &Metrics,
        interaction: &Interaction,
        inbound: Inbound,
    ) -> (&'static str, Initial) {
        let ephemeral_defer = !matches!(inbound.message, Message::Help { .. } | Message::Text(_));
        let task = spawn_handle(bot.clone(), inbound, self.handle_delay);
        let followup = Followup {
            api: self.api.clone(),
            application_id: interaction
                .application_id
                .as_ref()
                .map(|a| a.0.clone())
                .or_else(|| self.application_id.clone()),
            token: interaction.token.clone(),
            metrics: metrics.clone(),
        };
        match within(task, self.defer_after).await {
            Finished::Ready(reply) => {
                metrics.intent("discord", reply.intent.as_deref(), &reply.locale);
                let mut messages = render::messages(&reply).into_iter();
                let first = messages
                    .next()
                    .unwrap_or_else(|| render::notice("…", false));
                let rest: Vec<Value> = messages.collect();
                let mut initial = Initial::new(CallbackType::Message, Some(first));
                if rest.is_empty() {
                    initial.file = reply.attachment;
                } else {
                    // The rest can only follow once Discord has the response.
                    let file = reply.attachment;
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        followup.send_all(rest, file).await;
                    });
                }
                ("message", initial)
            }
            Finished::Failed => (
                "error",
                Initial::new(
                    CallbackType::Message,
                    Some(render::notice("An internal error occurred.", true)),
                ),
            ),
            Finished::Pending(task) => {
                let metrics = metrics.clone();
                tokio::spawn(async move {
                    let (messages, file) = match task.await {
                        Ok(reply) => {
                            metrics.intent("discord", reply.intent.as_deref(), &reply.locale);
                            (render::messages(&reply), reply.attachment)
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "bot failed on a deferred interaction");
                            (
                                vec![render::notice("An internal error occurred.", true)],
                                None,
                            )
                        }
                    };
                    followup.send_all(messages, file).await;
                });
                if interaction.kind().ok() == Some(InteractionType::MessageComponent) {
                    (
                        "deferred_update",
                        Initial::new(CallbackType::DeferredUpdate, None),
                    )
                } else {
                    let data = ephemeral_defer.then(|| json!({ "flags": render::EPHEMERAL }));
                    (
                        "deferred",
                        Initial::new(CallbackType::DeferredMessage, data),
                    )
                }
            }
        }
    }
}

fn spawn_handle(bot: Arc<Bot>, inbound: Inbound, delay: Duration) -> JoinHandle<Reply> {
    tokio::spawn(async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        bot.handle(inbound).await
    })
}

/// How a task ended within the deadline.
#[derive(Debug)]
pub enum Finished<T> {
    /// It finished in time.
    Ready(T),
    /// It panicked or was cancelled.
    Failed,
    /// Still running; the caller owns it and must deliver its result later.
    Pending(JoinHandle<T>),
}

/// Waits up to `limit` for `task`. Exactly one of the outcomes happens, so
/// the caller answers either inline or later, never both.
pub async fn within<T>(mut task: JoinHandle<T>, limit: Duration) -> Finished<T> {
    match tokio::time::timeout(limit, &mut task).await {
        Ok(Ok(v)) => Finished::Ready(v),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "bot task failed");
            Finished::Failed
        }
        Err(_) => Finished::Pending(task),
    }
}

/// Where follow-ups for one interaction go.
struct Followup {
    api: DiscordApi,
    application_id: Option<String>,
    token: Option<String>,
    metrics: Metrics,
}

impl Followup {
    /// Sends `messages` in order; `file` goes with the one declaring it.
    async fn send_all(&self, messages: Vec<Value>, file: Option<Attachment>) {
        let (Some(app), Some(token)) = (&self.application_id, &self.token) else {
            tracing::error!("cannot follow up: interaction without application id or token");
            self.metrics.followup("unaddressable");
            return;
        };
        for message in messages {
            match self.api.followup(app, token, &message, file.as_ref()).await {
                Ok(()) => self.metrics.followup("sent"),
                Err(e) => {
                    tracing::warn!(error = %e, "follow-up failed");
                    self.metrics.followup("failed");
                }
            }
        }
    }
}

fn notice_text(bot: &Bot, notice: Notice, locales: &[String]) -> String {
    let key = match notice {
        Notice::UnknownCommand => "notice-unknown-command",
        Notice::MissingOption => "notice-missing-option",
        Notice::UnknownButton => "notice-unknown-button",
    };
    bot.phrase(key, locales)
}

/// Discord rejects modal titles and text input labels over 45 characters.
const MODAL_TEXT_MAX: usize = 45;

fn account_modal(bot: &Bot, token: &str, locales: &[String]) -> Value {
    let short = |key| -> String {
        bot.phrase(key, locales)
            .chars()
            .take(MODAL_TEXT_MAX)
            .collect()
    };
    let (title, label) = (short("dialog-account-title"), short("dialog-account-label"));
    json!({
        "custom_id": format!("{CONFIRM_TYPED}{token}"),
        "title": title,
        "components": [{
            "type": u8::from(ComponentType::ActionRow),
            "components": [{
                "type": u8::from(ComponentType::TextInput),
                "custom_id": ACCOUNT_INPUT,
                "style": 1,
                "label": label,
                "required": true,
                "min_length": 1,
                "max_length": 100,
            }],
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fast_task_is_ready_and_a_slow_one_is_handed_back_once() {
        let fast = tokio::spawn(async { 1 });
        assert!(matches!(
            within(fast, Duration::from_secs(1)).await,
            Finished::Ready(1)
        ));
        let slow = tokio::spawn(async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            2
        });
        match within(slow, Duration::from_millis(10)).await {
            Finished::Pending(task) => assert_eq!(task.await.expect("joins"), 2),
            other => panic!("expected pending, got {other:?}"),
        }
        let broken = tokio::spawn(async { panic!("boom") });
        assert!(matches!(
            within::<()>(broken, Duration::from_secs(1)).await,
            Finished::Failed
        ));
    }
}
