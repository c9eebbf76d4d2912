//! Settings, read once at start from an optional TOML file and
//! `SUPPORTBOT_*` environment variables (command-line flags win, then the
//! environment, then the file, then defaults). Nothing below `main` and this
//! module reads the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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

mod discord;
mod teams;
#[cfg(test)]
mod tests;

use discord::discord_settings;
pub use discord::{
    proxy_origin, BadApiBase, DiscordSettings, RegisterTarget, DEFAULT_DISCORD_API_BASE,
};
use teams::teams_settings;
pub use teams::{
    TeamsBotSettings, TeamsFile, TeamsSettings, DEFAULT_TEAMS_ISSUER,
    DEFAULT_TEAMS_OPENID_METADATA, DEFAULT_TEAMS_SCOPE, DEFAULT_TEAMS_TOKEN_URL,
};

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
pub(super) fn pick(
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
