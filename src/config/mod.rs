//! Settings, read once at start by one loader: the optional TOML file, then
//! the `SUPPORTBOT_*` environment (through one lookup), then command-line
//! flags, each later source winning. Every setting goes through the same
//! [`Sources::pick`]: its file key `k` (`teams.app_id` inside `[teams]`) is
//! also the variable `SUPPORTBOT_K` (`SUPPORTBOT_TEAMS_APP_ID`), and empty
//! values count as unset. Values are parsed here, once, into typed values;
//! secrets are `secrecy` types. Nothing below `main` and this module reads
//! the environment.
//!
//! Adding a setting: one field with its doc in the file struct
//! ([`FileSettings`], [`TeamsFile`]) and its typed value in the settings
//! struct, filled by one `pick`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

mod console;
mod discord;
mod http;
mod shards;
mod teams;
#[cfg(test)]
mod tests;
mod web;

pub use console::{
    operator_password_from_env, ConsoleFile, ConsoleSettings, OPERATOR_PASSWORD_VAR,
};
pub use discord::{
    proxy_origin, ApiBase, BadApiBase, DiscordSettings, RegisterTarget, DEFAULT_DISCORD_API_BASE,
};
pub use http::{
    HttpLimits, DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_CONNECTIONS_PER_IP, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use shards::ShardRange;
pub use teams::{
    TeamsAgentsChannel, TeamsBotSettings, TeamsFile, TeamsSettings, DEFAULT_TEAMS_ISSUER,
    DEFAULT_TEAMS_OPENID_METADATA, DEFAULT_TEAMS_SCOPE, DEFAULT_TEAMS_TOKEN_URL,
};
pub use web::{parse_origin, WebFile, WebSettings, DEFAULT_WEB_RATE_PER_MINUTE, WEB_SECRET_FILE};

/// Default data directory (relative to the working directory).
pub const DEFAULT_DATA_DIR: &str = "./data";
/// Default HTTP listen address of `serve`.
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8080";

/// The config file, all keys optional. Unknown keys are errors. Each key is
/// also the variable `SUPPORTBOT_<KEY>`, which wins over the file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Where the database lives.
    pub data_dir: Option<String>,
    /// A PostgreSQL database shared by every instance (`postgres://…`); sled
    /// in the data directory when unset. A secret: it may hold a password.
    pub database_url: Option<String>,
    /// `serve` listen address.
    pub http_addr: Option<String>,
    /// Seconds a client has to send a request head (also the keep-alive
    /// idle timeout); default 10.
    pub http_header_timeout_secs: Option<toml::Value>,
    /// Longest pause in seconds between pieces of a request body; default 10.
    pub http_body_timeout_secs: Option<toml::Value>,
    /// Longest a request may take in seconds, handler included; default 30.
    pub http_request_timeout_secs: Option<toml::Value>,
    /// Open connections at most; default 512.
    pub http_max_connections: Option<toml::Value>,
    /// Open connections from one IP address at most; default 64.
    pub http_max_connections_per_ip: Option<toml::Value>,
    /// Seconds requests in flight get after SIGTERM; default 10.
    pub http_shutdown_timeout_secs: Option<toml::Value>,
    /// Rules, locales and answers directory; the embedded copy when unset.
    pub intents_dir: Option<String>,
    /// Imported articles; `<data_dir>/articles` when unset.
    pub articles_dir: Option<String>,
    /// Lifecycle policy (disabled days, grace, seat limit, per-country
    /// overrides, refund rules); built-in defaults when unset.
    pub policy_file: Option<String>,
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
    /// Register slash commands when `serve` starts: `global`, `guild:<id>` or `off`.
    pub discord_register: Option<String>,
    /// Channel ids (comma-separated) where the gateway bot answers every message.
    pub discord_support_channels: Option<String>,
    /// `true` when the privileged MESSAGE_CONTENT intent is enabled.
    pub discord_message_content: Option<String>,
    /// Channel where handoff tickets from Discord open a private thread.
    pub discord_support_channel_id: Option<String>,
    /// Role pinged in a new ticket's thread; its members may use `/handoff`.
    pub discord_support_role_id: Option<String>,
    /// Discord user ids (comma-separated) who may use `/handoff` without the role.
    pub discord_agent_ids: Option<String>,
    /// Gateway shards this process runs: `A-B` (inclusive) or one id; needs
    /// `discord_total_shards`.
    pub discord_shards: Option<toml::Value>,
    /// Gateway shards of the whole bot; alone: all of them in this process.
    pub discord_total_shards: Option<toml::Value>,
    /// Microsoft Teams (`[teams]`).
    pub teams: Option<TeamsFile>,
    /// The operator console (`[console]`).
    pub console: Option<ConsoleFile>,
    /// The web chat (`[web]`).
    pub web: Option<WebFile>,
    /// Messages in a row the bot may not understand before it hands the
    /// conversation to a person (default 2).
    pub handoff_after_misses: Option<String>,
    /// Hours the bot stays quiet for an unanswered ticket (default 24).
    pub handoff_timeout_hours: Option<String>,
    /// When people answer, shown to users ("Mon-Fri 08:00-16:00 CET").
    pub handoff_hours: Option<String>,
    /// Days the conversation record keeps a message (default 30).
    pub record_retention_days: Option<String>,
}

