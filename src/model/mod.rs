//! The types every transport speaks: who is asking ([`Identity`]), what they
//! sent ([`Inbound`]) and what the bot answers ([`Reply`]).
//!
//! Transports build an `Inbound` only from what the platform signed or the
//! local process knows; the bot never reads identity or roles from message
//! text.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod excerpt;
mod ids;
mod key;

pub use excerpt::{excerpt, ECHO_CHARS};
pub use ids::{AccountId, CountryCode, EventId, IdError, SubscriptionId};
pub use key::{bounded_key, MAX_KEY_BYTES};

use crate::intent::{Candidate, Slots};
use crate::locale::LocaleSource;

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// The local command line.
    Cli,
    /// Discord (gateway or HTTP interactions).
    Discord,
    /// A Microsoft Teams bot (Bot Framework).
    Teams,
    /// A Microsoft Teams outgoing webhook.
    TeamsWebhook,
    /// The operator console (`serve`, under `/console`): a signed-in operator.
    Console,
    /// The web chat (`/chat`, the widget, Direct Line clients): anonymous
    /// visitors, always [`Evidence::Unverified`].
    Web,
}

impl Platform {
    /// Stable lowercase name, as serialised and used in storage keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Cli => "cli",
            Platform::Discord => "discord",
            Platform::Teams => "teams",
            Platform::TeamsWebhook => "teams_webhook",
            Platform::Console => "console",
            Platform::Web => "web",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is speaking, from signed platform data only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    /// Platform of the speaker.
    pub platform: Platform,
    /// Discord user snowflake, Teams `aadObjectId`, `operator` for the CLI.
    pub user_id: String,
    /// Discord guild id or Teams tenant id; `None` in DMs and on the CLI.
    pub scope: Option<String>,
    /// What the platform vouched for.
    pub evidence: Evidence,
}

/// What a platform vouched for about the speaker.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// The local operator who owns the database files.
    LocalOperator,
    /// From a signed Discord interaction's member object.
    Discord {
        /// The member's channel permissions bit set.
        permissions: u64,
        /// The member's role ids.
        role_ids: Vec<u64>,
    },
    /// From a JWT-verified Teams activity.
    Teams {
        /// The Entra object id of the sender.
        aad_object_id: Option<String>,
    },
    /// Nothing verifiable (Teams outgoing webhook, web chat visitors): never
    /// grants a role.
    Unverified,
    /// A valid console session of an operator with the admin role (built
    /// only by `operator::SignedIn::identity`, which only a checked session
    /// yields).
    ConsoleAdmin,
    /// A valid console session of an operator with the agent role.
    ConsoleAgent,
}

impl Identity {
    /// The local CLI operator.
    pub fn local_operator() -> Identity {
        Identity {
            platform: Platform::Cli,
            user_id: "operator".into(),
            scope: None,
            evidence: Evidence::LocalOperator,
        }
    }
}

/// One incoming message or command, adapted from a platform payload.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// Platform event id (Discord interaction id, Teams activity id, CLI
    /// request id): the idempotency key of any action it triggers.
    pub event_id: String,
    /// Who sent it.
    pub identity: Identity,
    /// Conversation (channel, chat) the reply goes to, for per-conversation
    /// state such as offered choices.
    pub conversation: String,
    /// Locales the platform reports, most specific first (user locale, then
    /// guild locale). Empty when unknown.
    pub locales: Vec<String>,
    /// What was sent.
    pub message: Message,
    /// When the platform says it was sent (or when we received it).
    pub received_at: DateTime<Utc>,
}

/// The content of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Free chat text.
    Text(String),
    /// Help on a topic (an intent name) or in general.
    Help {
        /// Intent name, or `None` for the overview.
        topic: Option<String>,
    },
    /// Explain the last answer given in this conversation.
    Why,
    /// A subscription-lifecycle command (slash command, button, admin CLI,
    /// or chat text such as "cancel SUB-1" / "confirm TOKEN").
    Command(Command),
    /// A support agent acting on a handoff ticket (Discord `/handoff`, a
    /// Teams card's Claim or Resolve). Who may is decided by `auth` from the
    /// signed identity, never by the transport.
    Agent(AgentCommand),
    /// A "Did this help?" button (or the "ask a person" offer after a no)
    /// pressed about the answer with key `answer`.
    Feedback {
        /// The answer key.
        answer: String,
        /// Which button.
        choice: FeedbackChoice,
    },
}

/// What an agent does to a handoff ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentAction {
    /// Take the ticket (first come, first served).
    Claim,
    /// Finish it; the bot answers the user again.
    Resolve,
    /// Hand it back to the bot without resolving it.
    Release,
}

/// An agent's command on one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCommand {
    /// What to do.
    pub action: AgentAction,
    /// The ticket as given (`H-3` or `3`); parsed by the handoff.
    pub ticket: String,
}

