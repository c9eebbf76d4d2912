//! The synchronous core: loads records, runs the pure planner, and commits the change,
//! its audit records and its idempotency record as one durable write set.
//!
//! Every method takes `now` explicitly; the async [`super::LifecycleService`] supplies it
//! from its [`super::Clock`] and runs these methods on the blocking pool. The two steps of
//! a mutating action live in `propose.rs` and `confirm.rs` beside this file.

mod authorize;
mod confirm;
mod dismiss;
mod propose;
mod token_use;

pub use authorize::Attempt;

use super::audit::{Actor, AuditKind, AuditRecord};
use super::denials::{coalesced, DenialLimiter};
use super::error::LifecycleError;
use super::outcome::{IdempotencyRecord, StoredOutcome};
use super::plan::AccountView;
use super::policy::Policy;
use super::token::TokenKey;
use crate::auth::{AuthConfig, UserKey};
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
    pub(crate) denials: DenialLimiter,
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
            denials: DenialLimiter::default(),
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

    /// Records a user-facing refusal in the audit log and hands the error back. Refusals
    /// anyone can cause are coalesced per sender, target and action (`denials`).
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
            | LifecycleError::TokenDismissed { .. }
            | LifecycleError::TokenForeign
            | LifecycleError::TypedBackRequired { .. }
            | LifecycleError::TypedBackMismatch { .. } => AuditKind::ConfirmRejected,
            _ => AuditKind::Refused,
        };
        let rec = AuditRecord { kind, ..rec }.detail(err.to_string());
        let records = if coalesced(kind) {
            self.denials.admit(rec)
        } else {
            vec![rec]
        };
        if records.is_empty() {
            return err;
        }
        match self.record(records) {
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
                crate::model::Platform::Cli
                | crate::model::Platform::Console
                | crate::model::Platform::Web => false,
            };
            if bound && a.closed_at.is_none() {
                return Ok(Some(a.id));
            }
        }
        Ok(None)
    }
}
