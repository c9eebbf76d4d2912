//! One recorded message: who, where, when, in which language, how the bot
//! read it and what it answered. The text is redacted before an entry is
//! built (see [`Entry::text`]).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::RecordError;
use crate::model::Platform;

/// What kind of message was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Free text, read by the intent matcher.
    Text,
    /// A lifecycle command (slash command, button, or chat text such as
    /// `cancel SUB-1`); its text is not kept (it may carry a token).
    Command,
    /// `/help`.
    Help,
    /// `/why`.
    Why,
}

/// A platform user, written `platform:id` (`discord:80351110224678912`,
/// `cli:operator`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserRef {
    /// Platform.
    pub platform: Platform,
    /// The platform's user id.
    pub user_id: String,
}

impl UserRef {
    /// Reads `platform:id`.
    pub fn parse(text: &str) -> Result<UserRef, RecordError> {
        let bad = || RecordError::BadUser(text.chars().take(80).collect());
        let (platform, id) = text.trim().split_once(':').ok_or_else(bad)?;
        let platform = match platform.to_ascii_lowercase().as_str() {
            "cli" => Platform::Cli,
            "discord" => Platform::Discord,
            "teams" => Platform::Teams,
            "teams_webhook" => Platform::TeamsWebhook,
            "console" => Platform::Console,
            "web" => Platform::Web,
            _ => return Err(bad()),
        };
        if id.is_empty() || id.contains('\0') {
            return Err(bad());
        }
        Ok(UserRef {
            platform,
            user_id: id.to_owned(),
        })
    }
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.user_id)
    }
}

/// Where an entry is stored: its time, then its platform event, so entries
/// sort by time and a re-delivered event overwrites its own entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordKey {
    /// When the message was handled.
    pub at: DateTime<Utc>,
    /// Platform event key (`platform:id`).
    pub event: String,
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.at.to_rfc3339(), self.event)
    }
}

/// One handled message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was handled.
    pub at: DateTime<Utc>,
    /// Platform event key (`platform:id`).
    pub event: String,
    /// Who sent it.
    pub user: UserRef,
    /// Channel, chat or thread.
    pub conversation: String,
    /// Guild or tenant, if any.
    pub scope: Option<String>,
    /// What kind of message.
    pub kind: EntryKind,
    /// The reply locale.
    pub locale: String,
    /// The message text, **redacted** (see [`super::redact`]); `None` for
    /// commands, help and `/why`.
    pub text: Option<String>,
    /// The intent it was read as, if any.
    pub intent: Option<String>,
    /// Ids of the rules that decided (the top candidates' and the topic's).
    pub rules: Vec<String>,
    /// Ids of the rules that matched but a guard vetoed.
    pub vetoed: Vec<String>,
    /// The answer key of the reply (`none` when not understood; a handoff
    /// notice when a person took over).
    pub answer_key: String,
    /// Whether the bot understood the message: `None` when it did not read
    /// it (commands, help, and text while a person has the conversation).
    #[serde(default)]
    pub understood: Option<bool>,
}

impl Entry {
    /// Where it is stored.
    pub fn key(&self) -> RecordKey {
        RecordKey {
            at: self.at,
            event: self.event.clone(),
        }
    }

    /// True when the bot read the message and did not understand it.
    pub fn not_understood(&self) -> bool {
        self.kind == EntryKind::Text && self.understood == Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_refs_read_platform_and_id() {
        let u = UserRef::parse("discord:80351110224678912").expect("user");
        assert_eq!(u.platform, Platform::Discord);
        assert_eq!(u.to_string(), "discord:80351110224678912");
        assert_eq!(
            UserRef::parse("CLI:operator").expect("cli").to_string(),
            "cli:operator"
        );
        for bad in ["discord", "slack:1", "discord:", ":1", "discord:a\0b"] {
            assert!(UserRef::parse(bad).is_err(), "{bad:?}");
        }
    }
}
