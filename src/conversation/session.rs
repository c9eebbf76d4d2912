//! Session memory: per conversation, the numbered choices last offered and
//! the last answer `/why` can explain. Bounded; the oldest conversation is
//! forgotten first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::knowledge::Knowledge;
use crate::locale::LocaleChain;
use crate::model::Platform;

/// Conversations whose choices and last explanation are remembered; the
/// oldest is forgotten first.
const MAX_SESSIONS: usize = 10_000;

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
}

#[derive(Debug, Default, Clone)]
struct Session {
    choices: Vec<String>,
    last: Option<LastAnswer>,
}

impl Memory {
    /// The intent `text` picks when it is the number of an offered choice;
    /// the offer is used up.
    pub fn pending_choice(&self, key: &SessionKey, text: &str) -> Option<String> {
        let n: usize = text.trim_end_matches(['.', ')']).parse().ok()?;
        let mut sessions = self.0.lock().ok()?;
        let session = sessions.map.get_mut(key)?;
        let choice = session.choices.get(n.checked_sub(1)?)?.clone();
        session.choices.clear();
        Some(choice)
    }

    /// The last answer of the conversation, for `/why`.
    pub fn last(&self, key: &SessionKey) -> Option<LastAnswer> {
        self.0
            .lock()
            .ok()
            .and_then(|s| s.map.get(key).and_then(|s| s.last.clone()))
    }

    /// Offers `choices` (replacing earlier ones) and, when given, remembers
    /// the last answer.
    pub fn remember(&self, key: &SessionKey, choices: Vec<String>, last: Option<LastAnswer>) {
        let Ok(mut sessions) = self.0.lock() else {
            return;
        };
        let session = sessions.entry(key);
        session.choices = choices;
        if last.is_some() {
            session.last = last;
        }
    }

    /// Remembers the last answer, keeping the choices on offer.
    pub fn remember_last(&self, key: &SessionKey, last: LastAnswer) {
        if let Ok(mut sessions) = self.0.lock() {
            sessions.entry(key).last = Some(last);
        }
    }
}

impl Sessions {
    fn entry(&mut self, key: &SessionKey) -> &mut Session {
        if !self.map.contains_key(key) {
            if self.order.len() >= MAX_SESSIONS {
                if let Some(oldest) = self.order.pop_front() {
                    self.map.remove(&oldest);
                }
            }
            self.order.push_back(key.clone());
        }
        self.map.entry(key.clone()).or_default()
    }
}
