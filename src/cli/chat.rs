//! `chat`: an interactive conversation on stdin/stdout, the default command.
//!
//! Answers go to stdout and everything else (banner, prompts, reload notes)
//! to stderr, so `echo "…" | supportbot` prints just the answer.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{cli_inbound, runtime};
use crate::answer::render::{render, Flavor};
use crate::knowledge::Knowledge;
use crate::model::Message;
use crate::{Bot, Reply};

const BANNER: &str = "supportbot: ask how to cancel a subscription, get a refund or close an account \
(English or Norwegian).\nCommands: /help, /why (explain the last answer), /locale TAG, /reload, /demo, /quit.\n\
As the local operator you can also act: status ACCOUNT, cancel SUB-1 (si opp SUB-1), refund SUB-1, \
reactivate SUB-1, close account ACCOUNT, export ACCOUNT, then confirm TOKEN.";

/// Runs the conversation until end of input or `/quit`.
pub fn run(
    knowledge: Knowledge,
    services: Option<super::lifecycle::ChatServices>,
    locale: Option<String>,
) -> anyhow::Result<ExitCode> {
    let bot = super::lifecycle::chat_bot(knowledge, services);
    runtime()?.block_on(converse(&bot, locale))
}

async fn converse(bot: &Bot, mut locale: Option<String>) -> anyhow::Result<ExitCode> {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!("{BANNER}");
    }
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut sequence = 0u64;
    loop {
        if interactive {
            eprint!("> ");
            let _ = std::io::stderr().flush();
        }
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                eprintln!("That line is not UTF-8 text; please type it again.");
                continue;
            }
            Err(e) => return Err(e).context("reading stdin"),
        };
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        sequence += 1;
        let mut inbound = cli_inbound(text, locale.as_deref(), sequence);
        match text
            .split_once(' ')
            .map_or((text, ""), |(c, r)| (c, r.trim()))
        {
            ("/quit" | "/exit", _) => break,
            ("/reload", _) => {
                let origin = bot.knowledge().source.origin.clone();
                match bot.reload() {
                    Ok(r) => eprintln!(
                        "Reloaded {origin}: {} rules, {} locales.",
                        r.rules, r.locales
                    ),
                    Err(e) => eprintln!("Reload failed; still using the previous rules.\n{e}"),
                }
                continue;
            }
            ("/locale", tag) => {
                locale = (!tag.is_empty()).then(|| tag.to_owned());
                eprintln!(
                    "Reply locale: {}",
                    locale.as_deref().unwrap_or("detect from message")
                );
                continue;
            }
            ("/help", topic) => {
                inbound.message = Message::Help {
                    topic: (!topic.is_empty()).then(|| topic.to_owned()),
                };
            }
            ("/why", _) => inbound.message = Message::Why,
            ("/demo", _) => {
                match bot.lifecycle() {
                    Some(actions) => {
                        let service = actions.service();
                        let seed = super::demo::demo_seed(service.now());
                        let operator = crate::model::Identity::local_operator();
                        let result =
                            match crate::auth::authorize_operator(&operator, &Default::default()) {
                                Ok(op) => service
                                    .provision(&op, seed)
                                    .await
                                    .map_err(|e| e.to_string()),
                                Err(e) => Err(e.to_string()),
                            };
                        match result {
                            Ok(()) => eprintln!(
                                "Created account `demo` with SUB-1..SUB-4. Try: status demo"
                            ),
                            Err(e) => eprintln!("No demo account created: {e}"),
                        }
                    }
                    None => eprintln!("Subscription actions are off (see the note at start)."),
                }
                continue;
            }
            _ => {}
        }
        let reply = bot.handle(inbound).await;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}\n", plain(&reply))?;
        if let Some(attachment) = &reply.attachment {
            writeln!(out, "{}\n", attachment.text)?;
        }
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A reply as terminal text: the title (unless the body opens with its own
/// heading or offers choices), then the body with links as `text (url)`.
pub fn plain(reply: &Reply) -> String {
    let mut out = String::new();
    if let Some(title) = &reply.title {
        if reply.choices.is_empty() && !reply.markdown.trim_start().starts_with('#') {
            out.push_str(title);
            out.push_str("\n\n");
        }
    }
    out.push_str(&render(&reply.markdown, Flavor::Plain, usize::MAX).join("\n\n"));
    out
}
