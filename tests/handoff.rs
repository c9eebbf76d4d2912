//! Handing conversations to people, driven through `Bot::handle` as
//! transports do, on every store (memory, sled, PostgreSQL): tickets open on request and after repeated
//! misses, re-delivered events open one ticket, the bot is quiet while a
//! person has the conversation and says so when it resumes (after resolve and
//! after the timeout), and claims are first-come.

use std::sync::Arc;

#[path = "common/postgres.rs"]
mod pg;

use chrono::{DateTime, TimeDelta, Utc};
use supportbot::handoff::{
    Change, HandoffError, HandoffPolicy, HandoffService, Reason, TicketId, TicketState, TicketStore,
};
use supportbot::knowledge::KnowledgeSource;
use supportbot::lifecycle::ManualClock;
use supportbot::model::{Evidence, Identity, Inbound, Message, Platform};
use supportbot::store::{MemoryStore, PostgresStore, SledStore};
use supportbot::{Bot, Knowledge};

struct Setup {
    bot: Bot,
    service: HandoffService,
    clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
}

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
}

fn setup(store: Arc<dyn TicketStore>, dir: Option<tempfile::TempDir>) -> Setup {
    let clock = Arc::new(ManualClock::new(start()));
    let service = HandoffService::new(store, clock.clone(), HandoffPolicy::default());
    let knowledge = Knowledge::load(&KnowledgeSource::embedded()).expect("knowledge");
    Setup {
        bot: Bot::new(knowledge).with_handoff(service.clone()),
        service,
        clock,
        _dir: dir,
    }
}

/// Memory, sled and (when a server is available) PostgreSQL.
fn stores() -> Vec<(&'static str, Setup)> {
    let dir = tempfile::tempdir().expect("tmp");
    let sled = SledStore::open(dir.path().join("db")).expect("sled");
    let mut out = vec![
        ("memory", setup(Arc::new(MemoryStore::new()), None)),
        ("sled", setup(Arc::new(sled), Some(dir))),
    ];
    if let Some(url) = pg::database("handoff") {
        let pg = PostgresStore::open(&url).expect("postgres");
        out.push(("postgres", setup(Arc::new(pg), None)));
    }
    out
}

fn user(id: &str) -> Identity {
    Identity {
        platform: Platform::Discord,
        user_id: id.into(),
        scope: Some("111".into()),
        evidence: Evidence::Discord {
            permissions: 0,
            role_ids: Vec::new(),
        },
    }
}

fn say(event: &str, who: &str, text: &str) -> Inbound {
    Inbound {
        event_id: event.into(),
        identity: user(who),
        conversation: "channel-1".into(),
        locales: Vec::new(),
        message: Message::Text(text.into()),
        received_at: start(),
    }
}

#[tokio::test]
async fn asking_for_a_person_opens_one_ticket_and_the_bot_stays_quiet_until_resolved() {
    for (name, s) in stores() {
        let reply = s
            .bot
            .handle(say("e1", "42", "I want to talk to a human"))
            .await;
        assert_eq!(reply.answer_key, "handoff-opened", "{name}");
        assert!(reply.markdown.contains("H-1"), "{name}: {}", reply.markdown);

        let again = s
            .bot
            .handle(say("e1", "42", "I want to talk to a human"))
            .await;
        assert_eq!(again.answer_key, "handoff-opened", "{name}: re-delivery");
        let tickets = s.service.list().await.expect("list");
        assert_eq!(
            tickets.len(),
            1,
            "{name}: a re-delivered event opens no second ticket"
        );
        assert_eq!(tickets[0].reason, Reason::Asked);
        assert_eq!(tickets[0].locale, "en-US");
        assert_eq!(tickets[0].transcript.len(), 1);

        let quiet = s
            .bot
            .handle(say("e2", "42", "how do I cancel my subscription"))
            .await;
        assert_eq!(quiet.answer_key, "handoff-waiting", "{name}");

        let other = s
            .bot
            .handle(say("e3", "43", "how do I cancel my subscription"))
            .await;
        assert_eq!(
            other.answer_key, "cancel",
            "{name}: other users are answered"
        );

        s.service
            .act(TicketId::new(1), Change::Resolved, "discord:7")
            .await
            .expect("resolve");
        let back = s
            .bot
            .handle(say("e4", "42", "how do I cancel my subscription"))
            .await;
        assert_eq!(back.answer_key, "cancel", "{name}");
        assert!(
            back.markdown.contains("answering again"),
            "{name}: {}",
            back.markdown
        );
        let after = s
            .bot
            .handle(say("e5", "42", "how do I cancel my subscription"))
            .await;
        assert!(
            !after.markdown.contains("answering again"),
            "{name}: said once"
        );
    }
}

#[tokio::test]
async fn two_misses_in_a_row_open_a_ticket() {
    for (name, s) in stores() {
        let first = s.bot.handle(say("n1", "42", "blå bananer flyr")).await;
        assert_eq!(first.answer_key, "none", "{name}");
        let understood = s
            .bot
            .handle(say("n2", "42", "hvordan sier jeg opp abonnementet"))
            .await;
        assert_ne!(understood.answer_key, "none", "{name}");
        let miss = s.bot.handle(say("n3", "42", "grønne sykler synger")).await;
        assert_eq!(
            miss.answer_key, "none",
            "{name}: an answer in between resets the count"
        );
        let second = s.bot.handle(say("n4", "42", "lilla skyer danser")).await;
        assert_eq!(second.answer_key, "handoff-opened", "{name}");
        let tickets = s.service.list().await.expect("list");
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].reason, Reason::NotUnderstood(2), "{name}");
        assert_eq!(tickets[0].transcript.len(), 2, "{name}: the two misses");
    }
}

