//! Conversation session memory ([`SessionStore`](crate::conversation::SessionStore))
//! over the shared layout: `Tree::Sessions`, one record per platform, user
//! and conversation, each carrying its expiry.
//!
//! Sessions skip the commit path on purpose. They hold no money, no audit
//! and no idempotency: a lost session only makes `/why` say there is nothing
//! to explain or a choice number be classified as text. So the embedded
//! store writes them straight into sled (no journal frame, no `fdatasync`,
//! persisted at the next checkpoint) and the reply does not wait for a disk;
//! PostgreSQL writes them with one autocommitted upsert, in the database
//! before the reply, so the next message can go to any instance. Writes are
//! last-writer-wins: two messages of one user in one conversation at the
//! same instant are the only race, and either outcome is a valid session.

use chrono::{DateTime, Utc};

use super::codec::{decode, Tree};
use super::raw::Raw;
use crate::conversation::{SessionKey, StoredSession};
use crate::lifecycle::StoreError;

/// Key of a session: platform, user, conversation (platform ids never
/// contain NUL), so one user's sessions share a prefix.
pub(crate) fn session_key((platform, user, conversation): &SessionKey) -> Vec<u8> {
    let mut k = platform.as_str().as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(user.as_bytes());
    k.push(0);
    k.extend_from_slice(conversation.as_bytes());
    k
}

/// Keys of the sessions expired at `now`. A record that cannot be decoded
/// counts as expired: it is only a conversation's memory, and keeping it
/// would fail every read of it.
pub(crate) fn expired(raw: &impl Raw, now: DateTime<Utc>) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut keys = Vec::new();
    raw.scan(Tree::Sessions, b"", &mut |k, v| {
        match decode::<StoredSession>(Tree::Sessions, k, v) {
            Ok(s) if s.expires_at > now => {}
            _ => keys.push(k.to_vec()),
        }
        Ok(())
    })?;
    Ok(keys)
}

