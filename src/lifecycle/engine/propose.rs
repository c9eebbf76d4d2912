//! Step one of a mutating action: plan it and issue a confirmation token.

use chrono::{DateTime, Utc};

use super::{internal_rng, Engine};
use crate::auth::{Role, VerifiedAdmin};
use crate::lifecycle::action::Action;
use crate::lifecycle::audit::{Actor, AuditKind, AuditRecord};
use crate::lifecycle::error::LifecycleError;
use crate::lifecycle::outcome::{IdempotencyRecord, Proposal, StoredOutcome};
use crate::lifecycle::plan::plan;
use crate::lifecycle::token::{
    ConfirmationId, ConfirmationStatus, PendingConfirmation, CONFIRM_TTL,
};
use crate::lifecycle::{Committed, Store, WriteSet};
use crate::model::EventId;

impl<S: Store> Engine<S> {
    /// Step one: checks the action and issues a confirmation token. Nothing changes yet.
    pub fn propose(
        &self,
        admin: &VerifiedAdmin,
        action: Action,
        event: &EventId,
        now: DateTime<Utc>,
    ) -> Result<Proposal, LifecycleError> {
        let as_proposal = |o: StoredOutcome| match o {
            StoredOutcome::Proposed(p) if p.action == action => Ok(p),
            _ => Err(LifecycleError::EventMismatch),
        };
        if let Some(o) = self.lookup_replay(event, admin.user())? {
            return as_proposal(o);
        }
        let account = admin.account();
        let role = Some(Role::from(admin.role()));
        let rec = AuditRecord::new(now, Actor::User(admin.user().clone()), AuditKind::Proposed)
            .about(role, Some(action.name()), Some(account), Some(event))
            .on(action.subscription());
        let view = self.view_for(account, &action)?;
        let rules = self.policy.rules_for(&view.account.country);
        let planned = plan(&action, &view, &rules, admin.role(), now)
            .map_err(|e| self.refuse(e, rec.clone()))?;
        let id = ConfirmationId::generate().map_err(internal_rng)?;
        let expires_at = now + CONFIRM_TTL;
        let proposal = Proposal {
            token: self.key.token(&id),
            account: account.clone(),
            action: action.clone(),
            facts: planned.facts,
            expires_at,
            requires_typed_account_id: matches!(action, Action::CloseAccount { .. }),
        };
        let pending = PendingConfirmation {
            id,
            account: account.clone(),
            action: action.clone(),
            proposer: admin.user().clone(),
            role: admin.role(),
            created_at: now,
            expires_at,
            status: ConfirmationStatus::Pending,
            revision: 0,
        };
        let ws = WriteSet {
            confirmations: vec![pending],
            audit: vec![rec],
            idempotency: Some(IdempotencyRecord {
                event: event.key(),
                user: admin.user().clone(),
                at: now,
                outcome: StoredOutcome::Proposed(proposal.clone()),
            }),
            ..WriteSet::default()
        };
        match self.store.commit(ws)? {
            Committed::Applied => Ok(proposal),
            Committed::Replayed(rec) => as_proposal(self.replayed(*rec, admin.user())?),
        }
    }
}
