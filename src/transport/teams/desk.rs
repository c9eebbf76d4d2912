//! The Teams [`AgentDesk`]: a ticket from a Teams conversation is posted
//! through the Bot Connector to the configured agents' conversation as an
//! Adaptive Card (summary, Claim and Resolve as `Action.Submit`, and a deep
//! link to chat with the user). A click comes back as a message activity
//! whose `value` [`card_agent`](super::activity::card_agent) reads; it is
//! authorised like any agent command, from the JWT-verified sender's
//! `aadObjectId`. Agents' changes are posted there as short messages.

use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::{json, Value};

use super::connector::Connector;
use crate::config::{TeamsAgentsChannel, TeamsBotSettings};
use crate::handoff::{AgentDesk, Change, DeskError, DeskNotice, Ticket};
use crate::model::Platform;

/// `value.action` of the card's Claim button.
pub const CLAIM: &str = "handoff-claim";
/// `value.action` of the card's Resolve button.
pub const RESOLVE: &str = "handoff-resolve";
/// `value.action` of a Release submit (not on the card; accepted alike).
pub const RELEASE: &str = "handoff-release";

/// Characters of one transcript message shown on the card.
const LINE_MAX: usize = 300;

/// Where Teams tickets go.
#[derive(Debug)]
pub struct TeamsDesk {
    connector: Connector,
    channel: TeamsAgentsChannel,
}

impl TeamsDesk {
    /// The desk of the bot in `settings`, when it has an agents' conversation.
    pub fn new(settings: &TeamsBotSettings) -> Result<Option<TeamsDesk>, reqwest::Error> {
        let Some(channel) = settings.agents.clone() else {
            return Ok(None);
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("supportbot/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Some(TeamsDesk {
            connector: Connector::new(http, settings),
            channel,
        }))
    }

    /// The agents' conversation.
    pub fn channel(&self) -> &TeamsAgentsChannel {
        &self.channel
    }

    async fn send(&self, activity: &Value) -> Result<(), DeskError> {
        self.connector
            .send(
                &self.channel.service_url,
                &self.channel.conversation_id,
                None,
                activity,
            )
            .await
            .map_err(|e| DeskError(e.to_string()))
    }
}

impl AgentDesk for TeamsDesk {
    fn name(&self) -> &'static str {
        "teams"
    }

    fn serves(&self, ticket: &Ticket) -> bool {
        ticket.user.platform == Platform::Teams
    }

    fn tell<'a>(&'a self, notice: &'a DeskNotice) -> BoxFuture<'a, Result<(), DeskError>> {
        async move {
            let activity = match notice.change {
                Change::Opened => json!({
                    "type": "message",
                    "summary": format!("Ticket {}: {}", notice.ticket.id, notice.ticket.reason),
                    "attachments": [ticket_card(&notice.ticket)],
                }),
                _ => json!({
                    "type": "message",
                    "textFormat": "plain",
                    "text": change_text(notice),
                }),
            };
            self.send(&activity).await
        }
        .boxed()
    }
}

/// Whether `id` looks like an Entra object id (a GUID), which the deep link
/// needs; a `29:` channel id does not work there.
fn is_guid(id: &str) -> bool {
    id.len() == 36
        && id.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The agents' card for a new ticket.
pub fn ticket_card(ticket: &Ticket) -> Value {
    let number = ticket.id.number();
    let mut body = vec![
        json!({ "type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": true,
                "text": format!("Ticket {}: {}", ticket.id, ticket.reason) }),
        json!({ "type": "FactSet", "facts": [
            { "title": "Locale", "value": ticket.locale },
            { "title": "User", "value": ticket.user.user_id },
            { "title": "Opened", "value": ticket.created_at.to_rfc3339() },
        ]}),
    ];
    if !ticket.transcript.is_empty() {
        body.push(json!({ "type": "TextBlock", "weight": "Bolder", "text": "Last messages", "wrap": true }));
    }
    for m in &ticket.transcript {
        let text: String = m.text.chars().take(LINE_MAX).collect();
        body.push(json!({ "type": "TextBlock", "wrap": true, "text": text }));
        body.push(
            json!({ "type": "TextBlock", "wrap": true, "isSubtle": true, "spacing": "None",
                          "text": format!("bot answered: {}", m.answer_key) }),
        );
    }
    let mut actions = vec![
        json!({ "type": "Action.Submit", "title": "Claim", "data": { "action": CLAIM, "ticket": number } }),
        json!({ "type": "Action.Submit", "title": "Resolve", "data": { "action": RESOLVE, "ticket": number } }),
    ];
    if is_guid(&ticket.user.user_id) {
        actions.push(json!({
            "type": "Action.OpenUrl",
            "title": "Chat with the user",
            "url": format!("https://teams.microsoft.com/l/chat/0/0?users={}", ticket.user.user_id),
        }));
    }
    json!({
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4",
            "body": body,
            "actions": actions,
        },
    })
}

fn change_text(notice: &DeskNotice) -> String {
    let what = match notice.change {
        Change::Opened => "opened",
        Change::Claimed => "claimed",
        Change::Resolved => "resolved; the bot answers the user again",
        Change::Released | Change::TimedOut => "released; the bot answers the user again",
    };
    format!("Ticket {} {what} (by {}).", notice.ticket.id, notice.by)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::{Exchange, Reason, TicketId, TicketState, UserKey};

    fn ticket(user: &str) -> Ticket {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        Ticket {
            id: TicketId::new(4),
            user: UserKey {
                platform: Platform::Teams,
                conversation: "a:1".into(),
                user_id: user.into(),
            },
            scope: Some("tenant".into()),
            locale: "de-DE".into(),
            reason: Reason::Asked,
            transcript: vec![Exchange {
                at,
                text: "Mitarbeiter bitte".into(),
                answer_key: "handoff".into(),
            }],
            state: TicketState::Open,
            created_at: at,
            claimed: None,
            closed: None,
            event: "teams:1".into(),
            revision: 0,
        }
    }

    #[test]
    fn the_card_offers_claim_resolve_and_a_chat_link() {
        let card = ticket_card(&ticket("6b703ce3-6d14-4fe6-b90c-dc5f03657ae4"));
        let actions = &card["content"]["actions"];
        assert_eq!(actions[0]["data"], json!({ "action": CLAIM, "ticket": 4 }));
        assert_eq!(
            actions[1]["data"],
            json!({ "action": RESOLVE, "ticket": 4 })
        );
        assert_eq!(
            actions[2]["url"],
            "https://teams.microsoft.com/l/chat/0/0?users=6b703ce3-6d14-4fe6-b90c-dc5f03657ae4"
        );
        let shown = card.to_string();
        assert!(
            shown.contains("Mitarbeiter bitte") && shown.contains("de-DE"),
            "{shown}"
        );
        // Without an Entra id there is nothing to link to.
        let card = ticket_card(&ticket("29:1abc"));
        assert_eq!(card["content"]["actions"].as_array().map(Vec::len), Some(2));
    }
}
