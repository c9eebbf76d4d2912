//! The Bot Framework Activity (the subset we read) and its mapping to an
//! [`Inbound`]. Pure functions: no I/O, no decisions beyond the protocol.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{
    AgentAction, AgentCommand, Command, Evidence, FeedbackChoice, Identity, Inbound, Message,
    Platform,
};

/// An incoming Activity. Unknown fields are ignored; missing optional ones
/// are `None`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// `message`, `conversationUpdate`, `invoke`, … (ordinal compare).
    #[serde(rename = "type")]
    pub kind: String,
    /// Activity id: the idempotency key.
    pub id: Option<String>,
    /// `msteams` for Teams.
    pub channel_id: Option<String>,
    /// Where replies go; must equal the token's `serviceUrl` claim.
    pub service_url: Option<String>,
    /// The sender.
    pub from: Option<ChannelAccount>,
    /// The bot.
    pub recipient: Option<ChannelAccount>,
    /// The conversation.
    pub conversation: Option<ConversationAccount>,
    /// Message text (may contain `<at>…</at>` mentions).
    pub text: Option<String>,
    /// BCP-47 tag of `text`.
    pub locale: Option<String>,
    /// Invoke name.
    pub name: Option<String>,
    /// Card submit data or invoke payload.
    pub value: Option<Value>,
    /// Mentions, client info.
    pub entities: Option<Vec<Value>>,
    /// Members added (`conversationUpdate`).
    pub members_added: Option<Vec<ChannelAccount>>,
    /// Teams-specific data (tenant, team, channel).
    pub channel_data: Option<Value>,
}

/// A user or bot account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelAccount {
    /// Channel-specific id (`29:…` users, `28:…` bots).
    #[serde(default)]
    pub id: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Entra object id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aad_object_id: Option<String>,
}

/// A conversation (personal chat, group chat or channel thread).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationAccount {
    /// Conversation id.
    #[serde(default)]
    pub id: String,
    /// Group chat or channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_group: Option<bool>,
    /// `personal`, `groupChat` or `channel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_type: Option<String>,
    /// Tenant id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// What to do with an activity.
