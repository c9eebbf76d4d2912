//! Settings, read once at start from an optional TOML file and
//! `SUPPORTBOT_*` environment variables (command-line flags win, then the
//! environment, then the file, then defaults). Nothing below `main` and this
//! module reads the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

/// Default data directory (relative to the working directory).
pub const DEFAULT_DATA_DIR: &str = "./data";
/// Default HTTP listen address of `serve`.
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8080";

/// The config file, all keys optional. Unknown keys are errors.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Where the database lives.
    pub data_dir: Option<PathBuf>,
    /// `serve` listen address.
    pub http_addr: Option<String>,
    /// Rules, locales and answers directory; the embedded copy when unset.
    pub intents_dir: Option<PathBuf>,
    /// Imported articles; `<data_dir>/articles` when unset.
    pub articles_dir: Option<PathBuf>,
    /// Lifecycle policy (disabled days, grace, seat limit, per-country
    /// overrides, refund rules); built-in defaults when unset.
    pub policy_file: Option<PathBuf>,
    /// Who administers what: support agents, Discord admin roles, Teams
    /// admins.
    #[serde(default)]
    pub auth: crate::auth::AuthConfig,
    /// Discord bot token (gateway, command registration).
    pub discord_token: Option<String>,
    /// Discord application id (a snowflake).
    pub discord_application_id: Option<String>,
    /// Discord application public key, hex; turns on `POST /discord/interactions`.
    pub discord_public_key: Option<String>,
    /// Discord REST API base.
    pub discord_api_base: Option<String>,
    /// Register slash commands when `serve` starts: `global` or `guild:<id>`.
    pub discord_register: Option<String>,
    /// Channel ids (comma-separated) where the gateway bot answers every message.
    pub discord_support_channels: Option<String>,
    /// `true` when the privileged MESSAGE_CONTENT intent is enabled.
    pub discord_message_content: Option<String>,
    /// Microsoft Teams (`[teams]`).
    pub teams: Option<TeamsFile>,
}

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

/// A secret string: `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Secret key bytes (the decoded outgoing-webhook token): never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps key bytes.
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(bytes)
    }

    /// The key bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBytes(<redacted>)")
    }
}

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

/// Effective settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the database lives.
    pub data_dir: PathBuf,
    /// `serve` listen address.
    pub http_addr: SocketAddr,
    /// Rules directory, or `None` for the embedded defaults.
    pub intents_dir: Option<PathBuf>,
    /// Imported articles directory.
    pub articles_dir: PathBuf,
    /// Lifecycle policy file, if any.
    pub policy_file: Option<PathBuf>,
    /// Authorisation config.
    pub auth: crate::auth::AuthConfig,
    /// Discord transport settings.
    pub discord: DiscordSettings,
    /// Microsoft Teams bot and outgoing webhook.
    pub teams: TeamsSettings,
}

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

/// A problem with the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has unknown keys.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A value is malformed.
    #[error("{key}: {message}")]
    Invalid {
        /// Which setting (environment variable or file key).
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// Values given on the command line or in the environment (clap merges the
/// two).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--data-dir` / `SUPPORTBOT_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `SUPPORTBOT_HTTP_ADDR`.
    pub http_addr: Option<String>,
    /// `--intents` / `SUPPORTBOT_INTENTS_DIR`.
    pub intents_dir: Option<PathBuf>,
    /// `SUPPORTBOT_DISCORD_TOKEN`.
    pub discord_token: Option<String>,
    /// `SUPPORTBOT_DISCORD_APPLICATION_ID`.
    pub discord_application_id: Option<String>,
    /// `SUPPORTBOT_DISCORD_PUBLIC_KEY`.
    pub discord_public_key: Option<String>,
    /// `SUPPORTBOT_DISCORD_API_BASE`.
    pub discord_api_base: Option<String>,
    /// `SUPPORTBOT_DISCORD_REGISTER`.
    pub discord_register: Option<String>,
    /// `SUPPORTBOT_DISCORD_SUPPORT_CHANNELS`.
    pub discord_support_channels: Option<String>,
    /// `SUPPORTBOT_DISCORD_MESSAGE_CONTENT`.
    pub discord_message_content: Option<String>,
}

impl Settings {
    /// Loads settings from `config` (if given), the `SUPPORTBOT_*`
    /// environment and `overrides`.
    pub fn load(config: Option<&Path>, overrides: Overrides) -> Result<Settings, ConfigError> {
        Settings::load_with_env(config, overrides, &|name| std::env::var(name).ok())
    }