#[tokio::test]
async fn the_bot_resumes_after_the_timeout() {
    for (name, s) in stores() {
        s.bot
            .handle(say("t1", "42", "I want to talk to a human"))
            .await;
        s.clock.advance(TimeDelta::hours(23));
        let quiet = s.bot.handle(say("t2", "42", "hello?")).await;
        assert_eq!(quiet.answer_key, "handoff-waiting", "{name}");
        s.clock.advance(TimeDelta::hours(1));
        let back = s
            .bot
            .handle(say("t3", "42", "how do I cancel my subscription"))
            .await;
        assert_eq!(back.answer_key, "cancel", "{name}");
        let (ticket, history) = s.service.show(TicketId::new(1)).await.expect("show");
        assert_eq!(ticket.state, TicketState::Released, "{name}");
        let changes: Vec<Change> = history.iter().map(|h| h.change).collect();
        assert_eq!(changes, vec![Change::Opened, Change::TimedOut], "{name}");
    }
}

#[tokio::test]
async fn concurrent_claims_have_one_winner_and_the_other_is_told_who() {
    for (name, s) in stores() {
        s.bot
            .handle(say("c1", "42", "connect me to a support agent"))
            .await;
        let (a, b) = tokio::join!(
            s.service
                .act(TicketId::new(1), Change::Claimed, "discord:1"),
            s.service
                .act(TicketId::new(1), Change::Claimed, "discord:2"),
        );
        let (won, lost) = match (a, b) {
            (Ok(t), Err(e)) | (Err(e), Ok(t)) => (t, e),
            other => panic!("{name}: expected one winner, got {other:?}"),
        };
        let winner = won.claimed.map(|(_, by)| by).unwrap_or_default();
        match lost {
            HandoffError::AlreadyClaimed { by, .. } => assert_eq!(by, winner, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        let (_, history) = s.service.show(TicketId::new(1)).await.expect("show");
        assert_eq!(history.len(), 2, "{name}: opened + one claim");
    }
}

#[test]
fn tickets_survive_reopening_the_sled_store() {
    let dir = tempfile::tempdir().expect("tmp");
    {
        let s = setup(
            Arc::new(SledStore::open(dir.path().join("db")).expect("sled")),
            None,
        );
        let rt = tokio::runtime::Runtime::new().expect("rt");
        let reply = rt.block_on(s.bot.handle(say("r1", "42", "I want to talk to a human")));
        assert_eq!(reply.answer_key, "handoff-opened");
    }
    let store = SledStore::open(dir.path().join("db")).expect("reopen");
    let tickets = store.tickets().expect("tickets");
    assert_eq!(tickets.len(), 1);
    assert_eq!(
        store.ticket_for_event("discord:r1").expect("event"),
        Some(TicketId::new(1))
    );
    assert_eq!(
        store
            .ticket_history(TicketId::new(1))
            .expect("history")
            .len(),
        1
    );
}

#[tokio::test]
async fn feedback_is_stored_per_answer_and_locale_on_every_store_and_survives_reopening() {
    use supportbot::model::FeedbackChoice;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("db");
    let click = |event: &str, who: &str, choice: FeedbackChoice, locale: &str| Inbound {
        locales: vec![locale.into()],
        message: Message::Feedback {
            answer: "cancel".into(),
            choice,
        },
        ..say(event, who, "")
    };
    {
        let sled = SledStore::open(&path).expect("sled");
        let mut all = stores();
        all.push(("sled (reopened below)", setup(Arc::new(sled), None)));
        for (name, s) in all {
            let yes = s
                .bot
                .handle(click("f1", "42", FeedbackChoice::Helped, "en-US"))
                .await;
            assert_eq!(yes.answer_key, "feedback-thanks", "{name}");
            let no = s
                .bot
                .handle(click("f2", "43", FeedbackChoice::NotHelped, "de-DE"))
                .await;
            assert_eq!(no.answer_key, "feedback-sorry", "{name}");
            assert_eq!(no.buttons.len(), 1, "{name}: the offer of a person");
            // The same click again is the same record.
            s.bot
                .handle(click("f2", "43", FeedbackChoice::NotHelped, "de-DE"))
                .await;
            let stored = s.service.feedback_list().await.expect("feedback");
            let seen: Vec<(&str, &str, bool)> = stored
                .iter()
                .map(|f| (f.answer.as_str(), f.locale.as_str(), f.helped))
                .collect();
            assert_eq!(
                seen,
                [("cancel", "de-DE", false), ("cancel", "en-US", true)],
                "{name}"
            );
            assert!(
                s.service.list().await.expect("tickets").is_empty(),
                "{name}: a no alone opens nothing"
            );
            // A key the bot never answered with (forged card data) counts nothing.
            let mut forged = click("f3", "44", FeedbackChoice::NotHelped, "en-US");
            forged.message = Message::Feedback {
                answer: "no-such-answer".into(),
                choice: FeedbackChoice::NotHelped,
            };
            let refused = s.bot.handle(forged).await;
            assert_eq!(refused.answer_key, "notice-unknown-button", "{name}");
            assert_eq!(
                s.service.feedback_list().await.expect("feedback").len(),
                2,
                "{name}"
            );
        }
    }
    let reopened = SledStore::open(&path).expect("reopen");
    let stored = TicketStore::feedback(&reopened).expect("feedback");
    assert_eq!(stored.len(), 2, "durable: {stored:?}");
}
