//! Lifecycle commands in the conversation: maps a [`Command`] to the
//! lifecycle service and renders proposals, receipts, status and refusals
//! in the user's language.
//!
//! This layer decides nothing about permissions: the service authorises the
//! signed [`Identity`](crate::model::Identity) on every call and audits
//! refusals. It only resolves which account a subscription id means and
//! turns the service's structured facts into answer variables. A sender
//! nothing vouches for (the Teams outgoing webhook, a public channel) gets
//! the one "use the bot instead" refusal and the service is never asked,
//! so nothing private can reach such a channel.

use std::sync::Arc;

use super::reply::{plain_reply, render_answer};
use super::{refusal, vars};
use crate::answer::{ActionVars, AnswerVars};
use crate::knowledge::Knowledge;
use crate::lifecycle::Store;
use crate::lifecycle::{Action, Attempt, CloseMode, LifecycleError, LifecycleService};
use crate::locale::LocaleChain;
use crate::model::{AccountId, EventId, SubscriptionId};
use crate::model::{
    Attachment, Button, ButtonAction, ButtonStyle, Command, Inbound, Reply, Visibility,
};

/// The lifecycle service over any store (sled in production, memory in tests).
pub type Lifecycle = LifecycleService<Arc<dyn Store>>;

/// Answers lifecycle commands.
pub struct LifecycleCommands {
    service: Lifecycle,
}

impl std::fmt::Debug for LifecycleCommands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LifecycleCommands")
    }
}

/// The answer to a command before it becomes a [`Reply`].
struct Answer {
    key: &'static str,
    vars: ActionVars,
    buttons: Vec<Button>,
    attachment: Option<Attachment>,
}

impl LifecycleCommands {
    /// Wraps a lifecycle service.
    pub fn new(service: Lifecycle) -> LifecycleCommands {
        LifecycleCommands { service }
    }

    /// The service, for the scheduler and the admin CLI.
    pub fn service(&self) -> &Lifecycle {
        &self.service
    }

    /// Runs `command` for `inbound`'s identity and renders the reply.
    pub async fn handle(
        &self,
        knowledge: &Knowledge,
        inbound: &Inbound,
        command: &Command,
        chain: &LocaleChain,
        base: AnswerVars,
    ) -> Reply {
        let anonymous = crate::auth::anonymous_refusal(&inbound.identity);
        let answer = match anonymous {
            Some(denied) => refusal(&denied.into()),
            None => match self.run(inbound, command).await {
                Ok(answer) => answer,
                Err(e) => refusal(&e),
            },
        };
        let mut vars = base;
        vars.action = Some(answer.vars);
        let rendered = render_answer(knowledge, &[answer.key], chain, &vars);
        let mut reply = plain_reply(rendered, chain);
        // The anonymous refusal says nothing about any account, and a public
        // channel is the only place it can be shown.
        if anonymous.is_none() {
            reply.visibility = Visibility::Private;
        }
        reply.buttons = answer.buttons;
        for button in &mut reply.buttons {
            let key = match button.action {
                ButtonAction::Confirm { .. } => "button-confirm",
                ButtonAction::Dismiss { .. } => "button-dismiss",
                // Lifecycle answers carry no feedback buttons.
                ButtonAction::Feedback { .. } => continue,
            };
            let label = render_answer(knowledge, &[key], chain, &vars);
            button.label = label.markdown.trim().to_owned();
        }
        reply.attachment = answer.attachment;
        reply
    }

