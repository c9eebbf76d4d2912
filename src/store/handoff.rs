//! The handoff's records on the shared commit path: key layout, the
//! revision checks of [`HandoffWrite`], and the [`TicketStore`] read
//! methods written once over [`Raw`](super::raw::Raw).

use super::codec::{decode, encode, encode_versioned, split, Tree};
use super::commit::Tx;
use crate::handoff::{Feedback, HandoffCommitted, HandoffWrite, TicketId, UserKey};
use crate::lifecycle::StoreError;

/// Key of a ticket: its number, big-endian, so keys sort by id.
pub(crate) fn ticket_key(id: TicketId) -> Vec<u8> {
    id.number().to_be_bytes().to_vec()
}

/// Key of a history entry: ticket, then the revision it produced.
pub(crate) fn history_key(id: TicketId, revision: u64) -> Vec<u8> {
    let mut k = ticket_key(id);
    k.extend_from_slice(&revision.to_be_bytes());
    k
}

/// Key of a user's state in a conversation. Platform ids never contain NUL.
pub(crate) fn user_key(key: &UserKey) -> Vec<u8> {
    let mut k = key.platform.as_str().as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(key.conversation.as_bytes());
    k.push(0);
    k.extend_from_slice(key.user_id.as_bytes());
    k
}

/// Key of a feedback record: answer key, locale, then the event, so records
/// group by answer and locale and a re-delivered click overwrites itself.
pub(crate) fn feedback_key(f: &Feedback) -> Vec<u8> {
    let mut k = f.answer.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(f.locale.as_bytes());
    k.push(0);
    k.extend_from_slice(f.event.as_bytes());
    k
}

/// One encoded write and, for versioned records, the revision it carries.
struct Put {
    tree: Tree,
    key: Vec<u8>,
    value: Vec<u8>,
    revision: Option<u64>,
}

fn plan(w: &HandoffWrite) -> Result<Vec<Put>, StoreError> {
    let mut puts = Vec::new();
    for t in &w.tickets {
        puts.push(Put {
            tree: Tree::Tickets,
            key: ticket_key(t.id),
            value: encode_versioned(Tree::Tickets, t.revision, t)?,
            revision: Some(t.revision),
        });
    }
    for h in &w.history {
        puts.push(Put {
            tree: Tree::TicketHistory,
            key: history_key(h.ticket, h.revision),
            value: encode(Tree::TicketHistory, h)?,
            revision: Some(0),
        });
    }
    for u in &w.users {
        puts.push(Put {
            tree: Tree::HandoffUsers,
            key: user_key(&u.key),
            value: encode_versioned(Tree::HandoffUsers, u.revision, u)?,
            revision: Some(u.revision),
        });
    }
    for f in &w.feedback {
        puts.push(Put {
            tree: Tree::Feedback,
            key: feedback_key(f),
            value: encode(Tree::Feedback, f)?,
            revision: None,
        });
    }
    // Last: a reader that sees the event's record already sees its ticket.
    if let Some((event, id)) = &w.event {
        puts.push(Put {
            tree: Tree::HandoffEvents,
            key: event.as_bytes().to_vec(),
            value: encode(Tree::HandoffEvents, id)?,
            revision: None,
        });
    }
    Ok(puts)
}

/// Applies a handoff write inside a backend transaction; all checks run
/// before the first write. History entries must be new (revision 0 check on
/// their unique key), which keeps the history append-only.
pub(crate) fn apply<X: Tx>(
    tx: &X,
    w: &HandoffWrite,
) -> Result<Result<HandoffCommitted, StoreError>, X::E> {
    if let Some((event, _)) = &w.event {
        if let Some(bytes) = tx.get(Tree::HandoffEvents, event.as_bytes())? {
            return Ok(decode(Tree::HandoffEvents, event.as_bytes(), &bytes)
                .map(HandoffCommitted::Replayed));
        }
    }
    let puts = match plan(w) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    for p in &puts {
        let Some(new) = p.revision else { continue };
        let ok = match tx.get(p.tree, &p.key)? {
            None => new == 0,
            Some(bytes) => match split(p.tree, &p.key, &bytes) {
                Ok((stored, _)) => new != 0 && stored.checked_add(1) == Some(new),
                Err(e) => return Ok(Err(e)),
            },
        };
        if !ok {
            return Ok(Err(StoreError::Conflict(format!(
                "{} {}",
                p.tree.name(),
                String::from_utf8_lossy(&p.key)
            ))));
        }
    }
    for p in puts {
        tx.put(p.tree, p.key, p.value)?;
    }
    Ok(Ok(HandoffCommitted::Applied))
}

/// Implements [`TicketStore`](crate::handoff::TicketStore) for a type with an
/// inherent `raw_commit_handoff` method and a `Raw` impl.
macro_rules! impl_ticket_store {
    ($t:ty) => {
        impl $crate::handoff::TicketStore for $t {
            fn ticket(
                &self,
                id: $crate::handoff::TicketId,
            ) -> Result<Option<$crate::handoff::Ticket>, StoreError> {
                raw::one(self, Tree::Tickets, &super::handoff::ticket_key(id))
            }
            fn tickets(&self) -> Result<Vec<$crate::handoff::Ticket>, StoreError> {
                raw::list(self, Tree::Tickets, b"")
            }
            fn last_ticket_id(&self) -> Result<Option<$crate::handoff::TicketId>, StoreError> {
                let mut last = None;
                raw::Raw::scan(self, Tree::Tickets, b"", &mut |k, _| {
                    if let Ok(n) = <[u8; 8]>::try_from(k) {
                        last = Some($crate::handoff::TicketId::new(u64::from_be_bytes(n)));
                    }
                    Ok(())
                })?;
                Ok(last)
            }
            fn ticket_history(
                &self,
                id: $crate::handoff::TicketId,
            ) -> Result<Vec<$crate::handoff::HistoryEntry>, StoreError> {
                raw::list(self, Tree::TicketHistory, &super::handoff::ticket_key(id))
            }
            fn user_state(
                &self,
                key: &$crate::handoff::UserKey,
            ) -> Result<Option<$crate::handoff::UserState>, StoreError> {
                raw::one(self, Tree::HandoffUsers, &super::handoff::user_key(key))
            }
            fn ticket_for_event(
                &self,
                event_key: &str,
            ) -> Result<Option<$crate::handoff::TicketId>, StoreError> {
                raw::one(self, Tree::HandoffEvents, event_key.as_bytes())
            }
            fn commit_handoff(
                &self,
                writes: $crate::handoff::HandoffWrite,
            ) -> Result<$crate::handoff::HandoffCommitted, StoreError> {
                self.raw_commit_handoff(writes)
            }
            fn feedback(&self) -> Result<Vec<$crate::handoff::Feedback>, StoreError> {
                raw::list(self, Tree::Feedback, b"")
            }
        }
    };
}
pub(crate) use impl_ticket_store;
