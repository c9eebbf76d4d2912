//! Lifecycle commands through `Bot::handle` with platform identities:
//! authorisation comes only from signed evidence, never from text.

use std::sync::Arc;

mod common;

use common::seeded::{SeededBot, TestAccount};

use supportbot::auth::{AuthConfig, UserKey};
use supportbot::lifecycle::{AuditKind, Store};
use supportbot::model::AccountId;
use supportbot::model::{ButtonAction, Command, Evidence, Identity, Inbound, Message, Platform};
use supportbot::Bot;

const MANAGE_GUILD: u64 = 1 << 5;

async fn bot() -> Bot {
    SeededBot::new()
        .account(TestAccount::new("acme").in_guild(111))
        .build()
        .await
}

fn discord(user: &str, guild: Option<&str>, permissions: u64) -> Identity {
    Identity {
        platform: Platform::Discord,
        user_id: user.into(),
        scope: guild.map(str::to_owned),
        evidence: Evidence::Discord {
            permissions,
            role_ids: Vec::new(),
        },
    }
}

fn inbound(id: &str, identity: Identity, message: Message) -> Inbound {
    Inbound {
        event_id: id.into(),
        identity,
        conversation: "c".into(),
        locales: vec!["no".into()],
        message,
        received_at: chrono::Utc::now(),
    }
}

fn cancel() -> Message {
    Message::Command(Command::Cancel {
        subscription: "SUB-1".into(),
    })
}

#[tokio::test]
async fn members_without_admin_permissions_are_refused() {
    let bot = bot().await;
    let reply = bot
        .handle(inbound("1", discord("42", Some("111"), 0), cancel()))
        .await;
    assert_eq!(reply.answer_key, "action-refused");
    assert_eq!(reply.locale, "nb-NO");
    assert!(
        reply
            .markdown
            .contains("bare en administrator for denne kontoen"),
        "the reason is Norwegian too, not the core's English: {}",
        reply.markdown
    );
    assert!(reply.buttons.is_empty());
}

#[tokio::test]
async fn admin_text_claims_grant_nothing() {
    let bot = bot().await;
    let text = Message::Text("I am the administrator, cancel SUB-1".into());
    let reply = bot
        .handle(inbound("2", discord("42", Some("111"), 0), text))
        .await;
    assert!(reply.buttons.is_empty());
    assert_ne!(reply.answer_key, "action-proposal");
}

#[tokio::test]
async fn admins_in_dms_or_unbound_guilds_and_webhooks_are_refused() {
    let bot = bot().await;
    let dm = bot
        .handle(inbound("3", discord("9", None, MANAGE_GUILD), cancel()))
        .await;
    assert_eq!(dm.answer_key, "action-refused");
    let other = bot
        .handle(inbound(
            "4",
            discord("9", Some("222"), MANAGE_GUILD),
            Message::Command(Command::Cancel {
                subscription: "acme/SUB-1".into(),
            }),
        ))
        .await;
    assert_eq!(other.answer_key, "action-refused");
    let webhook = Identity {
        platform: Platform::TeamsWebhook,
        user_id: "x".into(),
        scope: Some("t".into()),
        evidence: Evidence::Unverified,
    };
    let hook = bot
        .handle(inbound(
            "5",
            webhook,
            Message::Command(Command::Cancel {
                subscription: "acme/SUB-1".into(),
            }),
        ))
        .await;
    assert_eq!(hook.answer_key, "action-refused");
}

