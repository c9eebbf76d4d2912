//! The audit log (admins): every account's records and the account-less
//! ones (console sign-ins), filtered by account, action or kind, and date,
//! shown as a table or exported as CSV or JSON lines.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::json;

use super::session::require;
use super::view::{lang, percent};
use super::Console;
use crate::auth::authorize_operator;
use crate::lifecycle::{Actor, AuditRecord};

fn actor(r: &AuditRecord) -> String {
    match &r.actor {
        Actor::User(u) => u.to_string(),
        Actor::Scheduler => "scheduler".into(),
    }
}

fn kind(r: &AuditRecord) -> String {
    serde_json::to_value(r.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Whether `r` passes the filters (`account`, `action` matching the action
/// or the kind, `from`/`to` as `YYYY-MM-DD`, inclusive).
fn keep(r: &AuditRecord, q: &HashMap<String, String>) -> bool {
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let day = |k: &str| get(k).and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
    let date = r.at.date_naive();
    get("account").is_none_or(|a| r.account.as_ref().is_some_and(|x| x.as_str() == a))
        && get("action").is_none_or(|a| r.action.as_deref() == Some(a) || kind(r) == a)
        && day("from").is_none_or(|d| date >= d)
        && day("to").is_none_or(|d| date <= d)
}

/// One CSV field, quoted when needed; a leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so a spreadsheet does not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv(records: &[AuditRecord]) -> String {
    let mut out = String::from("seq,at,actor,kind,action,account,subscription,detail\n");
    for r in records {
        let fields = [
            r.seq.to_string(),
            r.at.to_rfc3339(),
            actor(r),
            kind(r),
            r.action.clone().unwrap_or_default(),
            r.account
                .as_ref()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            r.subscription.map(|s| s.to_string()).unwrap_or_default(),
            r.detail.clone().unwrap_or_default(),
        ];
        let line: Vec<_> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// `GET /console/audit?account=&action=&from=&to=&format=csv|json`.
pub async fn log(
    State(c): State<Console>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let me = match require(&c, &headers).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = lang(&headers);
    let op = me
        .identity()
        .and_then(|i| authorize_operator(&i, &Default::default()).ok());
    let (Some(op), Some(lifecycle)) = (op, c.bot.lifecycle().map(|l| l.service().clone())) else {
        return c.forbidden(lang, &me);
    };
    let records = match lifecycle.audit_all(&op).await {
        Ok(all) => all.into_iter().filter(|r| keep(r, &q)).collect::<Vec<_>>(),
        Err(e) => {
            return c.message(
                StatusCode::SERVICE_UNAVAILABLE,
                lang,
                Some(&me),
                &e.to_string(),
            )
        }
    };
    match q.get("format").map(String::as_str) {
        Some("csv") => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8"),
                (CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
            ],
            csv(&records),
        )
            .into_response(),
        Some("json") => {
            let lines: String = records
                .iter()
                .filter_map(|r| serde_json::to_string(r).ok())
                .map(|l| l + "\n")
                .collect();
            ([(CONTENT_TYPE, "application/x-ndjson")], lines).into_response()
        }
        _ => {
            let rows: Vec<_> = records
                .iter()
                .rev()
                .take(500)
                .map(|r| {
                    json!({
                        "at": r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        "who": actor(r),
                        "what": kind(r),
                        "action": r.action,
                        "account": r.account.as_ref().map(|a| a.to_string()),
                        "detail": r.detail,
                    })
                })
                .collect();
            let filters: HashMap<_, _> = q.iter().filter(|(k, _)| *k != "format").collect();
            let query = serde_urlencoded_like(&filters);
            c.page(
                "audit.html",
                lang,
                &me,
                json!({ "rows": rows, "q": filters, "query": query }),
            )
        }
    }
}

/// `k=v&…` for the export links.
fn serde_urlencoded_like(q: &HashMap<&String, &String>) -> String {
    let mut pairs: Vec<_> = q
        .iter()
        .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
        .collect();
    pairs.sort();
    pairs.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
