//! Accounts and subscriptions with their states and dates, and lifecycle
//! actions (cancel, reactivate, refund) for operators with the admin role.
//! Actions go through `Bot::handle` exactly like a chat command: proposed,
//! confirmed with the token the proposal returned, authorised by `auth`
//! and audited with the operator (`console:<name>`) as the actor.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use chrono::Utc;
use serde_json::json;

use super::session::{require, require_post, Fields};
use super::view::lang;
use super::Console;
use crate::answer::render::{render, Flavor};
use crate::auth::authorize_operator;
use crate::model::{ButtonAction, Command, Identity, Inbound, Message, Reply};
use crate::operator::{OperatorRole, SignedIn};

/// The admin's identity, or `None` for other roles (who see a 403).
fn admin(me: &SignedIn) -> Option<Identity> {
    me.identity().filter(|_| me.role() == OperatorRole::Admin)
}

/// `GET /console/accounts` (admins).
pub async fn list(State(c): State<Console>, headers: HeaderMap) -> Response {
    let me = match require(&c, &headers).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = lang(&headers);
    let Some(identity) = admin(&me) else {
        return c.forbidden(lang, &me);
    };
    let Some(lifecycle) = c.bot.lifecycle().map(|l| l.service().clone()) else {
        let text = c.views.text(lang, "lifecycle_off");
        return c.message(StatusCode::SERVICE_UNAVAILABLE, lang, Some(&me), &text);
    };
    let Ok(op) = authorize_operator(&identity, &Default::default()) else {
        return c.forbidden(lang, &me);
    };
    let accounts = match lifecycle.accounts(&op).await {
        Ok(a) => a,
        Err(e) => {
            return c.message(
                StatusCode::SERVICE_UNAVAILABLE,
                lang,
                Some(&me),
                &e.to_string(),
            )
        }
    };
    let mut rows = Vec::new();
    for a in accounts {
        let Ok(status) = lifecycle.status(&identity, &a.id).await else {
            continue;
        };
        let subs: Vec<_> = status
            .subscriptions
            .iter()
            .map(|s| {
                json!({
                    "id": format!("{}/{}", a.id, s.id),
                    "product": s.product,
                    "seats": s.seats,
                    "state": format!("{:?}", s.state).to_lowercase(),
                    "term_end": s.term_end.to_string(),
                    "cancelled_at": s.cancelled_at.map(|t| t.format("%Y-%m-%d").to_string()),
                })
            })
            .collect();
        rows.push(json!({
            "id": a.id.to_string(),
            "name": a.name,
            "closed": a.closed_at.map(|t| t.format("%Y-%m-%d").to_string()),
            "subscriptions": subs,
        }));
    }
    c.page("accounts.html", lang, &me, json!({ "accounts": rows }))
}

/// Runs one command through the bot as the operator and shows the reply,
/// with a confirm form when the reply is a proposal.
async fn run(
    c: &Console,
    me: &SignedIn,
    lang: &str,
    identity: Identity,
    command: Command,
) -> Response {
    let Ok(event) = crate::operator::random_token() else {
        return c.message(
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            Some(me),
            "no randomness",
        );
    };
    let inbound = Inbound {
        event_id: format!("console-{}", &event[..24]),
        identity,
        conversation: format!("console:{}", me.name()),
        locales: vec![lang.to_owned()],
        message: Message::Command(command),
        received_at: Utc::now(),
    };
    let reply = c.bot.handle(inbound).await;
    let confirm = reply.buttons.iter().find_map(|b| match &b.action {
        ButtonAction::Confirm {
            token,
            needs_typed_account,
        } => Some(json!({ "token": token, "typed": needs_typed_account })),
        _ => None,
    });
    let page = json!({
        "heading": reply.title,
        "body": plain(&reply),
        "confirm": confirm,
        "back": "/console/accounts",
    });
    c.page("message.html", lang, me, page)
}

fn plain(reply: &Reply) -> String {
    render(&reply.markdown, Flavor::Plain, usize::MAX).join("\n\n")
}

/// `POST /console/accounts/action`: `action` (cancel, reactivate, refund)
/// on `subscription` (`account/SUB-n`).
pub async fn action(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let me = match require_post(&c, &headers, &form).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = lang(&headers);
    let Some(identity) = admin(&me) else {
        return c.forbidden(lang, &me);
    };
    let subscription = form.get("subscription").cloned().unwrap_or_default();
    let command = match form.get("action").map(String::as_str) {
        Some("cancel") => Command::Cancel { subscription },
        Some("reactivate") => Command::Reactivate { subscription },
        Some("refund") => Command::Refund { subscription },
        _ => return c.message(StatusCode::BAD_REQUEST, lang, Some(&me), "no such action"),
    };
    run(&c, &me, lang, identity, command).await
}

/// `POST /console/accounts/confirm`: the proposal's token (and the typed
/// account id when closing).
pub async fn confirm(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let me = match require_post(&c, &headers, &form).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = lang(&headers);
    let Some(identity) = admin(&me) else {
        return c.forbidden(lang, &me);
    };
    let command = Command::Confirm {
        token: form.get("token").cloned().unwrap_or_default(),
        typed: form.get("typed").filter(|t| !t.is_empty()).cloned(),
    };
    run(&c, &me, lang, identity, command).await
}
