//! Discord settings: the typed values `serve` and `register-commands` use,
//! and how they are picked from flags, environment and file.

use secrecy::SecretString;

use super::{pick, ConfigError, FileSettings, Overrides};

/// The path serenity puts after the origin (API version 10).
const API_PATH: &str = "/api/v10";
/// The origin serenity's routes are written with.
const DISCORD_ORIGIN: &str = "https://discord.com";

/// Discord settings. Secrets are wrapped and never printed.
#[derive(Debug, Clone)]
pub struct DiscordSettings {
    /// Bot token (`SUPPORTBOT_DISCORD_TOKEN`).
    pub token: Option<SecretString>,
    /// Application id (`SUPPORTBOT_DISCORD_APPLICATION_ID`).
    pub application_id: Option<String>,
    /// Application public key as 64 hex digits
    /// (`SUPPORTBOT_DISCORD_PUBLIC_KEY`); the HTTP endpoint runs when set.
    pub public_key: Option<String>,
    /// REST API base (`SUPPORTBOT_DISCORD_API_BASE`): an http(s) origin,
    /// optionally followed by `/api/v10`.
    pub api_base: String,
    /// Where `serve` registers the slash commands at start
    /// (`SUPPORTBOT_DISCORD_REGISTER`).
    pub register: Option<RegisterTarget>,
    /// Channels where the gateway bot answers every message
    /// (`SUPPORTBOT_DISCORD_SUPPORT_CHANNELS`, comma-separated ids).
    pub support_channels: Vec<u64>,
    /// The privileged MESSAGE_CONTENT intent is enabled
    /// (`SUPPORTBOT_DISCORD_MESSAGE_CONTENT=true`).
    pub message_content: bool,
}

/// Default Discord REST API base.
pub const DEFAULT_DISCORD_API_BASE: &str = "https://discord.com/api/v10";

/// Where slash commands are registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterTarget {
    /// For every guild (takes up to an hour to show up).
    Global,
    /// For one guild (immediate).
    Guild(String),
}

impl RegisterTarget {
    /// Parses `global` or `guild:<id>`.
    pub fn parse(text: &str) -> Option<RegisterTarget> {
        match text.trim() {
            "global" => Some(RegisterTarget::Global),
            t => t
                .strip_prefix("guild:")
                .filter(|id| is_snowflake(id))
                .map(|id| RegisterTarget::Guild(id.to_owned())),
        }
    }
}

fn is_snowflake(text: &str) -> bool {
    !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit())
}

pub(super) fn discord_settings(
    o: &Overrides,
    f: &FileSettings,
) -> Result<DiscordSettings, ConfigError> {
    let invalid = |key: &str, message: String| ConfigError::Invalid {
        key: key.to_owned(),
        message,
    };
    let application_id = pick(
        &o.discord_application_id,
        "SUPPORTBOT_DISCORD_APPLICATION_ID",
        &f.discord_application_id,
        "discord_application_id",
    );
    if let Some((key, id)) = &application_id {
        if !is_snowflake(id.trim()) {
            return Err(invalid(key, format!("{id:?} is not a Discord id (digits)")));
        }
    }
    let public_key = pick(
        &o.discord_public_key,
        "SUPPORTBOT_DISCORD_PUBLIC_KEY",
        &f.discord_public_key,
        "discord_public_key",
    );
    if let Some((key, hex)) = &public_key {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                key,
                "must be the 64 hex digits the developer portal shows as PUBLIC KEY".into(),
            ));
        }
    }
    let register = match pick(
        &o.discord_register,
        "SUPPORTBOT_DISCORD_REGISTER",
        &f.discord_register,
        "discord_register",
    ) {
        None => None,
        Some((_, v)) if v.trim() == "off" => None,
        Some((key, v)) => Some(RegisterTarget::parse(&v).ok_or_else(|| {
            invalid(key, format!("{v:?} is not `global`, `guild:<id>` or `off`"))
        })?),
    };
    let mut support_channels = Vec::new();
    if let Some((key, list)) = pick(
        &o.discord_support_channels,
        "SUPPORTBOT_DISCORD_SUPPORT_CHANNELS",
        &f.discord_support_channels,
        "discord_support_channels",
    ) {
        for id in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            support_channels.push(
                id.parse()
                    .map_err(|_| invalid(key, format!("{id:?} is not a channel id")))?,
            );
        }
    }
    let message_content = match pick(
        &o.discord_message_content,
        "SUPPORTBOT_DISCORD_MESSAGE_CONTENT",
        &f.discord_message_content,
        "discord_message_content",
    ) {
        None => false,
        Some((key, v)) => match v.trim() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            other => return Err(invalid(key, format!("{other:?} is not true or false"))),
        },
    };
    let api_base = match pick(
        &o.discord_api_base,
        "SUPPORTBOT_DISCORD_API_BASE",
        &f.discord_api_base,
        "discord_api_base",
    ) {
        None => DEFAULT_DISCORD_API_BASE.to_owned(),
        Some((key, v)) => {
            // serenity can only send to another origin, so refuse now what
            // would otherwise fail on the first REST call.
            proxy_origin(&v).map_err(|e| invalid(key, e.to_string()))?;
            v.trim().to_owned()
        }
    };
    Ok(DiscordSettings {
        api_base,
        support_channels,
        message_content,
        token: pick(
            &o.discord_token,
            "SUPPORTBOT_DISCORD_TOKEN",
            &f.discord_token,
            "discord_token",
        )
        .map(|(_, t)| SecretString::from(t.trim().to_owned())),
        application_id: application_id.map(|(_, v)| v.trim().to_owned()),
        public_key: public_key.map(|(_, v)| v.trim().to_ascii_lowercase()),
        register,
    })
}

/// A `SUPPORTBOT_DISCORD_API_BASE` serenity cannot use.
#[derive(Debug, thiserror::Error)]
#[error(
    "Discord API base {0:?} must be an http(s) origin, optionally followed by {API_PATH} \
     (e.g. {DEFAULT_DISCORD_API_BASE} or http://127.0.0.1:8081)"
)]
pub struct BadApiBase(String);

/// The origin serenity should send requests to instead of Discord, or
/// `None` for Discord itself.
pub fn proxy_origin(api_base: &str) -> Result<Option<String>, BadApiBase> {
    let bad = || BadApiBase(api_base.to_owned());
    let trimmed = api_base.trim().trim_end_matches('/');
    let origin = trimmed.strip_suffix(API_PATH).unwrap_or(trimmed);
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(bad)?;
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
        return Err(bad());
    }
    Ok((origin != DISCORD_ORIGIN).then(|| origin.to_owned()))
}
