//! The not-understood and guard-vetoed inbox (every role): recorded
//! messages of the last 30 days grouped by normalised text, each with the
//! `explain` view, and the rule tester (`intent::draft`).

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use serde_json::{json, Value};

use super::session::{require, require_post, Fields};
use super::view::{lang, percent};
use super::Console;
use crate::intent::draft::{test_draft, DraftKind};
use crate::intent::normalize::normalize;
use crate::operator::SignedIn;
use crate::source::SourceTree;

/// How far back the inbox and the tester look.
const DAYS: i64 = 30;

/// Recent texts the bot did not understand or a guard vetoed, grouped.
async fn groups(c: &Console) -> Result<(Vec<Value>, Vec<String>), String> {
    let since = c.record.now() - chrono::TimeDelta::days(DAYS);
    let entries = c
        .record
        .entries(Some(since))
        .await
        .map_err(|e| e.to_string())?;
    let mut all = Vec::new();
    let mut grouped: BTreeMap<String, (usize, String, Vec<String>, Vec<String>)> = BTreeMap::new();
    for e in &entries {
        let Some(text) = &e.text else { continue };
        all.push(text.clone());
        if e.understood != Some(false) && e.vetoed.is_empty() {
            continue;
        }
        let g = grouped
            .entry(normalize(text).unescaped())
            .or_insert_with(|| (0, text.clone(), Vec::new(), Vec::new()));
        g.0 += 1;
        if !g.2.contains(&e.locale) {
            g.2.push(e.locale.clone());
        }
        for v in &e.vetoed {
            if !g.3.contains(v) {
                g.3.push(v.clone());
            }
        }
    }
    let mut rows: Vec<_> = grouped
        .into_iter()
        .map(|(norm, (n, text, locales, vetoed))| {
            json!({ "normalized": norm, "q": percent(&text), "text": text, "count": n, "locales": locales.join(", "), "vetoed": vetoed.join(", ") })
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r["count"].as_u64().unwrap_or(0)));
    Ok((rows, all))
}

async fn page(
    c: &Console,
    lang: &str,
    me: &SignedIn,
    explain: Option<&str>,
    tested: Value,
) -> Response {
    let (rows, _) = match groups(c).await {
        Ok(g) => g,
        Err(e) => return c.message(StatusCode::SERVICE_UNAVAILABLE, lang, Some(me), &e),
    };
    let knowledge = c.bot.knowledge();
    let explained = explain.map(|text| {
        serde_json::to_string_pretty(&knowledge.matcher.explain(text)).unwrap_or_default()
    });
    let intents: Vec<_> = knowledge
        .matcher
        .intents()
        .iter()
        .map(|i| i.name.clone())
        .collect();
    let page = json!({
        "groups": rows,
        "explain_text": explain,
        "explained": explained,
        "intents": intents,
        "tested": tested,
    });
    c.page("inbox.html", lang, me, page)
}

/// `GET /console/inbox[?explain=TEXT]`.
pub async fn inbox(
    State(c): State<Console>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let me = match require(&c, &headers).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    page(
        &c,
        lang(&headers),
        &me,
        q.get("explain").map(String::as_str),
        Value::Null,
    )
    .await
}

/// `POST /console/inbox/test`: `intent`, `kind` (rule or guard), `pattern`.
pub async fn test_rule(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let me = match require_post(&c, &headers, &form).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = lang(&headers);
    let all = match groups(&c).await {
        Ok((_, all)) => all,
        Err(e) => return c.message(StatusCode::SERVICE_UNAVAILABLE, lang, Some(&me), &e),
    };
    let intent = form.get("intent").cloned().unwrap_or_default();
    let kind = match form.get("kind").map(String::as_str) {
        Some("guard") => DraftKind::Guard,
        _ => DraftKind::Rule,
    };
    let pattern = form.get("pattern").cloned().unwrap_or_default();
    let origin = c.bot.knowledge().source.origin.clone();
    let result = tokio::task::spawn_blocking(move || {
        let tree = SourceTree::read(&origin).map_err(|e| e.to_string())?;
        test_draft(&tree, &intent, kind, &pattern, &all).map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    let tested = match result {
        Ok(report) => json!({ "pattern": form.get("pattern"), "report": report }),
        Err(e) => json!({ "pattern": form.get("pattern"), "error": e }),
    };
    page(&c, lang, &me, None, tested).await
}
