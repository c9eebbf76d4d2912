//! Where a [`Reply`] goes on Teams. Routing only; what is private and what
//! is attached is the bot's decision.
//!
//! - Public replies, and everything in a personal (1:1) chat, are posted
//!   in the conversation the activity came from, as a reply to it.
//! - A private reply (or one with a file) in a channel or group chat goes
//!   to the personal chat with the sender, created through the Bot
//!   Connector; the shared thread only gets a localized pointer. If that
//!   chat cannot be opened (typically 403: the app is not installed for the
//!   user), the thread gets a localized "could not reach you privately"
//!   notice instead and the private content is never posted there.
//! - A file is offered with a FileConsentCard in the personal chat (Teams
//!   lets bots send files only there) and uploaded on the user's accept.

use serde_json::Value;

use super::activity::Activity;
use super::connector::{Connector, ConnectorError, PersonalChat};
use super::files::{self, PendingFiles, UploadInfo};
use super::reply;
use crate::model::{Reply, Visibility};
use crate::Bot;

/// Answer key of the pointer left in a shared conversation.
pub const SENT_PRIVATELY: &str = "notice-sent-privately";
/// Answer key of the notice when the personal chat cannot be opened.
pub const PRIVATE_UNREACHABLE: &str = "notice-private-unreachable";
/// Answer key of the notice when an offered file cannot be delivered.
pub const FILE_NOT_SENT: &str = "notice-file-not-sent";

/// Why the personal chat with the sender could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PrivateChatError {
    /// The activity names no tenant, which creating a chat requires.
    #[error("the activity has no tenant id")]
    NoTenant,
    /// The activity has no `from.id` to create the chat with.
    #[error("the activity has no sender id")]
    NoSender,
    /// The activity has no `recipient.id` (the bot).
    #[error("the activity has no bot id")]
    NoBot,
    /// The Bot Connector refused or failed.
    #[error(transparent)]
    Connector(#[from] ConnectorError),
}

/// What a reply task needs to deliver the answer to one activity.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// For localized notices.
    pub bot: &'a Bot,
    /// The Bot Connector client.
    pub connector: &'a Connector,
    /// Files offered and waiting for consent.
    pub files: &'a PendingFiles,
    /// The activity's (verified) `serviceUrl`.
    pub service_url: &'a str,
    /// The activity being answered.
    pub incoming: &'a Activity,
}

