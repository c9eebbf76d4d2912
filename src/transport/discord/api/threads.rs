//! The support desk's thread calls: creating a private thread, adding the
//! user, and finding a ticket's thread again by its name. The lookup is what
//! lets any instance (or the same one after a restart) post a claim into the
//! thread another opened: Discord is the record of which thread is whose.

use serde_json::Value;
use serenity::all::{ChannelId, GuildId, LightMethod, Request, Route, UserId};

use super::{failed, snowflake, ApiError, DiscordApi};

/// Channel type of a private thread.
const PRIVATE_THREAD: u8 = 12;

impl DiscordApi {
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
        id_of(&created["id"]).ok_or_else(|| ApiError::Status {
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

    /// The guild a channel belongs to (`GET /channels/{channel}`).
    pub async fn guild_of(&self, channel: u64) -> Result<u64, ApiError> {
        const CALL: &str = "channel lookup";
        let channel_id: ChannelId = snowflake("channel id", &channel.to_string())?;
        let found = self
            .get(
                CALL,
                Request::new(Route::Channel { channel_id }, LightMethod::Get),
            )
            .await?;
        id_of(&found["guild_id"]).ok_or_else(|| ApiError::Status {
            call: CALL,
            status: 200,
            message: format!("channel {channel} is not in a server"),
        })
    }

    /// The thread under `channel` in `guild` whose name starts with
    /// `prefix`: the active ones first, then the most recently archived
    /// private ones (Discord archives a quiet thread after a day; posting
    /// to it reopens it).
    pub async fn find_thread(
        &self,
        guild: u64,
        channel: u64,
        prefix: &str,
    ) -> Result<Option<u64>, ApiError> {
        const CALL: &str = "thread lookup";
        let guild_id: GuildId = snowflake("guild id", &guild.to_string())?;
        let channel_id: ChannelId = snowflake("channel id", &channel.to_string())?;
        let active = self
            .get(
                CALL,
                Request::new(Route::GuildThreadsActive { guild_id }, LightMethod::Get),
            )
            .await?;
        if let Some(t) = named(&active, channel, prefix) {
            return Ok(Some(t));
        }
        let archived = self
            .get(
                CALL,
                Request::new(
                    Route::ChannelArchivedPrivateThreads { channel_id },
                    LightMethod::Get,
                )
                .params(Some(vec![("limit", "100".to_owned())])),
            )
            .await?;
        Ok(named(&archived, channel, prefix))
    }

    /// A GET read leniently as JSON (serenity's channel models are
    /// stricter than what every Discord-compatible server sends).
    async fn get(&self, call: &'static str, request: Request<'_>) -> Result<Value, ApiError> {
        if !self.has_token {
            return Err(ApiError::NoToken);
        }
        self.http.fire(request).await.map_err(|e| failed(call, e))
    }
}

/// A snowflake sent as a string (or, by lenient servers, a number).
fn id_of(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .filter(|n| *n > 0)
}

/// The first thread of a `{"threads": [...]}` list under `channel` named
/// with `prefix`.
fn named(list: &Value, channel: u64, prefix: &str) -> Option<u64> {
    list["threads"].as_array()?.iter().find_map(|t| {
        let under = id_of(&t["parent_id"]) == Some(channel);
        let name = t["name"].as_str().unwrap_or_default();
        (under && name.starts_with(prefix))
            .then(|| id_of(&t["id"]))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_thread_is_found_by_its_ticket_prefix_under_its_channel_only() {
        let list = json!({ "threads": [
            { "id": "5", "parent_id": "9", "name": "H-10 · asked for a person" },
            { "id": "6", "parent_id": "8", "name": "H-1 · asked for a person" },
            { "id": "7", "parent_id": "9", "name": "H-1 · asked for a person" },
        ]});
        assert_eq!(named(&list, 9, "H-1 ·"), Some(7));
        assert_eq!(named(&list, 9, "H-2 ·"), None);
        assert_eq!(named(&json!({}), 9, "H-1 ·"), None);
        assert_eq!(id_of(&json!(12)), Some(12));
        assert_eq!(id_of(&json!("0")), None);
    }
}
