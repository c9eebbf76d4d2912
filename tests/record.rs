//! The conversation record, driven through `Bot::handle` as transports do,
//! on both stores: every message is recorded with its text redacted before
//! it is stored, with the rules that fired or were vetoed; retention purges
//! old entries; a store that fails costs no reply; erasure is audited.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use supportbot::auth::authorize_operator;
use supportbot::knowledge::KnowledgeSource;
use supportbot::lifecycle::{AuditKind, ManualClock, Store, StoreError};
use supportbot::model::{Evidence, Identity, Inbound, Message, Platform};
use supportbot::record::{
    Entry, EntryKind, RecordKey, RecordPolicy, RecordService, RecordStore, RecordWrite, Report,
    ReportFilter, UserRef,
};
use supportbot::store::{MemoryStore, SledStore};
use supportbot::{Bot, Knowledge};

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
}

fn knowledge() -> Knowledge {
    Knowledge::load(&KnowledgeSource::embedded()).expect("knowledge")
}

fn user() -> Identity {
    Identity {
        platform: Platform::Discord,
        user_id: "4242".into(),
        scope: Some("111".into()),
        evidence: Evidence::Discord {
            permissions: 0,
            role_ids: Vec::new(),
        },
    }
}

fn text(event: &str, body: &str, at: DateTime<Utc>) -> Inbound {
    Inbound {
        event_id: event.into(),
        identity: user(),
        conversation: "chan-1".into(),
        locales: vec!["en-US".into()],
        message: Message::Text(body.into()),
        received_at: at,
    }
}

/// One store under test: its name, its record and lifecycle views, and
/// the directory that must outlive it.
type UnderTest = (
    &'static str,
    Arc<dyn RecordStore>,
    Arc<dyn Store>,
    Option<tempfile::TempDir>,
);

/// A memory store and a sled store, each with the lifecycle view of it.
fn stores() -> Vec<UnderTest> {
    let dir = tempfile::tempdir().expect("tmp");
    let sled = Arc::new(SledStore::open(dir.path().join("db")).expect("sled"));
    let memory = Arc::new(MemoryStore::new());
    vec![
        ("memory", memory.clone(), memory, None),
        ("sled", sled.clone(), sled, Some(dir)),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_message_is_recorded_redacted_with_its_rules_and_purged_after_retention() {
    for (name, records, lifecycle, _dir) in stores() {
        let clock = Arc::new(ManualClock::new(start()));
        let service = RecordService::new(records.clone(), clock.clone(), RecordPolicy::default());
        let bot = Bot::new(knowledge()).with_record(service.clone());

        let reply = bot
            .handle(text("e1", "I want to cancel my subscription", start()))
            .await;
        assert_eq!(reply.answer_key, "cancel", "{name}");
        bot.handle(text(
            "e2",
            "card 4111 1111 1111 1111, mail kari@example.no, IBAN GB82 WEST 1234 5698 7654 32",
            start() + TimeDelta::seconds(1),
        ))
        .await;
        bot.handle(text(
            "e3",
            "I want to cancel the order for my subscription",
            start() + TimeDelta::seconds(2),
        ))
        .await;
        bot.handle(Inbound {
            message: Message::Why,
            ..text("e4", "", start() + TimeDelta::seconds(3))
        })
        .await;

        let all = service.entries(None).await.expect("entries");
        assert_eq!(all.len(), 4, "{name}: {all:?}");
        assert_eq!(all[0].intent.as_deref(), Some("cancel"));
        assert_eq!(all[0].rules, vec!["cancel/en/verb-subscription".to_owned()]);
        assert_eq!(all[0].understood, Some(true));
        assert_eq!(all[0].user.to_string(), "discord:4242");
        assert_eq!(all[0].scope.as_deref(), Some("111"));
        assert_eq!(
            all[1].text.as_deref(),
            Some("card [card], mail [email], IBAN [iban]"),
            "{name}: redacted before it was stored"
        );
        assert_eq!(all[1].understood, Some(false));
        assert!(all[2]
            .vetoed
            .contains(&"cancel/en/verb-subscription".to_owned()));
        assert_eq!(all[3].kind, EntryKind::Why);
        assert_eq!(all[3].text, None);

        // The report counts what was stored: three texts, of which the
        // card message and the vetoed look-alike were not understood; `/why`
        // is not a text.
        let report = Report::build(
            &service.entries(None).await.expect("entries"),
            &[],
            &[],
            ReportFilter::default(),
        );
        assert_eq!(
            (report.messages, report.not_understood, report.other),
            (3, 2, 1),
            "{name}: {report:?}"
        );

        // Retention: 30 days by default.
        clock.set(start() + TimeDelta::days(30) + TimeDelta::milliseconds(1500));
        assert_eq!(
            service.purge(service.now()).await.expect("purge"),
            2,
            "{name}"
        );
        assert_eq!(service.entries(None).await.expect("left").len(), 2);

        // Erasure deletes the user's entries and is audited in the same commit.
        let op =
            authorize_operator(&Identity::local_operator(), &Default::default()).expect("operator");
        let who = UserRef::parse("discord:4242").expect("user");
        assert_eq!(service.erase(&who, &op).await.expect("erase"), 2);
        assert!(service.export(&who, &op).await.expect("export").is_empty());
        let audit = lifecycle.audit(None).expect("audit");
        let kinds: Vec<AuditKind> = audit.iter().map(|r| r.kind).collect();
        assert!(kinds.contains(&AuditKind::Erased), "{name}: {kinds:?}");
        assert!(kinds.contains(&AuditKind::Exported), "{name}: {kinds:?}");
        assert!(audit.iter().any(|r| r.detail.as_deref()
            == Some("privacy erasure of 2 recorded messages of discord:4242")));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_re_delivered_event_is_recorded_once() {
    let store = Arc::new(MemoryStore::new());
    let service = RecordService::new(
        store,
        Arc::new(ManualClock::new(start())),
        RecordPolicy::default(),
    );
    let bot = Bot::new(knowledge()).with_record(service.clone());
    for _ in 0..3 {
        bot.handle(text("same", "hello", start())).await;
    }
    assert_eq!(service.entries(None).await.expect("entries").len(), 1);
}

/// A store whose every write fails.
struct Broken;

impl RecordStore for Broken {
    fn entry(&self, _: &RecordKey) -> Result<Option<Entry>, StoreError> {
        Ok(None)
    }
    fn entries(&self, _: Option<DateTime<Utc>>) -> Result<Vec<Entry>, StoreError> {
        Ok(Vec::new())
    }
    fn entries_before(&self, _: DateTime<Utc>, _: usize) -> Result<Vec<Entry>, StoreError> {
        Ok(Vec::new())
    }
    fn user_entries(&self, _: &UserRef) -> Result<Vec<Entry>, StoreError> {
        Ok(Vec::new())
    }
    fn commit_record(&self, _: RecordWrite) -> Result<(), StoreError> {
        Err(StoreError::Io("disk full".into()))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_record_store_costs_no_reply() {
    let service = RecordService::new(
        Arc::new(Broken),
        Arc::new(ManualClock::new(start())),
        RecordPolicy::default(),
    );
    let bot = Bot::new(knowledge()).with_record(service);
    let reply = bot
        .handle(text("e1", "I want to cancel my subscription", start()))
        .await;
    assert_eq!(reply.answer_key, "cancel");
    assert!(!reply.markdown.is_empty());
}
