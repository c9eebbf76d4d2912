//! The activities of each web conversation, numbered by watermark, for
//! polling and for the WebSocket stream.
//!
//! Kept in this process's memory and bounded: at most
//! [`MAX_CONVERSATIONS`] conversations (the longest idle is dropped first)
//! and the last [`KEPT_ACTIVITIES`] activities of each. A visitor whose
//! conversation was dropped (idle for long, or a restart) starts a new one;
//! what the bot needs for the next message (handoff state, tickets, the
//! record) is in the store, not here.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;
use tokio::sync::watch;

/// Conversations kept at most.
pub const MAX_CONVERSATIONS: usize = 10_000;
/// Activities kept per conversation; older ones are gone for a client
/// whose watermark is that far behind.
pub const KEPT_ACTIVITIES: usize = 200;

#[derive(Debug)]
struct Conversation {
    /// `(watermark, activity)`, oldest first.
    activities: VecDeque<(u64, Value)>,
    /// Watermark of the last activity (0: none yet).
    last: u64,
    /// Tells the streams of this conversation about a new watermark.
    changed: watch::Sender<u64>,
    /// Last time anyone posted or read.
    touched: Instant,
}

impl Conversation {
    fn new() -> Conversation {
        Conversation {
            activities: VecDeque::new(),
            last: 0,
            changed: watch::channel(0).0,
            touched: Instant::now(),
        }
    }
}

/// All web conversations of this process.
#[derive(Debug, Clone, Default)]
pub struct Queues {
    inner: Arc<Mutex<HashMap<String, Conversation>>>,
}

impl Queues {
    fn with<T>(&self, id: &str, f: impl FnOnce(&mut Conversation) -> T) -> T {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(id) && map.len() >= MAX_CONVERSATIONS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, c)| c.touched)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        let conversation = map.entry(id.to_owned()).or_insert_with(Conversation::new);
        conversation.touched = Instant::now();
        f(conversation)
    }

    /// Appends an activity, giving it its id (`conversation|0000007`) and
    /// returning that id.
    pub fn push(&self, conversation: &str, mut activity: Value) -> String {
        self.with(conversation, |c| {
            c.last += 1;
            let id = format!("{conversation}|{:07}", c.last);
            activity["id"] = Value::String(id.clone());
            c.activities.push_back((c.last, activity));
            while c.activities.len() > KEPT_ACTIVITIES {
                c.activities.pop_front();
            }
            let _ = c.changed.send(c.last);
            id
        })
    }

    /// [`Queues::push`] into a conversation this process holds; `None`
    /// (nothing pushed) when it holds none by that id, so a reply from
    /// elsewhere is not reported delivered into a queue nobody reads.
    pub fn push_existing(&self, conversation: &str, activity: Value) -> Option<String> {
        let held = self
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(conversation);
        held.then(|| self.push(conversation, activity))
    }

    /// The activities after `watermark` (all kept ones for `None`) and the
    /// watermark to ask with next.
    pub fn since(&self, conversation: &str, watermark: Option<u64>) -> (Vec<Value>, u64) {
        self.with(conversation, |c| {
            let after = watermark.unwrap_or(0);
            let list = c
                .activities
                .iter()
                .filter(|(w, _)| *w > after)
                .map(|(_, a)| a.clone())
                .collect();
            (list, c.last)
        })
    }

    /// A receiver that changes whenever `conversation` gets an activity.
    pub fn watch(&self, conversation: &str) -> watch::Receiver<u64> {
        self.with(conversation, |c| c.changed.subscribe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn watermarks_count_up_and_old_activities_drop_off() {
        let q = Queues::default();
        assert_eq!(q.push("c", json!({"text": "a"})), "c|0000001");
        q.push("c", json!({"text": "b"}));
        let (all, w) = q.since("c", None);
        assert_eq!((all.len(), w), (2, 2));
        let (new, w) = q.since("c", Some(1));
        assert_eq!((new[0]["text"].as_str(), w), (Some("b"), 2));
        assert_eq!(q.since("c", Some(2)).0.len(), 0);
        for _ in 0..KEPT_ACTIVITIES + 5 {
            q.push("c", json!({}));
        }
        assert_eq!(q.since("c", None).0.len(), KEPT_ACTIVITIES);
        assert!(q.since("other", None).0.is_empty());
    }
}
