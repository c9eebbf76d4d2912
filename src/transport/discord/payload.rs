//! Lenient parsing of Discord interaction payloads into [`Inbound`].
//!
//! serenity's model types are strict (the documentation's own examples fail
//! them), so the endpoint reads only the fields it needs, with its own
//! structs: snowflakes as strings or numbers, everything else optional.
//! Identity comes from `member` (guild) or `user` (DM) of the signed body.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::commands;
use crate::model::{Command, Evidence, Identity, Inbound, Message, Platform};

/// Interaction types (Discord's `InteractionType`).
pub mod kind {
    /// PING, sent when the endpoint URL is saved and as health probes.
    pub const PING: u8 = 1;
    /// A slash command.
    pub const APPLICATION_COMMAND: u8 = 2;
    /// A button or select menu.
    pub const MESSAGE_COMPONENT: u8 = 3;
    /// Option autocompletion.
    pub const AUTOCOMPLETE: u8 = 4;
    /// A modal was submitted.
    pub const MODAL_SUBMIT: u8 = 5;
}

/// Custom id prefix of a confirmation button.
pub const CONFIRM: &str = "confirm:";
/// Custom id prefix of a confirmation that needs the account typed back
/// (the button opens a modal; the modal carries the same id).
pub const CONFIRM_TYPED: &str = "confirm-typed:";
/// Custom id prefix of a dismiss button.
pub const DISMISS: &str = "dismiss:";
/// Custom id prefix of a numbered choice button.
pub const CHOICE: &str = "choice:";
/// Custom id of the modal's account input.
pub const ACCOUNT_INPUT: &str = "account";

/// A snowflake, sent as a string by Discord (numbers are accepted too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snowflake(pub String);

impl<'de> Deserialize<'de> for Snowflake {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            N(u64),
        }
        Ok(Snowflake(match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::N(n) => n.to_string(),
        }))
    }
}

/// The fields of an interaction the bot uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Interaction {
    /// Interaction id: the idempotency key.
    pub id: Snowflake,
    /// Interaction type.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Continuation token for follow-ups.
    #[serde(default)]
    pub token: Option<String>,
    /// The application the interaction is for.
    #[serde(default)]
    pub application_id: Option<Snowflake>,
    /// Guild, absent in DMs.
    #[serde(default)]
    pub guild_id: Option<Snowflake>,
    /// Channel id.
    #[serde(default)]
    pub channel_id: Option<Snowflake>,
    /// Partial channel (newer payloads).
    #[serde(default)]
    pub channel: Option<IdOnly>,
    /// The invoking member (in a guild).
    #[serde(default)]
    pub member: Option<Member>,
    /// The invoking user (in a DM).
    #[serde(default)]
    pub user: Option<User>,
    /// The user's client language.
    #[serde(default)]
    pub locale: Option<String>,
    /// The guild's preferred language.
    #[serde(default)]
    pub guild_locale: Option<String>,
    /// Type-specific data.
    #[serde(default)]
    pub data: Option<Value>,
}

/// An object of which only the id is read.
#[derive(Debug, Clone, Deserialize)]
pub struct IdOnly {
    /// Its id.
    pub id: Snowflake,
}

/// A guild member as sent in interactions.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    /// The user.
    #[serde(default)]
    pub user: Option<User>,
    /// Role ids.
    #[serde(default)]
    pub roles: Vec<Snowflake>,
    /// Total permissions in the channel, a decimal bit-set string.
    #[serde(default)]
    pub permissions: Option<Snowflake>,
}

/// A user.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// User id.
    pub id: Snowflake,
}

#[derive(Debug, Deserialize)]
struct CommandData {
    name: String,
    #[serde(default)]
    options: Vec<CommandOption>,
}

#[derive(Debug, Deserialize)]
struct CommandOption {
    name: String,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    options: Vec<CommandOption>,
}

#[derive(Debug, Deserialize)]
struct ComponentData {
    custom_id: String,
}

#[derive(Debug, Deserialize)]
struct ModalData {
    custom_id: String,
    #[serde(default)]
    components: Vec<ModalRow>,
}

