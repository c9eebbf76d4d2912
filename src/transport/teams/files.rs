//! Files sent to a user in a personal chat, the way Teams documents it for
//! bots: a FileConsentCard asks the user; on their `fileConsent/invoke`
//! accept the bytes are PUT to the upload URL Teams hands out and a file
//! info card points at the result. Until then the file waits here, in
//! memory, under a random context id, for a limited time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};

use super::activity::Activity;
use crate::model::{bounded_key, Attachment};

/// Content type of the card asking to upload a file.
pub const CONSENT_CARD: &str = "application/vnd.microsoft.teams.card.file.consent";
/// Content type of the card showing an uploaded file.
pub const FILE_INFO_CARD: &str = "application/vnd.microsoft.teams.card.file.info";
/// The invoke Teams sends when the user accepts or declines.
pub const CONSENT_INVOKE: &str = "fileConsent/invoke";
/// How long an offered file waits for the user's answer; exports are
/// account data, so not longer than a confirmation token lives.
pub const PENDING_FOR: Duration = Duration::from_secs(15 * 60);
/// Offered files kept at most; the oldest goes first.
const MAX_PENDING: usize = 256;
/// Key of the context id in the card's accept/decline context.
const CONTEXT_KEY: &str = "supportbotFile";

/// A file offered to a user and not yet accepted or declined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFile {
    /// Who it was offered to ([`Activity::sender_key`], hashed when long);
    /// only they may take it.
    pub owner: String,
    /// The file.
    pub file: Attachment,
    offered: Instant,
}

/// Why an offered file cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TakeError {
    /// Unknown id: never offered, already answered, or evicted.
    #[error("no file is waiting under this context id")]
    Unknown,
    /// Offered longer ago than [`PENDING_FOR`].
    #[error("the offered file expired")]
    Expired,
    /// Someone else answered the card.
    #[error("the file was offered to someone else")]
    NotOwner,
}

/// Files waiting for the user's consent, by context id.
#[derive(Debug)]
pub struct PendingFiles {
    ttl: Duration,
    inner: Mutex<HashMap<String, PendingFile>>,
}

impl Default for PendingFiles {
    fn default() -> Self {
        PendingFiles::new(PENDING_FOR)
    }
}

impl PendingFiles {
    /// An empty store whose files expire after `ttl`.
    pub fn new(ttl: Duration) -> PendingFiles {
        PendingFiles {
            ttl,
            inner: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps `file` for `owner` and returns its new random context id.
    pub fn offer(&self, owner: &str, file: Attachment) -> Result<String, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        let id = hex::encode(bytes);
        let now = Instant::now();
        let mut pending = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        pending.retain(|_, p| now.duration_since(p.offered) < self.ttl);
        if pending.len() >= MAX_PENDING {
            let oldest = pending
                .iter()
                .min_by_key(|(_, p)| p.offered)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                pending.remove(&oldest);
            }
        }
        pending.insert(
            id.clone(),
            PendingFile {
                owner: bounded_key(owner),
                file,
                offered: now,
            },
        );
        Ok(id)
    }

    /// Removes and returns the file under `id` if `owner` was offered it and
    /// it has not expired. A file answered by someone else stays for its
    /// owner.
    pub fn take(&self, id: &str, owner: &str) -> Result<PendingFile, TakeError> {
        let mut pending = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let found = pending.get(id).ok_or(TakeError::Unknown)?;
        if found.owner != bounded_key(owner) {
            return Err(TakeError::NotOwner);
        }
        let file = pending.remove(id).ok_or(TakeError::Unknown)?;
        if file.offered.elapsed() >= self.ttl {
            return Err(TakeError::Expired);
        }
        Ok(file)
    }
}

/// The FileConsentCard attachment offering `file` under context id `id`.
pub fn consent_card(file: &Attachment, description: &str, id: &str) -> Value {
    let context = json!({ CONTEXT_KEY: id });
    json!({
        "contentType": CONSENT_CARD,
        "name": file.filename,
        "content": {
            "description": description,
            "sizeInBytes": file.text.len(),
            "acceptContext": context,
            "declineContext": context,
        }
    })
}

