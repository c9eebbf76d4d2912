//! Getting data in and out: operator provisioning from a [`Seed`], export, restore from
//! an export, and the audit log view.

use chrono::{DateTime, Utc};

use super::account::{Account, Subscription};
use super::audit::{Actor, AuditKind, AuditRecord};
use super::engine::Engine;
use super::error::LifecycleError;
use super::outcome::Export;
use super::seed::Seed;
use crate::auth::{Role, VerifiedAdmin, VerifiedOperator};
use crate::lifecycle::{Committed, Store, StoreError, WriteSet};
use crate::model::EventId;

fn bad(what: String) -> LifecycleError {
    LifecycleError::InvalidData(what)
}

/// Commits operator-supplied records; an existing record is reported, not overwritten.
fn commit_new<S: Store>(store: &S, ws: WriteSet) -> Result<(), LifecycleError> {
    match store.commit(ws) {
        Ok(Committed::Applied | Committed::Replayed(_)) => Ok(()),
        Err(StoreError::Conflict(what)) => Err(bad(format!("{what} already exists"))),
        Err(StoreError::DuplicateCredit {
            subscription,
            term_start,
        }) => Err(bad(format!(
            "credit for {subscription} term {term_start} already exists"
        ))),
        Err(e) => Err(e.into()),
    }
}

impl<S: Store> Engine<S> {
    /// Creates the seed's accounts and subscriptions in one durable commit. Existing
    /// records are never overwritten (the commit fails with a conflict instead).
    pub fn provision(
        &self,
        op: &VerifiedOperator,
        seed: &Seed,
        now: DateTime<Utc>,
    ) -> Result<(), LifecycleError> {
        let mut ws = WriteSet::default();
        let actor = Actor::User(op.user().clone());
        for a in &seed.accounts {
            if a.name.trim().is_empty() || a.preferred_locale.trim().is_empty() {
                return Err(bad(format!(
                    "account {}: name and preferred_locale are required",
                    a.id
                )));
            }
            ws.accounts.push(Account {
                id: a.id.clone(),
                name: a.name.clone(),
                country: a.country.clone(),
                preferred_locale: a.preferred_locale.clone(),
                discord_guild_ids: a.discord_guild_ids.clone(),
                teams_tenant_ids: a.teams_tenant_ids.clone(),
                closed_at: None,
                revision: 0,
            });
            let rec = AuditRecord::new(now, actor.clone(), AuditKind::Provisioned);
            ws.audit.push(rec.about(
                Some(Role::SupportAgent),
                Some("provision"),
                Some(&a.id),
                None,
            ));
        }
        for s in &seed.subscriptions {
            let known = ws.accounts.iter().any(|a| a.id == s.account)
                || self.store.account(&s.account)?.is_some();
            if !known {
                return Err(LifecycleError::AccountNotFound(s.account.clone()));
            }
            let sub = s.build(now)?;
            let rec = AuditRecord::new(now, actor.clone(), AuditKind::Provisioned).about(
                Some(Role::SupportAgent),
                Some("provision"),
                Some(&s.account),
                None,
            );
            ws.audit.push(AuditRecord {
                subscription: Some(sub.id),
                after: Some(sub.state),
                ..rec
            });
            ws.subscriptions.push(sub);
        }
        commit_new(&self.store, ws)
    }

    /// Everything stored about the admin's account as JSON-ready data. Allowed in any
    /// state; once the account is closed only to support agents (who keep its records
    /// readable for disputes). The export itself is audited before it is returned.
    pub fn export(
        &self,
        admin: &VerifiedAdmin,
        event: Option<&EventId>,
        now: DateTime<Utc>,
    ) -> Result<Export, LifecycleError> {
        let account = self.load_account(admin.account())?;
        let support = admin.role() == crate::auth::AdminRole::SupportAgent;
        if let (Some(closed_at), false) = (account.closed_at, support) {
            return Err(LifecycleError::AccountClosed {
                account: account.id,
                closed_at,
            });
        }
        let rec = AuditRecord::new(now, Actor::User(admin.user().clone()), AuditKind::Exported)
            .about(
                Some(admin.role().into()),
                Some("export"),
                Some(&account.id),
                event,
            );
        self.record(vec![rec])?;
        let view = self.view(&account.id)?;
        Ok(Export {
            format: Export::FORMAT,
            exported_at: now,
            account: view.account,
            subscriptions: view.subscriptions,
            credits: view.credits,
            audit: self.store.audit(Some(&account.id))?,
        })
    }

    /// The admin's account's audit log, oldest first.
    pub fn audit_log(&self, admin: &VerifiedAdmin) -> Result<Vec<AuditRecord>, LifecycleError> {
        Ok(self.store.audit(Some(admin.account()))?)
    }

    /// Recreates an account from its export (e.g. after the data directory was damaged).
    /// The account must not exist yet; audit history is re-appended with new sequence
    /// numbers, followed by a record of the restore itself.
    pub fn restore(
        &self,
        op: &VerifiedOperator,
        export: &Export,
        now: DateTime<Utc>,
    ) -> Result<(), LifecycleError> {
        if export.format != Export::FORMAT {
            return Err(bad(format!("unsupported export format {}", export.format)));
        }
        let mut audit = export.audit.clone();
        let rec = AuditRecord::new(now, Actor::User(op.user().clone()), AuditKind::Provisioned)
            .about(
                Some(Role::SupportAgent),
                Some("restore"),
                Some(&export.account.id),
                None,
            )
            .detail(format!(
                "restored from export made at {}",
                export.exported_at
            ));
        audit.push(rec);
        let ws = WriteSet {
            accounts: vec![Account {
                revision: 0,
                ..export.account.clone()
            }],
            subscriptions: export
                .subscriptions
                .iter()
                .map(|s| Subscription {
                    revision: 0,
                    ..s.clone()
                })
                .collect(),
            credits: export.credits.clone(),
            audit,
            ..WriteSet::default()
        };
        commit_new(&self.store, ws)
    }
}
