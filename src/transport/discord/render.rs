//! A [`Reply`] as Discord message bodies: content within 2,000 characters,
//! longer answers as embeds within 4,096 (and 6,000 per message), the
//! ephemeral flag for private replies, and buttons as components.

use serde_json::{json, Value};

use super::custom_id::{CHOICE, CONFIRM, CONFIRM_TYPED, DISMISS, FEEDBACK};
use super::kind::ComponentType;
use crate::answer::render::{cap, render, Flavor, DISCORD_CONTENT_LIMIT, DISCORD_EMBED_LIMIT};
use crate::model::{Attachment, ButtonAction, ButtonStyle, Reply, Visibility};

/// `EPHEMERAL` message flag.
pub const EPHEMERAL: u64 = 1 << 6;
/// Longest `custom_id` Discord accepts.
pub const MAX_CUSTOM_ID: usize = 100;
/// Longest button label.
const MAX_LABEL: usize = 80;
/// Embeds per message and their total characters.
const MAX_EMBEDS: usize = 10;
const MAX_EMBED_TOTAL: usize = 6000;
/// Messages one reply becomes at most (the response and its follow-ups);
/// longer replies are cut with `…` so no input is amplified without bound.
pub const MAX_MESSAGES: usize = 5;

/// The message bodies for `reply`, in order; buttons go on the last one.
/// The first is the interaction response, the others follow-ups.
pub fn messages(reply: &Reply) -> Vec<Value> {
    let markdown = with_title(reply);
    let short = render(&markdown, Flavor::Discord, DISCORD_CONTENT_LIMIT);
    let mut out: Vec<Value> = if short.len() <= 1 {
        let content = short.into_iter().next().unwrap_or_else(|| "…".to_owned());
        vec![json!({ "content": content })]
    } else {
        let chunks = render(&markdown, Flavor::Discord, DISCORD_EMBED_LIMIT);
        pack_embeds(cap(chunks, MAX_MESSAGES, DISCORD_EMBED_LIMIT))
    };
    if reply.visibility == Visibility::Private {
        for m in &mut out {
            m["flags"] = json!(EPHEMERAL);
        }
    }
    let rows = components(reply);
    if let (false, Some(last)) = (rows.is_empty(), out.last_mut()) {
        last["components"] = Value::Array(rows);
    }
    if let (Some(file), Some(last)) = (&reply.attachment, out.last_mut()) {
        last["attachments"] = json!([{ "id": 0, "filename": file.filename }]);
    }
    out
}

