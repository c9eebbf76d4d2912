//! Direct Line activities ↔ the bot's model: a visitor's message activity
//! becomes an [`Inbound`] from an anonymous [`Platform::Web`] identity; a
//! [`Reply`] becomes a bot message activity (markdown `text`, the HTML
//! rendering in `channelData.html`, choices as `suggestedActions`,
//! "Did this help?" as a hero card's `postBack` buttons).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::answer::render::html;
use crate::model::{
    ButtonAction, Evidence, FeedbackChoice, Identity, Inbound, Message, Platform, Reply,
};

/// The bot's id and name in activities.
pub const BOT_ID: &str = "supportbot";
/// The event a page sends once its conversation is open.
pub const JOIN_EVENT: &str = "webchat/join";
/// Longest text accepted from a visitor, in characters; the rest is cut.
pub const MAX_TEXT_CHARS: usize = 4000;

/// The fields of a visitor's activity we read; everything else is ignored
/// (and never echoed back).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incoming {
    /// `message`, `typing`, `event`, `conversationUpdate`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The text typed, or an `imBack` button's value.
    #[serde(default)]
    pub text: Option<String>,
    /// BCP 47 tag the client reports (Web Chat's `locale`).
    #[serde(default)]
    pub locale: Option<String>,
    /// A `postBack` button's value.
    #[serde(default)]
    pub value: Option<Value>,
    /// An event's name (`webchat/join` asks for the greeting).
    #[serde(default)]
    pub name: Option<String>,
    /// Web Chat's `channelData.clientActivityID`, echoed back so the client
    /// knows its message arrived.
    #[serde(default)]
    pub channel_data: Option<Value>,
}

impl Incoming {
    /// What the visitor sent: a feedback button's value, else the text;
    /// `None` for activities without either.
    pub fn message(&self) -> Option<Message> {
        if let Some(Value::Object(v)) = &self.value {
            if v.get("action").and_then(Value::as_str) == Some("feedback") {
                let answer = v.get("answer").and_then(Value::as_str)?;
                let choice = v
                    .get("choice")
                    .and_then(Value::as_str)
                    .and_then(FeedbackChoice::parse)?;
                return Some(Message::Feedback {
                    answer: answer.chars().take(200).collect(),
                    choice,
                });
            }
        }
        let text: String = self.text.as_deref()?.chars().take(MAX_TEXT_CHARS).collect();
        (!text.trim().is_empty()).then_some(Message::Text(text))
    }

    /// Whether this is the page's `webchat/join` event: the visitor opened
    /// the chat and should be greeted (Web Chat's convention, as Teams'
    /// `conversationUpdate` is there).
    pub fn is_join(&self) -> bool {
        self.kind == "event" && self.name.as_deref() == Some(JOIN_EVENT)
    }

    /// The client's own activity id, if it sent a short one.
    pub fn client_id(&self) -> Option<String> {
        let id = self
            .channel_data
            .as_ref()?
            .get("clientActivityID")?
            .as_str()?;
        (id.len() <= 100).then(|| id.to_owned())
    }
}

