//! Server-rendered pages: minijinja templates compiled into the binary
//! (HTML auto-escaping on, so nothing a user wrote becomes markup), the one
//! stylesheet, and the UI texts in en-US and nb-NO from `texts.toml`.

use std::collections::BTreeMap;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde_json::{Map, Value};

/// The stylesheet, served at `/console/console.css`.
pub const CSS: &str = include_str!("console.css");

const TEXTS: &str = include_str!("texts.toml");
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("sign_in.html", include_str!("templates/sign_in.html")),
    ("message.html", include_str!("templates/message.html")),
    ("queue.html", include_str!("templates/queue.html")),
    ("ticket.html", include_str!("templates/ticket.html")),
    ("accounts.html", include_str!("templates/accounts.html")),
    ("audit.html", include_str!("templates/audit.html")),
    ("inbox.html", include_str!("templates/inbox.html")),
    ("knowledge.html", include_str!("templates/knowledge.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
];

/// The locales the console speaks; the first is the default.
pub const LOCALES: [&str; 2] = ["en-US", "nb-NO"];

/// Templates and texts, checked once at start-up.
pub struct Views {
    env: Environment<'static>,
    texts: BTreeMap<String, BTreeMap<String, String>>,
}

impl std::fmt::Debug for Views {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Views").finish_non_exhaustive()
    }
}

impl Views {
    /// Parses every template and the text catalog; fails naming what is
    /// wrong (a locale without a key en-US has, a template that does not
    /// parse).
    pub fn load() -> Result<Views, String> {
        let texts: BTreeMap<String, BTreeMap<String, String>> =
            toml::from_str(TEXTS).map_err(|e| format!("console texts: {e}"))?;
        let base = texts
            .get(LOCALES[0])
            .ok_or("console texts: no en-US table")?;
        for locale in LOCALES {
            let table = texts
                .get(locale)
                .ok_or_else(|| format!("console texts: no {locale} table"))?;
            if let Some(k) = base.keys().find(|k| !table.contains_key(*k)) {
                return Err(format!("console texts: {locale} has no {k:?}"));
            }
            if let Some(k) = table.keys().find(|k| !base.contains_key(*k)) {
                return Err(format!(
                    "console texts: {locale} has {k:?}, which en-US lacks"
                ));
            }
        }
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("console template {name}: {e}"))?;
        }
        Ok(Views { env, texts })
    }

    /// The text `key` in `lang` (the key itself if missing, which load rules out).
    pub fn text(&self, lang: &str, key: &str) -> String {
        self.texts
            .get(lang)
            .and_then(|t| t.get(key))
            .cloned()
            .unwrap_or_else(|| key.to_owned())
    }

    /// Renders `template` with `page` plus the common values (`t`, `lang`).
    pub fn render(&self, status: StatusCode, template: &str, lang: &str, page: Value) -> Response {
        let mut ctx = match page {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        ctx.insert("lang".into(), lang.into());
        ctx.insert(
            "t".into(),
            serde_json::to_value(self.texts.get(lang)).unwrap_or_default(),
        );
        let html = self.env.get_template(template).and_then(|t| {
            t.render(minijinja::Value::from(minijinja::value::Serde(
                Value::Object(ctx),
            )))
        });
        match html {
            Ok(html) => {
                (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
            }
            Err(e) => {
                tracing::error!(template, error = %e, "console page did not render");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// `s` percent-encoded for a URL query (all but letters, digits, `-._`).
pub fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The console locale for a request: the first `Accept-Language` entry
/// that is Norwegian (`nb`, `no`, `nn`) or English; en-US otherwise.
pub fn lang(headers: &HeaderMap) -> &'static str {
    let accept = headers
        .get("accept-language")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for tag in accept.split(',') {
        let primary = tag
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let primary = primary.split('-').next().unwrap_or("");
        match primary {
            "nb" | "no" | "nn" => return LOCALES[1],
            "en" => return LOCALES[0],
            _ => {}
        }
    }
    LOCALES[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_and_templates_load_and_escape() {
        let views = Views::load().expect("load");
        assert_eq!(views.text("nb-NO", "sign_in"), "Logg inn");
        let page = serde_json::json!({ "heading": "<script>alert(1)</script>" });
        let r = views.render(StatusCode::OK, "message.html", "en-US", page);
        assert_eq!(r.status(), StatusCode::OK);
    }

    #[test]
    fn accept_language_picks_norwegian_or_english() {
        let mut h = HeaderMap::new();
        assert_eq!(lang(&h), "en-US");
        h.insert(
            "accept-language",
            "de-DE, no;q=0.8".parse().expect("header"),
        );
        assert_eq!(lang(&h), "nb-NO");
        h.insert("accept-language", "en-GB,nb;q=0.5".parse().expect("header"));
        assert_eq!(lang(&h), "en-US");
    }
}
