//! Step two of a mutating action: verify the token, re-authorize, re-plan and commit the
//! change with its audit and idempotency records.

use chrono::{DateTime, Utc};

use super::token_use::TokenUse;
use super::Engine;
use crate::auth::{self, UserKey};
use crate::lifecycle::action::Action;
use crate::lifecycle::audit::{AuditKind, AuditRecord};
use crate::lifecycle::error::LifecycleError;
use crate::lifecycle::outcome::{IdempotencyRecord, Receipt, StoredOutcome};
use crate::lifecycle::plan::plan;
use crate::lifecycle::token::{ConfirmationId, ConfirmationStatus, PendingConfirmation};
use crate::lifecycle::{Account, Subscription};
use crate::lifecycle::{Committed, Store, StoreError, WriteSet};
use crate::model::EventId;
use crate::model::Identity;

impl<S: Store> Engine<S> {
    /// Step two: the proposer confirms with the token (and, to close an account, the
    /// account id typed back). Authorization is re-checked now, so a role revoked since
    /// the proposal is refused.
    pub fn confirm(
        &self,
        identity: &Identity,
        token: &str,
        typed_back: Option<&str>,
        event: &EventId,
        now: DateTime<Utc>,
    ) -> Result<Receipt, LifecycleError> {
        let how = TokenUse {
            kind: AuditKind::Confirmed,
            stored: |o| match o {
                StoredOutcome::Confirmed(r) => Some(r),
                StoredOutcome::Proposed(_) | StoredOutcome::Dismissed(_) => None,
            },
            // A credit for the same term committed meanwhile is a lost race
            // too: the next attempt plans against it.
            retry: |e| {
                matches!(
                    e,
                    StoreError::Conflict(_) | StoreError::DuplicateCredit { .. }
                )
            },
            race: "confirmation kept losing races",
        };
        self.use_token(identity, token, event, now, how, |id, rec| {
            self.try_confirm(identity, id, typed_back, event, now, rec)
        })
    }

    fn try_confirm(
        &self,
        identity: &Identity,
        id: ConfirmationId,
        typed_back: Option<&str>,
        event: &EventId,
        now: DateTime<Utc>,
        rec: &AuditRecord,
    ) -> Result<(Committed, Receipt), LifecycleError> {
        let pending = self
            .store
            .confirmation(&id)?
            .ok_or(LifecycleError::TokenUnknown)
            .map_err(|e| self.refuse(e, rec.clone()))?;
        let account = pending.account.clone();
        let rec = AuditRecord {
            account: Some(account.clone()),
            action: Some(pending.action.name().into()),
            ..rec.clone()
        }
        .on(pending.action.subscription());
        let check = || -> Result<(), LifecycleError> {
            if pending.proposer != UserKey::of(identity) {
                return Err(LifecycleError::TokenForeign);
            }
            match &pending.status {
                ConfirmationStatus::Used { at, .. } => {
                    Err(LifecycleError::TokenUsed { used_at: *at })
                }
                ConfirmationStatus::Dismissed { at, .. } => {
                    Err(LifecycleError::TokenDismissed { dismissed_at: *at })
                }
                ConfirmationStatus::Expired => Err(LifecycleError::TokenExpired {
                    expired_at: pending.expires_at,
                }),
                ConfirmationStatus::Pending if now >= pending.expires_at => {
                    Err(LifecycleError::TokenExpired {
                        expired_at: pending.expires_at,
                    })
                }
                ConfirmationStatus::Pending => Ok(()),
            }
        };
        check().map_err(|e| self.refuse(e, rec.clone()))?;
        let view = self.view_for(&account, &pending.action)?;
        if let Some(closed_at) = view.account.closed_at {
            let err = LifecycleError::AccountClosed {
                account: account.clone(),
                closed_at,
            };
            return Err(self.refuse(err, rec));
        }
        let admin = auth::authorize(identity, &view.account, &self.auth)
            .map_err(|d| self.refuse(d.into(), rec.clone()))?;
        let rec = AuditRecord {
            role: Some(admin.role().into()),
            ..rec
        };
        if let Action::CloseAccount { .. } = pending.action {
            let typed = typed_back.map(str::trim);
            let err = match typed {
                None | Some("") => Some(LifecycleError::TypedBackRequired {
                    account: account.clone(),
                }),
                Some(t) if t != account.as_str() => Some(LifecycleError::TypedBackMismatch {
                    account: account.clone(),
                }),
                Some(_) => None,
            };
            if let Some(err) = err {
                return Err(self.refuse(err, rec));
            }
        }
        let rules = self.policy.rules_for(&view.account.country);
        let planned = match plan(&pending.action, &view, &rules, admin.role(), now) {
            Ok(p) => p,
            // A concurrent confirmation of the same token may have changed the state we
            // just read: retry, and the next attempt reports "already used" instead.
            Err(_)
                if self.store.confirmation(&id)?.map(|c| c.revision) != Some(pending.revision) =>
            {
                return Err(
                    StoreError::Conflict("confirmation changed while planning".into()).into(),
                );
            }
            Err(e) => return Err(self.refuse(e, rec)),
        };
        let mut audit: Vec<AuditRecord> = planned
            .changes
            .iter()
            .map(|(before, after)| rec.clone().change(before, after))
            .collect();
        // Actions that change no subscription (or the account as a whole) still get a
        // record tying the confirmation to its event.
        if audit.is_empty() || matches!(pending.action, Action::CloseAccount { .. }) {
            audit.push(
                rec.clone()
                    .on(pending.action.subscription())
                    .detail(format!("{} confirmed", pending.action.name())),
            );
        }
        let receipt = Receipt {
            account: account.clone(),
            action: pending.action.clone(),
            facts: planned.facts,
            confirmed_at: now,
        };
        let used = PendingConfirmation {
            status: ConfirmationStatus::Used {
                at: now,
                event: event.key(),
            },
            revision: pending.revision + 1,
            ..pending
        };
        let ws = WriteSet {
            accounts: planned
                .account
                .into_iter()
                .map(|a| Account {
                    revision: a.revision + 1,
                    ..a
                })
                .collect(),
            subscriptions: planned
                .changes
                .into_iter()
                .map(|(_, s)| Subscription {
                    revision: s.revision + 1,
                    ..s
                })
                .collect(),
            credits: planned.credits,
            audit,
            confirmations: vec![used],
            purge_confirmations: Vec::new(),
            idempotency: Some(IdempotencyRecord {
                event: event.key(),
                user: UserKey::of(identity),
                at: now,
                outcome: StoredOutcome::Confirmed(receipt.clone()),
            }),
        };
        Ok((self.store.commit(ws)?, receipt))
    }
}
