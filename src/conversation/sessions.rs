//! Where a conversation's memory lives: in this process ([`Memory`], the
//! `chat` CLI and tests) or behind the [`SessionStore`] port, so that any
//! `serve` instance sharing the store answers the next message (`/why`, the
//! number of an offered choice) as the one that answered the last.
//!
//! Stored sessions carry the question's text and locale chain, not the
//! knowledge that answered it: `/why` explains with the knowledge of the
//! instance asked, which differs from the answering one only across a reload.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::session::{bounded, LastAnswer, Memory, SessionKey};
use crate::knowledge::Knowledge;
use crate::lifecycle::StoreError;
use crate::locale::LocaleChain;

/// How long a stored session is kept after its last change: long enough for
/// a follow-up (`/why`, a choice number), short because it holds the user's
/// last question verbatim (unredacted, so `/why` explains what was asked).
pub const SESSION_TTL: Duration = Duration::hours(1);

/// One conversation's memory as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    /// Intents of the numbered choices on offer, in order (empty: none).
    pub choices: Vec<String>,
    /// The last question answered, for `/why`.
    pub last: Option<StoredQuestion>,
    /// When the session is forgotten (reads treat it as absent from then on).
    pub expires_at: DateTime<Utc>,
}

/// The last question of a conversation and the locale chain it was answered in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredQuestion {
    /// The classified text.
    pub text: String,
    /// The reply's locale chain.
    pub chain: LocaleChain,
}

/// The storage port for session memory. Synchronous (adapters may block);
/// the bot calls it on tokio's blocking pool. Keys arrive with their ids
/// already bounded in size.
pub trait SessionStore: Send + Sync {
    /// The session of `key` unless absent or expired at `now` (an expired
    /// one may be deleted on the way).
    fn session(
        &self,
        key: &SessionKey,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredSession>, StoreError>;
    /// Replaces the session of `key`. Returns once readable by every other
    /// process sharing the store; need not be crash-durable (an embedded
    /// store may lose the last seconds of sessions in a crash).
    fn put_session(&self, key: &SessionKey, session: &StoredSession) -> Result<(), StoreError>;
    /// Deletes every session expired at `now`; returns how many.
    fn purge_sessions(&self, now: DateTime<Utc>) -> Result<usize, StoreError>;
}

/// The bot's session memory: local, or in a shared store.
pub(crate) enum Sessions {
    /// This process only, bounded; `/why` keeps the answering knowledge.
    Local(Memory),
    /// A store every instance shares.
    Stored(Arc<dyn SessionStore>),
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sessions::Local(m) => f.debug_tuple("Local").field(m).finish(),
            Sessions::Stored(_) => f.write_str("Stored"),
        }
    }
}

/// The number `text` names, if it is one (`2`, `2.`, `2)`).
fn choice_number(text: &str) -> Option<usize> {
    text.trim_end_matches(['.', ')']).parse().ok()
}

async fn blocking<T: Send + 'static>(
    store: &Arc<dyn SessionStore>,
    f: impl FnOnce(&dyn SessionStore) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| StoreError::Io(format!("session task failed: {e}")))?
}

impl Sessions {
    /// The intent `text` picks when it is the number of an offered choice;
    /// the offer is used up. A store failure is logged and reads as no offer.
    pub(crate) async fn pending_choice(
        &self,
        key: &SessionKey,
        text: &str,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let store = match self {
            Sessions::Local(memory) => return memory.pending_choice(key, text),
            Sessions::Stored(store) => store,
        };
        let n = choice_number(text)?.checked_sub(1)?;
        let key = bounded(key);
        let taken = blocking(store, move |s| {
            let Some(mut session) = s.session(&key, now)? else {
                return Ok(None);
            };
            let Some(choice) = session.choices.get(n).cloned() else {
                return Ok(None);
            };
            session.choices.clear();
            s.put_session(&key, &session)?;
            Ok(Some(choice))
        })
        .await;
        taken.unwrap_or_else(|e| {
            tracing::error!(error = %e, "session store: reading a pending choice failed");
            None
        })
    }

    /// The conversation's last answer, for `/why`; a stored one is explained
    /// with `current`.
    pub(crate) async fn last(
        &self,
        key: &SessionKey,
        now: DateTime<Utc>,
        current: &Arc<Knowledge>,
    ) -> Option<LastAnswer> {
        let store = match self {
            Sessions::Local(memory) => return memory.last(key),
            Sessions::Stored(store) => store,
        };
        let key = bounded(key);
        match blocking(store, move |s| s.session(&key, now)).await {
            Ok(session) => session.and_then(|s| s.last).map(|q| LastAnswer {
                text: q.text,
                chain: q.chain,
                knowledge: Arc::clone(current),
            }),
            Err(e) => {
                tracing::error!(error = %e, "session store: reading the last answer failed");
                None
            }
        }
    }

    /// Offers `choices` (none: withdraws earlier ones) and remembers `last`.
    /// A stored session is written before this returns, so the next message
    /// finds it on any instance; a failure is logged, the reply still goes out.
    pub(crate) async fn remember(
        &self,
        key: &SessionKey,
        choices: Vec<String>,
        last: LastAnswer,
        now: DateTime<Utc>,
    ) {
        let store = match self {
            Sessions::Local(memory) => return memory.remember(key, choices, Some(last)),
            Sessions::Stored(store) => store,
        };
        let key = bounded(key);
        let session = StoredSession {
            choices,
            last: Some(StoredQuestion {
                text: last.text,
                chain: last.chain,
            }),
            expires_at: now + SESSION_TTL,
        };
        if let Err(e) = blocking(store, move |s| s.put_session(&key, &session)).await {
            tracing::error!(error = %e, "session store: remembering the answer failed");
        }
    }

    /// Deletes expired stored sessions (nothing to do for local memory).
    pub(crate) async fn purge(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        match self {
            Sessions::Local(_) => Ok(0),
            Sessions::Stored(store) => blocking(store, move |s| s.purge_sessions(now)).await,
        }
    }
}