    async fn run(&self, inbound: &Inbound, command: &Command) -> Result<Answer, LifecycleError> {
        let identity = &inbound.identity;
        let event = EventId::new(identity.platform, &inbound.event_id)?;
        match command {
            Command::Status { account } => {
                let account = self.account_or_scope(inbound, account.as_deref()).await?;
                let status = self.service.status(identity, &account).await?;
                Ok(plain("action-status", vars::status(&status)))
            }
            Command::Cancel { subscription }
            | Command::Refund { subscription }
            | Command::Reactivate { subscription } => {
                let (account, sub) = self
                    .resolve_subscription(inbound, subscription, command_name(command), &event)
                    .await?;
                let action = match command {
                    Command::Cancel { .. } => Action::Cancel { subscription: sub },
                    Command::Refund { .. } => Action::Refund { subscription: sub },
                    _ => Action::Reactivate { subscription: sub },
                };
                let admin = self
                    .service
                    .authorize_for(identity, &account, Some(Attempt::of(&action)), Some(&event))
                    .await?;
                let proposal = self.service.propose(&admin, action, &event).await?;
                Ok(proposed(proposal))
            }
            Command::CloseAccount { account } => {
                let account = AccountId::parse(account)?;
                let attempt = Attempt::named("close_account");
                let admin = self
                    .service
                    .authorize_for(identity, &account, Some(attempt), Some(&event))
                    .await?;
                let close = |mode| Action::CloseAccount { mode };
                let proposal = match self
                    .service
                    .propose(&admin, close(CloseMode::WhenAllCancelled), &event)
                    .await
                {
                    // Subscriptions still open: offer the explicit "close now"
                    // choice, which cancels and deletes them; the typed-back
                    // account id is the stronger confirmation.
                    Err(LifecycleError::CloseBlocked { .. }) => {
                        self.service
                            .propose(&admin, close(CloseMode::CancelAndDeleteNow), &event)
                            .await?
                    }
                    other => other?,
                };
                Ok(proposed(proposal))
            }
            Command::Export { account } => {
                let account = self.account_or_scope(inbound, account.as_deref()).await?;
                let attempt = Attempt::named("export");
                let admin = self
                    .service
                    .authorize_records(identity, &account, Some(attempt), Some(&event))
                    .await?;
                let export = self.service.export(&admin, Some(&event)).await?;
                let json = export.to_json().map_err(|e| {
                    LifecycleError::Internal(crate::lifecycle::StoreError::Io(e.to_string()))
                })?;
                let mut answer = plain("action-export", vars::account(&export.account));
                answer.attachment = Some(Attachment {
                    filename: format!("{account}-export.json"),
                    content_type: "application/json".into(),
                    text: json,
                });
                Ok(answer)
            }
            Command::Confirm { token, typed } => {
                let receipt = self
                    .service
                    .confirm(identity, token, typed.as_deref(), &event)
                    .await?;
                Ok(plain("action-done", vars::receipt(&receipt)))
            }
            Command::Dismiss { token } => {
                let dismissal = self.service.dismiss(identity, token, &event).await?;
                let mut vars = ActionVars {
                    kind: "dismissed".into(),
                    account: dismissal.account.to_string(),
                    ..ActionVars::default()
                };
                vars.account_name = vars.account.clone();
                Ok(plain("action-dismissed", vars))
            }
        }
    }

    /// The account named, or the one bound to the speaker's guild/tenant.
    async fn account_or_scope(
        &self,
        inbound: &Inbound,
        account: Option<&str>,
    ) -> Result<AccountId, LifecycleError> {
        if let Some(a) = account {
            return Ok(AccountId::parse(a)?);
        }
        self.service
            .account_for_scope(&inbound.identity)
            .await?
            .ok_or(LifecycleError::NoAccountInScope)
    }

    /// `ACCOUNT/SUB-1`, or `SUB-1` in the speaker's bound account, or the
    /// only account the speaker administers that has a subscription with
    /// that id (`action` names what was tried if that is refused).
    async fn resolve_subscription(
        &self,
        inbound: &Inbound,
        text: &str,
        action: &'static str,
        event: &EventId,
    ) -> Result<(AccountId, SubscriptionId), LifecycleError> {
        if let Some((account, sub)) = text.split_once('/') {
            return Ok((AccountId::parse(account)?, SubscriptionId::parse(sub)?));
        }
        let sub = SubscriptionId::parse(text)?;
        let attempt = Attempt {
            action,
            subscription: Some(sub),
        };
        if let Some(account) = self.service.account_for_scope(&inbound.identity).await? {
            return Ok((account, sub));
        }
        let account = self
            .service
            .holder_for(&inbound.identity, attempt, sub, Some(event))
            .await?;
        Ok((account, sub))
    }
}

/// The action name of a subscription command, as the audit log writes it.
fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Cancel { .. } => "cancel",
        Command::Refund { .. } => "refund",
        _ => "reactivate",
    }
}

fn plain(key: &'static str, vars: ActionVars) -> Answer {
    Answer {
        key,
        vars,
        buttons: Vec::new(),
        attachment: None,
    }
}

fn proposed(proposal: crate::lifecycle::Proposal) -> Answer {
    let needs_typed_account = proposal.requires_typed_account_id;
    let token = proposal.token.clone();
    let mut answer = plain("action-proposal", vars::proposal(&proposal));
    answer.buttons = vec![
        // Labels are localized in `handle`, which knows the locale chain.
        Button {
            label: String::new(),
            action: ButtonAction::Confirm {
                token: token.clone(),
                needs_typed_account,
            },
            style: ButtonStyle::Danger,
        },
        Button {
            label: String::new(),
            action: ButtonAction::Dismiss { token },
            style: ButtonStyle::Secondary,
        },
    ];
    answer
}

fn refusal(e: &LifecycleError) -> Answer {
    let reason = match e {
        LifecycleError::Internal(inner) => {
            tracing::error!(error = %inner, "lifecycle action failed");
            "an internal error occurred; nothing was changed. Please try again, or contact support."
                .to_owned()
        }
        other => other.to_string(),
    };
    plain(
        "action-refused",
        ActionVars {
            kind: "refused".into(),
            reason,
            refusal: refusal::refusal_vars(e),
            ..ActionVars::default()
        },
    )
}