#[derive(Debug)]
pub enum Intake {
    /// Hand it to the bot.
    Handle(Box<Inbound>),
    /// Nothing to answer, with the reason for the log.
    Ignore(&'static str),
}

impl Activity {
    /// Tenant id from the conversation, else from `channelData.tenant.id`.
    pub fn tenant_id(&self) -> Option<String> {
        self.conversation
            .as_ref()
            .and_then(|c| c.tenant_id.clone())
            .or_else(|| {
                self.channel_data
                    .as_ref()
                    .and_then(|d| d.pointer("/tenant/id"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .filter(|t| !t.is_empty())
    }

    /// Conversation id, or empty.
    pub fn conversation_id(&self) -> &str {
        self.conversation.as_ref().map_or("", |c| c.id.as_str())
    }

    /// True in a channel or group chat, where everyone in the conversation
    /// sees a reply; false in a personal (1:1) chat. Without a
    /// `conversationType`, `isGroup` decides, and unknown types count as
    /// shared so that private replies never land in one.
    pub fn is_shared(&self) -> bool {
        let Some(conversation) = self.conversation.as_ref() else {
            return false;
        };
        match conversation.conversation_type.as_deref() {
            Some("personal") => false,
            Some(_) => true,
            None => conversation.is_group.unwrap_or(false),
        }
    }

    /// Who sent it, as one string (tenant and `aadObjectId`, else `from.id`):
    /// the owner of what is offered to them alone.
    pub fn sender_key(&self) -> String {
        let from = self.from.as_ref();
        let user = from
            .and_then(|f| f.aad_object_id.as_deref())
            .filter(|a| !a.is_empty())
            .or(from.map(|f| f.id.as_str()))
            .unwrap_or_default();
        // GUIDs: Teams is not consistent about their case.
        format!("{}\n{user}", self.tenant_id().unwrap_or_default()).to_ascii_lowercase()
    }

    /// The activity's locale, else the client's (`clientInfo` entity).
    pub fn locales(&self) -> Vec<String> {
        let client = self.entities.iter().flatten().find_map(|e| {
            (e.get("type")?.as_str()? == "clientInfo")
                .then(|| e.get("locale")?.as_str().map(str::to_owned))
                .flatten()
        });
        self.locale
            .clone()
            .into_iter()
            .chain(client)
            .filter(|l| !l.trim().is_empty())
            .fold(Vec::new(), |mut v, l| {
                if !v.contains(&l) {
                    v.push(l);
                }
                v
            })
    }

    /// Who sent it: `from.aadObjectId`, falling back to `from.id`.
    fn identity(&self, platform: Platform) -> Identity {
        let from = self.from.clone().unwrap_or(ChannelAccount {
            id: String::new(),
            name: None,
            aad_object_id: None,
        });
        let aad = from.aad_object_id.filter(|a| !a.is_empty());
        Identity {
            platform,
            user_id: aad.clone().unwrap_or(from.id),
            scope: self.tenant_id(),
            evidence: match platform {
                Platform::Teams => Evidence::Teams { aad_object_id: aad },
                _ => Evidence::Unverified,
            },
        }
    }

    fn inbound(&self, platform: Platform, message: Message, now: DateTime<Utc>) -> Inbound {
        Inbound {
            event_id: self.id.clone().unwrap_or_default(),
            identity: self.identity(platform),
            conversation: self.conversation_id().to_owned(),
            locales: self.locales(),
            message,
            received_at: now,
        }
    }

    /// The text with the mention of `bot_id` removed (and, when
    /// `strip_leading` is set, a leading `<at>…</at>` whoever it names),
    /// other mentions reduced to their names, HTML entities decoded.
    pub fn clean_text(&self, bot_id: Option<&str>, strip_leading: bool) -> String {
        let mut text = self.text.clone().unwrap_or_default();
        let mut stripped = false;
        for entity in self.entities.iter().flatten() {
            let is_bot_mention = entity.get("type").and_then(Value::as_str) == Some("mention")
                && bot_id.is_some()
                && entity.pointer("/mentioned/id").and_then(Value::as_str) == bot_id;
            if let (true, Some(mention)) =
                (is_bot_mention, entity.get("text").and_then(Value::as_str))
            {
                if text.contains(mention) {
                    text = text.replacen(mention, " ", 1);
                    stripped = true;
                }
            }
        }
        if strip_leading && !stripped {
            let trimmed = text.trim_start();
            if trimmed.starts_with("<at>") {
                if let Some(end) = trimmed.find("</at>") {
                    text = trimmed[end + "</at>".len()..].to_owned();
                }
            }
        }
        let text = text.replace("<at>", "").replace("</at>", "");
        decode_entities(&text).trim().to_owned()
    }
}

/// Decodes the few HTML entities Teams puts in plain text.
fn decode_entities(text: &str) -> String {
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A Confirm/Dismiss card submit: `{"action": "confirm"|"dismiss",
/// "token": …, "account": …}` (Action.Submit data, or the `action.data` of
/// an `adaptiveCard/action` invoke).
pub fn card_command(value: &Value) -> Option<Command> {
    let data = value.pointer("/action/data").unwrap_or(value);
    let token = data.get("token")?.as_str()?.trim();
    if token.is_empty() || token.len() > 64 {
        return None;
    }
    match data.get("action")?.as_str()? {
        "confirm" => Some(Command::Confirm {
            token: token.to_owned(),
            typed: data
                .get("account")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned),
        }),
        "dismiss" => Some(Command::Dismiss {
            token: token.to_owned(),
        }),
        _ => None,
    }
}

/// A handoff card's Claim or Resolve (or a Release) submit:
/// `{"action": "handoff-claim"|"handoff-resolve"|"handoff-release",
/// "ticket": 3}` (Action.Submit data, or an `adaptiveCard/action` invoke's
/// `action.data`).
pub fn card_agent(value: &Value) -> Option<AgentCommand> {
    use super::desk::{CLAIM, RELEASE, RESOLVE};
    let data = value.pointer("/action/data").unwrap_or(value);
    let action = match data.get("action")?.as_str()? {
        CLAIM => AgentAction::Claim,
        RESOLVE => AgentAction::Resolve,
        RELEASE => AgentAction::Release,
        _ => return None,
    };
    let ticket = match data.get("ticket")? {
        Value::Number(n) => n.as_u64()?.to_string(),
        Value::String(s) if !s.trim().is_empty() && s.len() <= 24 => s.trim().to_owned(),
        _ => return None,
    };
    Some(AgentCommand { action, ticket })
}

/// A "Did this help?" submit: `{"action": "feedback", "choice":
/// "yes"|"no"|"ask", "answer": <answer key>}`.
pub fn card_feedback(value: &Value) -> Option<Message> {
    let data = value.pointer("/action/data").unwrap_or(value);
    if data.get("action")?.as_str()? != "feedback" {
        return None;
    }
    let choice = FeedbackChoice::parse(data.get("choice")?.as_str()?)?;
    let answer = data.get("answer")?.as_str()?.trim();
    if answer.is_empty() || answer.len() > 100 {
        return None;
    }
    Some(Message::Feedback {
        answer: answer.to_owned(),
        choice,
    })
}

/// The message a card submit `value` stands for, if it is one of ours.
fn card_message(value: &Value) -> Option<Message> {
    card_agent(value)
        .map(Message::Agent)
        .or_else(|| card_feedback(value))
        .or_else(|| card_command(value).map(Message::Command))
}

/// Maps a JWT-verified Bot Framework activity.
pub fn bot_inbound(activity: &Activity, now: DateTime<Utc>) -> Intake {
    let bot_id = activity.recipient.as_ref().map(|r| r.id.as_str());
    match activity.kind.as_str() {
        "message" => {
            if let Some(message) = activity.value.as_ref().and_then(card_message) {
                return Intake::Handle(Box::new(activity.inbound(Platform::Teams, message, now)));
            }
            let text = activity.clean_text(bot_id, false);
            if text.is_empty() {
                return Intake::Ignore("message without text or known card data");
            }
            Intake::Handle(Box::new(activity.inbound(
                Platform::Teams,
                Message::Text(text),
                now,
            )))
        }
        "invoke" => match activity.value.as_ref().and_then(card_message) {
            Some(message) if activity.name.as_deref() == Some("adaptiveCard/action") => {
                Intake::Handle(Box::new(activity.inbound(Platform::Teams, message, now)))
            }
            _ => Intake::Ignore("invoke this bot does not use"),
        },
        "conversationUpdate" => {
            let added_bot = activity
                .members_added
                .iter()
                .flatten()
                .any(|m| Some(m.id.as_str()) == bot_id);
            if added_bot {
                Intake::Handle(Box::new(activity.inbound(
                    Platform::Teams,
                    Message::Help { topic: None },
                    now,
                )))
            } else {
                Intake::Ignore("conversation update that does not add the bot")
            }
        }
        _ => Intake::Ignore("activity type this bot does not handle"),
    }
}

/// Maps an HMAC-verified outgoing-webhook activity. Never a
/// [`Message::Command`]: a webhook cannot tell who is speaking.
pub fn webhook_inbound(activity: &Activity, now: DateTime<Utc>) -> Intake {
    let bot_id = activity.recipient.as_ref().map(|r| r.id.as_str());
    let text = activity.clean_text(bot_id, true);
    if text.is_empty() {
        return Intake::Ignore("webhook message without text");
    }
    Intake::Handle(Box::new(activity.inbound(
        Platform::TeamsWebhook,
        Message::Text(text),
        now,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(json: &str) -> Activity {
        serde_json::from_str(json).expect("activity")
    }

    #[test]
    fn bot_mention_is_stripped_and_others_keep_their_names() {
        let a = activity(
            r#"{"type":"message","text":"<at>Bot</at> ask <at>Ann</at> &amp; me",
                "recipient":{"id":"28:b"},
                "entities":[{"type":"mention","text":"<at>Bot</at>","mentioned":{"id":"28:b"}}]}"#,
        );
        assert_eq!(a.clean_text(Some("28:b"), false), "ask Ann & me");
        let w = activity(r#"{"type":"message","text":"<at>Hook</at> refund please"}"#);
        assert_eq!(w.clean_text(None, true), "refund please");
    }

    #[test]
    fn card_submits_become_commands_only_with_our_shape() {
        let v: Value = serde_json::json!({"action":"confirm","token":"T1","account":" ACME "});
        assert_eq!(
            card_command(&v),
            Some(Command::Confirm {
                token: "T1".into(),
                typed: Some("ACME".into())
            })
        );
        let v = serde_json::json!({"action":{"type":"Action.Execute","data":{"action":"dismiss","token":"T2"}}});
        assert_eq!(
            card_command(&v),
            Some(Command::Dismiss { token: "T2".into() })
        );
        let v = serde_json::json!({"submitLocation":"messagingExtensionSubmit","Answer":""});
        assert_eq!(card_command(&v), None);
    }

    #[test]
    fn only_personal_chats_are_private() {
        let kind = |c: &str| activity(&format!(r#"{{"type":"message","conversation":{c}}}"#));
        assert!(kind(r#"{"id":"1","conversationType":"channel","isGroup":true}"#).is_shared());
        assert!(kind(r#"{"id":"1","conversationType":"groupChat"}"#).is_shared());
        assert!(kind(r#"{"id":"1","isGroup":true}"#).is_shared());
        assert!(!kind(r#"{"id":"a:1","conversationType":"personal"}"#).is_shared());
        assert!(!kind(r#"{"id":"a:1"}"#).is_shared());
    }

    #[test]
    fn sender_key_prefers_the_entra_id_and_ignores_case() {
        let a = activity(
            r#"{"type":"invoke","from":{"id":"29:x","aadObjectId":"AB-CD"},
                "channelData":{"tenant":{"id":"T1"}}}"#,
        );
        assert_eq!(a.sender_key(), "t1\nab-cd");
        let b = activity(r#"{"type":"invoke","from":{"id":"29:X"}}"#);
        assert_eq!(b.sender_key(), "\n29:x");
    }

    #[test]
    fn webhook_text_never_becomes_a_command() {
        let a = activity(
            r#"{"type":"message","id":"1","text":"<at>Hook</at> confirm ABC","value":{"action":"confirm","token":"ABC"}}"#,
        );
        match webhook_inbound(&a, Utc::now()) {
            Intake::Handle(inbound) => {
                assert_eq!(inbound.message, Message::Text("confirm ABC".into()));
                assert_eq!(inbound.identity.evidence, Evidence::Unverified);
            }
            Intake::Ignore(why) => panic!("ignored: {why}"),
        }
    }
}
