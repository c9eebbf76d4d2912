//! supportbot: a support assistant for chat that recognises requests to
//! cancel a subscription, get a refund or close an account, and answers them
//! in the user's language.
//!
//! # Layout
//!
//! - [`intent`]: rule files → one multi-pattern automaton → ranked,
//!   explainable intents. Unicode-correct word boundaries at DFA speed via
//!   an ASCII-safe text encoding ([`intent::normalize`], [`intent::ascii_safe`]).
//! - [`locale`]: tag aliases (`no` ↔ `nb-NO`), negotiation, fallback chains,
//!   language detection.
//! - [`answer`]: localized templates with dates, numbers and plurals;
//!   [`answer::render`] turns reply markdown into Discord, Teams or plain text.
//! - [`article`]: import of Microsoft Docs localized help articles into
//!   literal answers keyed by slug and locale.
//! - [`knowledge`]: rules + locales + answers, validated as one unit.
//! - [`lifecycle`]: accounts, subscriptions, policy, transitions, prorated
//!   credit, two-step confirmation, audit and the scheduler.
//! - [`auth`]: roles from signed identity; `VerifiedAdmin` is the only way
//!   into mutating lifecycle calls.
//! - [`store`]: adapters of the lifecycle's storage port ([`lifecycle::Store`]):
//!   memory, and sled with its redo journal (`store/sled.rs` is the only sled user).
//! - [`config`]: one loader (file, then `SUPPORTBOT_*` environment, then
//!   flags) into typed settings.
//! - [`conversation`]: `Bot::handle(Inbound) -> Reply`, the entry point of
//!   every transport: routing, the reply locale, reply builders, lifecycle
//!   commands and session memory.
//! - [`handoff`]: handing a conversation to a person: tickets, first-come
//!   claims, the quiet bot while a person has it; owns its port
//!   [`handoff::TicketStore`].
//! - [`record`]: the conversation record: every handled message, redacted
//!   before it is stored ([`record::redact`]), kept for the retention, read
//!   by `supportbot report` and the privacy export/erase; owns its port
//!   [`record::RecordStore`].
//! - [`model`]: `Inbound`, `Reply`, `Identity`.
//! - [`operator`]: console operators (Argon2id passwords, roles) and their
//!   sessions; owns its port [`operator::OperatorStore`].
//! - [`transport`]: the `serve` HTTP server and the platform transports
//!   (Discord interactions, Teams bot and outgoing webhook), adapting signed
//!   payloads to `Inbound` and rendering `Reply` back.
//! - [`cli`]: the command-line transport and tools (`ask`, `classify`,
//!   `explain`, `eval`, `intents check`).
//!
//! # Invariants
//!
//! 1. `intent`, `locale` and `answer` know nothing of chat platforms, HTTP
//!    or storage (`tests/architecture.rs` checks the imports).
//! 2. A `Knowledge` value exists only if every rule compiled, every example
//!    agreed and every template rendered; reloads swap whole values.
//! 3. Identity comes from what the platform signed, never from text.

pub mod answer;
pub mod article;
pub mod auth;
pub mod cli;
pub mod config;
pub mod conversation;
pub mod handoff;
pub mod intent;
pub mod knowledge;
pub mod lifecycle;
pub mod locale;
pub mod model;
pub mod operator;
pub mod record;
pub mod source;
pub mod store;
pub mod transport;

pub use conversation::Bot;
pub use knowledge::Knowledge;
pub use model::{Identity, Inbound, Message, Platform, Reply};
