//! `ask`, `explain` and `classify`.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;

use super::{cli_inbound, runtime, AskArgs, ClassifyArgs};
use crate::answer::explain_markdown;
use crate::knowledge::Knowledge;
use crate::{Bot, Reply};

/// `ask`: answers one message like the chat would.
pub fn ask(
    knowledge: Knowledge,
    services: Option<super::lifecycle::ChatServices>,
    args: &AskArgs,
) -> anyhow::Result<ExitCode> {
    let text = args.text.join(" ");
    // One question, no conversation: nothing to hand over or stay quiet in.
    let bot = match services {
        Some(s) => Bot::with_lifecycle(knowledge, s.actions),
        None => Bot::new(knowledge),
    };
    let reply =
        runtime()?.block_on(bot.handle(cli_inbound(&text, args.locale.locale.as_deref(), 0)));
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", reply_json(&reply))?;
    } else {
        writeln!(out, "{}", super::chat::plain(&reply))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The `ask --json` object. `intent` is `cancel`, `refund`, `close` or null.
pub fn reply_json(reply: &Reply) -> serde_json::Value {
    json!({
        "intent": reply.intent,
        "candidates": reply.candidates,
        "locale": reply.locale,
        "fallback_chain": reply.fallback_chain,
        "locale_source": reply.locale_source,
        "rule": reply.rule,
        "answer_key": reply.answer_key,
        "title": reply.title,
        "answer": reply.markdown,
        "choices": reply.choices,
        "slots": reply.slots,
    })
}

/// `explain`: every rule that matched, guards, spans and the locale chain.
pub fn explain(knowledge: &Knowledge, args: &AskArgs) -> anyhow::Result<ExitCode> {
    let text = args.text.join(" ");
    let explanation = knowledge.matcher.explain(&text);
    let requested: Vec<String> = args.locale.locale.iter().cloned().collect();
    let chain =
        knowledge
            .negotiator
            .negotiate(&requested, &explanation.classification.langs, &text);
    let mut out = std::io::stdout().lock();
    if args.json {
        let value = json!({ "explanation": explanation, "locale": chain });
        writeln!(out, "{value}")?;
    } else {
        write!(out, "{}", explain_markdown(&explanation, &chain))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `classify`: streams stdin to stdout, one result line per input line.
///
/// Output is buffered for throughput but flushed whenever stdin has no
/// more buffered input, so an interactive pipe sees each answer at once.
pub fn classify(knowledge: &Knowledge, args: &ClassifyArgs) -> anyhow::Result<ExitCode> {
    let mut input = BufReader::with_capacity(64 * 1024, std::io::stdin().lock());
    let mut out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let requested: Vec<String> = args.locale.locale.iter().cloned().collect();
    let mut chains: std::collections::HashMap<String, crate::locale::LocaleChain> =
        std::collections::HashMap::new();
    let mut key = String::new();
    let mut raw = Vec::new();
    let mut number = 0usize;
    loop {
        raw.clear();
        if input.read_until(b'\n', &mut raw).context("reading stdin")? == 0 {
            break;
        }
        number += 1;
        let Ok(line) = std::str::from_utf8(&raw) else {
            // One bad line must not end a bulk run: say which and go on.
            eprintln!("line {number}: not UTF-8 text; printed as none");
            writeln!(out, "none\t{}", knowledge.negotiator.default_locale())?;
            continue;
        };
        let text = line.trim_end_matches(['\n', '\r']);
        let c = knowledge.matcher.classify(text);
        // Chains depend only on the hints unless the detector has to read
        // the text, so bulk runs negotiate each combination once.
        // Several rule languages are settled by the writing system, which
        // is read from the text too.
        let needs_text = requested.is_empty()
            && ((c.langs.is_empty() && c.marker_langs.len() != 1) || c.langs.len() > 1);
        key.clear();
        for lang in c
            .langs
            .iter()
            .chain([&String::new()])
            .chain(&c.marker_langs)
        {
            key.push_str(lang);
            key.push('|');
        }
        let detected;
        let chain = match chains.get(key.as_str()) {
            Some(chain) if !needs_text => chain,
            _ => {
                let chain = knowledge.negotiator.negotiate_with_markers(
                    &requested,
                    &c.langs,
                    &c.marker_langs,
                    text,
                );
                if needs_text {
                    detected = chain;
                    &detected
                } else {
                    chains.entry(key.clone()).or_insert(chain)
                }
            }
        };
        let intent = c.top().map_or("none", |t| t.intent.as_str());
        if args.json {
            let value = json!({
                "line": number,
                "intent": c.top().map(|t| &t.intent),
                "candidates": c.candidates,
                "locale": chain.preferred(),
                "rule": c.top().map(|t| &t.rule),
                "topic": c.topic.as_ref().map(|t| &t.intent),
                "corrections": c.corrections,
            });
            writeln!(out, "{value}")?;
        } else {
            writeln!(out, "{intent}\t{}", chain.preferred())?;
        }
        if input.buffer().is_empty() {
            out.flush()?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