/// Effective settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the database lives.
    pub data_dir: PathBuf,
    /// The shared PostgreSQL database, if any (else sled in `data_dir`).
    pub database_url: Option<SecretString>,
    /// `serve` listen address.
    pub http_addr: SocketAddr,
    /// `serve` timeouts, connection caps and shutdown deadline.
    pub http_limits: HttpLimits,
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
    /// The web chat and Direct Line.
    pub web: WebSettings,
    /// Handing conversations to people.
    pub handoff: crate::handoff::HandoffPolicy,
    /// The conversation record.
    pub record: crate::record::RecordPolicy,
    /// The operator console.
    pub console: ConsoleSettings,
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
        /// Which setting (flag, environment variable or file key).
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// Values given as command-line flags; they win over the environment and
/// the file.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--http-addr`.
    pub http_addr: Option<String>,
    /// `--intents`.
    pub intents_dir: Option<PathBuf>,
    /// `serve --shards`.
    pub discord_shards: Option<String>,
    /// `serve --total-shards`.
    pub discord_total_shards: Option<String>,
}

impl Flags {
    /// The flag for a file key, with the name to blame.
    fn get(&self, key: &str) -> Option<(&'static str, String)> {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        match key {
            "data_dir" => path(&self.data_dir).map(|v| ("--data-dir", v)),
            "http_addr" => self.http_addr.clone().map(|v| ("--http-addr", v)),
            "intents_dir" => path(&self.intents_dir).map(|v| ("--intents", v)),
            "discord_shards" => self.discord_shards.clone().map(|v| ("--shards", v)),
            "discord_total_shards" => self
                .discord_total_shards
                .clone()
                .map(|v| ("--total-shards", v)),
            _ => None,
        }
    }
}

/// A raw setting and the name to blame when it is malformed (the flag, the
/// variable or the file key it came from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Picked {
    /// Where it came from.
    pub name: String,
    /// The value, trimmed.
    pub value: String,
}

impl Picked {
    /// A [`ConfigError::Invalid`] blaming this value's source.
    pub fn invalid(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            key: self.name.clone(),
            message: message.into(),
        }
    }
}

/// The environment variable of a file key: `teams.app_id` →
/// `SUPPORTBOT_TEAMS_APP_ID`.
pub fn env_name(key: &str) -> String {
    format!("SUPPORTBOT_{}", key.replace('.', "_").to_ascii_uppercase())
}

/// The environment and the flags, in front of the file.
pub(crate) struct Sources<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    flags: &'a Flags,
}

impl Sources<'_> {
    /// The one rule for every setting: the flag wins, then
    /// `SUPPORTBOT_<KEY>`, then the file's `key`; empty values count as
    /// unset.
    pub fn pick(&self, key: &'static str, file: Option<String>) -> Option<Picked> {
        let set = |v: String| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_owned())
        };
        if let Some((name, value)) = self.flags.get(key) {
            if let Some(value) = set(value) {
                return Some(Picked {
                    name: name.to_owned(),
                    value,
                });
            }
        }
        let var = env_name(key);
        if let Some(value) = (self.env)(&var).and_then(set) {
            return Some(Picked { name: var, value });
        }
        file.and_then(set).map(|value| Picked {
            name: key.to_owned(),
            value,
        })
    }
}

impl Settings {
    /// Loads settings from `config` (if given), the `SUPPORTBOT_*`
    /// environment and `flags`.
    pub fn load(config: Option<&Path>, flags: Flags) -> Result<Settings, ConfigError> {
        Settings::load_with_env(config, flags, &|name| std::env::var(name).ok())
    }

