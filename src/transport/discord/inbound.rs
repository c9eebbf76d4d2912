//! The one place a Discord event becomes an [`Inbound`]: interactions (HTTP
//! endpoint and gateway alike) and gateway chat messages. The identity is
//! always built by [`identity`] from what Discord signed or delivered.

use chrono::{DateTime, TimeZone, Utc};

use super::payload::{Interaction, PayloadError};
use crate::model::{Evidence, Identity, Inbound, Message, Platform};

/// A Discord identity: the user, the guild (absent in DMs) and the
/// permission evidence auth reads roles from.
pub fn identity(
    user_id: String,
    guild: Option<String>,
    permissions: u64,
    role_ids: Vec<u64>,
) -> Identity {
    Identity {
        platform: Platform::Discord,
        user_id,
        scope: guild,
        evidence: Evidence::Discord {
            permissions,
            role_ids,
        },
    }
}

/// The `Inbound` for `message` from a parsed interaction.
pub fn from_interaction(
    interaction: &Interaction,
    message: Message,
) -> Result<Inbound, PayloadError> {
    let user_id = interaction
        .user_id()
        .ok_or_else(|| {
            PayloadError::Malformed("interaction has neither member.user nor user".into())
        })?
        .to_owned();
    let (permissions, role_ids) = match &interaction.member {
        Some(m) => (
            m.permissions
                .as_ref()
                .map_or(0, |p| parse_permissions(&p.0)),
            m.roles.iter().filter_map(|r| r.0.parse().ok()).collect(),
        ),
        None => (0, Vec::new()),
    };
    let channel = interaction
        .channel_id
        .as_ref()
        .or(interaction.channel.as_ref().map(|c| &c.id))
        .map(|c| c.0.clone());
    Ok(Inbound {
        event_id: interaction.id.0.clone(),
        identity: identity(
            user_id.clone(),
            interaction.guild_id.as_ref().map(|g| g.0.clone()),
            permissions,
            role_ids,
        ),
        conversation: channel.unwrap_or_else(|| format!("dm:{user_id}")),
        locales: interaction.locales(),
        message,
        received_at: snowflake_time(&interaction.id.0).unwrap_or_else(Utc::now),
    })
}

/// A gateway chat message addressed to the bot.
#[derive(Debug, Clone)]
pub struct ChatQuestion {
    /// Message id: the idempotency key.
    pub id: u64,
    /// Author.
    pub author: u64,
    /// Guild, absent in DMs.
    pub guild: Option<u64>,
    /// Channel.
    pub channel: u64,
    /// The author's roles in the guild.
    pub role_ids: Vec<u64>,
    /// The guild's preferred locale, when known.
    pub locales: Vec<String>,
    /// The question, mention removed.
    pub text: String,
}

/// The `Inbound` for a chat message.
pub fn from_chat(msg: ChatQuestion) -> Inbound {
    Inbound {
        event_id: msg.id.to_string(),
        // Chat messages carry no computed permissions.
        identity: identity(
            msg.author.to_string(),
            msg.guild.map(|g| g.to_string()),
            0,
            msg.role_ids,
        ),
        conversation: msg.channel.to_string(),
        locales: msg.locales,
        message: Message::Text(msg.text),
        received_at: Utc::now(),
    }
}

/// Parses a permission bit-set string. Discord sends it as a decimal string
/// that may outgrow 53 bits; values beyond 64 bits keep their low 64 bits,
/// anything unparseable grants nothing.
pub fn parse_permissions(bits: &str) -> u64 {
    bits.trim()
        .parse::<u128>()
        .map(|v| (v & u128::from(u64::MAX)) as u64)
        .unwrap_or(0)
}

/// When a snowflake was created (milliseconds since the Discord epoch in the
/// high 42 bits).
pub fn snowflake_time(id: &str) -> Option<DateTime<Utc>> {
    const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;
    let n: u64 = id.parse().ok()?;
    let ms = i64::try_from(n >> 22).ok()? + DISCORD_EPOCH_MS;
    Utc.timestamp_millis_opt(ms).single()
}