/// Locales for a message: the activity's, then the browser's
/// `Accept-Language` in the order given (weights ignored beyond order).
pub fn locales(activity_locale: Option<&str>, accept_language: Option<&str>) -> Vec<String> {
    let tag_ok = |t: &str| {
        !t.is_empty()
            && t.len() <= 35
            && t != "*"
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let mut out: Vec<String> = activity_locale
        .map(str::trim)
        .filter(|t| tag_ok(t))
        .map(str::to_owned)
        .into_iter()
        .collect();
    for part in accept_language.unwrap_or("").split(',').take(8) {
        let tag = part.split(';').next().unwrap_or("").trim();
        if tag_ok(tag) && !out.iter().any(|o| o.eq_ignore_ascii_case(tag)) {
            out.push(tag.to_owned());
        }
    }
    out
}

/// The inbound for a visitor's message with activity id `event_id`.
pub fn inbound(
    visitor: &str,
    conversation: &str,
    event_id: &str,
    locales: Vec<String>,
    message: Message,
    now: DateTime<Utc>,
) -> Inbound {
    Inbound {
        event_id: event_id.to_owned(),
        identity: Identity {
            platform: Platform::Web,
            user_id: visitor.to_owned(),
            scope: None,
            evidence: Evidence::Unverified,
        },
        conversation: conversation.to_owned(),
        locales,
        message,
        received_at: now,
    }
}

/// The echo of the visitor's activity: only what we read from it, so the
/// stream never carries fields a client made up.
pub fn echo(incoming: &Incoming, visitor: &str, conversation: &str, now: DateTime<Utc>) -> Value {
    let mut echo = json!({
        "type": "message",
        "channelId": "directline",
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "from": {"id": visitor, "role": "user"},
        "conversation": {"id": conversation},
        "text": incoming.text.as_deref().map(|t| t.chars().take(MAX_TEXT_CHARS).collect::<String>()),
    });
    if let Some(id) = incoming.client_id() {
        echo["channelData"] = json!({"clientActivityID": id});
    }
    if let Some(locale) = &incoming.locale {
        echo["locale"] = Value::String(locale.chars().take(35).collect());
    }
    echo
}

/// The bot's message activity for `reply`, in reply to `reply_to`.
pub fn outgoing(reply: &Reply, visitor: &str, conversation: &str, reply_to: &str) -> Value {
    let markdown = match &reply.title {
        Some(title) if !reply.markdown.trim_start().starts_with('#') => {
            format!("**{}**\n\n{}", title.trim(), reply.markdown)
        }
        _ => reply.markdown.clone(),
    };
    let mut activity = json!({
        "type": "message",
        "channelId": "directline",
        "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "from": {"id": BOT_ID, "name": BOT_ID, "role": "bot"},
        "recipient": {"id": visitor, "role": "user"},
        "conversation": {"id": conversation},
        "replyToId": reply_to,
        "locale": reply.locale,
        "text": markdown,
        "textFormat": "markdown",
        "inputHint": "acceptingInput",
        "channelData": {"html": html(&markdown), "answerKey": reply.answer_key},
    });
    if !reply.choices.is_empty() {
        // imBack sends the number back as text: the bot takes a number as
        // the answer to the choice it offered.
        let actions: Vec<Value> = reply
            .choices
            .iter()
            .map(|c| json!({"type": "imBack", "title": c.label, "value": c.number.to_string()}))
            .collect();
        activity["suggestedActions"] = json!({"to": [visitor], "actions": actions});
    }
    let buttons: Vec<Value> = reply
        .buttons
        .iter()
        .filter_map(|b| match &b.action {
            ButtonAction::Feedback { answer, choice } => Some(json!({
                "type": "postBack",
                "title": b.label,
                "value": {"action": "feedback", "answer": answer, "choice": choice.as_str()},
            })),
            // Confirmations need an admin, which a web visitor never is.
            ButtonAction::Confirm { .. } | ButtonAction::Dismiss { .. } => None,
        })
        .collect();
    if !buttons.is_empty() {
        activity["attachments"] = json!([{
            "contentType": "application/vnd.microsoft.card.hero",
            "content": {"buttons": buttons},
        }]);
    }
    activity
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(v: Value) -> Incoming {
        serde_json::from_value(v).expect("activity")
    }

    #[test]
    fn feedback_values_and_text_become_messages() {
        let a = incoming(json!({"type": "message",
            "value": {"action": "feedback", "answer": "cancel", "choice": "no"}}));
        assert_eq!(
            a.message(),
            Some(Message::Feedback {
                answer: "cancel".into(),
                choice: FeedbackChoice::NotHelped
            })
        );
        let a = incoming(json!({"type": "message", "text": " 2 "}));
        assert_eq!(a.message(), Some(Message::Text(" 2 ".into())));
        assert_eq!(
            incoming(json!({"type": "message", "text": " "})).message(),
            None
        );
        let bad = incoming(json!({"type": "message",
            "value": {"action": "feedback", "answer": "cancel", "choice": "maybe"}}));
        assert_eq!(bad.message(), None);
    }

    #[test]
    fn locales_come_from_the_activity_then_the_browser() {
        assert_eq!(
            locales(Some("nb-NO"), Some("en-US,en;q=0.9,nb-NO;q=0.8, *;q=0.1")),
            vec!["nb-NO", "en-US", "en"]
        );
        assert_eq!(locales(Some("<x>"), None), Vec::<String>::new());
    }
}
