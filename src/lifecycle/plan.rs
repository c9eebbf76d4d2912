//! The pure planner: turns an [`Action`] on an account into concrete record changes plus
//! the [`Facts`] describing them. Called at proposal and again at confirmation.

use chrono::{DateTime, Utc};

use super::account::{Account, Billing, Credit, CreditReason, SubState, Subscription};
use super::action::{Action, CloseMode, Facts};
use super::error::{LifecycleError, RefundRefusal};
use super::policy::Rules;
use super::transition::{check_cancellable, delete_now, disable, prorated_credit, reactivate};
use crate::auth::AdminRole;
use crate::model::SubscriptionId;

/// Everything the planner needs about one account.
#[derive(Debug, Clone)]
pub struct AccountView {
    /// The account.
    pub account: Account,
    /// Its subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Credits already issued.
    pub credits: Vec<Credit>,
}

/// The concrete effect of an action: new records and the facts describing them.
#[derive(Debug, Clone)]
pub struct Plan {
    /// User-facing description.
    pub facts: Facts,
    /// The account's new version, if it changes.
    pub account: Option<Account>,
    /// `(before, after)` for each subscription that changes.
    pub changes: Vec<(Subscription, Subscription)>,
    /// New credits.
    pub credits: Vec<Credit>,
}

fn find(view: &AccountView, id: SubscriptionId) -> Result<&Subscription, LifecycleError> {
    view.subscriptions
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| LifecycleError::SubscriptionNotFound {
            account: view.account.id.clone(),
            subscription: id,
        })
}

/// Computes what `action` would do now. Pure; called at proposal and again at
/// confirmation (state may have moved on in between).
pub fn plan(
    action: &Action,
    view: &AccountView,
    rules: &Rules,
    role: AdminRole,
    now: DateTime<Utc>,
) -> Result<Plan, LifecycleError> {
    if let Some(closed_at) = view.account.closed_at {
        return Err(LifecycleError::AccountClosed {
            account: view.account.id.clone(),
            closed_at,
        });
    }
    let single = |facts, before: &Subscription, after, credits| Plan {
        facts,
        account: None,
        changes: vec![(before.clone(), after)],
        credits,
    };
    match action {
        Action::Cancel { subscription } => {
            let sub = find(view, *subscription)?;
            check_cancellable(sub, rules, role)?;
            let credit = if sub.state == SubState::Active {
                prorated_credit(
                    sub,
                    rules,
                    &view.credits,
                    now,
                    CreditReason::Cancellation,
                    now,
                )?
            } else {
                Err(RefundRefusal::NotInTerm { state: sub.state })
            };
            let after = disable(sub, rules, now);
            let facts = Facts::Cancel {
                subscription: sub.id,
                product: sub.product.clone(),
                effective_at: now,
                delete_at: after.delete_at.unwrap_or(now),
                credit: credit.clone().ok(),
                no_credit: credit.clone().err(),
            };
            Ok(single(facts, sub, after, credit.into_iter().collect()))
        }
        Action::Reactivate { subscription } => {
            let sub = find(view, *subscription)?;
            let after = reactivate(sub, &view.credits, now)?;
            let facts = Facts::Reactivate {
                subscription: sub.id,
                product: sub.product.clone(),
                term_start: after.term_start,
                term_end: after.term_end,
                new_term: after.term_start != sub.term_start,
            };
            Ok(single(facts, sub, after, Vec::new()))
        }
        Action::Refund { subscription } => plan_refund(view, *subscription, rules, role, now),
        Action::CloseAccount { mode } => plan_close(view, *mode, rules, role, now),
    }
}

fn plan_refund(
    view: &AccountView,
    id: SubscriptionId,
    rules: &Rules,
    role: AdminRole,
    now: DateTime<Utc>,
) -> Result<Plan, LifecycleError> {
    let sub = find(view, id)?;
    if let Billing::Partner { name } = &sub.billing {
        return Err(LifecycleError::PartnerBilled {
            subscription: id,
            partner: name.clone(),
        });
    }
    let refused = |reason| LifecycleError::RefundRefused {
        subscription: id,
        reason,
    };
    let cancelled_in_term = sub.state == SubState::Disabled
        && sub
            .cancelled_at
            .is_some_and(|c| c.date_naive() >= sub.term_start && c.date_naive() < sub.term_end);
    let (from, after) = match sub.state {
        SubState::Active if sub.trial && !rules.allow_trial_refunds => {
            return Err(refused(RefundRefusal::Trial))
        }
        SubState::Active => {
            if !sub.trial {
                check_cancellable(sub, rules, role)?;
            }
            (now, Some(disable(sub, rules, now)))
        }
        SubState::Disabled if cancelled_in_term => (sub.cancelled_at.unwrap_or(now), None),
        state => return Err(refused(RefundRefusal::NotInTerm { state })),
    };
    let credit = prorated_credit(sub, rules, &view.credits, from, CreditReason::Refund, now)?
        .map_err(refused)?;
    let facts = Facts::Refund {
        subscription: id,
        product: sub.product.clone(),
        cancels: after.is_some(),
        delete_at: after.as_ref().and_then(|a| a.delete_at),
        credit: credit.clone(),
    };
    let changes = after.map(|a| (sub.clone(), a)).into_iter().collect();
    Ok(Plan {
        facts,
        account: None,
        changes,
        credits: vec![credit],
    })
}

fn plan_close(
    view: &AccountView,
    mode: CloseMode,
    rules: &Rules,
    role: AdminRole,
    now: DateTime<Utc>,
) -> Result<Plan, LifecycleError> {
    let open: Vec<&Subscription> = view
        .subscriptions
        .iter()
        .filter(|s| matches!(s.state, SubState::Active | SubState::Expired))
        .collect();
    if mode == CloseMode::WhenAllCancelled && !open.is_empty() {
        return Err(LifecycleError::CloseBlocked {
            account: view.account.id.clone(),
            open: open.iter().map(|s| s.id).collect(),
        });
    }
    let (mut cancelled, mut deleted, mut credits, mut changes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for sub in view
        .subscriptions
        .iter()
        .filter(|s| s.state != SubState::Deleted)
    {
        if matches!(sub.state, SubState::Active | SubState::Expired) {
            // Trials lapse on their own, so closing simply deletes them; everything else
            // must pass the same rules as a normal cancellation (partner, seat limit).
            if !sub.trial {
                check_cancellable(sub, rules, role)?;
                if sub.state == SubState::Active {
                    let c = prorated_credit(
                        sub,
                        rules,
                        &view.credits,
                        now,
                        CreditReason::AccountClosure,
                        now,
                    )?;
                    credits.extend(c.ok());
                }
            }
            cancelled.push(sub.id);
        }
        deleted.push(sub.id);
        let mut after = delete_now(sub, now);
        after.cancelled_at = sub.cancelled_at.or(Some(now));
        changes.push((sub.clone(), after));
    }
    let mut account = view.account.clone();
    account.closed_at = Some(now);
    let facts = Facts::CloseAccount {
        account: account.id.clone(),
        mode,
        effective_at: now,
        cancelled,
        deleted,
        credits: credits.clone(),
    };
    Ok(Plan {
        facts,
        account: Some(account),
        changes,
        credits,
    })
}