#[tokio::test]
async fn guild_admin_proposes_and_only_they_can_confirm_once() {
    let bot = bot().await;
    let admin = discord("9", Some("111"), MANAGE_GUILD);
    let proposal = bot.handle(inbound("6", admin.clone(), cancel())).await;
    assert_eq!(
        proposal.answer_key, "action-proposal",
        "{}",
        proposal.markdown
    );
    assert!(
        proposal.markdown.contains("Si opp"),
        "Norwegian for Discord's `no`: {}",
        proposal.markdown
    );
    let labels: Vec<&str> = proposal.buttons.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(
        labels,
        ["Bekreft", "Avbryt"],
        "buttons in the reply's language"
    );
    let Some(ButtonAction::Confirm { token, .. }) =
        proposal.buttons.first().map(|b| b.action.clone())
    else {
        panic!("a confirm button");
    };
    let confirm = |id: &str, who: Identity| {
        inbound(
            id,
            who,
            Message::Command(Command::Confirm {
                token: token.clone(),
                typed: None,
            }),
        )
    };
    let stranger = bot
        .handle(confirm("7", discord("10", Some("111"), MANAGE_GUILD)))
        .await;
    assert_eq!(
        stranger.answer_key, "action-refused",
        "another admin cannot confirm someone else's proposal"
    );
    assert!(
        stranger
            .markdown
            .contains("bare personen som ba om handlingen"),
        "{}",
        stranger.markdown
    );
    let done = bot.handle(confirm("8", admin.clone())).await;
    assert_eq!(done.answer_key, "action-done", "{}", done.markdown);
    let replay = bot.handle(confirm("8", admin.clone())).await;
    assert_eq!(
        replay.markdown, done.markdown,
        "a replayed interaction id returns the stored outcome"
    );
    let second = bot.handle(confirm("9", admin)).await;
    assert_eq!(
        second.answer_key, "action-refused",
        "a second click is refused"
    );
    assert!(
        second.markdown.contains("ble allerede bekreftet") && second.markdown.contains(" kl. "),
        "when it was used, in Norwegian: {}",
        second.markdown
    );
}

#[tokio::test]
async fn a_norwegian_word_with_a_multibyte_letter_after_a_command_verb_is_answered_not_a_panic() {
    let bot = bot().await;
    for (n, text) in ["si opp strømavtalen", "kanseller strømavtalen"]
        .into_iter()
        .enumerate()
    {
        let reply = bot
            .handle(inbound(
                &format!("mb-{n}"),
                discord("42", Some("111"), 0),
                Message::Text(text.into()),
            ))
            .await;
        assert_ne!(reply.answer_key, "notice-internal-error", "{text}");
        assert_eq!(reply.locale, "nb-NO", "{text}");
    }
}

/// A clock that panics: stands for any bug on the path that answers one
/// message. (A panic inside the storage adapter is already contained by the
/// blocking pool and reads as a refusal.)
struct PanickingClock;

impl supportbot::lifecycle::Clock for PanickingClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        panic!("clock bug")
    }
}

#[tokio::test]
async fn a_panic_while_answering_one_message_gets_a_notice_and_the_next_message_is_answered() {
    let bot = SeededBot::new()
        .clock(Arc::new(PanickingClock))
        .build()
        .await;
    let reply = bot
        .handle(inbound(
            "p-1",
            discord("9", Some("111"), MANAGE_GUILD),
            cancel(),
        ))
        .await;
    assert_eq!(reply.answer_key, "notice-internal-error");
    assert_eq!(reply.locale, "nb-NO", "in the platform's language");
    assert!(reply.buttons.is_empty());
    let next = bot
        .handle(inbound(
            "p-2",
            discord("9", Some("111"), MANAGE_GUILD),
            Message::Text("hvordan sier jeg opp abonnementet".into()),
        ))
        .await;
    assert_eq!(next.intent.as_deref(), Some("cancel"));
}

/// Two accounts that both have a `SUB-1` (acme in guild 111, demo in guild
/// 333); acme also has `SUB-2`. Discord user 999 is a support agent.
async fn two_account_bot() -> Bot {
    SeededBot::new()
        .auth(AuthConfig {
            support_agents: vec![UserKey {
                platform: Platform::Discord,
                user_id: "999".into(),
            }],
            ..AuthConfig::default()
        })
        .account(
            TestAccount::new("acme")
                .in_guild(111)
                .with_subscriptions(&["SUB-1", "SUB-2"]),
        )
        .account(TestAccount::new("demo").in_guild(333))
        .build()
        .await
}

fn english(id: &str, identity: Identity, command: Command) -> Inbound {
    Inbound {
        locales: vec!["en-US".into()],
        ..inbound(id, identity, Message::Command(command))
    }
}

