//! The handoff queue: open and claimed tickets, one ticket's transcript and
//! history, and claim / resolve / release as the signed-in operator through
//! `HandoffService` (first come, first served: a lost race is answered
//! with who has the ticket).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use serde_json::json;

use super::session::{require, require_post, see_other, Fields};
use super::view::lang;
use super::Console;
use crate::auth::authorize_agent;
use crate::handoff::{Change, HandoffError, Ticket, TicketId, TicketState};
use crate::operator::SignedIn;

fn row(t: &Ticket) -> serde_json::Value {
    json!({
        "id": t.id.to_string(),
        "state": t.state.as_str(),
        "user": format!("{}:{}", t.user.platform, t.user.user_id),
        "reason": t.reason.to_string(),
        "locale": t.locale,
        "opened": t.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        "claimed_by": t.claimed.as_ref().map(|(_, by)| by.clone()),
    })
}

/// `GET /console/queue`.
pub async fn list(State(c): State<Console>, headers: HeaderMap) -> Response {
    let me = match require(&c, &headers).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = lang(&headers);
    match c.handoff.list().await {
        Ok(all) => {
            let open: Vec<_> = all
                .iter()
                .filter(|t| t.state.is_active())
                .map(row)
                .collect();
            c.page("queue.html", lang, &me, json!({ "tickets": open }))
        }
        Err(e) => c.message(
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            Some(&me),
            &e.to_string(),
        ),
    }
}

/// What the ticket page's query may say.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ShowQuery {
    /// Set after a reply went out (`?sent=1`).
    sent: Option<String>,
}

/// `GET /console/queue/{id}`.
pub async fn show(
    State(c): State<Console>,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
    headers: HeaderMap,
) -> Response {
    let me = match require(&c, &headers).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = lang(&headers);
    let shown = match TicketId::parse(&id) {
        Ok(id) => c.handoff.show(id).await,
        Err(e) => Err(e),
    };
    match shown {
        Ok((t, history)) => {
            let transcript: Vec<_> = t
                .transcript
                .iter()
                .map(|m| json!({ "at": m.at.format("%H:%M").to_string(), "text": m.text, "answer": m.answer_key }))
                .collect();
            let history: Vec<_> = history
                .iter()
                .map(|h| json!({ "at": h.at.format("%Y-%m-%d %H:%M").to_string(), "change": format!("{:?}", h.change).to_lowercase(), "by": h.by }))
                .collect();
            let since = since_opened(&c, &t).await;
            let mine = me.identity().is_some_and(|i| {
                t.claimed
                    .as_ref()
                    .is_some_and(|(_, by)| *by == format!("{}:{}", i.platform, i.user_id))
            });
            let page = json!({
                "ticket": row(&t),
                "transcript": transcript,
                "since": since,
                "history": history,
                "can_act": me.role().works_tickets(),
                "can_reply": mine && t.state == TicketState::Claimed,
                "sent": query.sent.is_some(),
            });
            c.page("ticket.html", lang, &me, page)
        }
        Err(e) => c.message(status_of(&e), lang, Some(&me), &e.to_string()),
    }
}

/// The user's messages in the ticket's conversation since it opened, from
/// the (redacted) conversation record: what they wrote while waiting.
async fn since_opened(c: &Console, t: &Ticket) -> Vec<serde_json::Value> {
    let entries = match c.record.entries(Some(t.created_at)).await {
        Ok(entries) => entries,
        Err(e) => {
            tracing::warn!(error = %e, "console: cannot read the record for a ticket");
            return Vec::new();
        }
    };
    entries
        .iter()
        .filter(|e| {
            e.user.platform == t.user.platform
                && e.user.user_id == t.user.user_id
                && e.conversation == t.user.conversation
        })
        .filter_map(|e| {
            let text = e.text.as_ref()?;
            Some(json!({ "at": e.at.format("%H:%M").to_string(), "text": text }))
        })
        .collect()
}

fn status_of(e: &HandoffError) -> StatusCode {
    match e {
        HandoffError::BadTicketId(_) | HandoffError::NotFound(_) => StatusCode::NOT_FOUND,
        HandoffError::AlreadyClaimed { .. }
        | HandoffError::AlreadyYours(_)
        | HandoffError::AlreadyOpen(_)
        | HandoffError::Closed { .. }
        | HandoffError::NotYours { .. } => StatusCode::CONFLICT,
        HandoffError::BadReply => StatusCode::UNPROCESSABLE_ENTITY,
        HandoffError::NoRelay { .. } | HandoffError::Undelivered(_) => StatusCode::BAD_GATEWAY,
        HandoffError::Busy | HandoffError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// `POST /console/queue/{id}/{claim|resolve|release}`.
pub async fn act(
    State(c): State<Console>,
    Path((id, change)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let me = match require_post(&c, &headers, &form).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = lang(&headers);
    if change == "reply" {
        return reply(&c, &me, lang, &id, &form).await;
    }
    let change = match change.as_str() {
        "claim" => Change::Claimed,
        "resolve" => Change::Resolved,
        "release" => Change::Released,
        _ => return c.message(StatusCode::NOT_FOUND, lang, Some(&me), "no such action"),
    };
    let agent = me
        .identity()
        .and_then(|i| authorize_agent(&i, c.handoff.agents()).ok());
    let Some(agent) = agent else {
        return c.forbidden(lang, &me);
    };
    let acted = match TicketId::parse(&id) {
        Ok(id) => c.handoff.act_as(&agent, id, change).await,
        Err(e) => Err(e),
    };
    match acted {
        Ok(t) => see_other(&format!("/console/queue/{}", t.id)),
        Err(e) => c.message(status_of(&e), lang, Some(&me), &e.to_string()),
    }
}

/// `POST /console/queue/{id}/reply`: the agent holding the claim writes to
/// the user through the platform the conversation is on.
async fn reply(c: &Console, me: &SignedIn, lang: &str, id: &str, form: &Fields) -> Response {
    let agent = me
        .identity()
        .and_then(|i| authorize_agent(&i, c.handoff.agents()).ok());
    let Some(agent) = agent else {
        return c.forbidden(lang, me);
    };
    let text = form.get("text").map(String::as_str).unwrap_or("");
    let sent = match TicketId::parse(id) {
        Ok(id) => c.handoff.reply_as(&agent, id, text).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(t) => see_other(&format!("/console/queue/{}?sent=1", t.id)),
        Err(e) => c.message(status_of(&e), lang, Some(me), &e.to_string()),
    }
}
