//! Replying to the user from outside their platform: an agent who works a
//! ticket in the operator console writes back through the transport the
//! conversation is on. Transports implement [`UserRelay`]; the handoff
//! checks who may reply (the agent holding the claim) before any relay runs.

use futures_util::future::BoxFuture;

use super::desk::DeskError;
use super::ticket::Ticket;

/// Longest agent reply accepted, in characters: chat platforms cut longer
/// messages anyway (Discord at 2000).
pub const MAX_REPLY_CHARS: usize = 2000;

/// A way to send an agent's words into a ticket's conversation.
pub trait UserRelay: Send + Sync + 'static {
    /// Short name for the log and for errors (`web`).
    fn name(&self) -> &'static str;
    /// Whether this relay reaches the user of `ticket`.
    fn reaches(&self, ticket: &Ticket) -> bool;
    /// Sends `text`, signed with `agent`'s display name, into the ticket's
    /// conversation. Plain text: nothing the agent writes is rendered as
    /// markup by the receiving client.
    fn send<'a>(
        &'a self,
        ticket: &'a Ticket,
        agent: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), DeskError>>;
}