    /// [`Settings::load`] with the environment given as a lookup function.
    pub fn load_with_env(
        config: Option<&Path>,
        flags: Flags,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file = match config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let src = Sources { env, flags: &flags };
        let http_addr = src
            .pick("http_addr", file.http_addr.clone())
            .unwrap_or_else(|| Picked {
                name: "http_addr".into(),
                value: DEFAULT_HTTP_ADDR.into(),
            });
        let parsed_addr = http_addr.value.parse().map_err(|_| {
            http_addr.invalid(format!(
                "{:?} is not an address like 127.0.0.1:8080",
                http_addr.value
            ))
        })?;
        let path =
            |key, value: Option<String>| src.pick(key, value).map(|p| PathBuf::from(p.value));
        let data_dir = path("data_dir", file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        Ok(Settings {
            database_url: database_url(&src, &file)?,
            articles_dir: path("articles_dir", file.articles_dir.clone())
                .unwrap_or_else(|| data_dir.join("articles")),
            data_dir,
            http_addr: parsed_addr,
            http_limits: http::limits(&src, &file)?,
            intents_dir: path("intents_dir", file.intents_dir.clone()),
            policy_file: path("policy_file", file.policy_file.clone()),
            discord: discord::settings(&src, &file)?,
            teams: teams::settings(&src, file.teams.clone().unwrap_or_default())?,
            web: web::settings(&src, file.web.clone().unwrap_or_default())?,
            handoff: handoff_policy(&src, &file)?,
            record: record_policy(&src, &file)?,
            console: console::settings(&src, file.console.clone().unwrap_or_default())?,
            auth: file.auth,
        })
    }

    /// Who may act on handoff tickets from Discord and Teams: the support
    /// role, the listed Discord ids and the listed Teams `aadObjectId`s.
    pub fn agent_roster(&self) -> crate::auth::AgentRoster {
        use crate::auth::UserKey;
        use crate::model::Platform;
        let discord = self.discord.agent_ids.iter().map(|id| UserKey {
            platform: Platform::Discord,
            user_id: id.to_string(),
        });
        let teams = self
            .teams
            .bot
            .iter()
            .flat_map(|b| b.agent_ids.iter())
            .map(|id| UserKey {
                platform: Platform::Teams,
                user_id: id.clone(),
            });
        crate::auth::AgentRoster {
            discord_roles: self.discord.support_role_id.into_iter().collect(),
            agents: discord.chain(teams).collect(),
        }
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

/// `database_url`: a `postgres://` or `postgresql://` URL. The value is
/// never repeated in an error, since it may hold a password.
fn database_url(
    src: &Sources<'_>,
    file: &FileSettings,
) -> Result<Option<SecretString>, ConfigError> {
    let Some(picked) = src.pick("database_url", file.database_url.clone()) else {
        return Ok(None);
    };
    let lower = picked.value.to_ascii_lowercase();
    if !(lower.starts_with("postgres://") || lower.starts_with("postgresql://")) {
        return Err(
            picked.invalid("expected a URL like postgres://user:password@host:5432/database")
        );
    }
    Ok(Some(SecretString::from(picked.value)))
}

fn handoff_policy(
    src: &Sources<'_>,
    file: &FileSettings,
) -> Result<crate::handoff::HandoffPolicy, ConfigError> {
    let mut policy = crate::handoff::HandoffPolicy::default();
    let number = |key, value: Option<String>, max: u32| -> Result<Option<u32>, ConfigError> {
        let Some(picked) = src.pick(key, value) else {
            return Ok(None);
        };
        match picked.value.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(picked.invalid(format!(
                "{:?} is not a whole number from 1 to {max}",
                picked.value
            ))),
        }
    };
    if let Some(n) = number(
        "handoff_after_misses",
        file.handoff_after_misses.clone(),
        100,
    )? {
        policy.misses = n;
    }
    if let Some(h) = number(
        "handoff_timeout_hours",
        file.handoff_timeout_hours.clone(),
        24 * 365,
    )? {
        policy.timeout = chrono::TimeDelta::hours(i64::from(h));
    }
    if let Some(hours) = src.pick("handoff_hours", file.handoff_hours.clone()) {
        policy.hours = hours.value;
    }
    Ok(policy)
}

fn record_policy(
    src: &Sources<'_>,
    file: &FileSettings,
) -> Result<crate::record::RecordPolicy, ConfigError> {
    let mut policy = crate::record::RecordPolicy::default();
    // Ten years at most: the record is for improving rules, not an archive.
    const MAX_DAYS: u32 = 3650;
    if let Some(picked) = src.pick("record_retention_days", file.record_retention_days.clone()) {
        match picked.value.parse::<u32>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => {
                policy.retention = chrono::TimeDelta::days(i64::from(n));
            }
            _ => {
                return Err(picked.invalid(format!(
                    "{:?} is not a whole number of days from 1 to {MAX_DAYS}",
                    picked.value
                )))
            }
        }
    }
    Ok(policy)
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str::<FileSettings>(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_owned(),
    })
}
