//! The async face of the lifecycle core. Every storage touch runs on tokio's blocking
//! pool (`spawn_blocking`), so sled's synchronous I/O and the group-commit wait never
//! stall a runtime worker thread.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::account::Account;
use super::action::Action;
use super::audit::AuditRecord;
use super::clock::Clock;
use super::engine::Attempt;
use super::engine::Engine;
use super::error::LifecycleError;
use super::outcome::{
    AccountStatus, Dismissal, Export, Proposal, Receipt, StoredOutcome, TickReport,
};
use super::policy::Policy;
use super::seed::Seed;
use super::token::TokenKey;
use crate::auth::{AuthConfig, UserKey, VerifiedAdmin, VerifiedOperator};
use crate::lifecycle::{Store, StoreError};
use crate::model::Identity;
use crate::model::{AccountId, EventId, SubscriptionId};

/// Cheap to clone; share one per process.
pub struct LifecycleService<S> {
    engine: Arc<Engine<S>>,
    clock: Arc<dyn Clock>,
}

impl<S> Clone for LifecycleService<S> {
    fn clone(&self) -> Self {
        LifecycleService {
            engine: Arc::clone(&self.engine),
            clock: Arc::clone(&self.clock),
        }
    }
}

impl<S: Store> LifecycleService<S> {
    /// Builds the service. `policy` and `auth` come from settings, read once at start-up.
    pub fn new(
        store: S,
        policy: Policy,
        auth: AuthConfig,
        clock: Arc<dyn Clock>,
        key: TokenKey,
    ) -> Self {
        LifecycleService {
            engine: Arc::new(Engine::new(store, policy, auth, key)),
            clock,
        }
    }

    /// The synchronous core (for the CLI and tests).
    pub fn engine(&self) -> &Arc<Engine<S>> {
        &self.engine
    }

    /// The service's notion of now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, LifecycleError>
    where
        T: Send + 'static,
        F: FnOnce(&Engine<S>, DateTime<Utc>) -> Result<T, LifecycleError> + Send + 'static,
    {
        let engine = Arc::clone(&self.engine);
        let now = self.clock.now();
        tokio::task::spawn_blocking(move || f(&engine, now))
            .await
            .map_err(|e| {
                LifecycleError::Internal(StoreError::Io(format!("storage task failed: {e}")))
            })?
    }

    /// Authorizes `identity` to mutate `account`; denials are audited.
    pub async fn authorize(
        &self,
        identity: &Identity,
        account: &AccountId,
        event: Option<&EventId>,
    ) -> Result<VerifiedAdmin, LifecycleError> {
        self.authorize_for(identity, account, None, event).await
    }

    /// Authorizes `identity` to try `attempt` on `account`; a denial record names it.
    pub async fn authorize_for(
        &self,
        identity: &Identity,
        account: &AccountId,
        attempt: Option<Attempt>,
        event: Option<&EventId>,
    ) -> Result<VerifiedAdmin, LifecycleError> {
        let (identity, account, event) = (identity.clone(), account.clone(), event.cloned());
        self.blocking(move |e, now| {
            e.authorize_for(&identity, &account, attempt.as_ref(), event.as_ref(), now)
        })
        .await
    }

    /// Authorizes reading `account`'s records (audit log, export); support agents may
    /// read a closed account's too.
    pub async fn authorize_records(
        &self,
        identity: &Identity,
        account: &AccountId,
        attempt: Option<Attempt>,
        event: Option<&EventId>,
    ) -> Result<VerifiedAdmin, LifecycleError> {
        let (identity, account, event) = (identity.clone(), account.clone(), event.cloned());
        self.blocking(move |e, now| {
            e.authorize_records(&identity, &account, attempt.as_ref(), event.as_ref(), now)
        })
        .await
    }

    /// The one account `identity` administers that has `subscription`; refusals read
    /// the same whether other accounts have it or not.
    pub async fn holder_for(
        &self,
        identity: &Identity,
        attempt: Attempt,
        subscription: SubscriptionId,
        event: Option<&EventId>,
    ) -> Result<AccountId, LifecycleError> {
        let (identity, event) = (identity.clone(), event.cloned());
        self.blocking(move |e, now| {
            e.holder_for(&identity, &attempt, subscription, event.as_ref(), now)
        })
        .await
    }

    /// The account bound to the speaker's guild or tenant, if any.
    pub async fn account_for_scope(
        &self,
        identity: &Identity,
    ) -> Result<Option<AccountId>, LifecycleError> {
        let identity = identity.clone();
        self.blocking(move |e, _| e.account_for_scope(&identity))
            .await
    }

