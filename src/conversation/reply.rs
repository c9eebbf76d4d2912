//! Reply builders: answers rendered from the catalog in a locale chain and
//! wrapped as [`Reply`] values. Every branch of the conversation builds its
//! reply here.

use crate::answer::{AnswerVars, Rendered};
use crate::intent::matcher::IntentInfo;
use crate::intent::Classification;
use crate::knowledge::Knowledge;
use crate::locale::LocaleChain;
use crate::model::{Reply, ReplyChoice, Visibility};

/// The answer keys for an intent: its template, then its imported article.
pub(super) fn answer_keys(intent: Option<&IntentInfo>) -> Vec<&str> {
    match intent {
        Some(i) => std::iter::once(i.answer.as_str())
            .chain(i.article.as_deref())
            .collect(),
        None => vec!["none"],
    }
}

/// Renders the first of `keys` available in each locale of the chain, in
/// chain order: a Norwegian article beats an English template.
pub(super) fn render_answer(
    knowledge: &Knowledge,
    keys: &[&str],
    chain: &LocaleChain,
    vars: &AnswerVars,
) -> Rendered {
    for locale in &chain.chain {
        for key in keys {
            if let Some(r) = knowledge
                .catalog
                .render(key, std::slice::from_ref(locale), vars)
            {
                return r;
            }
        }
    }
    // The default locale is validated to have every key the bot uses, so
    // this only happens if an intent's answer vanished; say so, never stay
    // silent.
    tracing::error!(?keys, chain = ?chain.chain, "no answer template found in any locale");
    Rendered {
        key: keys.first().copied().unwrap_or("none").to_owned(),
        locale: chain.preferred().to_owned(),
        title: None,
        markdown: "Sorry, I have no answer for that right now. A support agent can help.".into(),
    }
}

pub(super) fn intent_label(knowledge: &Knowledge, intent: &str, chain: &[String]) -> String {
    let info = knowledge.matcher.intent(intent);
    let key = info.map_or(intent, |i| i.answer.as_str());
    chain
        .iter()
        .find_map(|l| knowledge.catalog.title(l, key))
        .or_else(|| info.map(|i| i.description.clone()))
        .unwrap_or_else(|| intent.to_owned())
}

/// A reply that carries only an answer (no classification).
pub(super) fn plain_reply(rendered: Rendered, chain: &LocaleChain) -> Reply {
    reply_from(
        rendered,
        chain,
        &Classification::default(),
        None,
        Vec::new(),
    )
}

/// A reply carrying `rendered` and what the classification found.
pub(super) fn reply_from(
    rendered: Rendered,
    chain: &LocaleChain,
    classification: &Classification,
    rule: Option<String>,
    choices: Vec<ReplyChoice>,
) -> Reply {
    Reply {
        intent: None,
        candidates: classification.candidates.clone(),
        locale: rendered.locale,
        fallback_chain: chain.chain.clone(),
        locale_source: chain.source,
        rule,
        vetoed: classification.vetoed.clone(),
        answer_key: rendered.key,
        title: rendered.title,
        markdown: rendered.markdown,
        choices,
        slots: classification.slots.clone(),
        visibility: Visibility::Public,
        buttons: Vec::new(),
        attachment: None,
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
pub(super) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