    /// [`Settings::load`] with the environment given as a lookup function.
    pub fn load_with_env(
        config: Option<&Path>,
        overrides: Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file = match config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                toml::from_str::<FileSettings>(&text).map_err(|e| ConfigError::Parse {
                    path: path.to_path_buf(),
                    message: e.to_string().trim_end().to_owned(),
                })?
            }
            None => FileSettings::default(),
        };
        let discord = discord_settings(&overrides, &file)?;
        let http_addr = overrides
            .http_addr
            .map(|v| ("SUPPORTBOT_HTTP_ADDR", v))
            .or(file.http_addr.map(|v| ("http_addr", v)))
            .unwrap_or(("http_addr", DEFAULT_HTTP_ADDR.to_owned()));
        let parsed_addr = http_addr.1.parse().map_err(|_| ConfigError::Invalid {
            key: http_addr.0.to_owned(),
            message: format!("{:?} is not an address like 127.0.0.1:8080", http_addr.1),
        })?;
        let data_dir = overrides
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        Ok(Settings {
            articles_dir: file
                .articles_dir
                .unwrap_or_else(|| data_dir.join("articles")),
            data_dir,
            http_addr: parsed_addr,
            intents_dir: overrides.intents_dir.or(file.intents_dir),
            policy_file: file.policy_file,
            auth: file.auth,
            discord,
            teams: teams_settings(file.teams.unwrap_or_default(), env)?,
        })
    }

    /// Where rules are loaded from.
    pub fn origin(&self) -> crate::source::Origin {
        match &self.intents_dir {
            Some(dir) => crate::source::Origin::Dir(dir.clone()),
            None => crate::source::Origin::Embedded,
        }
    }

    /// Where rules and imported articles are loaded from.
    pub fn knowledge_source(&self) -> crate::knowledge::KnowledgeSource {
        crate::knowledge::KnowledgeSource {
            origin: self.origin(),
            articles: Some(self.articles_dir.clone()),
        }
    }
}

/// An environment value wins over the file; empty values count as unset.
fn pick(
    env: &Option<String>,
    env_key: &'static str,
    file: &Option<String>,
    file_key: &'static str,
) -> Option<(&'static str, String)> {
    let set = |v: &Option<String>| v.as_ref().filter(|v| !v.trim().is_empty()).cloned();
    set(env)
        .map(|v| (env_key, v))
        .or_else(|| set(file).map(|v| (file_key, v)))
}

