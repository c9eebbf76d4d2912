//! Microsoft Teams settings: the `[teams]` table, its `SUPPORTBOT_TEAMS_*`
//! variables and the typed values the Teams transport uses.

use secrecy::{SecretSlice, SecretString};
use serde::Deserialize;

use super::{ConfigError, Sources};

/// The `[teams]` table of the config file; each key `k` is also the
/// variable `SUPPORTBOT_TEAMS_K`, which wins.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamsFile {
    /// Microsoft App ID of the bot (`SUPPORTBOT_TEAMS_APP_ID`).
    pub app_id: Option<String>,
    /// Client secret of the bot (`SUPPORTBOT_TEAMS_APP_PASSWORD`).
    pub app_password: Option<String>,
    /// Outgoing-webhook security token, base64 as Teams shows it
    /// (`SUPPORTBOT_TEAMS_WEBHOOK_SECRET`).
    pub webhook_secret: Option<String>,
    /// OpenID metadata URL for inbound JWTs (`SUPPORTBOT_TEAMS_OPENID_METADATA`).
    pub openid_metadata: Option<String>,
    /// Expected JWT issuer (`SUPPORTBOT_TEAMS_ISSUER`).
    pub issuer: Option<String>,
    /// OAuth token endpoint for replies (`SUPPORTBOT_TEAMS_TOKEN_URL`).
    pub token_url: Option<String>,
    /// OAuth scope for replies (`SUPPORTBOT_TEAMS_SCOPE`).
    pub scope: Option<String>,
    /// Conversation (a channel's or group chat's id) where handoff tickets
    /// from Teams are posted as cards (`SUPPORTBOT_TEAMS_AGENTS_CONVERSATION_ID`).
    pub agents_conversation_id: Option<String>,
    /// Bot Connector service URL of that conversation
    /// (`SUPPORTBOT_TEAMS_AGENTS_SERVICE_URL`), e.g.
    /// `https://smba.trafficmanager.net/emea/`.
    pub agents_service_url: Option<String>,
    /// Entra object ids (comma-separated) of the Teams users who may Claim
    /// and Resolve from the card (`SUPPORTBOT_TEAMS_AGENT_IDS`).
    pub agent_ids: Option<String>,
}

/// Default OpenID metadata of the Bot Framework channel service.
pub const DEFAULT_TEAMS_OPENID_METADATA: &str =
    "https://login.botframework.com/v1/.well-known/openidconfiguration";
/// Default issuer of Bot Framework channel tokens.
pub const DEFAULT_TEAMS_ISSUER: &str = "https://api.botframework.com";
/// Default token endpoint of multi-tenant bots.
pub const DEFAULT_TEAMS_TOKEN_URL: &str =
    "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token";
/// Default scope of Bot Connector tokens.
pub const DEFAULT_TEAMS_SCOPE: &str = "https://api.botframework.com/.default";

/// Microsoft Teams settings; each part is off when its settings are absent.
#[derive(Debug, Clone, Default)]
pub struct TeamsSettings {
    /// The Bot Framework bot (`POST /api/messages`), when an app id and
    /// password are set.
    pub bot: Option<TeamsBotSettings>,
    /// The decoded outgoing-webhook key (`POST /teams/webhook`), when set.
    pub webhook_key: Option<SecretSlice<u8>>,
}

/// Settings of the Teams bot.
#[derive(Debug, Clone)]
pub struct TeamsBotSettings {
    /// Microsoft App ID: the audience of inbound tokens and the client id
    /// of outbound ones.
    pub app_id: String,
    /// Client secret.
    pub app_password: SecretString,
    /// OpenID metadata URL whose `jwks_uri` holds the signing keys.
    pub openid_metadata: String,
    /// Expected issuer of inbound tokens.
    pub issuer: String,
    /// OAuth token endpoint (client credentials).
    pub token_url: String,
    /// OAuth scope.
    pub scope: String,
    /// Where handoff tickets are posted for the agents, when configured.
    pub agents: Option<TeamsAgentsChannel>,
    /// Entra object ids of the agents (lowercase).
    pub agent_ids: Vec<String>,
}

