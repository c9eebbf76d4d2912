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
}
