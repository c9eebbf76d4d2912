//! What confirming and dismissing a proposal share: both use a token up, so
//! both answer a replayed event with its stored outcome, refuse (and audit)
//! a token that does not verify, and retry the store write when it loses a
//! race with another use of the same token.

use chrono::{DateTime, Utc};

use super::{user_actor, Engine, MAX_ATTEMPTS};
use crate::auth::UserKey;
use crate::lifecycle::audit::{AuditKind, AuditRecord};
use crate::lifecycle::error::LifecycleError;
use crate::lifecycle::outcome::StoredOutcome;
use crate::lifecycle::token::ConfirmationId;
use crate::lifecycle::{Committed, Store, StoreError};
use crate::model::{EventId, Identity};

/// How one kind of token use is recorded and retried.
pub(super) struct TokenUse<T> {
    /// The audit kind of its records.
    pub kind: AuditKind,
    /// Its own outcome among the stored ones (another kind is a mismatch).
    pub stored: fn(StoredOutcome) -> Option<T>,
    /// Store errors after which the attempt is run again.
    pub retry: fn(&StoreError) -> bool,
    /// What the error says when every attempt lost its race.
    pub race: &'static str,
}

impl<S: Store> Engine<S> {
    /// Runs `attempt` for the verified token's id until it commits, replays
    /// or fails for a reason other than a lost race.
    pub(super) fn use_token<T>(
        &self,
        identity: &Identity,
        token: &str,
        event: &EventId,
        now: DateTime<Utc>,
        how: TokenUse<T>,
        mut attempt: impl FnMut(ConfirmationId, &AuditRecord) -> Result<(Committed, T), LifecycleError>,
    ) -> Result<T, LifecycleError> {
        let user = UserKey::of(identity);
        let own = |o: StoredOutcome| (how.stored)(o).ok_or(LifecycleError::EventMismatch);
        if let Some(o) = self.lookup_replay(event, &user)? {
            return own(o);
        }
        let rec = AuditRecord::new(now, user_actor(identity), how.kind).about(
            None,
            None,
            None,
            Some(event),
        );
        let id = self
            .key
            .verify(token)
            .map_err(|e| self.refuse(e, rec.clone()))?;
        for _ in 0..MAX_ATTEMPTS {
            match attempt(id, &rec) {
                Err(LifecycleError::Internal(e)) if (how.retry)(&e) => continue,
                Ok((Committed::Applied, done)) => return Ok(done),
                Ok((Committed::Replayed(r), _)) => return own(self.replayed(*r, &user)?),
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(how.race.into()).into())
    }
}
