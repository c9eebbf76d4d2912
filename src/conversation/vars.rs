//! Lifecycle facts → answer variables. Dates stay ISO 8601 and money stays
//! in minor units so templates localize them.

use crate::answer::{ActionVars, SubscriptionVars};
use crate::lifecycle::{Account, AccountStatus, Action, Credit, Facts, Proposal, Receipt};

/// Variables naming an account.
pub fn account(account: &Account) -> ActionVars {
    ActionVars {
        kind: "account".into(),
        account: account.id.to_string(),
        account_name: account.name.clone(),
        ..ActionVars::default()
    }
}

/// Variables of a status answer.
pub fn status(status: &AccountStatus) -> ActionVars {
    let mut vars = account(&status.account);
    vars.kind = "status".into();
    vars.subscriptions = status
        .subscriptions
        .iter()
        .map(|s| SubscriptionVars {
            id: s.id.to_string(),
            product: s.product.clone(),
            state: s.state.to_string(),
            seats: s.seats,
            term_end: s.term_end.to_string(),
        })
        .collect();
    vars
}

/// Variables of a proposal, including its token.
pub fn proposal(p: &Proposal) -> ActionVars {
    let mut vars = facts(&p.action, &p.facts);
    vars.account = p.account.to_string();
    if vars.account_name.is_empty() {
        vars.account_name = vars.account.clone();
    }
    vars.token = p.token.clone();
    vars.expires = p.expires_at.to_rfc3339();
    vars.needs_typed_account = p.requires_typed_account_id;
    vars
}

/// Variables of a receipt.
pub fn receipt(r: &Receipt) -> ActionVars {
    let mut vars = facts(&r.action, &r.facts);
    vars.account = r.account.to_string();
    if vars.account_name.is_empty() {
        vars.account_name = vars.account.clone();
    }
    vars
}

fn facts(action: &Action, facts: &Facts) -> ActionVars {
    let mut vars = ActionVars {
        kind: action.name().to_owned(),
        ..ActionVars::default()
    };
    match facts {
        Facts::Cancel {
            subscription,
            product,
            effective_at,
            delete_at,
            credit,
            ..
        } => {
            vars.subscription = subscription.to_string();
            vars.product = product.clone();
            vars.effective = effective_at.date_naive().to_string();
            vars.delete_at = delete_at.date_naive().to_string();
            if let Some(c) = credit {
                set_credit(&mut vars, c);
            }
        }
        Facts::Refund {
            subscription,
            product,
            delete_at,
            credit,
            ..
        } => {
            vars.subscription = subscription.to_string();
            vars.product = product.clone();
            vars.delete_at = delete_at
                .map(|d| d.date_naive().to_string())
                .unwrap_or_default();
            set_credit(&mut vars, credit);
        }
        Facts::Reactivate {
            subscription,
            product,
            term_start,
            term_end,
            new_term,
        } => {
            vars.subscription = subscription.to_string();
            vars.product = product.clone();
            vars.term_start = term_start.to_string();
            vars.term_end = term_end.to_string();
            vars.new_term = *new_term;
        }
        Facts::CloseAccount {
            account,
            effective_at,
            cancelled,
            deleted,
            credits,
            ..
        } => {
            vars.account = account.to_string();
            vars.effective = effective_at.date_naive().to_string();
            vars.delete_at = vars.effective.clone();
            let mut affected: Vec<String> = cancelled
                .iter()
                .chain(deleted)
                .map(ToString::to_string)
                .collect();
            affected.sort();
            affected.dedup();
            vars.affected = affected;
            let total: i64 = credits.iter().map(|c| c.amount.minor).sum();
            if let Some(first) = credits.first() {
                set_credit(&mut vars, first);
                vars.credit_minor = total;
            }
        }
    }
    vars
}

fn set_credit(vars: &mut ActionVars, credit: &Credit) {
    vars.has_credit = true;
    vars.credit_minor = credit.amount.minor;
    vars.currency = credit.amount.currency.code().to_owned();
    vars.exponent = credit.amount.currency.exponent();
    vars.unused_days = credit.unused_days;
}