    /// Accounts that have a subscription with this id, whoever asks (for the local
    /// operator; chat commands use [`LifecycleService::holder_for`]).
    pub async fn accounts_with_subscription(
        &self,
        subscription: SubscriptionId,
    ) -> Result<Vec<AccountId>, LifecycleError> {
        self.blocking(move |e, _| {
            let mut found = Vec::new();
            for account in e.store().accounts()? {
                if e.store().subscription(&account.id, subscription)?.is_some() {
                    found.push(account.id);
                }
            }
            Ok(found)
        })
        .await
    }

    /// Read-only status (admins, and members of a bound guild/tenant).
    pub async fn status(
        &self,
        identity: &Identity,
        account: &AccountId,
    ) -> Result<AccountStatus, LifecycleError> {
        let (identity, account) = (identity.clone(), account.clone());
        self.blocking(move |e, _| e.status(&identity, &account))
            .await
    }

    /// Step one of a mutating action.
    pub async fn propose(
        &self,
        admin: &VerifiedAdmin,
        action: Action,
        event: &EventId,
    ) -> Result<Proposal, LifecycleError> {
        let (admin, event) = (admin.clone(), event.clone());
        self.blocking(move |e, now| e.propose(&admin, action, &event, now))
            .await
    }

    /// Step two: confirm a proposal (typed-back account id needed to close an account).
    pub async fn confirm(
        &self,
        identity: &Identity,
        token: &str,
        typed_back: Option<&str>,
        event: &EventId,
    ) -> Result<Receipt, LifecycleError> {
        let (identity, token, typed, event) = (
            identity.clone(),
            token.to_owned(),
            typed_back.map(str::to_owned),
            event.clone(),
        );
        self.blocking(move |e, now| e.confirm(&identity, &token, typed.as_deref(), &event, now))
            .await
    }

    /// Drops a proposal: its token is used up, durably and idempotently.
    pub async fn dismiss(
        &self,
        identity: &Identity,
        token: &str,
        event: &EventId,
    ) -> Result<Dismissal, LifecycleError> {
        let (identity, token, event) = (identity.clone(), token.to_owned(), event.clone());
        self.blocking(move |e, now| e.dismiss(&identity, &token, &event, now))
            .await
    }

    /// JSON-ready export of the admin's account.
    pub async fn export(
        &self,
        admin: &VerifiedAdmin,
        event: Option<&EventId>,
    ) -> Result<Export, LifecycleError> {
        let (admin, event) = (admin.clone(), event.cloned());
        self.blocking(move |e, now| e.export(&admin, event.as_ref(), now))
            .await
    }

    /// What `identity`'s event `event` did, as stored for idempotent replays
    /// (`None` when the event changed nothing, e.g. it was refused). Only the
    /// sender of the event may read it, as only they may replay it.
    pub async fn stored_outcome(
        &self,
        identity: &Identity,
        event: &EventId,
    ) -> Result<Option<StoredOutcome>, LifecycleError> {
        let (user, key) = (UserKey::of(identity), event.key());
        self.blocking(move |e, _| {
            Ok(e.store()
                .outcome(&key)?
                .filter(|record| record.user == user)
                .map(|record| record.outcome))
        })
        .await
    }

    /// Every account, for support staff (the console's accounts page).
    pub async fn accounts(&self, _op: &VerifiedOperator) -> Result<Vec<Account>, LifecycleError> {
        self.blocking(|e, _| Ok(e.store().accounts()?)).await
    }

    /// The whole audit log (every account's and the account-less records
    /// such as console sign-ins), for support staff, by time.
    pub async fn audit_all(
        &self,
        _op: &VerifiedOperator,
    ) -> Result<Vec<AuditRecord>, LifecycleError> {
        self.blocking(|e, _| {
            let store = e.store();
            let mut all = store.audit(None)?;
            for a in store.accounts()? {
                all.extend(store.audit(Some(&a.id))?);
            }
            all.sort_by_key(|r| (r.at, r.seq));
            Ok(all)
        })
        .await
    }

    /// The admin's account's audit log.
    pub async fn audit(&self, admin: &VerifiedAdmin) -> Result<Vec<AuditRecord>, LifecycleError> {
        let admin = admin.clone();
        self.blocking(move |e, _| e.audit_log(&admin)).await
    }

    /// Applies transitions due at `now` (normally `self.now()`).
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport, LifecycleError> {
        self.blocking(move |e, _| e.tick(now)).await
    }

    /// Operator provisioning from seed data.
    pub async fn provision(&self, op: &VerifiedOperator, seed: Seed) -> Result<(), LifecycleError> {
        let op = op.clone();
        self.blocking(move |e, now| e.provision(&op, &seed, now))
            .await
    }

    /// Operator restore of one account from its export.
    pub async fn restore(
        &self,
        op: &VerifiedOperator,
        export: Export,
    ) -> Result<(), LifecycleError> {
        let op = op.clone();
        self.blocking(move |e, now| e.restore(&op, &export, now))
            .await
    }
}
