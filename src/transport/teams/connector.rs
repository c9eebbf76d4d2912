//! Outbound Bot Connector calls: a client-credentials token (cached until
//! shortly before it expires) and `POST …/v3/conversations/{id}/activities`.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::config::{Secret, TeamsBotSettings};

/// Tokens are renewed this long before they expire.
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);

/// Sends replies to the Bot Connector service.
pub struct Connector {
    http: reqwest::Client,
    token_url: String,
    scope: String,
    app_id: String,
    password: Secret,
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

    async fn bearer(&self) -> anyhow::Result<String> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let response: Value = self
            .http
            .post(&self.token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.app_id.as_str()),
                ("client_secret", self.password.expose()),
                ("scope", self.scope.as_str()),
            ])
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| anyhow::anyhow!("token request to {}: {e}", self.token_url))?
            .json()
            .await?;
        let token = response
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow::anyhow!("token response without access_token"))?
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

    /// Posts `activity` into the conversation, as a reply to `reply_to`
    /// when given. A 401 renews the token and tries once more.
    pub async fn send(
        &self,
        service_url: &str,
        conversation_id: &str,
        reply_to: Option<&str>,
        activity: &Value,
    ) -> anyhow::Result<()> {
        let mut url = format!(
            "{}/v3/conversations/{}/activities",
            service_url.trim_end_matches('/'),
            encode(conversation_id)
        );
        if let Some(id) = reply_to.filter(|id| !id.is_empty()) {
            url.push('/');
            url.push_str(&encode(id));
        }
        for attempt in 0..2 {
            let token = self.bearer().await?;
            let response = self
                .http
                .post(&url)
                .bearer_auth(token)
                .json(activity)
                .send()
                .await?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED && attempt == 0 {
                tracing::warn!("Bot Connector refused our token; renewing it");
                *self.token.lock().await = None;
                continue;
            }
            response
                .error_for_status()
                .map_err(|e| anyhow::anyhow!("POST {url}: {e}"))?;
            return Ok(());
        }
        anyhow::bail!("POST {url}: refused our token twice")
    }
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
    fn conversation_ids_are_one_path_segment() {
        assert_eq!(
            super::encode("19:abc@thread.skype;messageid=1"),
            "19%3Aabc%40thread.skype%3Bmessageid%3D1"
        );
    }
}
