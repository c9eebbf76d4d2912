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
    /// Discord transport settings.
    pub discord: DiscordSettings,
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
    /// REST API base (`SUPPORTBOT_DISCORD_API_BASE`).
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
    /// Loads settings from `config` (if given) and applies `overrides`.
    pub fn load(config: Option<&Path>, overrides: Overrides) -> Result<Settings, ConfigError> {
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
            discord,
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
    Ok(DiscordSettings {
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
        api_base: pick(
            &o.discord_api_base,
            "SUPPORTBOT_DISCORD_API_BASE",
            &f.discord_api_base,
            "discord_api_base",
        )
        .map_or_else(|| DEFAULT_DISCORD_API_BASE.to_owned(), |(_, v)| v),
        register,
    })
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
    }
}
