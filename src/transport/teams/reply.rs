//! Renders a [`Reply`] as Bot Framework reply activities: Teams markdown
//! text and, for confirmations, an Adaptive Card whose Action.Submit
//! buttons carry the lifecycle token.

use serde_json::{json, Value};

use super::activity::Activity;
use crate::answer::render::{cap, render, Flavor};
use crate::model::{Button, ButtonAction, ButtonStyle, Reply};

/// Characters per Teams message; Teams accepts about 28 KB per activity.
pub const TEAMS_TEXT_LIMIT: usize = 12_000;
/// Text messages one reply becomes at most; longer replies are cut with
/// `…` so no input is amplified without bound.
pub const MAX_TEXT_MESSAGES: usize = 3;

/// The reply text as Teams markdown chunks (at least one).
pub fn text_chunks(reply: &Reply) -> Vec<String> {
    let chunks = cap(
        render(&reply.markdown, Flavor::Teams, TEAMS_TEXT_LIMIT),
        MAX_TEXT_MESSAGES,
        TEAMS_TEXT_LIMIT,
    );
    if chunks.is_empty() {
        vec![String::new()]
    } else {
        chunks
    }
}

/// The reply activities for `incoming`, in sending order; the card rides on
/// the last one.
pub fn activities(incoming: &Activity, reply: &Reply) -> Vec<Value> {
    let chunks = text_chunks(reply);
    let last = chunks.len() - 1;
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let mut activity = json!({
                "type": "message",
                "from": incoming.recipient,
                "recipient": incoming.from,
                "conversation": incoming.conversation,
                "replyToId": incoming.id,
                "locale": reply_locale(incoming, reply),
                "textFormat": "markdown",
                "text": text,
            });
            if i == last {
                if let Some(card) = card(&reply.buttons) {
                    activity["attachments"] = json!([card]);
                }
            }
            activity
        })
        .collect()
}

/// A short message (a notice) replying to `incoming` in its conversation.
pub fn notice(incoming: &Activity, text: &str, locale: Option<&str>) -> Value {
    json!({
        "type": "message",
        "from": incoming.recipient,
        "recipient": incoming.from,
        "conversation": incoming.conversation,
        "replyToId": incoming.id,
        "locale": locale,
        "textFormat": "markdown",
        "text": text,
    })
}

/// A message carrying only `card`, in `incoming`'s conversation but not as a
/// reply to it (file cards answer an invoke, or follow the text they
/// belong to).
pub fn card_message(incoming: &Activity, card: Value) -> Value {
    json!({
        "type": "message",
        "from": incoming.recipient,
        "recipient": incoming.from,
        "conversation": incoming.conversation,
        "attachments": [card],
    })
}

/// Moves an outgoing `activity` into the personal conversation
/// `conversation_id` (created for `incoming`'s sender): it is no longer a
/// reply to anything there.
pub fn into_personal_chat(activity: &mut Value, incoming: &Activity, conversation_id: &str) {
    let mut conversation = json!({"id": conversation_id, "conversationType": "personal"});
    if let Some(tenant) = incoming.tenant_id() {
        conversation["tenantId"] = json!(tenant);
    }
    activity["conversation"] = conversation;
    not_a_reply(activity);
}

/// Makes `activity` a plain message in its conversation rather than a
/// reply.
pub fn not_a_reply(activity: &mut Value) {
    if let Some(fields) = activity.as_object_mut() {
        fields.remove("replyToId");
    }
}

/// The locale of the reply text: the answer's locale, else the incoming one.
fn reply_locale(incoming: &Activity, reply: &Reply) -> Option<String> {
    Some(reply.locale.clone())
        .filter(|l| !l.is_empty())
        .or_else(|| incoming.locale.clone())
}

/// An Adaptive Card with one Action.Submit per button, and an account
/// input when a confirmation needs the account id typed back.
pub fn card(buttons: &[Button]) -> Option<Value> {
    if buttons.is_empty() {
        return None;
    }
    let mut body = Vec::new();
    let actions: Vec<Value> = buttons
        .iter()
        .map(|b| {
            let data = match &b.action {
                ButtonAction::Confirm {
                    token,
                    needs_typed_account,
                } => {
                    if *needs_typed_account && body.is_empty() {
                        body.push(json!({
                            "type": "Input.Text",
                            "id": "account",
                            "isRequired": true,
                        }));
                    }
                    json!({"action": "confirm", "token": token})
                }
                ButtonAction::Dismiss { token } => json!({"action": "dismiss", "token": token}),
                ButtonAction::Feedback { answer, choice } => {
                    json!({"action": "feedback", "choice": choice.as_str(), "answer": answer})
                }
            };
            json!({
                "type": "Action.Submit",
                "title": b.label,
                "style": match b.style {
                    ButtonStyle::Danger => "destructive",
                    ButtonStyle::Secondary => "default",
                },
                "data": data,
            })
        })
        .collect();
    Some(json!({
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4",
            "body": body,
            "actions": actions,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmation_card_carries_the_token_and_asks_for_the_account() {
        let buttons = vec![
            Button {
                label: "Close account".into(),
                action: ButtonAction::Confirm {
                    token: "TOK".into(),
                    needs_typed_account: true,
                },
                style: ButtonStyle::Danger,
            },
            Button {
                label: "Cancel".into(),
                action: ButtonAction::Dismiss {
                    token: "TOK".into(),
                },
                style: ButtonStyle::Secondary,
            },
        ];
        let card = card(&buttons).expect("card");
        let content = &card["content"];
        assert_eq!(content["body"][0]["id"], "account");
        assert_eq!(content["actions"][0]["data"]["action"], "confirm");
        assert_eq!(content["actions"][0]["data"]["token"], "TOK");
        assert_eq!(content["actions"][0]["style"], "destructive");
        assert_eq!(content["actions"][1]["data"]["action"], "dismiss");
        // What Teams sends back on submit maps to the command again.
        let mut submitted = content["actions"][0]["data"].clone();
        submitted["account"] = json!("ACME");
        assert!(super::super::activity::card_command(&submitted).is_some());
        assert!(super::card(&[]).is_none());
    }

    #[test]
    fn feedback_buttons_round_trip_through_the_card() {
        use crate::model::{FeedbackChoice, Message};
        let buttons = vec![Button {
            label: "No".into(),
            action: ButtonAction::Feedback {
                answer: "cancel".into(),
                choice: FeedbackChoice::NotHelped,
            },
            style: ButtonStyle::Secondary,
        }];
        let card = card(&buttons).expect("card");
        let data = &card["content"]["actions"][0]["data"];
        assert_eq!(
            super::super::activity::card_feedback(data),
            Some(Message::Feedback {
                answer: "cancel".into(),
                choice: FeedbackChoice::NotHelped,
            })
        );
        assert!(super::super::activity::card_feedback(
            &json!({"action": "feedback", "choice": "maybe", "answer": "x"})
        )
        .is_none());
    }
}