fn discord_settings(o: &Overrides, f: &FileSettings) -> Result<DiscordSettings, ConfigError> {
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
            crate::transport::discord::api::proxy_origin(&v)
                .map_err(|e| invalid(key, e.to_string()))?;
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

fn teams_settings(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut f, text.as_bytes()).expect("write");
        f
    }

    #[test]
    fn file_values_apply_and_overrides_win() {
        let f = write("data_dir = \"/tmp/x\"\nhttp_addr = \"127.0.0.1:9000\"\n");
        let s = Settings::load(Some(f.path()), Overrides::default()).expect("loads");
        assert_eq!(s.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(s.http_addr.port(), 9000);
        let s = Settings::load(
            Some(f.path()),
            Overrides {
                data_dir: Some("/tmp/y".into()),
                ..Overrides::default()
            },
        )
        .expect("loads");
        assert_eq!(s.data_dir, PathBuf::from("/tmp/y"));
    }

    #[test]
    fn auth_section_parses_as_documented() {
        let f = write(
            "[auth]\nsupport_agents = [{ platform = \"discord\", user_id = \"123\" }]\n\
             discord_admin_role_ids = [987]\nteams_admins = [[\"tenant\", \"aad\"]]\n",
        );
        let s = Settings::load(Some(f.path()), Overrides::default()).expect("loads");
        assert_eq!(s.auth.discord_admin_role_ids, vec![987]);
        assert_eq!(s.auth.support_agents.len(), 1);
        assert_eq!(
            s.auth.teams_admins,
            vec![("tenant".to_owned(), "aad".to_owned())]
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let f = write("data_dri = \"x\"\n");
        let e = Settings::load(Some(f.path()), Overrides::default()).expect_err("typo");
        assert!(e.to_string().contains("data_dri"), "{e}");
        let f = write("http_addr = \"nowhere\"\n");
        let e = Settings::load(Some(f.path()), Overrides::default()).expect_err("bad addr");
        assert!(e.to_string().starts_with("http_addr:"), "{e}");
    }

    #[test]
    fn discord_settings_validate_and_never_print_the_token() {
        let f = write(
            "discord_token = \"sekrit-token\"\ndiscord_application_id = \"123\"\n\
             discord_public_key = \"AB\"\n",
        );
        let e = Settings::load(Some(f.path()), Overrides::default()).expect_err("short key");
        assert!(e.to_string().starts_with("discord_public_key:"), "{e}");
        let f = write(&format!(
            "discord_token = \"sekrit-token\"\ndiscord_application_id = \"123\"\n\
             discord_public_key = \"{}\"\ndiscord_register = \"guild:99\"\n",
            "AB".repeat(32)
        ));
        let s = Settings::load(Some(f.path()), Overrides::default()).expect("loads");
        assert_eq!(s.discord.application_id.as_deref(), Some("123"));
        assert_eq!(s.discord.public_key, Some("ab".repeat(32)));
        assert_eq!(s.discord.register, Some(RegisterTarget::Guild("99".into())));
        assert_eq!(s.discord.api_base, DEFAULT_DISCORD_API_BASE);
        assert!(!s.discord.message_content && s.discord.support_channels.is_empty());
        let s = Settings::load(
            None,
            Overrides {
                discord_support_channels: Some("1, 2".into()),
                discord_message_content: Some("true".into()),
                ..Overrides::default()
            },
        )
        .expect("loads");
        assert_eq!(s.discord.support_channels, vec![1, 2]);
        assert!(s.discord.message_content);
        assert!(!format!("{s:?}").contains("sekrit"));
        let e = Settings::load(
            None,
            Overrides {
                discord_register: Some("guild:abc".into()),
                ..Overrides::default()
            },
        )
        .expect_err("bad register");
        assert!(
            e.to_string().starts_with("SUPPORTBOT_DISCORD_REGISTER:"),
            "{e}"
        );
        let s = Settings::load(None, Overrides::default()).expect("defaults");
        assert!(s.discord.token.is_none() && s.discord.public_key.is_none());
        let base = |v: &str| {
            Settings::load(
                None,
                Overrides {
                    discord_api_base: Some(v.into()),
                    ..Overrides::default()
                },
            )
        };
        let s = base("http://127.0.0.1:8081/api/v10").expect("an origin and the version");
        assert_eq!(s.discord.api_base, "http://127.0.0.1:8081/api/v10");
        let e = base("http://127.0.0.1:8081/discord/api/v10").expect_err("a path");
        assert!(
            e.to_string().starts_with("SUPPORTBOT_DISCORD_API_BASE:"),
            "{e}"
        );
    }

    fn with_env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn teams_is_off_without_settings_and_env_wins_over_file() {
        let s = Settings::load_with_env(None, Overrides::default(), &with_env(&[])).expect("loads");
        assert!(s.teams.bot.is_none() && s.teams.webhook_key.is_none());

        let f = write(
            "[teams]\napp_id = \"file-app\"\napp_password = \"pw\"\nissuer = \"https://iss.example\"\n",
        );
        let env = with_env(&[
            ("SUPPORTBOT_TEAMS_APP_ID", "env-app"),
            ("SUPPORTBOT_TEAMS_WEBHOOK_SECRET", "dnFGMEVuK1o="),
        ]);
        let s = Settings::load_with_env(Some(f.path()), Overrides::default(), &env).expect("loads");
        let bot = s.teams.bot.as_ref().expect("bot on");
        assert_eq!(bot.app_id, "env-app");
        assert_eq!(bot.issuer, "https://iss.example");
        assert_eq!(bot.token_url, DEFAULT_TEAMS_TOKEN_URL);
        assert_eq!(
            s.teams.webhook_key.as_ref().map(SecretBytes::expose),
            Some(&b"vqF0En+Z"[..])
        );
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("pw\"") && shown.contains("redacted"),
            "{shown}"
        );
    }

    #[test]
    fn bad_teams_settings_name_the_variable() {
        let env = with_env(&[("SUPPORTBOT_TEAMS_WEBHOOK_SECRET", "not base64!")]);
        let e = Settings::load_with_env(None, Overrides::default(), &env).expect_err("bad");
        assert!(
            e.to_string()
                .starts_with("SUPPORTBOT_TEAMS_WEBHOOK_SECRET:"),
            "{e}"
        );
        let env = with_env(&[("SUPPORTBOT_TEAMS_APP_ID", "app")]);
        let e = Settings::load_with_env(None, Overrides::default(), &env).expect_err("half");
        assert!(
            e.to_string().starts_with("SUPPORTBOT_TEAMS_APP_PASSWORD:"),
            "{e}"
        );
    }
}