/// An action row (`components`) or a label (`component`) of a submitted modal.
#[derive(Debug, Deserialize)]
struct ModalRow {
    #[serde(default)]
    components: Vec<ModalInput>,
    #[serde(default)]
    component: Option<ModalInput>,
}

#[derive(Debug, Deserialize)]
struct ModalInput {
    #[serde(default)]
    custom_id: String,
    #[serde(default)]
    value: Option<String>,
}

/// What the endpoint should do with a verified interaction.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer PONG.
    Pong,
    /// Answer an autocomplete request (no options autocomplete: no choices).
    Autocomplete,
    /// Ask `Bot::handle` and render its reply.
    Handle(Box<Inbound>),
    /// Open the modal asking for the account id for this token.
    AskAccount {
        /// The confirmation token.
        token: String,
    },
    /// A transport-level notice (unknown command or button), shown only to
    /// the user who acted.
    Notice(Notice),
}

/// Transport-level notices; not business answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A command name the bot does not know (stale registration).
    UnknownCommand,
    /// A required option was missing.
    MissingOption,
    /// A button the bot did not make (or an old one).
    UnknownButton,
}

/// Why a payload was refused with 400.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// Not JSON, or fields of the wrong type.
    #[error("malformed interaction JSON: {0}")]
    Malformed(String),
    /// An interaction type this endpoint does not handle.
    #[error("unknown interaction type {0}")]
    UnknownType(u8),
}

impl Interaction {
    /// Parses a raw body.
    pub fn parse(body: &[u8]) -> Result<Interaction, PayloadError> {
        serde_json::from_slice(body).map_err(|e| PayloadError::Malformed(e.to_string()))
    }

    /// What to do with it.
    pub fn action(&self) -> Result<Action, PayloadError> {
        match self.kind {
            kind::PING => Ok(Action::Pong),
            kind::AUTOCOMPLETE => Ok(Action::Autocomplete),
            kind::APPLICATION_COMMAND => {
                let data: CommandData = self.data_as("application command")?;
                Ok(match command_message(&data) {
                    Ok(message) => Action::Handle(Box::new(self.inbound(message)?)),
                    Err(notice) => Action::Notice(notice),
                })
            }
            kind::MESSAGE_COMPONENT => {
                let data: ComponentData = self.data_as("message component")?;
                let id = data.custom_id.as_str();
                let message = if let Some(token) = id.strip_prefix(CONFIRM_TYPED) {
                    return Ok(Action::AskAccount {
                        token: token.to_owned(),
                    });
                } else if let Some(token) = id.strip_prefix(CONFIRM) {
                    Message::Command(Command::Confirm {
                        token: token.to_owned(),
                        typed: None,
                    })
                } else if let Some(token) = id.strip_prefix(DISMISS) {
                    Message::Command(Command::Dismiss {
                        token: token.to_owned(),
                    })
                } else if let Some(n) = id.strip_prefix(CHOICE) {
                    Message::Text(n.to_owned())
                } else {
                    return Ok(Action::Notice(Notice::UnknownButton));
                };
                Ok(Action::Handle(Box::new(self.inbound(message)?)))
            }
            kind::MODAL_SUBMIT => {
                let data: ModalData = self.data_as("modal submit")?;
                let Some(token) = data.custom_id.strip_prefix(CONFIRM_TYPED) else {
                    return Ok(Action::Notice(Notice::UnknownButton));
                };
                let typed = data
                    .components
                    .iter()
                    .flat_map(|row| row.components.iter().chain(row.component.as_ref()))
                    .find(|input| input.custom_id == ACCOUNT_INPUT)
                    .and_then(|input| input.value.clone());
                let message = Message::Command(Command::Confirm {
                    token: token.to_owned(),
                    typed,
                });
                Ok(Action::Handle(Box::new(self.inbound(message)?)))
            }
            other => Err(PayloadError::UnknownType(other)),
        }
    }

    fn data_as<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T, PayloadError> {
        let data = self
            .data
            .clone()
            .ok_or_else(|| PayloadError::Malformed(format!("{what} without `data`")))?;
        serde_json::from_value(data)
            .map_err(|e| PayloadError::Malformed(format!("{what} `data`: {e}")))
    }

