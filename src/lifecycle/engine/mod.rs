//! The synchronous core: loads records, runs the pure planner, and commits the change,
//! its audit records and its idempotency record as one durable write set.
//!
//! Every method takes `now` explicitly; the async [`super::LifecycleService`] supplies it
//! from its [`super::Clock`] and runs these methods on the blocking pool. The two steps of
//! a mutating action live in `propose.rs` and `confirm.rs` beside this file.

use chrono::{DateTime, Utc};

mod confirm;
mod propose;

use super::audit::{Actor, AuditKind, AuditRecord};
use super::error::LifecycleError;
use super::outcome::{AccountStatus, IdempotencyRecord, StoredOutcome};
use super::plan::AccountView;
use super::policy::Policy;
use super::token::TokenKey;
use crate::auth::{self, AuthConfig, UserKey, VerifiedAdmin};
use crate::lifecycle::{Store, StoreError, WriteSet};
use crate::model::Identity;
use crate::model::{AccountId, EventId};

/// Lost optimistic-concurrency races are retried this many times before giving up.
pub(crate) const MAX_ATTEMPTS: usize = 8;

/// The lifecycle core over a [`Store`].
#[derive(Debug)]
pub struct Engine<S> {
    pub(crate) store: S,
    pub(crate) policy: Policy,
    pub(crate) auth: AuthConfig,
    pub(crate) key: TokenKey,
}

pub(crate) fn user_actor(identity: &Identity) -> Actor {
    Actor::User(UserKey::of(identity))
}

pub(crate) fn internal_rng(e: getrandom::Error) -> LifecycleError {
    LifecycleError::Internal(StoreError::Io(format!("random number generator: {e}")))
}

impl<S: Store> Engine<S> {
    /// Builds the engine; `policy` and `auth` are read once at start-up.
    pub fn new(store: S, policy: Policy, auth: AuthConfig, key: TokenKey) -> Self {
        Engine {
            store,
            policy,
            auth,
            key,
        }
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Commits audit-only records (denials, rejections); durable on return.
    pub(crate) fn record(&self, records: Vec<AuditRecord>) -> Result<(), LifecycleError> {
        self.store.commit(WriteSet {
            audit: records,
            ..WriteSet::default()
        })?;
        Ok(())
    }

    /// Records a user-facing refusal in the audit log and hands the error back.
    pub(crate) fn refuse(&self, err: LifecycleError, rec: AuditRecord) -> LifecycleError {
        if err.is_internal() {
            return err;
        }
        let kind = match err {
            LifecycleError::Denied(_) => AuditKind::Denied,
            LifecycleError::TokenMalformed
            | LifecycleError::TokenUnknown
            | LifecycleError::TokenExpired { .. }
            | LifecycleError::TokenUsed { .. }
            | LifecycleError::TokenForeign
            | LifecycleError::TypedBackRequired { .. }
            | LifecycleError::TypedBackMismatch { .. } => AuditKind::ConfirmRejected,
            _ => AuditKind::Refused,
        };
        let rec = AuditRecord { kind, ..rec }.detail(err.to_string());
        match self.record(vec![rec]) {
            Ok(()) => err,
            Err(store_err) => store_err,
        }
    }

    pub(crate) fn load_account(&self, id: &AccountId) -> Result<super::Account, LifecycleError> {
        self.store
            .account(id)?
            .ok_or_else(|| LifecycleError::AccountNotFound(id.clone()))
    }

    /// The records `action` needs: one subscription for single-subscription actions
    /// (cheap), everything for account-wide ones.
    pub(crate) fn view_for(
        &self,
        id: &AccountId,
        action: &super::Action,
    ) -> Result<AccountView, LifecycleError> {
        let Some(sub) = action.subscription() else {
            return self.view(id);
        };
        Ok(AccountView {
            account: self.load_account(id)?,
            subscriptions: self.store.subscription(id, sub)?.into_iter().collect(),
            credits: self.store.credits(id)?,
        })
    }

    pub(crate) fn view(&self, id: &AccountId) -> Result<AccountView, LifecycleError> {
        Ok(AccountView {
            account: self.load_account(id)?,
            subscriptions: self.store.subscriptions(id)?,
            credits: self.store.credits(id)?,
        })
    }

    /// Authorizes `identity` to mutate `account`, recording denials in the audit log.
    pub fn authorize(
        &self,
        identity: &Identity,
        account: &AccountId,
        event: Option<&EventId>,
        now: DateTime<Utc>,
    ) -> Result<VerifiedAdmin, LifecycleError> {
        let acc = self.load_account(account)?;
        let rec = AuditRecord::new(now, user_actor(identity), AuditKind::Denied).about(
            None,
            None,
            Some(account),
            event,
        );
        let admin = auth::authorize(identity, &acc, &self.auth)
            .map_err(|d| self.refuse(d.into(), rec.clone()))?;
        match acc.closed_at {
            Some(closed_at) => {
                let err = LifecycleError::AccountClosed {
                    account: account.clone(),
                    closed_at,
                };
                Err(self.refuse(
                    err,
                    AuditRecord {
                        role: Some(admin.role().into()),
                        ..rec
                    },
                ))
            }
            None => Ok(admin),
        }
    }

    /// Read-only status for admins and members of a bound guild/tenant.
    pub fn status(
        &self,
        identity: &Identity,
        account: &AccountId,
    ) -> Result<AccountStatus, LifecycleError> {
        let view = self.view(account)?;
        let role = auth::authorize_read(identity, &view.account, &self.auth)?;
        if let Some(closed_at) = view.account.closed_at {
            return Err(LifecycleError::AccountClosed {
                account: account.clone(),
                closed_at,
            });
        }
        Ok(AccountStatus {
            role,
            account: view.account,
            subscriptions: view.subscriptions,
            credits: view.credits,
        })
    }

    /// Returns the stored outcome for a replayed event, after making sure it is durable.
    pub(crate) fn replayed(
        &self,
        rec: IdempotencyRecord,
        user: &UserKey,
    ) -> Result<StoredOutcome, LifecycleError> {
        if &rec.user != user {
            return Err(LifecycleError::EventMismatch);
        }
        self.store.sync()?;
        Ok(rec.outcome)
    }

    pub(crate) fn lookup_replay(
        &self,
        event: &EventId,
        user: &UserKey,
    ) -> Result<Option<StoredOutcome>, LifecycleError> {
        match self.store.outcome(&event.key())? {
            Some(rec) => self.replayed(rec, user).map(Some),
            None => Ok(None),
        }
    }

    /// The open account bound to the speaker's Discord guild or Teams tenant, if any.
    pub fn account_for_scope(
        &self,
        identity: &Identity,
    ) -> Result<Option<AccountId>, LifecycleError> {
        let Some(scope) = identity.scope.as_deref() else {
            return Ok(None);
        };
        for a in self.store.accounts()? {
            let bound = match identity.platform {
                crate::model::Platform::Discord => a.has_discord_guild(scope),
                crate::model::Platform::Teams | crate::model::Platform::TeamsWebhook => {
                    a.has_teams_tenant(scope)
                }
                crate::model::Platform::Cli => false,
            };
            if bound && a.closed_at.is_none() {
                return Ok(Some(a.id));
            }
        }
        Ok(None)
    }
}