impl Delivery<'_> {
    /// Delivers `answer` to where it belongs; failures are logged.
    pub async fn reply(&self, answer: &Reply) {
        let private = answer.visibility == Visibility::Private || answer.attachment.is_some();
        if private && self.incoming.is_shared() {
            self.reply_privately(answer).await;
            return;
        }
        let mut out = reply::activities(self.incoming, answer);
        if let Some(offer) = self.offer_file(answer) {
            out.push(offer);
        }
        let reply_to = self.incoming.id.as_deref();
        if let Err(e) = self
            .send_all(self.incoming.conversation_id(), reply_to, &out)
            .await
        {
            tracing::error!(error = %e, activity = ?reply_to, "could not send Teams reply");
        }
    }

    /// A private reply asked for in a shared conversation: to the personal
    /// chat, with a pointer (or the unreachable notice) in the thread.
    async fn reply_privately(&self, answer: &Reply) {
        let locales = notice_locales(self.incoming, answer);
        let delivered = match self.personal_chat().await {
            Ok(chat) => {
                let mut out = reply::activities(self.incoming, answer);
                if let Some(offer) = self.offer_file(answer) {
                    out.push(offer);
                }
                for activity in &mut out {
                    reply::into_personal_chat(activity, self.incoming, &chat);
                }
                self.send_all(&chat, None, &out)
                    .await
                    .map_err(PrivateChatError::from)
            }
            Err(e) => Err(e),
        };
        let key = match delivered {
            Ok(()) => SENT_PRIVATELY,
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    activity = ?self.incoming.id,
                    "could not reach the sender in a personal chat; the private reply was not posted"
                );
                PRIVATE_UNREACHABLE
            }
        };
        self.notice(key, &locales, true).await;
    }

    /// Creates (or gets back) the personal chat with the sender.
    async fn personal_chat(&self) -> Result<String, PrivateChatError> {
        let tenant_id = self
            .incoming
            .tenant_id()
            .ok_or(PrivateChatError::NoTenant)?;
        let user_id = self
            .incoming
            .from
            .as_ref()
            .map(|f| f.id.as_str())
            .filter(|id| !id.is_empty())
            .ok_or(PrivateChatError::NoSender)?;
        let bot_id = self
            .incoming
            .recipient
            .as_ref()
            .map(|r| r.id.as_str())
            .filter(|id| !id.is_empty())
            .ok_or(PrivateChatError::NoBot)?;
        let chat = PersonalChat {
            bot_id,
            user_id,
            tenant_id: &tenant_id,
        };
        Ok(self
            .connector
            .create_personal_chat(self.service_url, &chat)
            .await?)
    }

    /// The consent card offering `answer`'s file to the sender, or, should
    /// the file not be storable, a notice saying so.
    fn offer_file(&self, answer: &Reply) -> Option<Value> {
        let file = answer.attachment.clone()?;
        let description = answer
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| file.filename.clone());
        match self.files.offer(&self.incoming.sender_key(), file.clone()) {
            Ok(id) => Some(reply::card_message(
                self.incoming,
                files::consent_card(&file, &description, &id),
            )),
            Err(e) => {
                tracing::error!(error = %e, "no randomness for a file context id; file not offered");
                let locales = notice_locales(self.incoming, answer);
                let text = self.bot.phrase(FILE_NOT_SENT, &locales);
                Some(reply::notice(self.incoming, &text, Some(&answer.locale)))
            }
        }
    }

    /// The user declined a file: it is forgotten (memory only, so the
    /// caller can do this before acknowledging the invoke).
    pub fn decline(&self, id: &str) {
        match self.files.take(id, &self.incoming.sender_key()) {
            Ok(_) => tracing::info!("file offer declined; dropped"),
            Err(e) => tracing::info!(reason = %e, "file offer declined"),
        }
    }

    /// The user accepted a file: the waiting file is uploaded to where
    /// Teams said and its card shown. Only the user it was offered to can
    /// take it; anything else gets the localized "not sent" notice.
    pub async fn accept(&self, id: &str, info: &UploadInfo) {
        let locales = self.incoming.locales();
        let pending = match self.files.take(id, &self.incoming.sender_key()) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(reason = %e, "file consent accepted but nothing to upload");
                self.notice(FILE_NOT_SENT, &locales, false).await;
                return;
            }
        };
        let file = pending.file;
        if let Err(e) = self
            .connector
            .upload(&info.upload_url, &file.content_type, file.text.into_bytes())
            .await
        {
            tracing::error!(error = %e, "could not upload the file to Teams");
            self.notice(FILE_NOT_SENT, &locales, false).await;
            return;
        }
        let card = reply::card_message(self.incoming, files::file_info_card(info));
        if let Err(e) = self
            .send_all(self.incoming.conversation_id(), None, &[card])
            .await
        {
            tracing::error!(error = %e, "could not send the uploaded file's card");
        }
    }

    /// Posts the localized notice `key` in the incoming conversation, as a
    /// reply when `as_reply`.
    async fn notice(&self, key: &str, locales: &[String], as_reply: bool) {
        let text = self.bot.phrase(key, locales);
        let locale = locales.first().map(String::as_str);
        let mut activity = reply::notice(self.incoming, &text, locale);
        let reply_to = if as_reply {
            self.incoming.id.as_deref()
        } else {
            reply::not_a_reply(&mut activity);
            None
        };
        if let Err(e) = self
            .send_all(self.incoming.conversation_id(), reply_to, &[activity])
            .await
        {
            tracing::error!(error = %e, key, "could not send a Teams notice");
        }
    }

    /// Sends `activities` in order, stopping at the first failure.
    async fn send_all(
        &self,
        conversation_id: &str,
        reply_to: Option<&str>,
        activities: &[Value],
    ) -> Result<(), ConnectorError> {
        for activity in activities {
            self.connector
                .send(self.service_url, conversation_id, reply_to, activity)
                .await?;
        }
        Ok(())
    }
}

/// Locales for a notice about `answer`: the answer's own first, so the
/// pointer speaks the same language as what it points to.
fn notice_locales(incoming: &Activity, answer: &Reply) -> Vec<String> {
    let mut locales = vec![answer.locale.clone()];
    for l in incoming.locales() {
        if !locales.contains(&l) {
            locales.push(l);
        }
    }
    locales.retain(|l| !l.is_empty());
    locales
}