/// Implements [`SessionStore`](crate::conversation::SessionStore) for a type
/// with a `Raw` impl and inherent `raw_put_session(key, value)` and
/// `raw_remove_sessions(&[key])` methods.
macro_rules! impl_session_store {
    ($t:ty) => {
        impl $crate::conversation::SessionStore for $t {
            fn session(
                &self,
                key: &$crate::conversation::SessionKey,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<$crate::conversation::StoredSession>, StoreError> {
                let k = super::session::session_key(key);
                let found: Option<$crate::conversation::StoredSession> =
                    raw::one(self, Tree::Sessions, &k)?;
                match found {
                    Some(s) if s.expires_at > now => Ok(Some(s)),
                    Some(_) => {
                        self.raw_remove_sessions(&[k])?;
                        Ok(None)
                    }
                    None => Ok(None),
                }
            }
            fn put_session(
                &self,
                key: &$crate::conversation::SessionKey,
                session: &$crate::conversation::StoredSession,
            ) -> Result<(), StoreError> {
                let value = $crate::store::codec::encode(Tree::Sessions, session)?;
                self.raw_put_session(super::session::session_key(key), value)
            }
            fn purge_sessions(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<usize, StoreError> {
                let keys = super::session::expired(self, now)?;
                self.raw_remove_sessions(&keys)?;
                Ok(keys.len())
            }
        }
    };
}
pub(crate) use impl_session_store;

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::conversation::{SessionStore, StoredQuestion};
    use crate::locale::{LocaleChain, LocaleSource};
    use crate::model::Platform;
    use crate::store::{MemoryStore, SledStore};

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_790_000_000 + secs, 0)
            .single()
            .expect("time")
    }

    fn key(user: &str, conversation: &str) -> SessionKey {
        (Platform::Discord, user.into(), conversation.into())
    }

    fn session(text: &str, expires: i64) -> StoredSession {
        StoredSession {
            choices: vec!["cancel".into(), "refund".into()],
            last: Some(StoredQuestion {
                text: text.into(),
                chain: LocaleChain {
                    chain: vec!["nb".into(), "en".into()],
                    source: LocaleSource::Detected,
                },
            }),
            expires_at: at(expires),
        }
    }

    pub(crate) fn exercise(store: &dyn SessionStore) {
        let (a, b) = (key("u1", "c1"), key("u1", "c2"));
        assert_eq!(store.session(&a, at(0)).expect("read"), None);
        store.put_session(&a, &session("hei", 100)).expect("put");
        store.put_session(&b, &session("other", 10)).expect("put");
        assert_eq!(
            store.session(&a, at(0)).expect("read"),
            Some(session("hei", 100)),
            "round trip, per conversation"
        );
        let mut replaced = session("again", 200);
        replaced.choices.clear();
        store.put_session(&a, &replaced).expect("replace");
        assert_eq!(store.session(&a, at(1)).expect("read"), Some(replaced));
        assert_eq!(
            store
                .session(&b, at(5))
                .expect("read")
                .map(|s| s.expires_at),
            Some(at(10))
        );
        assert_eq!(store.session(&b, at(10)).expect("read"), None, "expired");
        store.put_session(&b, &session("other", 10)).expect("put");
        assert_eq!(store.purge_sessions(at(50)).expect("purge"), 1);
        assert_eq!(store.purge_sessions(at(50)).expect("purge"), 0);
        assert!(store.session(&a, at(50)).expect("read").is_some(), "kept");
        assert_eq!(store.purge_sessions(at(300)).expect("purge"), 1);
        assert_eq!(store.session(&a, at(0)).expect("read"), None, "purged");
    }

    #[test]
    fn memory_store_keeps_sessions_until_they_expire() {
        exercise(&MemoryStore::new());
    }

    #[test]
    fn sled_store_keeps_sessions_until_they_expire_and_across_a_restart() {
        let dir = tempfile::tempdir().expect("dir");
        {
            let store = SledStore::open(dir.path()).expect("open");
            exercise(&store);
            let started = std::time::Instant::now();
            for n in 0..1000 {
                let k = key("u3", &n.to_string());
                store.put_session(&k, &session("q", 1000)).expect("put");
            }
            eprintln!("sled sessions: {:?} per write", started.elapsed() / 1000);
            store
                .put_session(&key("u2", "c"), &session("kept", 1000))
                .expect("put");
        }
        let reopened = SledStore::open(dir.path()).expect("reopen");
        assert_eq!(
            reopened.session(&key("u2", "c"), at(0)).expect("read"),
            Some(session("kept", 1000)),
            "a clean stop keeps sessions (the shutdown checkpoint flushes sled)"
        );
    }

    fn inbound(message: crate::model::Message, secs: i64) -> crate::model::Inbound {
        crate::model::Inbound {
            event_id: format!("e{secs}"),
            identity: crate::model::Identity::local_operator(),
            conversation: "c".into(),
            locales: Vec::new(),
            message,
            received_at: at(secs),
        }
    }

    /// Two bots sharing one store stand for two `serve` instances: what one
    /// answered, the other continues, until the session expires.
    #[tokio::test]
    async fn a_second_bot_on_the_same_store_continues_the_conversation() {
        use crate::knowledge::{Knowledge, KnowledgeSource};
        use crate::model::Message;
        use std::sync::Arc;
        let store = Arc::new(MemoryStore::new());
        let bot = || {
            let knowledge = Knowledge::load(&KnowledgeSource::embedded()).expect("rules");
            crate::Bot::new(knowledge).with_sessions(Arc::clone(&store) as Arc<dyn SessionStore>)
        };
        let (a, b) = (bot(), bot());
        let offer = a
            .handle(inbound(Message::Text("cancel and refund me".into()), 0))
            .await;
        assert_eq!(offer.answer_key, "choose");
        let first = offer.choices.first().expect("choices").intent.clone();
        let picked = b.handle(inbound(Message::Text("1".into()), 10)).await;
        assert_eq!(picked.intent.as_deref(), Some(first.as_str()));
        let again = a.handle(inbound(Message::Text("1".into()), 20)).await;
        assert_ne!(
            again.intent.as_deref(),
            Some(first.as_str()),
            "the offer was used up"
        );

        a.handle(inbound(Message::Text("I want my money back".into()), 30))
            .await;
        let why = b.handle(inbound(Message::Why, 40)).await;
        assert!(
            why.markdown.contains("refund/en/money-back"),
            "{}",
            why.markdown
        );
        let late = crate::conversation::SESSION_TTL.num_seconds() + 31;
        let why = b.handle(inbound(Message::Why, late)).await;
        assert!(
            why.markdown.contains("no earlier answer"),
            "{}",
            why.markdown
        );
    }

    #[test]
    fn keys_group_by_platform_then_user() {
        let k = session_key(&key("u", "c"));
        assert_eq!(k, b"discord\0u\0c".to_vec());
    }
}