/// Where Teams put an accepted file (`value.uploadInfo` of the invoke).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadInfo {
    /// File name in the user's OneDrive.
    #[serde(default)]
    pub name: String,
    /// Pre-authorised upload session URL to PUT the bytes to.
    pub upload_url: String,
    /// Where the file will be, for the file info card.
    #[serde(default)]
    pub content_url: String,
    /// The drive item id.
    #[serde(default)]
    pub unique_id: String,
    /// Extension, e.g. `json`.
    #[serde(default)]
    pub file_type: String,
}

/// The user's answer to a consent card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consent {
    /// Upload the file here.
    Accept(UploadInfo),
    /// Do not send it.
    Decline,
}

/// A `fileConsent/invoke` for one of our cards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentAnswer {
    /// The context id from our card.
    pub id: String,
    /// What the user chose.
    pub consent: Consent,
}

/// Reads a `fileConsent/invoke` activity; `None` for anything else,
/// including consents for cards without our context id and accepts
/// without an upload URL.
pub fn consent_answer(activity: &Activity) -> Option<ConsentAnswer> {
    if activity.kind != "invoke" || activity.name.as_deref() != Some(CONSENT_INVOKE) {
        return None;
    }
    let value = activity.value.as_ref()?;
    let id = value
        .pointer(&format!("/context/{CONTEXT_KEY}"))?
        .as_str()?
        .trim();
    if id.is_empty() || id.len() > 64 {
        return None;
    }
    let consent = match value.get("action")?.as_str()? {
        "accept" => {
            let info: UploadInfo = serde_json::from_value(value.get("uploadInfo")?.clone()).ok()?;
            if info.upload_url.is_empty() {
                return None;
            }
            Consent::Accept(info)
        }
        "decline" => Consent::Decline,
        _ => return None,
    };
    Some(ConsentAnswer {
        id: id.to_owned(),
        consent,
    })
}

/// The file info card for an uploaded file.
pub fn file_info_card(info: &UploadInfo) -> Value {
    json!({
        "contentType": FILE_INFO_CARD,
        "contentUrl": info.content_url,
        "name": info.name,
        "content": {
            "uniqueId": info.unique_id,
            "fileType": info.file_type,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Attachment {
        Attachment {
            filename: "acme-export.json".into(),
            content_type: "application/json".into(),
            text: "{\"a\":1}".into(),
        }
    }

    #[test]
    fn offered_files_go_once_and_only_to_their_owner() {
        let files = PendingFiles::default();
        let id = files.offer("t\nu1", file()).expect("offer");
        assert_eq!(id.len(), 32);
        assert_eq!(files.take(&id, "t\nu2"), Err(TakeError::NotOwner));
        assert_eq!(files.take(&id, "t\nu1").map(|p| p.file), Ok(file()));
        assert_eq!(files.take(&id, "t\nu1"), Err(TakeError::Unknown));
        let other = files.offer("t\nu1", file()).expect("offer");
        assert_ne!(other, id, "context ids are random");
    }

    #[test]
    fn offered_files_expire() {
        let files = PendingFiles::new(Duration::ZERO);
        let id = files.offer("o", file()).expect("offer");
        assert_eq!(files.take(&id, "o"), Err(TakeError::Expired));
    }

    #[test]
    fn consent_invokes_round_trip_our_context() {
        let card = consent_card(&file(), "Account export", "abc");
        assert_eq!(card["content"]["sizeInBytes"], 7);
        let context = card["content"]["acceptContext"].clone();
        let invoke = |value: Value| -> Activity {
            serde_json::from_value(
                json!({"type": "invoke", "name": CONSENT_INVOKE, "value": value}),
            )
            .expect("activity")
        };
        let accept = invoke(
            json!({"type": "fileUpload", "action": "accept", "context": context,
            "uploadInfo": {"name": "acme-export.json", "uploadUrl": "https://up.example/1",
                           "contentUrl": "https://c.example/f", "uniqueId": "U1", "fileType": "json"}}),
        );
        let answer = consent_answer(&accept).expect("ours");
        assert_eq!(answer.id, "abc");
        let Consent::Accept(info) = answer.consent else {
            panic!("accept");
        };
        assert_eq!(file_info_card(&info)["content"]["uniqueId"], "U1");
        let decline =
            invoke(json!({"type": "fileUpload", "action": "decline", "context": context}));
        assert_eq!(
            consent_answer(&decline).map(|a| a.consent),
            Some(Consent::Decline)
        );
        let foreign = invoke(json!({"action": "decline", "context": {"filename": "x"}}));
        assert_eq!(consent_answer(&foreign), None);
    }
}
