//! Authorization refusals with user-facing reasons.

use serde::{Deserialize, Serialize};

/// Why authorization failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    /// The platform could not vouch for the user (e.g. Teams outgoing webhook).
    Unverified,
    /// Direct messages carry no guild or tenant to check admin rights against.
    DirectMessage,
    /// Verified user, but without admin rights.
    NotAdmin,
    /// Admin of a guild/tenant that is not bound to this account.
    ScopeNotBound,
    /// The evidence does not belong to the platform it claims (a transport bug).
    EvidenceMismatch,
}

/// A refusal with a user-facing reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub struct Denied {
    /// The machine-readable reason.
    pub reason: DenyReason,
}

impl Denied {
    pub(crate) fn new(reason: DenyReason) -> Self {
        Denied { reason }
    }

    /// English text for the user; the chat layer may localize by `reason` instead.
    pub fn message(&self) -> &'static str {
        match self.reason {
            DenyReason::Unverified => "Account changes can't be made from here because this channel can't verify who you are. Use the bot's slash command or the Teams app instead.",
            DenyReason::DirectMessage => "Account changes can't be made in direct messages. Run the command in your organisation's server or team.",
            DenyReason::NotAdmin => "Only an administrator of this account can do that.",
            DenyReason::ScopeNotBound => "This server or tenant is not linked to that account.",
            DenyReason::EvidenceMismatch => "Your identity could not be verified for this request.",
        }
    }
}
