//! Microsoft Teams settings: the `[teams]` table, its `SUPPORTBOT_TEAMS_*`
//! variables and the typed values the Teams transport uses.

use serde::Deserialize;

use super::{ConfigError, Secret, SecretBytes};

/// The `[teams]` table of the config file; each key is also a
/// `SUPPORTBOT_TEAMS_*` variable, which wins.
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
    pub webhook_key: Option<SecretBytes>,
}

/// Settings of the Teams bot.
#[derive(Debug, Clone)]
pub struct TeamsBotSettings {
    /// Microsoft App ID: the audience of inbound tokens and the client id
    /// of outbound ones.
    pub app_id: String,
    /// Client secret.
    pub app_password: Secret,
    /// OpenID metadata URL whose `jwks_uri` holds the signing keys.
    pub openid_metadata: String,
    /// Expected issuer of inbound tokens.
    pub issuer: String,
    /// OAuth token endpoint (client credentials).
    pub token_url: String,
    /// OAuth scope.
    pub scope: String,
}

/// Picks a Teams value: the environment variable wins over the file key;
/// empty values count as absent. Returns the value and the name to blame.
fn pick_env(
    env: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
    file: Option<String>,
    key: &'static str,
) -> Option<(String, &'static str)> {
    let present = |v: &String| !v.trim().is_empty();
    env(var)
        .filter(present)
        .map(|v| (v, var))
        .or(file.filter(present).map(|v| (v, key)))
}

pub(super) fn teams_settings(
    file: TeamsFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<TeamsSettings, ConfigError> {
    use base64::Engine as _;
    let webhook_key = match pick_env(
        env,
        "SUPPORTBOT_TEAMS_WEBHOOK_SECRET",
        file.webhook_secret,
        "teams.webhook_secret",
    ) {
        None => None,
        Some((value, name)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(value.trim())
                .map_err(|e| ConfigError::Invalid {
                    key: name.to_owned(),
                    message: format!(
                        "not base64 ({e}); paste the security token exactly as Teams shows it"
                    ),
                })?;
            if bytes.is_empty() {
                return Err(ConfigError::Invalid {
                    key: name.to_owned(),
                    message: "decodes to an empty key".into(),
                });
            }
            Some(SecretBytes::new(bytes))
        }
    };
    let app_id = pick_env(env, "SUPPORTBOT_TEAMS_APP_ID", file.app_id, "teams.app_id");
    let password = pick_env(
        env,
        "SUPPORTBOT_TEAMS_APP_PASSWORD",
        file.app_password,
        "teams.app_password",
    );
    let bot = match (app_id, password) {
        (None, None) => None,
        (Some((_, name)), None) => {
            return Err(ConfigError::Invalid {
                key: "SUPPORTBOT_TEAMS_APP_PASSWORD".into(),
                message: format!("missing, but {name} is set; the Teams bot needs both"),
            })
        }
        (None, Some((_, name))) => {
            return Err(ConfigError::Invalid {
                key: "SUPPORTBOT_TEAMS_APP_ID".into(),
                message: format!("missing, but {name} is set; the Teams bot needs both"),
            })
        }
        (Some((app_id, _)), Some((password, _))) => {
            let or = |var, value: Option<String>, key, default: &str| {
                pick_env(env, var, value, key).map_or_else(|| default.to_owned(), |(v, _)| v)
            };
            Some(TeamsBotSettings {
                app_id: app_id.trim().to_owned(),
                app_password: Secret::new(password),
                openid_metadata: or(
                    "SUPPORTBOT_TEAMS_OPENID_METADATA",
                    file.openid_metadata,
                    "teams.openid_metadata",
                    DEFAULT_TEAMS_OPENID_METADATA,
                ),
                issuer: or(
                    "SUPPORTBOT_TEAMS_ISSUER",
                    file.issuer,
                    "teams.issuer",
                    DEFAULT_TEAMS_ISSUER,
                ),
                token_url: or(
                    "SUPPORTBOT_TEAMS_TOKEN_URL",
                    file.token_url,
                    "teams.token_url",
                    DEFAULT_TEAMS_TOKEN_URL,
                ),
                scope: or(
                    "SUPPORTBOT_TEAMS_SCOPE",
                    file.scope,
                    "teams.scope",
                    DEFAULT_TEAMS_SCOPE,
                ),
            })
        }
    };
    Ok(TeamsSettings { bot, webhook_key })
}
