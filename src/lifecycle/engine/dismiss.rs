//! Dismissing a proposal: the Cancel button. It uses the token up exactly as
//! a confirmation does (same store write path, audited, idempotent per
//! event), so the proposal's Confirm button can no longer act.

use chrono::{DateTime, Utc};

use super::token_use::TokenUse;
use super::Engine;
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
        let how = TokenUse {
            kind: AuditKind::Dismissed,
            stored: |o| match o {
                StoredOutcome::Dismissed(d) => Some(d),
                StoredOutcome::Proposed(_) | StoredOutcome::Confirmed(_) => None,
            },
            retry: |e| matches!(e, StoreError::Conflict(_)),
            race: "dismissal kept losing races",
        };
        let user = UserKey::of(identity);
        self.use_token(identity, token, event, now, how, |id, rec| {
            self.try_dismiss(&user, id, event, now, rec)
        })
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
