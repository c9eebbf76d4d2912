//! The few Discord REST calls supportbot makes itself: interaction
//! callbacks and follow-ups, and command registration. They go through
//! serenity's HTTP client (the gateway bot's too), so request building,
//! multipart attachments and Discord's error bodies are handled in one place.
//!
//! The API base is configurable so tests point it at a loopback server.
//! serenity builds every URL as `https://discord.com/api/v10/…` and its
//! `proxy` setting only swaps the `https://discord.com` origin, so a base is
//! an origin optionally followed by `/api/v10`; anything else is refused.

use std::num::NonZeroU64;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use serenity::all::{
    ApplicationId, ChannelId, CreateAttachment, GuildId, Http, HttpBuilder, HttpError,
    InteractionId, LightMethod, Request, Route, UserId,
};

use crate::config::ApiBase;
use crate::model::Attachment;

/// A REST call that takes longer has failed (Discord's interaction tokens
/// and the user's patience are both short).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Channel type of a private thread.
const PRIVATE_THREAD: u8 = 12;

/// A REST client for one application.
#[derive(Clone)]
pub struct DiscordApi {
    http: Arc<Http>,
    has_token: bool,
}

impl std::fmt::Debug for DiscordApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token, not even wrapped.
        f.debug_struct("DiscordApi")
            .field("proxy", &self.http.proxy)
            .field("has_token", &self.has_token)
            .finish()
    }
}

/// A failed REST call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No bot token configured for a call that needs one.
    #[error("SUPPORTBOT_DISCORD_TOKEN is not set")]
    NoToken,
    /// An id that is not a (non-zero) snowflake.
    #[error("{what} {value:?} is not a Discord id")]
    BadId {
        /// Which id.
        what: &'static str,
        /// What was given.
        value: String,
    },
    /// The request did not complete, or Discord's answer was not understood.
    #[error("{call} failed: {source}")]
    Request {
        /// Which call.
        call: &'static str,
        /// serenity's error.
        #[source]
        source: Box<serenity::Error>,
    },
    /// Discord answered with an error status.
    #[error("{call}: Discord answered {status}: {message}")]
    Status {
        /// Which call.
        call: &'static str,
        /// HTTP status.
        status: u16,
        /// Discord's error message (and code), shortened.
        message: String,
    },
}

/// serenity's HTTP client for `api_base`, authenticated with `token` when
/// there is one.
///
/// Through a proxy origin serenity's own rate limiter must be off: it sends
/// its requests to Discord directly, ignoring the proxy (serenity 0.12).
pub fn http_builder(api_base: &ApiBase, token: Option<&SecretString>) -> HttpBuilder {
    // Without a token serenity still sends `Authorization: Bot ` (empty);
    // the routes used without one (interaction callbacks and follow-ups)
    // are authorised by the interaction token in the path.
    let mut builder = HttpBuilder::new(token.map_or("", |t| t.expose_secret()));
    match reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(REQUEST_TIMEOUT)
        .build()
    {
        Ok(client) => builder = builder.client(client),
        // serenity's default client (no timeout) is still a working client.
        Err(e) => tracing::warn!(error = %e, "Discord HTTP client without a timeout"),
    }
    if let Some(origin) = api_base.proxy() {
        builder = builder.proxy(origin).ratelimiter_disabled(true);
    }
    builder
}

