//! Session memory: per conversation, the numbered choices last offered and
//! the last answer `/why` can explain. Bounded in count and in bytes (user
//! and conversation ids are hashed when long, texts are counted); the oldest
//! conversation is forgotten first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::knowledge::Knowledge;
use crate::locale::LocaleChain;
use crate::model::{bounded_key, Platform};

/// Conversations whose choices and last explanation are remembered; the
/// oldest is forgotten first.
const MAX_SESSIONS: usize = 10_000;
/// Bytes of ids, choices and remembered texts held at most; the oldest
/// conversations are forgotten first to stay below.
pub const MAX_SESSION_BYTES: usize = 32 * 1024 * 1024;

/// Whose session: platform, user id and conversation id.
pub type SessionKey = (Platform, String, String);

/// What `/why` needs to explain the last answer: the text and the knowledge
/// that answered it (explaining is several times the cost of classifying, so
/// it runs only when asked; the knowledge is kept so a reload in between does
/// not change the explanation).
#[derive(Debug, Clone)]
pub struct LastAnswer {
    /// The classified text.
    pub text: String,
    /// The locale chain it was answered in.
    pub chain: LocaleChain,
    /// The knowledge that answered it.
    pub knowledge: Arc<Knowledge>,
}

/// Every conversation's memory.
#[derive(Debug, Default)]
pub struct Memory(Mutex<Sessions>);

#[derive(Debug, Default)]
struct Sessions {
    map: HashMap<SessionKey, Session>,
    order: VecDeque<SessionKey>,
    /// Sum of every session's [`Session::cost`].
    bytes: usize,
}

#[derive(Debug, Default, Clone)]
struct Session {
    choices: Vec<String>,
    last: Option<LastAnswer>,
    /// Bytes counted for this session when it was last changed.
    cost: usize,
}

/// `key` with its ids bounded in size.
pub(crate) fn bounded((platform, user, conversation): &SessionKey) -> SessionKey {
    (*platform, bounded_key(user), bounded_key(conversation))
}

impl Memory {
    /// The intent `text` picks when it is the number of an offered choice;
    /// the offer is used up.
    pub fn pending_choice(&self, key: &SessionKey, text: &str) -> Option<String> {
        let n: usize = text.trim_end_matches(['.', ')']).parse().ok()?;
        let key = bounded(key);
        let mut sessions = self.0.lock().ok()?;
        let session = sessions.map.get_mut(&key)?;
        let choice = session.choices.get(n.checked_sub(1)?)?.clone();
        session.choices.clear();
        sessions.recount(&key);
        Some(choice)
    }

    /// The last answer of the conversation, for `/why`.
    pub fn last(&self, key: &SessionKey) -> Option<LastAnswer> {
        self.0
            .lock()
            .ok()
            .and_then(|s| s.map.get(&bounded(key)).and_then(|s| s.last.clone()))
    }

    /// Offers `choices` (replacing earlier ones) and, when given, remembers
    /// the last answer.
    pub fn remember(&self, key: &SessionKey, choices: Vec<String>, last: Option<LastAnswer>) {
        let key = bounded(key);
        let Ok(mut sessions) = self.0.lock() else {
            return;
        };
        let session = sessions.entry(&key);
        session.choices = choices;
        if last.is_some() {
            session.last = last;
        }
        sessions.recount(&key);
    }

    /// Bytes counted for every remembered conversation; at most
    /// [`MAX_SESSION_BYTES`] (plus the newest conversation's own).
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.0.lock().map_or(0, |s| s.bytes)
    }
}

impl Sessions {
    fn entry(&mut self, key: &SessionKey) -> &mut Session {
        if !self.map.contains_key(key) {
            if self.order.len() >= MAX_SESSIONS {
                self.forget_oldest();
            }
            self.order.push_back(key.clone());
        }
        self.map.entry(key.clone()).or_default()
    }

    /// Counts `key`'s session again after a change, then forgets the
    /// oldest others while over [`MAX_SESSION_BYTES`].
    fn recount(&mut self, key: &SessionKey) {
        let Some(session) = self.map.get_mut(key) else {
            return;
        };
        let cost = key.1.len()
            + key.2.len()
            + session.choices.iter().map(String::len).sum::<usize>()
            + session.last.as_ref().map_or(0, |l| l.text.len());
        self.bytes = self.bytes.saturating_sub(session.cost) + cost;
        session.cost = cost;
        while self.bytes > MAX_SESSION_BYTES && self.order.front().is_some_and(|k| k != key) {
            self.forget_oldest();
        }
    }

    fn forget_oldest(&mut self) {
        if let Some(oldest) = self.order.pop_front() {
            if let Some(gone) = self.map.remove(&oldest) {
                self.bytes = self.bytes.saturating_sub(gone.cost);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MAX_KEY_BYTES;

    fn key(conversation: String) -> SessionKey {
        (Platform::Teams, "user".into(), conversation)
    }

    #[test]
    fn attacker_sized_conversation_ids_are_held_in_bounded_bytes() {
        let memory = Memory::default();
        for n in 0..200 {
            let k = key(format!("{n}{}", "c".repeat(100_000)));
            memory.remember(&k, vec!["cancel".into()], None);
        }
        assert!(
            memory.bytes() <= 200 * (4 + MAX_KEY_BYTES + "cancel".len()),
            "{} bytes",
            memory.bytes()
        );
        let k = key(format!("199{}", "c".repeat(100_000)));
        assert_eq!(memory.pending_choice(&k, "1").as_deref(), Some("cancel"));
    }

    #[test]
    fn remembered_texts_are_bounded_in_total_bytes() {
        let memory = Memory::default();
        for n in 0..40 {
            memory.remember(&key(n.to_string()), vec!["x".repeat(1 << 20)], None);
        }
        assert!(memory.bytes() <= MAX_SESSION_BYTES, "{}", memory.bytes());
        assert_eq!(
            memory.pending_choice(&key("0".into()), "1"),
            None,
            "oldest forgotten"
        );
        assert!(memory.pending_choice(&key("39".into()), "1").is_some());
    }
}
