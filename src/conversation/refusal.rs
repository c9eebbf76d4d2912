//! Lifecycle refusals → the facts a template words in the user's language.
//!
//! The lifecycle core's `Display` texts are English; they stay as the fallback
//! (`action.reason`) for locales whose `action-refused` template has no
//! sentence for a kind.

use chrono::{DateTime, Utc};

use crate::answer::RefusalVars;
use crate::auth::DenyReason;
use crate::lifecycle::{LifecycleError, RefundRefusal};

/// The refusal facts of `e`. Internal errors carry no detail: users see only
/// that nothing was changed.
pub fn refusal_vars(e: &LifecycleError) -> RefusalVars {
    use LifecycleError as E;
    let mut v = RefusalVars::default();
    let kind = match e {
        E::InvalidId(_) | E::InvalidData(_) | E::Money(_) => "invalid_input",
        E::Denied(d) => match d.reason {
            DenyReason::Unverified => "unverified",
            DenyReason::DirectMessage => "direct_message",
            DenyReason::NotAdmin => "not_admin",
            DenyReason::ScopeNotBound => "scope_not_bound",
            DenyReason::EvidenceMismatch => "evidence_mismatch",
        },
        E::AccountNotFound(account) => {
            v.account = account.to_string();
            "account_not_found"
        }
        E::SubscriptionNotFound {
            account,
            subscription,
        } => {
            v.account = account.to_string();
            v.subscription = subscription.to_string();
            "subscription_not_found"
        }
        E::AccountClosed { account, closed_at } => {
            v.account = account.to_string();
            v.date = closed_at.date_naive().to_string();
            "account_closed"
        }
        E::WrongState {
            subscription,
            state,
            verb,
        } => {
            v.subscription = subscription.to_string();
            v.state = state.to_string();
            v.attempted = match *verb {
                "cancelled" => "cancel",
                "refunded" => "refund",
                "reactivated" => "reactivate",
                other => other,
            }
            .into();
            "wrong_state"
        }
        E::TrialNothingToCancel {
            subscription,
            ends_on,
        } => {
            v.subscription = subscription.to_string();
            v.date = ends_on.to_string();
            "trial_nothing_to_cancel"
        }
        E::PartnerBilled {
            subscription,
            partner,
        } => {
            v.subscription = subscription.to_string();
            v.partner = partner.clone().unwrap_or_default();
            "partner_billed"
        }
        E::SeatLimit {
            subscription,
            seats,
            limit,
        } => {
            v.subscription = subscription.to_string();
            v.seats = *seats;
            v.limit = *limit;
            "seat_limit"
        }
        E::ReactivationWindowClosed {
            subscription,
            delete_at,
        } => {
            v.subscription = subscription.to_string();
            v.date = delete_at.date_naive().to_string();
            "reactivation_window_closed"
        }
        E::RefundRefused {
            subscription,
            reason,
        } => {
            v.subscription = subscription.to_string();
            match reason {
                RefundRefusal::Trial => "refund_trial",
                RefundRefusal::OutsideWindow {
                    window_days,
                    term_start,
                } => {
                    v.limit = *window_days;
                    v.date = term_start.to_string();
                    "refund_outside_window"
                }
                RefundRefusal::NothingUnused => "refund_nothing_unused",
                RefundRefusal::AlreadyRefunded {
                    term_start,
                    issued_at,
                } => {
                    v.date = term_start.to_string();
                    v.issued_at = issued_at.date_naive().to_string();
                    "refund_already_given"
                }
                RefundRefusal::NotInTerm { state } => {
                    v.state = state.to_string();
                    "refund_not_in_term"
                }
            }
        }
        E::NoAccountInScope => "no_account_in_scope",
        E::SubscriptionUnknown(subscription) => {
            v.subscription = subscription.to_string();
            "subscription_unknown"
        }
        E::SubscriptionAmbiguous {
            subscription,
            accounts,
        } => {
            v.subscription = subscription.to_string();
            v.items = accounts.iter().map(ToString::to_string).collect();
            "subscription_ambiguous"
        }
        E::CloseBlocked { account, open } => {
            v.account = account.to_string();
            v.items = open.iter().map(ToString::to_string).collect();
            "close_blocked"
        }
        E::TokenMalformed => "token_malformed",
        E::TokenUnknown => "token_unknown",
        E::TokenExpired { expired_at } => {
            (v.date, v.time) = instant(expired_at);
            "token_expired"
        }
        E::TokenUsed { used_at } => {
            (v.date, v.time) = instant(used_at);
            "token_used"
        }
        E::TokenDismissed { dismissed_at } => {
            (v.date, v.time) = instant(dismissed_at);
            "token_dismissed"
        }
        E::TokenForeign => "token_foreign",
        E::TypedBackRequired { account } => {
            v.account = account.to_string();
            "typed_back_required"
        }
        E::TypedBackMismatch { account } => {
            v.account = account.to_string();
            "typed_back_mismatch"
        }
        E::EventMismatch => "request_reused",
        E::Internal(_) => "internal",
    };
    v.kind = kind.into();
    v
}

fn instant(at: &DateTime<Utc>) -> (String, String) {
    (
        at.date_naive().to_string(),
        at.format("%H:%M UTC").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::answer::REFUSAL_KINDS;
    use crate::lifecycle::SubState;
    use crate::model::{AccountId, SubscriptionId};

    #[test]
    fn every_kind_is_one_templates_are_checked_against() {
        let sub = SubscriptionId::from_number(1);
        let account = AccountId::parse("contoso").expect("id");
        let day = NaiveDate::from_ymd_opt(2027, 2, 24).expect("date");
        let at = Utc
            .with_ymd_and_hms(2027, 2, 24, 12, 0, 0)
            .single()
            .expect("time");
        let errors = [
            LifecycleError::NoAccountInScope,
            LifecycleError::TokenForeign,
            LifecycleError::WrongState {
                subscription: sub,
                state: SubState::Disabled,
                verb: "cancelled",
            },
            LifecycleError::SeatLimit {
                subscription: sub,
                seats: 30,
                limit: 25,
            },
            LifecycleError::RefundRefused {
                subscription: sub,
                reason: RefundRefusal::AlreadyRefunded {
                    term_start: day,
                    issued_at: at,
                },
            },
            LifecycleError::CloseBlocked {
                account,
                open: vec![sub],
            },
            LifecycleError::TokenExpired { expired_at: at },
        ];
        for e in &errors {
            let v = refusal_vars(e);
            assert!(REFUSAL_KINDS.contains(&v.kind.as_str()), "{}", v.kind);
        }
        let wrong = refusal_vars(&errors[2]);
        assert_eq!(
            (wrong.attempted.as_str(), wrong.state.as_str()),
            ("cancel", "disabled")
        );
        let refund = refusal_vars(&errors[4]);
        assert_eq!(refund.date, "2027-02-24");
        assert_eq!(refund.issued_at, "2027-02-24");
        let expired = refusal_vars(&errors[6]);
        assert_eq!(
            (expired.date.as_str(), expired.time.as_str()),
            ("2027-02-24", "12:00 UTC")
        );
    }
}
