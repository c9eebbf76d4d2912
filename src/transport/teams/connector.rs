//! Outbound Bot Connector calls: a client-credentials token (cached until
//! shortly before it expires), `POST …/v3/conversations/{id}/activities`,
//! `POST …/v3/conversations` (a personal chat with one user) and the `PUT`
//! of a file to the upload URL Teams hands out after a file consent.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use secrecy::{ExposeSecret, SecretString};

use crate::config::TeamsBotSettings;

/// Tokens are renewed this long before they expire.
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);
/// Characters of an error response body kept for the log.
const ERROR_BODY_CHARS: usize = 500;

/// What failed when talking to the Bot Connector, the token endpoint or an
/// upload URL.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The token endpoint could not be reached or refused us.
    #[error("token request to {url}: {source}")]
    Token {
        /// The token endpoint.
        url: String,
        /// The HTTP error.
        source: reqwest::Error,
    },
    /// The token endpoint answered without an `access_token`.
    #[error("token response from {url} has no access_token")]
    TokenResponse {
        /// The token endpoint.
        url: String,
    },
    /// The request could not be sent or its answer not read.
    #[error("{method} {url}: {source}")]
    Request {
        /// HTTP method.
        method: &'static str,
        /// Where it went.
        url: String,
        /// The HTTP error.
        source: reqwest::Error,
    },
    /// The service answered with an error status (e.g. 403 when the app is
    /// not installed for the user a personal chat is for).
    #[error("{method} {url}: {status}: {body}")]
    Status {
        /// HTTP method.
        method: &'static str,
        /// Where it went.
        url: String,
        /// The status.
        status: StatusCode,
        /// The start of the response body (the connector's error code).
        body: String,
    },
    /// The connector refused a freshly fetched token too.
    #[error("{method} {url}: refused our token twice")]
    Unauthorized {
        /// HTTP method.
        method: &'static str,
        /// Where it went.
        url: String,
    },
    /// A created conversation came back without its id.
    #[error("POST {url}: response has no conversation id")]
    NoConversationId {
        /// Where it went.
        url: String,
    },
}

impl ConnectorError {
    /// The HTTP status the service answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ConnectorError::Status { status, .. } => Some(*status),
            ConnectorError::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            _ => None,
        }
    }
}

/// Who a personal (1:1) conversation is created for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalChat<'a> {
    /// The bot's channel account id (`28:…`), the incoming `recipient.id`.
    pub bot_id: &'a str,
    /// The user's channel account id (`29:…`), the incoming `from.id`.
    pub user_id: &'a str,
    /// The tenant the user and the conversation belong to.
    pub tenant_id: &'a str,
}

impl PersonalChat<'_> {
    /// The `ConversationParameters` body of `POST /v3/conversations`.
    pub fn body(&self) -> Value {
        json!({
            "bot": {"id": self.bot_id},
            "members": [{"id": self.user_id}],
            "channelData": {"tenant": {"id": self.tenant_id}},
            "tenantId": self.tenant_id,
            "isGroup": false,
        })
    }
}

/// Sends replies to the Bot Connector service.
pub struct Connector {
    http: reqwest::Client,
    token_url: String,
    scope: String,
    app_id: String,
    password: SecretString,
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("token_url", &self.token_url)
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// A connector for the bot in `settings`.
    pub fn new(http: reqwest::Client, settings: &TeamsBotSettings) -> Connector {
        Connector {
            http,
            token_url: settings.token_url.clone(),
            scope: settings.scope.clone(),
            app_id: settings.app_id.clone(),
            password: settings.app_password.clone(),
            token: tokio::sync::Mutex::new(None),
        }
    }