impl DiscordApi {
    /// A client for `base` (e.g. [`DEFAULT_DISCORD_API_BASE`](crate::config::DEFAULT_DISCORD_API_BASE)), with the bot token
    /// when one is configured (callbacks and follow-ups do not need it).
    pub fn new(base: &ApiBase, token: Option<SecretString>) -> DiscordApi {
        let http = http_builder(base, token.as_ref()).build();
        DiscordApi {
            http: Arc::new(http),
            has_token: token.is_some(),
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
        const CALL: &str = "interaction follow-up";
        self.use_application(application_id)?;
        self.http
            .create_followup_message(token, message, files(message, file))
            .await
            .map_err(|e| failed(CALL, e))?;
        Ok(())
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
        const CALL: &str = "interaction callback";
        let id: InteractionId = snowflake("interaction id", id)?;
        self.http
            .create_interaction_response(id, token, response, files(response, file))
            .await
            .map_err(|e| failed(CALL, e))
    }

    /// `PUT /applications/{id}[/guilds/{guild}]/commands`: replaces the
    /// registered commands; returns how many Discord now has.
    pub async fn put_commands(
        &self,
        application_id: &str,
        guild: Option<&str>,
        commands: &Value,
    ) -> Result<usize, ApiError> {
        const CALL: &str = "command registration";
        if !self.has_token {
            return Err(ApiError::NoToken);
        }
        self.use_application(application_id)?;
        let registered = match guild {
            Some(g) => {
                let guild: GuildId = snowflake("guild id", g)?;
                self.http.create_guild_commands(guild, commands).await
            }
            None => self.http.create_global_commands(commands).await,
        }
        .map_err(|e| failed(CALL, e))?;
        Ok(registered.len())
    }

    /// `POST /channels/{channel}/threads` (type 12): a private thread
    /// nobody but its members and moderators sees; returns its id.
    pub async fn create_private_thread(&self, channel: u64, name: &str) -> Result<u64, ApiError> {
        const CALL: &str = "thread creation";
        if !self.has_token {
            return Err(ApiError::NoToken);
        }
        let channel: ChannelId = snowflake("channel id", &channel.to_string())?;
        let body = serde_json::json!({
            "name": name,
            "type": PRIVATE_THREAD,
            "invitable": false,
            "auto_archive_duration": 1440,
        });
        // Read leniently: only the id matters, and serenity's channel model
        // is stricter than what every Discord-compatible server sends.
        let created: Value = self
            .http
            .fire(
                Request::new(
                    Route::ChannelThreads {
                        channel_id: channel,
                    },
                    LightMethod::Post,
                )
                .body(Some(body.to_string().into_bytes())),
            )
            .await
            .map_err(|e| failed(CALL, e))?;
        let id = match &created["id"] {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        };
        id.filter(|n| *n > 0).ok_or_else(|| ApiError::Status {
            call: CALL,
            status: 200,
            message: "the created thread has no id".into(),
        })
    }

    /// `PUT /channels/{thread}/thread-members/{user}`.
    pub async fn add_thread_member(&self, thread: u64, user: &str) -> Result<(), ApiError> {
        const CALL: &str = "thread member add";
        if !self.has_token {
            return Err(ApiError::NoToken);
        }
        let thread: ChannelId = snowflake("thread id", &thread.to_string())?;
        let user: UserId = snowflake("user id", user)?;
        self.http
            .add_thread_channel_member(thread, user)
            .await
            .map_err(|e| failed(CALL, e))
    }

    /// `POST /channels/{channel}/messages` with a JSON message body.
    pub async fn post_message(&self, channel: u64, message: &Value) -> Result<(), ApiError> {
        const CALL: &str = "channel message";
        if !self.has_token {
            return Err(ApiError::NoToken);
        }
        let channel: ChannelId = snowflake("channel id", &channel.to_string())?;
        self.http
            .send_message(channel, Vec::new(), message)
            .await
            .map_err(|e| failed(CALL, e))?;
        Ok(())
    }

    /// serenity takes the application id from the client, not the call. One
    /// process serves one application, so setting it is idempotent.
    fn use_application(&self, application_id: &str) -> Result<(), ApiError> {
        let id: ApplicationId = snowflake("application id", application_id)?;
        if self.http.application_id() != Some(id) {
            self.http.set_application_id(id);
        }
        Ok(())
    }
}

/// Parses a snowflake; zero is refused (serenity's ids panic on it).
fn snowflake<T: From<NonZeroU64>>(what: &'static str, value: &str) -> Result<T, ApiError> {
    value
        .trim()
        .parse::<NonZeroU64>()
        .map(T::from)
        .map_err(|_| ApiError::BadId {
            what,
            value: value.to_owned(),
        })
}

/// The file to upload with `body`, when the body declares it (a message's
/// `attachments`, or a response's `data.attachments`).
fn files(body: &Value, file: Option<&Attachment>) -> Vec<CreateAttachment> {
    let declared =
        body.pointer("/attachments").is_some() || body.pointer("/data/attachments").is_some();
    match file {
        Some(f) if declared => vec![CreateAttachment::bytes(
            f.text.as_bytes(),
            f.filename.clone(),
        )],
        _ => Vec::new(),
    }
}

fn failed(call: &'static str, error: serenity::Error) -> ApiError {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => ApiError::Status {
            call,
            status: response.status_code.as_u16(),
            message: format!(
                "{} (code {})",
                response.error.message.chars().take(500).collect::<String>(),
                response.error.code
            ),
        },
        other => ApiError::Request {
            call,
            source: Box::new(other),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_non_zero_snowflakes() {
        assert!(snowflake::<ApplicationId>("application id", "42").is_ok());
        for bad in ["0", "", "abc", "-1"] {
            let err = snowflake::<ApplicationId>("application id", bad).expect_err(bad);
            assert!(err.to_string().contains("application id"), "{err}");
        }
    }

    #[test]
    fn files_go_only_with_bodies_that_declare_them() {
        let file = Attachment {
            filename: "acme-export.json".into(),
            content_type: "application/json".into(),
            text: "{}".into(),
        };
        let declared = serde_json::json!({ "attachments": [{ "id": 0 }] });
        assert_eq!(files(&declared, Some(&file)).len(), 1);
        let response = serde_json::json!({ "type": 4, "data": { "attachments": [] } });
        assert_eq!(files(&response, Some(&file)).len(), 1);
        assert!(files(&serde_json::json!({ "content": "hi" }), Some(&file)).is_empty());
        assert!(files(&declared, None).is_empty());
    }
}