/// Subscription-lifecycle commands. Mutating ones are two-step: the bot
/// replies with what will happen and a confirmation token; `Confirm` with
/// that token (from the same identity, within 15 minutes, once) acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Show an account's subscriptions; `None` means the account bound to
    /// the speaker's guild or tenant.
    Status {
        /// Account id.
        account: Option<String>,
    },
    /// Cancel a subscription (disabled, then deleted after the policy's days).
    Cancel {
        /// Subscription id.
        subscription: String,
    },
    /// Issue the prorated refund credit for a subscription's unused term.
    Refund {
        /// Subscription id.
        subscription: String,
    },
    /// Reactivate a disabled subscription within its window.
    Reactivate {
        /// Subscription id.
        subscription: String,
    },
    /// Close a whole account (needs the account id typed back to confirm).
    CloseAccount {
        /// Account id.
        account: String,
    },
    /// Export an account's data as JSON.
    Export {
        /// Account id; `None` means the account bound to the speaker's scope.
        account: Option<String>,
    },
    /// Confirm a proposed action.
    Confirm {
        /// The token from the proposal.
        token: String,
        /// The account id typed back, for closing an account.
        typed: Option<String>,
    },
    /// Drop a proposed action.
    Dismiss {
        /// The token from the proposal.
        token: String,
    },
}

/// How widely a reply should be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone in the conversation.
    #[default]
    Public,
    /// Only the person who asked (Discord ephemeral).
    Private,
}

/// A follow-up the user can pick (numbered in text, buttons on platforms).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyChoice {
    /// 1-based number accepted as a text answer.
    pub number: usize,
    /// Intent it leads to.
    pub intent: String,
    /// Localized label.
    pub label: String,
}

/// What the bot answers. Transports render it for their platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// The request intent the answer is about (`cancel`, `refund`, `close`),
    /// or `None` for help, greetings and messages the bot did not recognise.
    pub intent: Option<String>,
    /// Request intents the message matched, best first.
    pub candidates: Vec<Candidate>,
    /// Locale the answer is written in.
    pub locale: String,
    /// Locales tried, in order; the answer came from the first that had it.
    pub fallback_chain: Vec<String>,
    /// How the preferred locale was chosen.
    pub locale_source: LocaleSource,
    /// Full id of the rule that decided, if any.
    pub rule: Option<String>,
    /// Full ids of the rules a guard vetoed on this message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vetoed: Vec<String>,
    /// Answer key that was rendered.
    pub answer_key: String,
    /// Title of the answer, if it has one.
    pub title: Option<String>,
    /// The answer, as markdown.
    pub markdown: String,
    /// Choices offered instead of picking one of several intents.
    pub choices: Vec<ReplyChoice>,
    /// Slots found in the message.
    pub slots: Slots,
    /// Who should see it.
    pub visibility: Visibility,
    /// Buttons (Discord components, Teams card actions) for confirmations.
    pub buttons: Vec<Button>,
    /// A file to attach (account exports).
    pub attachment: Option<Attachment>,
}

/// A button under a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Button {
    /// Localized label.
    pub label: String,
    /// What pressing it does.
    pub action: ButtonAction,
    /// How prominent it is.
    pub style: ButtonStyle,
}

/// What a button does. Transports encode it in the platform's custom id or
/// card data (a token is at most 64 characters, so `confirm:`/`dismiss:` plus
/// the token fits Discord's 100-character `custom_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ButtonAction {
    /// Confirm the proposal with this token.
    Confirm {
        /// Confirmation token.
        token: String,
        /// True when the account id must be typed back (a modal or input).
        needs_typed_account: bool,
    },
    /// Drop the proposal with this token.
    Dismiss {
        /// Confirmation token.
        token: String,
    },
    /// "Did this help?" about the answer `answer` (its key): yes, no, or
    /// (offered after a no) ask a person.
    Feedback {
        /// The answer key the feedback is about.
        answer: String,
        /// Which button.
        choice: FeedbackChoice,
    },
}

/// The buttons of "Did this help?" and the offer after a no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackChoice {
    /// It helped.
    Helped,
    /// It did not.
    NotHelped,
    /// After a no: hand the conversation to a person.
    AskPerson,
}

impl FeedbackChoice {
    /// Short stable name, used in custom ids and card data.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackChoice::Helped => "yes",
            FeedbackChoice::NotHelped => "no",
            FeedbackChoice::AskPerson => "ask",
        }
    }

    /// Reads [`FeedbackChoice::as_str`] back.
    pub fn parse(text: &str) -> Option<FeedbackChoice> {
        match text {
            "yes" => Some(FeedbackChoice::Helped),
            "no" => Some(FeedbackChoice::NotHelped),
            "ask" => Some(FeedbackChoice::AskPerson),
            _ => None,
        }
    }
}

/// Button prominence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonStyle {
    /// The destructive confirmation.
    Danger,
    /// The safe choice.
    Secondary,
}

/// A file attached to a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// File name, e.g. `ACME-export.json`.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// Contents.
    pub text: String,
}