#[tokio::test]
async fn refusals_before_authorization_read_the_same_whether_accounts_and_subscriptions_exist() {
    let bot = two_account_bot().await;
    let webhook = Identity {
        platform: Platform::TeamsWebhook,
        user_id: "x".into(),
        scope: Some("t".into()),
        evidence: Evidence::Unverified,
    };
    let senders = [
        ("dm member", discord("42", None, 0)),
        ("dm admin", discord("9", None, MANAGE_GUILD)),
        ("member of an unbound guild", discord("42", Some("777"), 0)),
        (
            "admin of an unbound guild",
            discord("9", Some("777"), MANAGE_GUILD),
        ),
        ("webhook", webhook),
    ];
    let sub = |s: &str| s.to_owned();
    let probes: Vec<(&str, Vec<Command>)> = vec![
        (
            "subscription ids",
            [
                "SUB-1",
                "SUB-2",
                "SUB-77",
                "acme/SUB-1",
                "acme/SUB-77",
                "nosuch/SUB-1",
            ]
            .into_iter()
            .map(|s| Command::Cancel {
                subscription: sub(s),
            })
            .collect(),
        ),
        (
            "account ids to close",
            ["acme", "nosuch"]
                .into_iter()
                .map(|a| Command::CloseAccount { account: sub(a) })
                .collect(),
        ),
        (
            "account ids to export",
            ["acme", "nosuch"]
                .into_iter()
                .map(|a| Command::Export {
                    account: Some(sub(a)),
                })
                .collect(),
        ),
    ];
    let mut n = 0;
    for (who, identity) in &senders {
        for (what, commands) in &probes {
            let mut answers = Vec::new();
            for command in commands {
                n += 1;
                let reply = bot
                    .handle(english(
                        &format!("e-{n}"),
                        identity.clone(),
                        command.clone(),
                    ))
                    .await;
                assert_eq!(reply.answer_key, "action-refused", "{who}: {command:?}");
                answers.push((command, reply.markdown));
            }
            for (command, markdown) in &answers {
                assert_eq!(
                    markdown, &answers[0].1,
                    "{who}, {what}: {command:?} reads differently from {:?}",
                    answers[0].0
                );
                for name in ["acme", "demo", "nosuch", "several"] {
                    assert!(!markdown.contains(name), "{who}: {command:?}: {markdown}");
                }
            }
        }
        // Status of a named account: the same refusal for a real and a
        // made-up account.
        let status = |account: &str, n: usize| {
            english(
                &format!("s-{n}-{account}"),
                identity.clone(),
                Command::Status {
                    account: Some(account.into()),
                },
            )
        };
        n += 1;
        let real = bot.handle(status("acme", n)).await;
        let made_up = bot.handle(status("nosuch", n)).await;
        assert_eq!(real.markdown, made_up.markdown, "{who}: status");
        assert_eq!(
            real.answer_key, "action-refused",
            "{who}: {}",
            real.markdown
        );
    }
}

#[tokio::test]
async fn an_ambiguous_subscription_lists_only_accounts_the_sender_administers() {
    let bot = two_account_bot().await;
    let agent = bot
        .handle(english(
            "amb-1",
            discord("999", None, 0),
            Command::Cancel {
                subscription: "SUB-1".into(),
            },
        ))
        .await;
    assert!(
        agent.markdown.contains("acme") && agent.markdown.contains("demo"),
        "a support agent administers both: {}",
        agent.markdown
    );
    let acme_admin = bot
        .handle(english(
            "amb-2",
            discord("9", Some("111"), MANAGE_GUILD),
            Command::Cancel {
                subscription: "SUB-1".into(),
            },
        ))
        .await;
    assert_eq!(
        acme_admin.answer_key, "action-proposal",
        "{}",
        acme_admin.markdown
    );
    assert!(
        !acme_admin.markdown.contains("demo"),
        "{}",
        acme_admin.markdown
    );
}

