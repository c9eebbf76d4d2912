//! The dashboard (figures of `record::report` with server-rendered SVG bar
//! charts, no script) and the knowledge page with its reload button (the
//! same `Bot::reload` SIGHUP runs).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use serde_json::{json, Value};

use super::session::{require, require_post, see_other, Fields};
use super::view::lang;
use super::{Console, Reloads};
use crate::record::report::{Report, ReportFilter};
use crate::Bot;

/// Days the dashboard covers.
const DAYS: i64 = 14;
/// Chart size in SVG user units.
const W: f64 = 600.0;
const H: f64 = 160.0;

/// Bars for one series: `(label, value)` → rects the template draws.
fn bars(series: &[(String, f64)]) -> Value {
    let max = series.iter().map(|(_, v)| *v).fold(0.0, f64::max).max(1.0);
    let n = series.len().max(1) as f64;
    let w = W / n;
    let rects: Vec<_> = series
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let h = (v / max * (H - 20.0)).round();
            json!({ "x": (i as f64 * w + 2.0).round(), "y": H - 20.0 - h, "w": (w - 4.0).max(1.0).round(), "h": h, "label": label, "value": v })
        })
        .collect();
    json!({ "w": W, "h": H, "bars": rects, "base": H - 20.0 })
}

/// `GET /console/`.
pub async fn dashboard(State(c): State<Console>, headers: HeaderMap) -> Response {
    let me = match require(&c, &headers).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = lang(&headers);
    let now = c.record.now();
    let filter = ReportFilter {
        since: Some((now - chrono::TimeDelta::days(DAYS)).date_naive()),
        locale: None,
        top: 10,
    };
    let gathered = async {
        let entries = c
            .record
            .entries(filter.since_instant())
            .await
            .map_err(|e| e.to_string())?;
        let tickets = c.handoff.list().await.map_err(|e| e.to_string())?;
        let feedback = c.handoff.feedback_list().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(Report::build(&entries, &tickets, &feedback, filter))
    };
    let report = match gathered.await {
        Ok(r) => r,
        Err(e) => return c.message(StatusCode::SERVICE_UNAVAILABLE, lang, Some(&me), &e),
    };
    let mut per_day: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut per_locale: BTreeMap<String, f64> = BTreeMap::new();
    for d in &report.days {
        let row = per_day
            .entry(d.day.format("%m-%d").to_string())
            .or_default();
        row.0 += d.messages as f64;
        row.1 += d.not_understood as f64;
        *per_locale.entry(d.locale.clone()).or_default() += d.messages as f64;
    }
    let messages: Vec<_> = per_day.iter().map(|(d, v)| (d.clone(), v.0)).collect();
    let rate: Vec<_> = per_day
        .iter()
        .map(|(d, v)| {
            (
                d.clone(),
                if v.0 > 0.0 {
                    (v.1 / v.0 * 100.0).round()
                } else {
                    0.0
                },
            )
        })
        .collect();
    let locales: Vec<_> = per_locale.into_iter().collect();
    let intents: Vec<_> = report
        .intents
        .iter()
        .map(|i| (i.name.clone(), i.count as f64))
        .collect();
    let page = json!({
        "report": report,
        "rate_pct": (report.not_understood_rate * 100.0).round(),
        "charts": [
            { "title": "messages", "chart": bars(&messages) },
            { "title": "not_understood_rate", "chart": bars(&rate) },
            { "title": "locales", "chart": bars(&locales) },
            { "title": "rules", "chart": bars(&intents) },
        ],
    });
    c.page("dashboard.html", lang, &me, page)
}

/// `GET /console/knowledge`.
pub async fn knowledge(State(c): State<Console>, headers: HeaderMap) -> Response {
    let me = match require(&c, &headers).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let k = c.bot.knowledge();
    let log = c.reloads.lock().map(|l| l.clone()).unwrap_or_default();
    let page = json!({
        "rules": k.matcher.rule_count(),
        "guards": k.matcher.guard_count(),
        "intents": k.matcher.intents().len(),
        "locales": k.catalog.locales().len(),
        "source": k.source.origin.to_string(),
        "reloaded": log.at.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
        "reload_error": log.error,
        "can_reload": me.role() != crate::operator::OperatorRole::Agent,
    });
    c.page("knowledge.html", lang(&headers), &me, page)
}

/// Reloads the bot's rules and answers and notes the result in `log`
/// (shared with SIGHUP).
pub async fn reload_now(bot: &std::sync::Arc<Bot>, log: &Reloads) -> Result<(), String> {
    let b = bot.clone();
    let result = tokio::task::spawn_blocking(move || b.reload())
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    if let Ok(mut l) = log.lock() {
        l.at = Some(chrono::Utc::now());
        l.error = result.as_ref().err().cloned();
    }
    result.map(|_| ())
}

/// `POST /console/knowledge/reload` (admins and rule authors).
pub async fn reload(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let me = match require_post(&c, &headers, &form).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    if me.role() == crate::operator::OperatorRole::Agent {
        return c.forbidden(lang(&headers), &me);
    }
    if let Err(e) = reload_now(&c.bot, &c.reloads).await {
        tracing::error!(error = %e, "console: reload refused; the previous rules stay");
    }
    see_other("/console/knowledge")
}
