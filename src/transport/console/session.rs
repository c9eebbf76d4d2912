//! Console authentication at the HTTP edge: the session cookie, the CSRF
//! check of every POST, sign-in and sign-out. Who may do what is decided
//! by `operator` (sessions) and `auth` (tickets, accounts); this file only
//! carries tokens between the browser and them.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde_json::json;

use super::view::lang;
use super::Console;
use crate::operator::{SessionToken, SignInError, SignedIn};

/// The session cookie.
pub const COOKIE_NAME: &str = "supportbot_console";
/// The sign-in form's CSRF cookie (double submit: no session exists yet).
const PRE_COOKIE: &str = "supportbot_console_pre";

/// A form as posted.
pub type Fields = HashMap<String, String>;

/// The value of cookie `name` in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn set_cookie(console: &Console, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/console; HttpOnly; SameSite=Strict");
    if console.settings.secure_cookie {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A 303 to `to`.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// The signed-in operator of this request, or a redirect to the sign-in
/// page. With a trusted identity header configured, the session must also
/// belong to the operator the proxy names.
pub async fn require(console: &Console, headers: &HeaderMap) -> Result<SignedIn, Response> {
    let Some(value) = cookie(headers, COOKIE_NAME) else {
        return Err(see_other("/console/sign-in"));
    };
    match console
        .operators
        .check(&SessionToken::from_cookie(&value))
        .await
    {
        Ok(Some(s)) if proxy_agrees(console, headers, &s) => Ok(s),
        Ok(_) => Err(see_other("/console/sign-in")),
        Err(e) => {
            tracing::error!(error = %e, "console: session check failed");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

fn proxy_name(console: &Console, headers: &HeaderMap) -> Option<String> {
    let header = console.settings.trusted_identity_header.as_deref()?;
    headers
        .get(header)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

fn proxy_agrees(console: &Console, headers: &HeaderMap, s: &SignedIn) -> bool {
    match (
        &console.settings.trusted_identity_header,
        proxy_name(console, headers),
    ) {
        (None, _) => true,
        (Some(_), Some(name)) => name == s.name(),
        (Some(_), None) => true,
    }
}

/// [`require`], then the form's `csrf` field must be the session's token
/// (403 otherwise).
pub async fn require_post(
    console: &Console,
    headers: &HeaderMap,
    form: &Fields,
) -> Result<SignedIn, Response> {
    let signed = require(console, headers).await?;
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    if signed.session().csrf_matches(sent) {
        Ok(signed)
    } else {
        let lang = lang(headers);
        let msg = console.views.text(lang, "bad_csrf");
        Err(console.message(StatusCode::FORBIDDEN, lang, None, &msg))
    }
}

/// `GET /console/sign-in`: the form, with a fresh double-submit token; or,
/// behind a trusted proxy that names an operator, a session for them.
pub async fn sign_in_page(
    State(console): State<Console>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Some(name) = proxy_name(&console, &headers) {
        return match console
            .operators
            .trusted(&name, &peer.ip().to_string())
            .await
        {
            Ok(token) => signed_in(&console, &token),
            Err(_) => StatusCode::FORBIDDEN.into_response(),
        };
    }
    sign_in_form(&console, &headers, StatusCode::OK, None)
}

fn sign_in_form(
    console: &Console,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let Ok(pre) = crate::operator::random_token() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let lang = lang(headers);
    let error = error.map(|k| console.views.text(lang, k));
    let page = json!({ "csrf": pre, "error": error });
    let mut r = console.views.render(status, "sign_in.html", lang, page);
    r.headers_mut()
        .append(SET_COOKIE, set_cookie(console, PRE_COOKIE, &pre, None));
    r
}

fn signed_in(console: &Console, token: &SessionToken) -> Response {
    let mut r = see_other("/console/");
    r.headers_mut().append(
        SET_COOKIE,
        set_cookie(console, COOKIE_NAME, token.as_str(), None),
    );
    r.headers_mut()
        .append(SET_COOKIE, set_cookie(console, PRE_COOKIE, "", Some(0)));
    r
}

/// `POST /console/sign-in`: checks the double-submit token, then the name
/// and password; a success sets a *new* session cookie.
pub async fn sign_in(
    State(console): State<Console>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let pre = cookie(&headers, PRE_COOKIE).unwrap_or_default();
    let sent = form.get("csrf").cloned().unwrap_or_default();
    if pre.is_empty() || pre != sent {
        let lang = lang(&headers);
        let msg = console.views.text(lang, "bad_csrf");
        return console.message(StatusCode::FORBIDDEN, lang, None, &msg);
    }
    let name = form.get("name").map(String::as_str).unwrap_or("");
    let password = form.get("password").map(String::as_str).unwrap_or("");
    match console
        .operators
        .sign_in(name, password, &peer.ip().to_string())
        .await
    {
        Ok((token, _)) => signed_in(&console, &token),
        Err(SignInError::Wrong) => {
            sign_in_form(&console, &headers, StatusCode::UNAUTHORIZED, Some("wrong"))
        }
        Err(SignInError::Locked) => sign_in_form(
            &console,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            Some("locked"),
        ),
        Err(SignInError::Operator(e)) => {
            tracing::error!(error = %e, "console: sign-in failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// `POST /console/sign-out`: deletes the session from the store and the
/// cookie from the browser.
pub async fn sign_out(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let signed = match require_post(&console, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = console.operators.sign_out(&signed).await {
        tracing::error!(error = %e, "console: sign-out failed");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let mut r = see_other("/console/sign-in");
    r.headers_mut()
        .append(SET_COOKIE, set_cookie(&console, COOKIE_NAME, "", Some(0)));
    r
}