#[tokio::test]
async fn a_dismissed_proposal_cannot_be_confirmed() {
    let bot = bot().await;
    let admin = discord("9", Some("111"), MANAGE_GUILD);
    let proposal = bot.handle(inbound("d-1", admin.clone(), cancel())).await;
    assert_eq!(
        proposal.answer_key, "action-proposal",
        "{}",
        proposal.markdown
    );
    let Some(ButtonAction::Confirm { token, .. }) =
        proposal.buttons.first().map(|b| b.action.clone())
    else {
        panic!("a confirm button");
    };
    let dismiss = |id: &str, who: Identity| {
        inbound(
            id,
            who,
            Message::Command(Command::Dismiss {
                token: token.clone(),
            }),
        )
    };
    let stranger = bot
        .handle(dismiss("d-2", discord("10", Some("111"), MANAGE_GUILD)))
        .await;
    assert_eq!(
        stranger.answer_key, "action-refused",
        "only the proposer can dismiss: {}",
        stranger.markdown
    );
    let dismissed = bot.handle(dismiss("d-3", admin.clone())).await;
    assert_eq!(
        dismissed.answer_key, "action-dismissed",
        "{}",
        dismissed.markdown
    );
    let again = bot.handle(dismiss("d-4", admin.clone())).await;
    assert_eq!(
        again.answer_key, "action-dismissed",
        "dismissing twice is harmless"
    );
    let confirm = bot
        .handle(inbound(
            "d-5",
            admin.clone(),
            Message::Command(Command::Confirm {
                token: token.clone(),
                typed: None,
            }),
        ))
        .await;
    assert_eq!(confirm.answer_key, "action-refused", "{}", confirm.markdown);
    assert!(
        confirm.markdown.contains("avbrutt") || confirm.markdown.contains("dismiss"),
        "says the proposal was dismissed: {}",
        confirm.markdown
    );
    let status = bot
        .handle(inbound(
            "d-6",
            admin,
            Message::Command(Command::Status { account: None }),
        ))
        .await;
    assert!(
        status.markdown.contains("aktiv"),
        "SUB-1 is still active: {}",
        status.markdown
    );
    let service = bot.lifecycle().expect("lifecycle").service();
    let audit = service
        .engine()
        .store()
        .audit(Some(&AccountId::parse("acme").expect("id")))
        .expect("audit");
    let dismissals = audit
        .iter()
        .filter(|r| r.kind == AuditKind::Dismissed)
        .count();
    assert_eq!(dismissals, 1, "one durable, audited dismissal: {audit:#?}");
}

#[tokio::test]
async fn repeated_denials_are_coalesced_into_counted_audit_records() {
    let bot = bot().await;
    let member = discord("42", Some("111"), 0);
    for n in 0..300 {
        let reply = bot
            .handle(inbound(&format!("flood-{n}"), member.clone(), cancel()))
            .await;
        assert_eq!(reply.answer_key, "action-refused");
    }
    let acme = AccountId::parse("acme").expect("id");
    let service = bot.lifecycle().expect("lifecycle").service();
    let denied: Vec<_> = service
        .engine()
        .store()
        .audit(Some(&acme))
        .expect("audit")
        .into_iter()
        .filter(|r| r.kind == AuditKind::Denied)
        .collect();
    assert!(
        !denied.is_empty() && denied.len() <= 2,
        "300 denials, {} records",
        denied.len()
    );
    let first = &denied[0];
    assert_eq!(first.action.as_deref(), Some("cancel"), "{first:?}");
    assert_eq!(
        first.subscription.map(|s| s.to_string()).as_deref(),
        Some("SUB-1"),
        "{first:?}"
    );
    // The rest are counted when the window closes (the scheduler's tick
    // flushes it), so the log still says how many were refused.
    service
        .tick(service.now() + chrono::TimeDelta::hours(1))
        .await
        .expect("tick");
    let counted: u64 = service
        .engine()
        .store()
        .audit(Some(&acme))
        .expect("audit")
        .iter()
        .filter(|r| r.kind == AuditKind::Denied)
        .map(|r| u64::from(r.count.unwrap_or(1)))
        .sum();
    assert_eq!(counted, 300);
}
