//! The chat page, its script and style, and the widget, compiled into the
//! binary; their security headers; and the origin check (CORS) in front of
//! Direct Line.
//!
//! Pages forbid inline script (`script-src 'self'`) and may be framed only
//! by the bot's own origin and the configured `allowed_origins`. Browsers
//! calling Direct Line from another origin get CORS headers only when that
//! origin is allowed; any other cross-origin request is refused with 403
//! before it reaches a handler. Requests without `Origin` (servers, curl)
//! pass: they carry no visitor's browser credentials, and tokens are
//! bearer tokens, not cookies.

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, CACHE_CONTROL, CONTENT_TYPE, HOST,
    ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::WebState;

const CHAT_HTML: &str = include_str!("assets/chat.html");
const CHAT_JS: &str = include_str!("assets/chat.js");
const CHAT_CSS: &str = include_str!("assets/chat.css");
const WIDGET_JS: &str = include_str!("assets/widget.js");

/// Whether `origin` may use the chat: the bot's own (`Host`) or a listed one.
fn allowed(state: &WebState, headers: &HeaderMap, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let own = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase)
        .is_some_and(|host| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host.as_str())
        });
    own || state.origins.contains(&origin)
}

/// The origin check and CORS headers of every Direct Line route.
pub async fn cors(State(state): State<WebState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let Some(origin) = headers.get(ORIGIN).cloned() else {
        return next.run(request).await;
    };
    let text = origin.to_str().unwrap_or("");
    if !allowed(&state, headers, text) {
        tracing::info!(
            origin = text,
            "web: refused a request from an origin not allowed"
        );
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let h = response.headers_mut();
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        // Bearer tokens, not cookies: the origin is checked, so the
        // headers it asks for (Web Chat adds x-ms-bot-agent) may come.
        let asked = headers
            .get(ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned()
            .unwrap_or(HeaderValue::from_static("authorization, content-type"));
        h.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked);
        h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        h.insert(VARY, HeaderValue::from_static("Origin"));
        return response;
    }
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(VARY, HeaderValue::from_static("Origin"));
    response
}

/// `Content-Security-Policy` of the chat page.
fn csp(state: &WebState) -> String {
    let mut ancestors = String::from("'self'");
    for o in state.origins.iter() {
        ancestors.push(' ');
        ancestors.push_str(o);
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    secure(h);
    response
}

/// Headers every web response gets.
fn secure(h: &mut HeaderMap) {
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
}

/// `GET /chat`: the chat page (its locale comes from `?locale=` or the
/// browser, read by the script).
pub async fn chat(State(state): State<WebState>) -> Response {
    let mut response = CHAT_HTML.into_response();
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&csp(&state)) {
        h.insert("content-security-policy", v);
    }
    secure(h);
    response
}

/// `GET /chat.js`.
pub async fn chat_js() -> Response {
    asset("text/javascript; charset=utf-8", CHAT_JS)
}

/// `GET /chat.css`.
pub async fn chat_css() -> Response {
    asset("text/css; charset=utf-8", CHAT_CSS)
}

/// `GET /widget.js`: loaded by other sites' pages, so any origin may fetch it.
pub async fn widget_js() -> Response {
    let mut response = asset("text/javascript; charset=utf-8", WIDGET_JS);
    response.headers_mut().insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    response
}
