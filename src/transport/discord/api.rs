//! The few Discord REST calls supportbot makes: interaction follow-ups and
//! callbacks, and command registration. The API base is configurable so
//! tests point it at a loopback server.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::render;
use crate::model::Attachment;

/// Discord's REST API base.
pub const DEFAULT_API_BASE: &str = "https://discord.com/api/v10";

/// A REST client for one application.
#[derive(Debug, Clone)]
pub struct DiscordApi {
    client: reqwest::Client,
    base: String,
    token: Option<SecretString>,
}

/// A failed REST call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No bot token configured for a call that needs one.
    #[error("SUPPORTBOT_DISCORD_TOKEN is not set")]
    NoToken,
    /// The request did not complete.
    #[error("request to Discord failed: {0}")]
    Transport(#[from] reqwest::Error),
    /// Discord answered with an error status.
    #[error("Discord answered {status}: {body}")]
    Status {
        /// HTTP status.
        status: u16,
        /// Response body (Discord's JSON error), shortened.
        body: String,
    },
}

impl DiscordApi {
    /// A client for `base` (e.g. [`DEFAULT_API_BASE`]), with the bot token
    /// when one is configured (follow-ups do not need it).
    pub fn new(base: &str, token: Option<SecretString>) -> DiscordApi {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!(
                "DiscordBot (https://example.invalid/supportbot, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            .build()
            .unwrap_or_default();
        DiscordApi {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token,
        }
    }

    /// `POST /webhooks/{application_id}/{token}`: a follow-up message.
    pub async fn followup(
        &self,
        application_id: &str,
        token: &str,
        message: &Value,
        file: Option<&Attachment>,
    ) -> Result<(), ApiError> {
        let url = format!("{}/webhooks/{application_id}/{token}", self.base);
        self.post_message(url, message, file).await
    }

    /// `POST /interactions/{id}/{token}/callback`: the initial response to
    /// an interaction received over the gateway.
    pub async fn callback(
        &self,
        id: &str,
        token: &str,
        response: &Value,
        file: Option<&Attachment>,
    ) -> Result<(), ApiError> {
        let url = format!("{}/interactions/{id}/{token}/callback", self.base);
        self.post_message(url, response, file).await
    }

    /// POSTs a message body (JSON, or multipart when a file is attached).
    async fn post_message(
        &self,
        url: String,
        message: &Value,
        file: Option<&Attachment>,
    ) -> Result<(), ApiError> {
        let (content_type, body) = render::encode(message, file);
        let request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        check(request.send().await?).await?;
        Ok(())
    }

    /// `PUT /applications/{id}[/guilds/{guild}]/commands`: replaces the
    /// registered commands; returns how many Discord now has.
    pub async fn put_commands(
        &self,
        application_id: &str,
        guild: Option<&str>,
        commands: &Value,
    ) -> Result<usize, ApiError> {
        let token = self.token.as_ref().ok_or(ApiError::NoToken)?;
        let url = match guild {
            Some(g) => format!(
                "{}/applications/{application_id}/guilds/{g}/commands",
                self.base
            ),
            None => format!("{}/applications/{application_id}/commands", self.base),
        };
        let response = self
            .client
            .put(url)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("Bot {}", token.expose_secret()),
            )
            .json(commands)
            .send()
            .await?;
        let body: Value = check(response).await?.json().await?;
        Ok(body.as_array().map_or(0, Vec::len))
    }
}

async fn check(response: reqwest::Response) -> Result<reqwest::Response, ApiError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.text().await.unwrap_or_default();
    Err(ApiError::Status {
        status: status.as_u16(),
        body: body.chars().take(500).collect(),
    })
}
