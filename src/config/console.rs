//! Operator console settings: the `[console]` table and its
//! `SUPPORTBOT_CONSOLE_*` variables.

use serde::Deserialize;

use super::{ConfigError, Picked, Sources};

/// The `[console]` table of the config file; each key `k` is also the
/// variable `SUPPORTBOT_CONSOLE_K`, which wins. Scalars may be written as
/// TOML strings, numbers or booleans.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleFile {
    /// Serve `/console` (default true).
    pub enabled: Option<toml::Value>,
    /// Mark the session cookie `Secure`: set when the console is reached
    /// over HTTPS (behind a TLS-terminating proxy). Default false.
    pub secure_cookie: Option<toml::Value>,
    /// Minutes a session may stay unused before it ends (default 30).
    pub session_idle_minutes: Option<toml::Value>,
    /// Failed sign-ins per IP address or name before a lock (default 5).
    pub max_failed_sign_ins: Option<toml::Value>,
    /// Minutes a lock lasts (default 15).
    pub lock_minutes: Option<toml::Value>,
    /// A request header naming the signed-in operator, set by a trusted
    /// reverse proxy that authenticates operators itself. Off unless set;
    /// only set it when nothing but that proxy can reach `serve`.
    pub trusted_identity_header: Option<String>,
}

/// Effective console settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// Whether `serve` mounts `/console`.
    pub enabled: bool,
    /// Whether the session cookie carries `Secure`.
    pub secure_cookie: bool,
    /// Idle expiry of a session.
    pub session_idle: chrono::TimeDelta,
    /// Failures before a sign-in lock.
    pub max_failed_sign_ins: u32,
    /// Length of a sign-in lock.
    pub lock: chrono::TimeDelta,
    /// Header trusted for the operator's name (lower case), if any.
    pub trusted_identity_header: Option<String>,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            enabled: true,
            secure_cookie: false,
            session_idle: chrono::TimeDelta::minutes(30),
            max_failed_sign_ins: 5,
            lock: chrono::TimeDelta::minutes(15),
            trusted_identity_header: None,
        }
    }
}

fn scalar(v: &Option<toml::Value>) -> Option<String> {
    v.as_ref().map(|v| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn boolean(p: Picked) -> Result<bool, ConfigError> {
    match p.value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(p.invalid(format!("{:?} is not true or false", p.value))),
    }
}

fn minutes(p: Picked, max: i64) -> Result<chrono::TimeDelta, ConfigError> {
    p.value
        .parse::<i64>()
        .ok()
        .filter(|m| (1..=max).contains(m))
        .map(chrono::TimeDelta::minutes)
        .ok_or_else(|| {
            p.invalid(format!(
                "{:?} is not a number of minutes from 1 to {max}",
                p.value
            ))
        })
}

pub(super) fn settings(
    src: &Sources<'_>,
    file: ConsoleFile,
) -> Result<ConsoleSettings, ConfigError> {
    let mut s = ConsoleSettings::default();
    if let Some(p) = src.pick("console.enabled", scalar(&file.enabled)) {
        s.enabled = boolean(p)?;
    }
    if let Some(p) = src.pick("console.secure_cookie", scalar(&file.secure_cookie)) {
        s.secure_cookie = boolean(p)?;
    }
    if let Some(p) = src.pick(
        "console.session_idle_minutes",
        scalar(&file.session_idle_minutes),
    ) {
        s.session_idle = minutes(p, 7 * 24 * 60)?;
    }
    if let Some(p) = src.pick("console.lock_minutes", scalar(&file.lock_minutes)) {
        s.lock = minutes(p, 24 * 60)?;
    }
    if let Some(p) = src.pick(
        "console.max_failed_sign_ins",
        scalar(&file.max_failed_sign_ins),
    ) {
        s.max_failed_sign_ins = p
            .value
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| p.invalid(format!("{:?} is not a count from 1 to 1000", p.value)))?;
    }
    if let Some(p) = src.pick(
        "console.trusted_identity_header",
        file.trusted_identity_header,
    ) {
        let name = p.value.to_ascii_lowercase();
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !token {
            return Err(p.invalid(format!("{:?} is not a header name", p.value)));
        }
        s.trusted_identity_header = Some(name);
    }
    Ok(s)
}

/// The variable `admin operator add` reads the new password from (else
/// stdin); never a flag, so the password stays out of argv and shell
/// history.
pub const OPERATOR_PASSWORD_VAR: &str = "SUPPORTBOT_OPERATOR_PASSWORD";

/// The password in [`OPERATOR_PASSWORD_VAR`], if set and not empty.
pub fn operator_password_from_env() -> Option<secrecy::SecretString> {
    std::env::var(OPERATOR_PASSWORD_VAR)
        .ok()
        .filter(|p| !p.is_empty())
        .map(secrecy::SecretString::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Flags, Settings};

    #[test]
    fn defaults_and_environment() {
        let none = |_: &str| None;
        let s = Settings::load_with_env(None, Flags::default(), &none).expect("defaults");
        assert_eq!(s.console, ConsoleSettings::default());
        let env = |k: &str| match k {
            "SUPPORTBOT_CONSOLE_ENABLED" => Some("false".into()),
            "SUPPORTBOT_CONSOLE_SESSION_IDLE_MINUTES" => Some("5".into()),
            "SUPPORTBOT_CONSOLE_TRUSTED_IDENTITY_HEADER" => Some("X-Forwarded-User".into()),
            _ => None,
        };
        let s = Settings::load_with_env(None, Flags::default(), &env).expect("env");
        assert!(!s.console.enabled);
        assert_eq!(s.console.session_idle, chrono::TimeDelta::minutes(5));
        assert_eq!(
            s.console.trusted_identity_header.as_deref(),
            Some("x-forwarded-user")
        );
        let bad = |k: &str| (k == "SUPPORTBOT_CONSOLE_SESSION_IDLE_MINUTES").then(|| "0".into());
        assert!(Settings::load_with_env(None, Flags::default(), &bad).is_err());
    }
}