    async fn bearer(&self) -> Result<String, ConnectorError> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let token_error = |source| ConnectorError::Token {
            url: self.token_url.clone(),
            source,
        };
        let response: Value = self
            .http
            .post(&self.token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.app_id.as_str()),
                ("client_secret", self.password.expose_secret()),
                ("scope", self.scope.as_str()),
            ])
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(token_error)?
            .json()
            .await
            .map_err(token_error)?;
        let token = response
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| ConnectorError::TokenResponse {
                url: self.token_url.clone(),
            })?
            .to_owned();
        let lifetime = match response.get("expires_in") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .map_or(Duration::from_secs(300), Duration::from_secs);
        let keep = lifetime.checked_sub(RENEW_BEFORE).unwrap_or(lifetime / 2);
        *cached = Some((token.clone(), Instant::now() + keep));
        Ok(token)
    }

    /// POSTs `body` to `url` with our token; a 401 renews the token and
    /// tries once more. Returns the successful response.
    async fn post(&self, url: &str, body: &Value) -> Result<reqwest::Response, ConnectorError> {
        for attempt in 0..2 {
            let token = self.bearer().await?;
            let response = self
                .http
                .post(url)
                .bearer_auth(token)
                .json(body)
                .send()
                .await
                .map_err(|source| ConnectorError::Request {
                    method: "POST",
                    url: url.to_owned(),
                    source,
                })?;
            if response.status() == StatusCode::UNAUTHORIZED && attempt == 0 {
                tracing::warn!("Bot Connector refused our token; renewing it");
                *self.token.lock().await = None;
                continue;
            }
            return checked("POST", url, response).await;
        }
        Err(ConnectorError::Unauthorized {
            method: "POST",
            url: url.to_owned(),
        })
    }

    /// Posts `activity` into the conversation, as a reply to `reply_to`
    /// when given.
    pub async fn send(
        &self,
        service_url: &str,
        conversation_id: &str,
        reply_to: Option<&str>,
        activity: &Value,
    ) -> Result<(), ConnectorError> {
        let mut url = format!(
            "{}/v3/conversations/{}/activities",
            service_url.trim_end_matches('/'),
            encode(conversation_id)
        );
        if let Some(id) = reply_to.filter(|id| !id.is_empty()) {
            url.push('/');
            url.push_str(&encode(id));
        }
        self.post(&url, activity).await.map(drop)
    }

    /// Creates (or, as the service returns the existing one, reuses) the
    /// personal conversation between the bot and one user, and returns its
    /// id.
    pub async fn create_personal_chat(
        &self,
        service_url: &str,
        chat: &PersonalChat<'_>,
    ) -> Result<String, ConnectorError> {
        let url = format!("{}/v3/conversations", service_url.trim_end_matches('/'));
        let response = self.post(&url, &chat.body()).await?;
        let created: Value = response
            .json()
            .await
            .map_err(|source| ConnectorError::Request {
                method: "POST",
                url: url.clone(),
                source,
            })?;
        created
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or(ConnectorError::NoConversationId { url })
    }

    /// PUTs a whole file to the upload URL of an accepted file consent (a
    /// OneDrive upload session: pre-authorised, so no bearer token; the
    /// range names the single chunk).
    pub async fn upload(
        &self,
        upload_url: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), ConnectorError> {
        let len = bytes.len();
        let range = format!("bytes 0-{}/{len}", len.saturating_sub(1));
        let response = self
            .http
            .put(upload_url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(reqwest::header::CONTENT_RANGE, range)
            .body(bytes)
            .send()
            .await
            .map_err(|source| ConnectorError::Request {
                method: "PUT",
                url: upload_url.to_owned(),
                source,
            })?;
        checked("PUT", upload_url, response).await.map(drop)
    }
}

/// `response` if its status is a success, else the status and the start
/// of the body (where the connector names its error code).
async fn checked(
    method: &'static str,
    url: &str,
    response: reqwest::Response,
) -> Result<reqwest::Response, ConnectorError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.text().await.unwrap_or_default();
    Err(ConnectorError::Status {
        method,
        url: url.to_owned(),
        status,
        body: body.chars().take(ERROR_BODY_CHARS).collect(),
    })
}

/// Percent-encodes a path segment (everything but RFC 3986 unreserved).
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn personal_chat_body_has_the_documented_shape() {
        let chat = super::PersonalChat {
            bot_id: "28:bot",
            user_id: "29:user",
            tenant_id: "tenant",
        };
        assert_eq!(
            chat.body(),
            serde_json::json!({
                "bot": {"id": "28:bot"},
                "members": [{"id": "29:user"}],
                "channelData": {"tenant": {"id": "tenant"}},
                "tenantId": "tenant",
                "isGroup": false,
            })
        );
    }

    #[test]
    fn conversation_ids_are_one_path_segment() {
        assert_eq!(
            super::encode("19:abc@thread.skype;messageid=1"),
            "19%3Aabc%40thread.skype%3Bmessageid%3D1"
        );
    }
}
