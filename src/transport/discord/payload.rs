//! Lenient parsing of Discord interaction payloads into [`Inbound`].
//!
//! serenity's model types are strict (the documentation's own examples fail
//! them), so the endpoint reads only the fields it needs, with its own
//! structs: snowflakes as strings or numbers, everything else optional.
//! Identity comes from `member` (guild) or `user` (DM) of the signed body.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::custom_id::{ACCOUNT_INPUT, CHOICE, CONFIRM, CONFIRM_TYPED, DISMISS, FEEDBACK};
use super::kind::InteractionType;
use super::{commands, inbound};
use crate::model::{AgentAction, AgentCommand, Command, FeedbackChoice, Inbound, Message};

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
    /// Interaction type as sent; [`Interaction::kind`] names it.
    #[serde(rename = "type")]
    pub raw_kind: u8,
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
pub enum Intake {
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

    /// The interaction type, when it is one this bot handles.
    pub fn kind(&self) -> Result<InteractionType, PayloadError> {
        InteractionType::try_from(self.raw_kind).map_err(PayloadError::UnknownType)
    }

    /// What to do with it.
    pub fn intake(&self) -> Result<Intake, PayloadError> {
        match self.kind()? {
            InteractionType::Ping => Ok(Intake::Pong),
            InteractionType::Autocomplete => Ok(Intake::Autocomplete),
            InteractionType::ApplicationCommand => {
                let data: CommandData = self.data_as("application command")?;
                Ok(match command_message(&data) {
                    Ok(message) => Intake::Handle(Box::new(self.inbound(message)?)),
                    Err(notice) => Intake::Notice(notice),
                })
            }
            InteractionType::MessageComponent => {
                let data: ComponentData = self.data_as("message component")?;
                let id = data.custom_id.as_str();
                let message = if let Some(token) = id.strip_prefix(CONFIRM_TYPED) {
                    return Ok(Intake::AskAccount {
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
                } else if let Some((choice, answer)) = id
                    .strip_prefix(FEEDBACK)
                    .and_then(|rest| rest.split_once(':'))
                    .and_then(|(c, a)| Some((FeedbackChoice::parse(c)?, a)))
                    .filter(|(_, a)| !a.is_empty())
                {
                    Message::Feedback {
                        answer: answer.to_owned(),
                        choice,
                    }
                } else {
                    return Ok(Intake::Notice(Notice::UnknownButton));
                };
                Ok(Intake::Handle(Box::new(self.inbound(message)?)))
            }
            InteractionType::ModalSubmit => {
                let data: ModalData = self.data_as("modal submit")?;
                let Some(token) = data.custom_id.strip_prefix(CONFIRM_TYPED) else {
                    return Ok(Intake::Notice(Notice::UnknownButton));
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
                Ok(Intake::Handle(Box::new(self.inbound(message)?)))
            }
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
        inbound::from_interaction(self, message)
    }
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
        commands::HANDOFF => {
            let sub = data.options.first().ok_or(Notice::UnknownCommand)?;
            let action = match sub.name.as_str() {
                commands::CLAIM => AgentAction::Claim,
                commands::RESOLVE => AgentAction::Resolve,
                commands::RELEASE => AgentAction::Release,
                _ => return Err(Notice::UnknownCommand),
            };
            Message::Agent(AgentCommand {
                action,
                ticket: string(&sub.options, commands::TICKET).ok_or(Notice::MissingOption)?,
            })
        }
        _ => return Err(Notice::UnknownCommand),
    })
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
