//! Dismissing a proposal: the Cancel button. It uses the token up exactly as
//! a confirmation does (same store write path, audited, idempotent per
//! event), so the proposal's Confirm button can no longer act.

use chrono::{DateTime, Utc};

use super::{user_actor, Engine, MAX_ATTEMPTS};
use crate::auth::UserKey;
use crate::lifecycle::audit::{AuditKind, AuditRecord};
use crate::lifecycle::error::LifecycleError;
use crate::lifecycle::outcome::{Dismissal, IdempotencyRecord, StoredOutcome};
use crate::lifecycle::token::{ConfirmationId, ConfirmationStatus, PendingConfirmation};
use crate::lifecycle::{Committed, Store, StoreError, WriteSet};
use crate::model::{EventId, Identity};

impl<S: Store> Engine<S> {
    /// The proposer drops the proposal with `token`. Dismissing one already
    /// dismissed answers the first dismissal again; a used or expired token,
    /// or someone else's, is refused like a confirmation would be.
    pub fn dismiss(
        &self,
        identity: &Identity,
        token: &str,
        event: &EventId,
        now: DateTime<Utc>,
    ) -> Result<Dismissal, LifecycleError> {
        let user = UserKey::of(identity);
        let as_dismissal = |o: StoredOutcome| match o {
            StoredOutcome::Dismissed(d) => Ok(d),
            _ => Err(LifecycleError::EventMismatch),
        };
        if let Some(o) = self.lookup_replay(event, &user)? {
            return as_dismissal(o);
        }
        let rec = AuditRecord::new(now, user_actor(identity), AuditKind::Dismissed).about(
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
            match self.try_dismiss(&user, id, event, now, &rec) {
                Err(LifecycleError::Internal(StoreError::Conflict(_))) => continue,
                Ok((Committed::Applied, dismissal)) => return Ok(dismissal),
                Ok((Committed::Replayed(r), _)) => return as_dismissal(self.replayed(*r, &user)?),
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict("dismissal kept losing races".into()).into())
    }

    fn try_dismiss(
        &self,
        user: &UserKey,
        id: ConfirmationId,
        event: &EventId,
        now: DateTime<Utc>,
        rec: &AuditRecord,
    ) -> Result<(Committed, Dismissal), LifecycleError> {
        let pending = self
            .store
            .confirmation(&id)?
            .ok_or(LifecycleError::TokenUnknown)
            .map_err(|e| self.refuse(e, rec.clone()))?;
        let rec = AuditRecord {
            role: Some(pending.role.into()),
            account: Some(pending.account.clone()),
            action: Some(pending.action.name().into()),
            ..rec.clone()
        }
        .on(pending.action.subscription());
        if &pending.proposer != user {
            return Err(self.refuse(LifecycleError::TokenForeign, rec));
        }
        let dismissal = |at| Dismissal {
            account: pending.account.clone(),
            action: pending.action.clone(),
            dismissed_at: at,
        };
        let err = match &pending.status {
            ConfirmationStatus::Dismissed { at, .. } => {
                // Already used up by a dismissal: nothing to write.
                self.store.sync()?;
                return Ok((Committed::Applied, dismissal(*at)));
            }
            ConfirmationStatus::Used { at, .. } => LifecycleError::TokenUsed { used_at: *at },
            ConfirmationStatus::Expired => LifecycleError::TokenExpired {
                expired_at: pending.expires_at,
            },
            ConfirmationStatus::Pending if now >= pending.expires_at => {
                LifecycleError::TokenExpired {
                    expired_at: pending.expires_at,
                }
            }
            ConfirmationStatus::Pending => {
                let done = dismissal(now);
                let ws = WriteSet {
                    audit: vec![rec.detail(format!("{} dismissed", pending.action.name()))],
                    idempotency: Some(IdempotencyRecord {
                        event: event.key(),
                        user: user.clone(),
                        at: now,
                        outcome: StoredOutcome::Dismissed(done.clone()),
                    }),
                    confirmations: vec![PendingConfirmation {
                        status: ConfirmationStatus::Dismissed {
                            at: now,
                            event: event.key(),
                        },
                        revision: pending.revision + 1,
                        ..pending
                    }],
                    ..WriteSet::default()
                };
                return Ok((self.store.commit(ws)?, done));
            }
        };
        Err(self.refuse(err, rec))
    }
}
