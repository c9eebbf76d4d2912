//! Lifecycle commands through `Bot::handle` with platform identities:
//! authorisation comes only from signed evidence, never from text.

use std::sync::Arc;

use supportbot::conversation::{Lifecycle, LifecycleCommands};
use supportbot::knowledge::KnowledgeSource;
use supportbot::lifecycle::Store;
use supportbot::lifecycle::{Policy, Seed, SystemClock, TokenKey};
use supportbot::model::{ButtonAction, Command, Evidence, Identity, Inbound, Message, Platform};
use supportbot::store::MemoryStore;
use supportbot::{Bot, Knowledge};

const MANAGE_GUILD: u64 = 1 << 5;

async fn bot() -> Bot {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let key = TokenKey::from_bytes([7; 32]);
    let service = Lifecycle::new(
        store,
        Policy::default(),
        Default::default(),
        Arc::new(SystemClock),
        key,
    );
    let started = (chrono::Utc::now() - chrono::Days::new(5)).date_naive();
    let seed = Seed::from_toml(&format!(
        "[[account]]\nid = \"acme\"\nname = \"Acme\"\ncountry = \"NO\"\npreferred_locale = \"nb-NO\"\ndiscord_guild_ids = [111]\n\
         [[subscription]]\nid = \"SUB-1\"\naccount = \"acme\"\nproduct = \"Microsoft 365\"\nseats = 2\nunit_price_minor = 10000\n\
         currency = \"NOK\"\nperiod = \"monthly\"\nstarted = \"{started}\"\n"
    ))
    .expect("seed");
    let op = supportbot::auth::authorize_operator(&Identity::local_operator(), &Default::default())
        .expect("operator");
    service.provision(&op, seed).await.expect("provisioned");
    let knowledge = Knowledge::load(&KnowledgeSource::embedded()).expect("knowledge");
    Bot::with_lifecycle(knowledge, LifecycleCommands::new(service))
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
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let service = Lifecycle::new(
        store,
        Policy::default(),
        Default::default(),
        Arc::new(PanickingClock),
        TokenKey::from_bytes([7; 32]),
    );
    let knowledge = Knowledge::load(&KnowledgeSource::embedded()).expect("knowledge");
    let bot = Bot::with_lifecycle(knowledge, LifecycleCommands::new(service));
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
