//! Discord settings: the typed values `serve` and `discord register` use,
//! picked from the environment and the file (flat `discord_*` keys, each
//! also `SUPPORTBOT_DISCORD_*`).

use ed25519_dalek::VerifyingKey;
use secrecy::SecretString;

use super::{ConfigError, FileSettings, Picked, Sources};

/// The path serenity puts after the origin (API version 10).
const API_PATH: &str = "/api/v10";
/// The origin serenity's routes are written with.
const DISCORD_ORIGIN: &str = "https://discord.com";

/// Discord settings. Secrets are wrapped and never printed.
#[derive(Debug, Clone)]
pub struct DiscordSettings {
    /// Bot token (`SUPPORTBOT_DISCORD_TOKEN`; environment or config file
    /// only, never a flag, so it does not show in `ps`).
    pub token: Option<SecretString>,
    /// Application id (`SUPPORTBOT_DISCORD_APPLICATION_ID`).
    pub application_id: Option<String>,
    /// Application public key, given as the 64 hex digits the developer
    /// portal shows (`SUPPORTBOT_DISCORD_PUBLIC_KEY`); the HTTP endpoint
    /// runs when set.
    pub public_key: Option<VerifyingKey>,
    /// REST API base (`SUPPORTBOT_DISCORD_API_BASE`): an http(s) origin,
    /// optionally followed by `/api/v10`.
    pub api_base: ApiBase,
    /// Where `serve` registers the slash commands at start
    /// (`SUPPORTBOT_DISCORD_REGISTER`).
    pub register: Option<RegisterTarget>,
    /// Channels where the gateway bot answers every message
    /// (`SUPPORTBOT_DISCORD_SUPPORT_CHANNELS`, comma-separated ids).
    pub support_channels: Vec<u64>,
    /// The privileged MESSAGE_CONTENT intent is enabled
    /// (`SUPPORTBOT_DISCORD_MESSAGE_CONTENT=true`).
    pub message_content: bool,
    /// Where a handoff ticket opens a private thread for the agents
    /// (`SUPPORTBOT_DISCORD_SUPPORT_CHANNEL_ID`).
    pub support_channel_id: Option<u64>,
    /// The role pinged in that thread, whose members may use `/handoff`
    /// (`SUPPORTBOT_DISCORD_SUPPORT_ROLE_ID`).
    pub support_role_id: Option<u64>,
    /// Users who may use `/handoff` without the role
    /// (`SUPPORTBOT_DISCORD_AGENT_IDS`, comma-separated).
    pub agent_ids: Vec<u64>,
    /// The gateway shards this process runs (`SUPPORTBOT_DISCORD_SHARDS`,
    /// `SUPPORTBOT_DISCORD_TOTAL_SHARDS`); `None`: one connection as before.
    pub shards: Option<super::ShardRange>,
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

/// A Discord REST API base, checked once: what was configured and the
/// origin serenity sends to instead of Discord (`None` for Discord itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBase {
    text: String,
    proxy: Option<String>,
}

impl ApiBase {
    /// Parses a base: an http(s) origin, optionally followed by `/api/v10`.
    pub fn parse(text: &str) -> Result<ApiBase, BadApiBase> {
        Ok(ApiBase {
            proxy: proxy_origin(text)?,
            text: text.trim().to_owned(),
        })
    }

    /// The base as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The origin serenity should send requests to instead of Discord, or
    /// `None` for Discord itself.
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }
}

impl Default for ApiBase {
    fn default() -> ApiBase {
        ApiBase {
            text: DEFAULT_DISCORD_API_BASE.to_owned(),
            proxy: None,
        }
    }
}

impl std::fmt::Display for ApiBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses an application public key as the developer portal shows it (hex).
fn public_key(picked: &Picked) -> Result<VerifyingKey, ConfigError> {
    let bad =
        || picked.invalid("must be the 64 hex digits the developer portal shows as PUBLIC KEY");
    let hex = &picked.value;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let bytes: [u8; 32] = hex::decode(hex)
        .map_err(|_| bad())?
        .try_into()
        .map_err(|_| bad())?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|e| picked.invalid(format!("not an Ed25519 public key ({e})")))
}

pub(super) fn settings(
    src: &Sources<'_>,
    f: &FileSettings,
) -> Result<DiscordSettings, ConfigError> {
    let application_id = src.pick("discord_application_id", f.discord_application_id.clone());
    if let Some(p) = &application_id {
        if !is_snowflake(&p.value) {
            return Err(p.invalid(format!("{:?} is not a Discord id (digits)", p.value)));
        }
    }
    let public_key = src
        .pick("discord_public_key", f.discord_public_key.clone())
        .map(|p| public_key(&p))
        .transpose()?;
    let register = match src.pick("discord_register", f.discord_register.clone()) {
        None => None,
        Some(p) if p.value == "off" => None,
        Some(p) => Some(RegisterTarget::parse(&p.value).ok_or_else(|| {
            p.invalid(format!(
                "{:?} is not `global`, `guild:<id>` or `off`",
                p.value
            ))
        })?),
    };
    let ids = |key: &'static str, value: Option<String>, what: &str| {
        let mut out = Vec::new();
        if let Some(p) = src.pick(key, value) {
            for id in p.value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                match id.parse::<u64>() {
                    Ok(n) if n > 0 && is_snowflake(id) => out.push(n),
                    _ => return Err(p.invalid(format!("{id:?} is not a {what} id"))),
                }
            }
        }
        Ok(out)
    };
    let support_channels = ids(
        "discord_support_channels",
        f.discord_support_channels.clone(),
        "channel",
    )?;
    let one = |key: &'static str, value: Option<String>, what: &str| match src.pick(key, value) {
        None => Ok(None),
        Some(p) => match p.value.parse::<u64>() {
            Ok(n) if n > 0 && is_snowflake(&p.value) => Ok(Some(n)),
            _ => Err(p.invalid(format!("{:?} is not a {what} id", p.value))),
        },
    };
    let support_channel_id = one(
        "discord_support_channel_id",
        f.discord_support_channel_id.clone(),
        "channel",
    )?;
    let support_role_id = one(
        "discord_support_role_id",
        f.discord_support_role_id.clone(),
        "role",
    )?;
    let agent_ids = ids("discord_agent_ids", f.discord_agent_ids.clone(), "user")?;
    let message_content =
        match src.pick("discord_message_content", f.discord_message_content.clone()) {
            None => false,
            Some(p) => match p.value.as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                other => return Err(p.invalid(format!("{other:?} is not true or false"))),
            },
        };
    // serenity can only send to another origin, so refuse now what would
    // otherwise fail on the first REST call.
    let api_base = match src.pick("discord_api_base", f.discord_api_base.clone()) {
        None => ApiBase::default(),
        Some(p) => ApiBase::parse(&p.value).map_err(|e| p.invalid(e.to_string()))?,
    };
    let shards = super::shards::shards(
        src,
        super::http::scalar(&f.discord_shards),
        super::http::scalar(&f.discord_total_shards),
    )?;
    Ok(DiscordSettings {
        shards,
        api_base,
        support_channels,
        message_content,
        support_channel_id,
        support_role_id,
        agent_ids,
        token: src
            .pick("discord_token", f.discord_token.clone())
            .map(|p| SecretString::from(p.value)),
        application_id: application_id.map(|p| p.value),
        public_key,
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
