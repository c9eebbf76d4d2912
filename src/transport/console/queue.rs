//! The handoff queue: open and claimed tickets, one ticket's transcript and
//! history, and claim / resolve / release as the signed-in operator through
//! `HandoffService` (first come, first served: a lost race is answered
//! with who has the ticket).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use serde_json::json;

use super::session::{require, require_post, see_other, Fields};
use super::view::lang;
use super::Console;
use crate::auth::authorize_agent;
use crate::handoff::{Change, HandoffError, Ticket, TicketId};

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

/// `GET /console/queue/{id}`.
pub async fn show(
    State(c): State<Console>,
    Path(id): Path<String>,
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
            let page = json!({
                "ticket": row(&t),
                "transcript": transcript,
                "history": history,
                "can_act": me.role().works_tickets(),
            });
            c.page("ticket.html", lang, &me, page)
        }
        Err(e) => c.message(status_of(&e), lang, Some(&me), &e.to_string()),
    }
}

fn status_of(e: &HandoffError) -> StatusCode {
    match e {
        HandoffError::BadTicketId(_) | HandoffError::NotFound(_) => StatusCode::NOT_FOUND,
        HandoffError::AlreadyClaimed { .. }
        | HandoffError::AlreadyYours(_)
        | HandoffError::AlreadyOpen(_)
        | HandoffError::Closed { .. } => StatusCode::CONFLICT,
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
