//! Who may do what to which account, decided before anything about the
//! account is revealed: a refusal reads the same whether the named account
//! or subscription exists or not, and only a verified admin of an account
//! learns what is in it.

use chrono::{DateTime, Utc};

use super::{user_actor, Engine};
use crate::auth::{self, AdminRole, VerifiedAdmin};
use crate::lifecycle::audit::{Actor, AuditKind, AuditRecord};
use crate::lifecycle::error::LifecycleError;
use crate::lifecycle::outcome::AccountStatus;
use crate::lifecycle::{Action, Store};
use crate::model::{AccountId, EventId, Identity, SubscriptionId};

/// What a sender tried: written into the audit record when it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Action name (`cancel`, `close_account`, `export`, ...).
    pub action: &'static str,
    /// The subscription it was about, if any.
    pub subscription: Option<SubscriptionId>,
}

impl Attempt {
    /// The attempt to run `action`.
    pub fn of(action: &Action) -> Attempt {
        Attempt {
            action: action.name(),
            subscription: action.subscription(),
        }
    }

    /// An attempt not tied to a subscription (`export`, `audit`).
    pub fn named(action: &'static str) -> Attempt {
        Attempt {
            action,
            subscription: None,
        }
    }
}

impl<S: Store> Engine<S> {
    /// Authorizes `identity` to mutate `account` (an open one), recording
    /// denials in the audit log.
    pub fn authorize(
        &self,
        identity: &Identity,
        account: &AccountId,
        event: Option<&EventId>,
        now: DateTime<Utc>,
    ) -> Result<VerifiedAdmin, LifecycleError> {
        self.authorize_for(identity, account, None, event, now)
    }

    /// [`Engine::authorize`] for a known `attempt`, which a denial record names.
    pub fn authorize_for(
        &self,
        identity: &Identity,
        account: &AccountId,
        attempt: Option<&Attempt>,
        event: Option<&EventId>,
        now: DateTime<Utc>,
    ) -> Result<VerifiedAdmin, LifecycleError> {
        let admin = self.authorize_any(identity, account, attempt, event, now)?;
        self.refuse_if_closed(admin, attempt, event, now)
    }

    /// Authorizes reading an account's records (audit log, export): like
    /// [`Engine::authorize_for`], but support agents may also read a closed
    /// account's, which its admins no longer can.
    pub fn authorize_records(
        &self,
        identity: &Identity,
        account: &AccountId,
        attempt: Option<&Attempt>,
        event: Option<&EventId>,
        now: DateTime<Utc>,
    ) -> Result<VerifiedAdmin, LifecycleError> {
        let admin = self.authorize_any(identity, account, attempt, event, now)?;
        if admin.role() == AdminRole::SupportAgent {
            return Ok(admin);
        }
        self.refuse_if_closed(admin, attempt, event, now)
    }

    fn authorize_any(
        &self,
        identity: &Identity,
        account: &AccountId,
        attempt: Option<&Attempt>,
        event: Option<&EventId>,
        now: DateTime<Utc>,
    ) -> Result<VerifiedAdmin, LifecycleError> {
        let stored = self.store.account(account)?;
        let actor = user_actor(identity);
        let rec = denial(actor, stored.as_ref().map(|a| &a.id), attempt, event, now);
        match stored {
            Some(acc) => {
                auth::authorize(identity, &acc, &self.auth).map_err(|d| self.refuse(d.into(), rec))
            }
            // Refused exactly as an existing account that is not the sender's;
            // only someone verified for every account learns it is missing.
            None => match auth::unbound_refusal(identity, &self.auth) {
                Some(d) => Err(self.refuse(d.into(), rec)),
                None => Err(LifecycleError::AccountNotFound(account.clone())),
            },
        }
    }

    fn refuse_if_closed(
        &self,
        admin: VerifiedAdmin,
        attempt: Option<&Attempt>,
        event: Option<&EventId>,
        now: DateTime<Utc>,
    ) -> Result<VerifiedAdmin, LifecycleError> {
        let acc = self.load_account(admin.account())?;
        match acc.closed_at {
            Some(closed_at) => {
                let err = LifecycleError::AccountClosed {
                    account: acc.id.clone(),
                    closed_at,
                };
                let actor = Actor::User(admin.user().clone());
                let rec = AuditRecord {
                    role: Some(admin.role().into()),
                    ..denial(actor, Some(&acc.id), attempt, event, now)
                };
                Err(self.refuse(err, rec))
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
        let Some(stored) = self.store.account(account)? else {
            return Err(match auth::unbound_refusal(identity, &self.auth) {
                Some(d) => d.into(),
                None => LifecycleError::AccountNotFound(account.clone()),
            });
        };
        let role = auth::authorize_read(identity, &stored, &self.auth)?;
        if let Some(closed_at) = stored.closed_at {
            return Err(LifecycleError::AccountClosed {
                account: account.clone(),
                closed_at,
            });
        }
        let view = self.view(account)?;
        Ok(AccountStatus {
            role,
            account: view.account,
            subscriptions: view.subscriptions,
            credits: view.credits,
        })
    }

    /// The account a bare `SUB-n` means for `identity`: the only one of the
    /// accounts it administers that has the subscription. Accounts it does
    /// not administer are never consulted, so the refusal for a subscription
    /// that exists elsewhere reads as the one for a subscription that
    /// exists nowhere, and an ambiguity lists only the sender's accounts.
    pub fn holder_for(
        &self,
        identity: &Identity,
        attempt: &Attempt,
        subscription: SubscriptionId,
        event: Option<&EventId>,
        now: DateTime<Utc>,
    ) -> Result<AccountId, LifecycleError> {
        let mut mine = Vec::new();
        for account in self.store.accounts()? {
            if auth::authorize(identity, &account, &self.auth).is_ok()
                && self
                    .store
                    .subscription(&account.id, subscription)?
                    .is_some()
            {
                mine.push(account.id);
            }
        }
        if mine.len() > 1 {
            return Err(LifecycleError::SubscriptionAmbiguous {
                subscription,
                accounts: mine,
            });
        }
        if let Some(account) = mine.pop() {
            return Ok(account);
        }
        match auth::unbound_refusal(identity, &self.auth) {
            Some(d) => {
                let actor = user_actor(identity);
                let rec = denial(actor, None, Some(attempt), event, now).on(Some(subscription));
                Err(self.refuse(d.into(), rec))
            }
            None => Err(LifecycleError::SubscriptionUnknown(subscription)),
        }
    }
}

/// The audit record of a denied `attempt` on `account` (`None` when the
/// named account does not exist: such records are tied to no account).
fn denial(
    actor: Actor,
    account: Option<&AccountId>,
    attempt: Option<&Attempt>,
    event: Option<&EventId>,
    now: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord::new(now, actor, AuditKind::Denied)
        .about(None, attempt.map(|a| a.action), account, event)
        .on(attempt.and_then(|a| a.subscription))
}