    /// The invoking user's id, from `member.user` or `user`.
    pub fn user_id(&self) -> Option<&str> {
        self.member
            .as_ref()
            .and_then(|m| m.user.as_ref())
            .or(self.user.as_ref())
            .map(|u| u.id.0.as_str())
    }

    /// Locales as the platform reports them: user, then guild.
    pub fn locales(&self) -> Vec<String> {
        [&self.locale, &self.guild_locale]
            .into_iter()
            .flatten()
            .filter(|l| !l.is_empty())
            .cloned()
            .collect()
    }

    /// The `Inbound` for `message`, identity from the signed body.
    pub fn inbound(&self, message: Message) -> Result<Inbound, PayloadError> {
        let user_id = self
            .user_id()
            .ok_or_else(|| {
                PayloadError::Malformed("interaction has neither member.user nor user".into())
            })?
            .to_owned();
        let (permissions, role_ids) = match &self.member {
            Some(m) => (
                m.permissions
                    .as_ref()
                    .map_or(0, |p| parse_permissions(&p.0)),
                m.roles.iter().filter_map(|r| r.0.parse().ok()).collect(),
            ),
            None => (0, Vec::new()),
        };
        let channel = self
            .channel_id
            .as_ref()
            .or(self.channel.as_ref().map(|c| &c.id))
            .map(|c| c.0.clone());
        Ok(Inbound {
            event_id: self.id.0.clone(),
            identity: Identity {
                platform: Platform::Discord,
                user_id: user_id.clone(),
                scope: self.guild_id.as_ref().map(|g| g.0.clone()),
                evidence: Evidence::Discord {
                    permissions,
                    role_ids,
                },
            },
            conversation: channel.unwrap_or_else(|| format!("dm:{user_id}")),
            locales: self.locales(),
            message,
            received_at: snowflake_time(&self.id.0).unwrap_or_else(Utc::now),
        })
    }
}

/// Parses a permission bit-set string. Discord sends it as a decimal string
/// that may outgrow 53 bits; values beyond 64 bits keep their low 64 bits,
/// anything unparseable grants nothing.
pub fn parse_permissions(bits: &str) -> u64 {
    bits.trim()
        .parse::<u128>()
        .map(|v| (v & u128::from(u64::MAX)) as u64)
        .unwrap_or(0)
}

/// When a snowflake was created (milliseconds since the Discord epoch in the
/// high 42 bits).
pub fn snowflake_time(id: &str) -> Option<DateTime<Utc>> {
    const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;
    let n: u64 = id.parse().ok()?;
    let ms = i64::try_from(n >> 22).ok()? + DISCORD_EPOCH_MS;
    Utc.timestamp_millis_opt(ms).single()
}

fn command_message(data: &CommandData) -> Result<Message, Notice> {
    let string = |options: &[CommandOption], name: &str| {
        options
            .iter()
            .find(|o| o.name == name)
            .and_then(|o| match &o.value {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
    };
    let required = |name: &str| string(&data.options, name).ok_or(Notice::MissingOption);
    Ok(match data.name.as_str() {
        commands::HELP => Message::Help {
            topic: string(&data.options, commands::TOPIC),
        },
        commands::WHY => Message::Why,
        commands::SUBSCRIPTION => {
            let sub = data
                .options
                .iter()
                .find(|o| o.name == commands::STATUS)
                .ok_or(Notice::UnknownCommand)?;
            Message::Command(Command::Status {
                account: string(&sub.options, commands::ACCOUNT),
            })
        }
        commands::CANCEL => Message::Command(Command::Cancel {
            subscription: required(commands::SUBSCRIPTION)?,
        }),
        commands::REFUND => Message::Command(Command::Refund {
            subscription: required(commands::SUBSCRIPTION)?,
        }),
        commands::REACTIVATE => Message::Command(Command::Reactivate {
            subscription: required(commands::SUBSCRIPTION)?,
        }),
        commands::CLOSE_ACCOUNT => Message::Command(Command::CloseAccount {
            account: required(commands::ACCOUNT)?,
        }),
        commands::EXPORT => Message::Command(Command::Export {
            account: string(&data.options, commands::ACCOUNT),
        }),
        _ => return Err(Notice::UnknownCommand),
    })
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