/// A request or response body: JSON, or `multipart/form-data` with
/// `payload_json` and `files[0]` when the message declares an attachment.
/// Returns the content type and the bytes.
pub fn encode(payload: &Value, file: Option<&Attachment>) -> (String, Vec<u8>) {
    let json = payload.to_string();
    let Some(file) = file.filter(|_| {
        payload.pointer("/attachments").is_some() || payload.pointer("/data/attachments").is_some()
    }) else {
        return ("application/json".to_owned(), json.into_bytes());
    };
    let mut boundary = String::from("supportbot-boundary-7d1f0c");
    while json.contains(&boundary) || file.text.contains(&boundary) {
        boundary.push('x');
    }
    let filename = file.filename.replace(['"', '\r', '\n'], "_");
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\
         Content-Type: application/json\r\n\r\n{json}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"{filename}\"\r\n\
         Content-Type: {}\r\n\r\n{}\r\n--{boundary}--\r\n",
        file.content_type, file.text
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

/// A short notice as a message body.
pub fn notice(text: &str, ephemeral: bool) -> Value {
    let mut m = json!({ "content": text });
    if ephemeral {
        m["flags"] = json!(EPHEMERAL);
    }
    m
}

fn with_title(reply: &Reply) -> String {
    match &reply.title {
        Some(t) if reply.choices.is_empty() && !reply.markdown.trim_start().starts_with('#') => {
            format!("## {t}\n\n{}", reply.markdown)
        }
        _ => reply.markdown.clone(),
    }
}

fn pack_embeds(chunks: Vec<String>) -> Vec<Value> {
    let mut messages = Vec::new();
    let mut embeds: Vec<Value> = Vec::new();
    let mut total = 0;
    for chunk in chunks {
        let len = chunk.chars().count();
        if !embeds.is_empty() && (embeds.len() == MAX_EMBEDS || total + len > MAX_EMBED_TOTAL) {
            messages.push(json!({ "embeds": std::mem::take(&mut embeds) }));
            total = 0;
        }
        total += len;
        embeds.push(json!({ "description": chunk }));
    }
    if !embeds.is_empty() {
        messages.push(json!({ "embeds": embeds }));
    }
    messages
}

fn components(reply: &Reply) -> Vec<Value> {
    let mut buttons: Vec<Value> = Vec::new();
    for c in &reply.choices {
        buttons.push(button(&c.label, 1, &format!("{CHOICE}{}", c.number)));
    }
    for b in &reply.buttons {
        let id = match &b.action {
            ButtonAction::Confirm {
                token,
                needs_typed_account: true,
            } => format!("{CONFIRM_TYPED}{token}"),
            ButtonAction::Confirm { token, .. } => format!("{CONFIRM}{token}"),
            ButtonAction::Dismiss { token } => format!("{DISMISS}{token}"),
            ButtonAction::Feedback { answer, choice } => {
                format!("{FEEDBACK}{}:{answer}", choice.as_str())
            }
        };
        let style = match b.style {
            ButtonStyle::Danger => 4,
            ButtonStyle::Secondary => 2,
        };
        buttons.push(button(&b.label, style, &id));
    }
    buttons.retain(|b| {
        let ok = b["custom_id"]
            .as_str()
            .is_some_and(|id| id.chars().count() <= MAX_CUSTOM_ID);
        if !ok {
            tracing::error!(custom_id = %b["custom_id"], "button custom_id longer than Discord allows; dropped");
        }
        ok
    });
    buttons
        .chunks(5)
        .take(5)
        .map(|row| json!({ "type": u8::from(ComponentType::ActionRow), "components": row }))
        .collect()
}

fn button(label: &str, style: u8, custom_id: &str) -> Value {
    let label: String = label.chars().take(MAX_LABEL).collect();
    json!({ "type": u8::from(ComponentType::Button), "style": style, "label": label, "custom_id": custom_id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Button;

    fn reply(markdown: &str) -> Reply {
        Reply {
            intent: None,
            candidates: Vec::new(),
            locale: "en-US".into(),
            fallback_chain: vec!["en-US".into()],
            locale_source: crate::locale::LocaleSource::Default,
            rule: None,
            vetoed: Vec::new(),
            answer_key: "help".into(),
            title: None,
            markdown: markdown.into(),
            choices: Vec::new(),
            slots: Default::default(),
            visibility: Visibility::Public,
            buttons: Vec::new(),
            attachment: None,
        }
    }

    #[test]
    fn short_replies_are_content_and_long_ones_embeds_within_limits() {
        let m = messages(&reply("Hello **there**"));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0]["content"], "Hello **there**");
        assert!(m[0].get("flags").is_none());

        let long = (0..400)
            .map(|i| format!("Paragraph {i} with some words in it."))
            .collect::<Vec<_>>()
            .join("\n\n");
        let m = messages(&reply(&long));
        assert!(m.len() >= 2);
        for msg in &m {
            assert!(msg.get("content").is_none());
            let embeds = msg["embeds"].as_array().expect("embeds");
            assert!(embeds.len() <= MAX_EMBEDS);
            let total: usize = embeds
                .iter()
                .map(|e| e["description"].as_str().expect("d").chars().count())
                .inspect(|n| assert!(*n <= DISCORD_EMBED_LIMIT))
                .sum();
            assert!(total <= MAX_EMBED_TOTAL);
        }
    }

    #[test]
    fn a_huge_reply_becomes_at_most_max_messages_ending_in_an_ellipsis() {
        let huge = "word ".repeat(40_000);
        let m = messages(&reply(&huge));
        assert_eq!(m.len(), MAX_MESSAGES);
        let last = m[MAX_MESSAGES - 1]["embeds"]
            .as_array()
            .and_then(|e| e.last())
            .and_then(|e| e["description"].as_str())
            .expect("description");
        assert!(last.ends_with('…') && last.chars().count() <= DISCORD_EMBED_LIMIT);
    }

    #[test]
    fn attachments_go_as_multipart_files() {
        let mut r = reply("Your export");
        r.attachment = Some(Attachment {
            filename: "ACME-export.json".into(),
            content_type: "application/json".into(),
            text: "{\"account\":\"ACME\"}".into(),
        });
        let m = messages(&r);
        assert_eq!(m[0]["attachments"][0]["filename"], "ACME-export.json");
        let (kind, body) = encode(&m[0], r.attachment.as_ref());
        let body = String::from_utf8(body).expect("utf-8");
        let boundary = kind
            .strip_prefix("multipart/form-data; boundary=")
            .expect("multipart");
        assert!(body.starts_with(&format!("--{boundary}\r\n")));
        assert!(body.contains("name=\"files[0]\"; filename=\"ACME-export.json\""));
        assert!(body.contains("{\"account\":\"ACME\"}"));
        assert!(body.ends_with(&format!("--{boundary}--\r\n")));
        let (kind, _) = encode(&messages(&reply("plain"))[0], r.attachment.as_ref());
        assert_eq!(kind, "application/json");
    }

    #[test]
    fn private_replies_are_ephemeral_and_buttons_carry_tokens() {
        let mut r = reply("Close account ACME?");
        r.visibility = Visibility::Private;
        r.buttons = vec![
            Button {
                label: "Confirm".into(),
                action: ButtonAction::Confirm {
                    token: "t1".into(),
                    needs_typed_account: true,
                },
                style: ButtonStyle::Danger,
            },
            Button {
                label: "Cancel".into(),
                action: ButtonAction::Dismiss { token: "t1".into() },
                style: ButtonStyle::Secondary,
            },
        ];
        let m = messages(&r);
        assert_eq!(m[0]["flags"], EPHEMERAL);
        let row = &m[0]["components"][0];
        assert_eq!(row["type"], 1);
        assert_eq!(row["components"][0]["custom_id"], "confirm-typed:t1");
        assert_eq!(row["components"][0]["style"], 4);
        assert_eq!(row["components"][1]["custom_id"], "dismiss:t1");
        assert_eq!(row["components"][1]["style"], 2);
    }
}
