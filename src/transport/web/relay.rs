//! Agents' replies from the console into a web visitor's conversation.

use chrono::Utc;
use futures_util::future::BoxFuture;
use serde_json::json;

use super::queue::Queues;
use crate::handoff::{DeskError, Ticket, UserRelay};
use crate::model::Platform;

/// Reaches the web conversations this process holds.
#[derive(Debug, Clone)]
pub struct WebRelay {
    queues: Queues,
}

impl WebRelay {
    /// A relay into `queues` (the same the web chat serves).
    pub fn new(queues: Queues) -> WebRelay {
        WebRelay { queues }
    }
}

impl UserRelay for WebRelay {
    fn name(&self) -> &'static str {
        "web"
    }

    fn reaches(&self, ticket: &Ticket) -> bool {
        ticket.user.platform == Platform::Web
    }

    fn send<'a>(
        &'a self,
        ticket: &'a Ticket,
        agent: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), DeskError>> {
        Box::pin(async move {
            // No `channelData.html`: the page shows the agent's words as text.
            let activity = json!({
                "type": "message",
                "channelId": "directline",
                "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "from": {"id": format!("agent:{agent}"), "name": agent, "role": "bot"},
                "recipient": {"id": ticket.user.user_id, "role": "user"},
                "conversation": {"id": ticket.user.conversation},
                "locale": ticket.locale,
                "text": text,
                "textFormat": "plain",
                "channelData": {"agent": agent, "ticket": ticket.id.to_string()},
            });
            self.queues
                .push_existing(&ticket.user.conversation, activity)
                .map(drop)
                .ok_or_else(|| {
                    DeskError(
                        "the visitor's chat is not open on this instance any more (closed, idle or served by another instance)"
                            .into(),
                    )
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::{Reason, TicketId, TicketState, UserKey};

    fn ticket(platform: Platform, conversation: &str) -> Ticket {
        Ticket {
            id: TicketId::new(1),
            user: UserKey {
                platform,
                conversation: conversation.into(),
                user_id: "visitor-1".into(),
            },
            scope: None,
            locale: "en".into(),
            reason: Reason::Asked,
            transcript: vec![],
            state: TicketState::Claimed,
            created_at: Utc::now(),
            claimed: Some((Utc::now(), "console:ada".into())),
            closed: None,
            event: "web:1".into(),
            revision: 2,
        }
    }

    #[tokio::test]
    async fn replies_reach_held_web_conversations_only() {
        let queues = Queues::default();
        let relay = WebRelay::new(queues.clone());
        assert!(!relay.reaches(&ticket(Platform::Discord, "c1")));
        let t = ticket(Platform::Web, "c1");
        assert!(relay.reaches(&t));
        assert!(relay.send(&t, "ada", "hi").await.is_err(), "no such chat");
        queues.push("c1", json!({"type": "message", "text": "hello"}));
        relay.send(&t, "ada", "<b>hi</b>").await.expect("sent");
        let (list, _) = queues.since("c1", Some(1));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["text"], "<b>hi</b>");
        assert_eq!(list[0]["from"]["name"], "ada");
        assert!(list[0]["channelData"].get("html").is_none());
    }
}
