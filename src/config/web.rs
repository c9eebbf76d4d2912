//! Web chat settings: the `[web]` table, its `SUPPORTBOT_WEB_*` variables
//! and the typed values the web transport uses.

use std::path::Path;

use secrecy::SecretSlice;
use serde::Deserialize;

use super::{ConfigError, Sources};

/// The `[web]` table of the config file; each key `k` is also the variable
/// `SUPPORTBOT_WEB_K`, which wins.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebFile {
    /// `false` turns `/chat`, `/widget.js` and Direct Line off
    /// (`SUPPORTBOT_WEB_ENABLED`); default `true`.
    pub enabled: Option<toml::Value>,
    /// Origins (comma-separated, `https://help.example.com`) that may embed
    /// the chat and call Direct Line from a browser
    /// (`SUPPORTBOT_WEB_ALLOWED_ORIGINS`); default: the bot's own origin only.
    pub allowed_origins: Option<String>,
    /// Messages one visitor may send per minute (`SUPPORTBOT_WEB_RATE_PER_MINUTE`);
    /// default 20.
    pub rate_per_minute: Option<toml::Value>,
    /// Key that signs Direct Line tokens (`SUPPORTBOT_WEB_TOKEN_SECRET`); when
    /// unset, a random key is generated once in `<data_dir>/web-token-secret`.
    pub token_secret: Option<String>,
}

/// Default messages per visitor and minute.
pub const DEFAULT_WEB_RATE_PER_MINUTE: u32 = 20;
/// File in the data directory holding the generated token key.
pub const WEB_SECRET_FILE: &str = "web-token-secret";

/// Web chat settings.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Whether `serve` mounts the web chat.
    pub enabled: bool,
    /// Origins allowed besides the bot's own (scheme://host[:port], lowercase,
    /// no trailing slash).
    pub allowed_origins: Vec<String>,
    /// Messages one visitor may send per minute.
    pub rate_per_minute: u32,
    /// The configured token key; `None` means the generated file.
    pub token_secret: Option<SecretSlice<u8>>,
}

impl Default for WebSettings {
    fn default() -> WebSettings {
        WebSettings {
            enabled: true,
            allowed_origins: Vec::new(),
            rate_per_minute: DEFAULT_WEB_RATE_PER_MINUTE,
            token_secret: None,
        }
    }
}

impl WebSettings {
    /// The token key: the configured one, else the one stored in
    /// `data_dir` (created with 32 random bytes, mode 0600, on first use).
    pub fn token_key(&self, data_dir: &Path) -> std::io::Result<SecretSlice<u8>> {
        if let Some(key) = &self.token_secret {
            return Ok(key.clone());
        }
        let path = data_dir.join(WEB_SECRET_FILE);
        match std::fs::read(&path) {
            Ok(bytes) if bytes.len() >= 32 => return Ok(SecretSlice::from(bytes)),
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{} is shorter than 32 bytes; delete it to generate a new key",
                    path.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        std::fs::create_dir_all(data_dir)?;
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut file) => {
                std::io::Write::write_all(&mut file, &key)?;
                file.sync_all()?;
                Ok(SecretSlice::from(key))
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Ok(SecretSlice::from(std::fs::read(&path)?))
            }
            Err(e) => Err(e),
        }
    }
}

pub(super) fn settings(src: &Sources<'_>, file: WebFile) -> Result<WebSettings, ConfigError> {
    let mut web = WebSettings::default();
    let text = |v: Option<toml::Value>| {
        v.map(|v| match v {
            toml::Value::String(s) => s,
            other => other.to_string(),
        })
    };
    if let Some(p) = src.pick("web.enabled", text(file.enabled)) {
        web.enabled = match p.value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(p.invalid(format!("{:?} is not true or false", p.value))),
        };
    }
    if let Some(p) = src.pick("web.allowed_origins", file.allowed_origins) {
        for origin in p.value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            web.allowed_origins
                .push(parse_origin(origin).ok_or_else(|| {
                    p.invalid(format!(
                        "{origin:?} is not an origin like https://help.example.com"
                    ))
                })?);
        }
    }
    if let Some(p) = src.pick("web.rate_per_minute", text(file.rate_per_minute)) {
        web.rate_per_minute = match p.value.parse::<u32>() {
            Ok(n) if (1..=10_000).contains(&n) => n,
            _ => return Err(p.invalid(format!("{:?} is not a number from 1 to 10000", p.value))),
        };
    }
    if let Some(p) = src.pick("web.token_secret", file.token_secret) {
        if p.value.len() < 32 {
            return Err(p.invalid("must be at least 32 characters"));
        }
        web.token_secret = Some(SecretSlice::from(p.value.into_bytes()));
    }
    Ok(web)
}

/// `https://Host:8443/` → `https://host:8443`; `None` for anything that is
/// not an http(s) origin (paths, queries, `*`).
pub fn parse_origin(text: &str) -> Option<String> {
    let lower = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then_some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_paths_refused() {
        assert_eq!(
            parse_origin("https://Help.Example.com/").as_deref(),
            Some("https://help.example.com")
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(parse_origin("https://x.com/path"), None);
        assert_eq!(parse_origin("*"), None);
        assert_eq!(parse_origin("javascript:alert(1)"), None);
    }

    #[test]
    fn the_generated_key_is_stored_once_and_reused() {
        use secrecy::ExposeSecret;
        let dir = tempfile::tempdir().expect("tempdir");
        let web = WebSettings::default();
        let first = web.token_key(dir.path()).expect("created");
        let again = web.token_key(dir.path()).expect("read");
        assert_eq!(first.expose_secret(), again.expose_secret());
        assert_eq!(first.expose_secret().len(), 32);
    }
}