/// The agents' conversation of the Teams bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamsAgentsChannel {
    /// Conversation id.
    pub conversation_id: String,
    /// Its Bot Connector service URL.
    pub service_url: String,
}

pub(super) fn settings(src: &Sources<'_>, file: TeamsFile) -> Result<TeamsSettings, ConfigError> {
    use base64::Engine as _;
    let webhook_key = match src.pick("teams.webhook_secret", file.webhook_secret) {
        None => None,
        Some(p) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&p.value)
                .map_err(|e| {
                    p.invalid(format!(
                        "not base64 ({e}); paste the security token exactly as Teams shows it"
                    ))
                })?;
            if bytes.is_empty() {
                return Err(p.invalid("decodes to an empty key"));
            }
            Some(SecretSlice::from(bytes))
        }
    };
    let app_id = src.pick("teams.app_id", file.app_id);
    let password = src.pick("teams.app_password", file.app_password);
    let missing = |key: &str, set: &str| ConfigError::Invalid {
        key: super::env_name(key),
        message: format!("missing, but {set} is set; the Teams bot needs both"),
    };
    let bot = match (app_id, password) {
        (None, None) => None,
        (Some(id), None) => return Err(missing("teams.app_password", &id.name)),
        (None, Some(pw)) => return Err(missing("teams.app_id", &pw.name)),
        (Some(app_id), Some(password)) => {
            let or = |key, value, default: &str| {
                src.pick(key, value)
                    .map_or_else(|| default.to_owned(), |p| p.value)
            };
            Some(TeamsBotSettings {
                app_id: app_id.value,
                app_password: SecretString::from(password.value),
                openid_metadata: or(
                    "teams.openid_metadata",
                    file.openid_metadata,
                    DEFAULT_TEAMS_OPENID_METADATA,
                ),
                issuer: or("teams.issuer", file.issuer, DEFAULT_TEAMS_ISSUER),
                token_url: or("teams.token_url", file.token_url, DEFAULT_TEAMS_TOKEN_URL),
                scope: or("teams.scope", file.scope, DEFAULT_TEAMS_SCOPE),
                agents: agents_channel(src, file.agents_conversation_id, file.agents_service_url)?,
                agent_ids: src
                    .pick("teams.agent_ids", file.agent_ids)
                    .map(|p| {
                        p.value
                            .split(',')
                            .map(|a| a.trim().to_ascii_lowercase())
                            .filter(|a| !a.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        }
    };
    Ok(TeamsSettings { bot, webhook_key })
}

fn agents_channel(
    src: &Sources<'_>,
    conversation: Option<String>,
    service_url: Option<String>,
) -> Result<Option<TeamsAgentsChannel>, ConfigError> {
    let conversation = src.pick("teams.agents_conversation_id", conversation);
    let service_url = src.pick("teams.agents_service_url", service_url);
    match (conversation, service_url) {
        (None, None) => Ok(None),
        (Some(c), None) => Err(ConfigError::Invalid {
            key: super::env_name("teams.agents_service_url"),
            message: format!(
                "missing, but {} is set; the bot needs both to post there",
                c.name
            ),
        }),
        (None, Some(u)) => Err(ConfigError::Invalid {
            key: super::env_name("teams.agents_conversation_id"),
            message: format!("missing, but {} is set", u.name),
        }),
        (Some(c), Some(u)) => {
            if !(u.value.starts_with("https://") || u.value.starts_with("http://")) {
                return Err(u.invalid(format!("{:?} is not an http(s) URL", u.value)));
            }
            Ok(Some(TeamsAgentsChannel {
                conversation_id: c.value,
                service_url: u.value,
            }))
        }
    }
}
