//! The operator console under `/console`: server-rendered pages for support
//! agents, admins and rule authors (sign-in, the handoff queue, the
//! not-understood inbox with a rule tester, accounts with lifecycle
//! actions, the audit log, the dashboard and the loaded knowledge).
//!
//! Handlers verify (session, CSRF, role), convert and render; every
//! decision is the domain's: sessions in `operator`, who may act in `auth`,
//! tickets through `HandoffService`, account actions through
//! `Bot::handle` like chat (propose, confirm, audit), figures from
//! `record::report`. Every response carries a strict CSP (no inline script
//! or style), `nosniff`, `no-referrer` and `frame-ancestors 'none'`.

mod accounts;
mod audit;
mod inbox;
mod pages;
mod queue;
pub mod session;
mod view;

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::config::ConsoleSettings;
use crate::handoff::HandoffService;
use crate::operator::{OperatorService, SignedIn};
use crate::record::RecordService;
use crate::Bot;
pub use pages::reload_now;
pub use view::Views;

/// The last reload of rules and answers, from the console or SIGHUP.
#[derive(Debug, Clone, Default)]
pub struct ReloadLog {
    /// When the last reload was tried.
    pub at: Option<DateTime<Utc>>,
    /// Its error, if it failed (the previous knowledge stayed).
    pub error: Option<String>,
}

/// Shared [`ReloadLog`].
pub type Reloads = Arc<Mutex<ReloadLog>>;

/// What the console's handlers share.
#[derive(Clone)]
pub struct Console {
    views: Arc<Views>,
    operators: OperatorService,
    handoff: HandoffService,
    record: RecordService,
    bot: Arc<Bot>,
    settings: ConsoleSettings,
    reloads: Reloads,
}

impl Console {
    /// The console over the services `serve` opened.
    pub fn new(
        bot: Arc<Bot>,
        operators: OperatorService,
        handoff: HandoffService,
        record: RecordService,
        settings: ConsoleSettings,
        reloads: Reloads,
    ) -> Result<Console, String> {
        Ok(Console {
            views: Arc::new(Views::load()?),
            operators,
            handoff,
            record,
            bot,
            settings,
            reloads,
        })
    }

    /// A page with one message (errors, refusals, results).
    fn message(
        &self,
        status: StatusCode,
        lang: &str,
        me: Option<&SignedIn>,
        text: &str,
    ) -> Response {
        let page = json!({ "error": text, "me": me.map(me_json), "csrf": me.map(|s| s.session().csrf.clone()) });
        self.views.render(status, "message.html", lang, page)
    }

    /// The "your role does not allow this" page (403).
    fn forbidden(&self, lang: &str, me: &SignedIn) -> Response {
        let text = self.views.text(lang, "forbidden");
        self.message(StatusCode::FORBIDDEN, lang, Some(me), &text)
    }

    /// Renders `template` for a signed-in operator (adds `me` and `csrf`).
    fn page(
        &self,
        template: &str,
        lang: &str,
        me: &SignedIn,
        mut page: serde_json::Value,
    ) -> Response {
        if let Some(m) = page.as_object_mut() {
            m.insert("me".into(), me_json(me));
            m.insert("csrf".into(), me.session().csrf.clone().into());
        }
        self.views.render(StatusCode::OK, template, lang, page)
    }
}

fn me_json(me: &SignedIn) -> serde_json::Value {
    json!({ "name": me.name(), "role": me.role().as_str() })
}

/// The console's routes, with its security headers.
pub fn routes(console: Console) -> Router {
    Router::new()
        .route(
            "/console",
            get(|| async { session::see_other("/console/") }),
        )
        .route("/console/", get(pages::dashboard))
        .route("/console/console.css", get(css))
        .route(
            "/console/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/console/sign-out", post(session::sign_out))
        .route("/console/queue", get(queue::list))
        .route("/console/queue/{id}", get(queue::show))
        .route("/console/queue/{id}/{change}", post(queue::act))
        .route("/console/inbox", get(inbox::inbox))
        .route("/console/inbox/test", post(inbox::test_rule))
        .route("/console/accounts", get(accounts::list))
        .route("/console/accounts/action", post(accounts::action))
        .route("/console/accounts/confirm", post(accounts::confirm))
        .route("/console/audit", get(audit::log))
        .route("/console/knowledge", get(pages::knowledge))
        .route("/console/knowledge/reload", post(pages::reload))
        .layer(middleware::from_fn(security_headers))
        .with_state(console)
}

async fn css() -> Response {
    ([(CONTENT_TYPE, "text/css; charset=utf-8")], view::CSS).into_response()
}

const CSP: &str = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; \
form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

async fn security_headers(request: Request, next: Next) -> Response {
    let mut r = next.run(request).await;
    let h = r.headers_mut();
    let set = [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ];
    for (name, value) in set {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
