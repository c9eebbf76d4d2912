//! The web chat in a real browser: headless Chromium through chromedriver
//! (W3C WebDriver, `webdriver.rs`) against `supportbot serve`, along the
//! visitor's path: the `/chat` page, the embed `widget.js` on another site,
//! and how long both take. Skipped with `SKIPPED: …` when Chromium or
//! chromedriver is missing, unless `SUPPORTBOT_REQUIRE_BROWSER=1`.
//! Screenshots land in `target/browser-screenshots/<test>/`.

#[path = "../common/mod.rs"]
mod common;

mod chat_page;
mod embed;
mod host;
mod process;
mod timing;
mod webdriver;

use std::time::{Duration, Instant};

use serde_json::json;

use webdriver::{Browser, WAIT};

/// Enter, as WebDriver types it.
pub const ENTER: &str = "\u{E007}";

/// Bot messages in the log so far.
pub async fn bot_count(b: &Browser) -> u64 {
    b.js(
        "return document.querySelectorAll('#log li.bot').length",
        json!([]),
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

/// Waits until the page has its conversation and the greeting is shown;
/// the greeting's text.
pub async fn wait_for_greeting(b: &mut Browser) -> String {
    let greeting = b
        .wait_until(
            "the conversation and the greeting",
            "var li = document.querySelector('#log li.bot');
             return document.body.getAttribute('data-conversation') && li ? li.innerText : null;",
            WAIT,
        )
        .await;
    greeting.as_str().unwrap_or("").to_owned()
}

/// Types `text` into the composer and presses Enter; waits for the next
/// bot message and returns its index in the log and how long it took.
pub async fn ask(b: &mut Browser, text: &str) -> (u64, Duration) {
    let before = bot_count(b).await;
    let input = b.find("#text").await.expect("the message box");
    let sent = Instant::now();
    b.send_keys(&input, &format!("{text}{ENTER}")).await;
    let what = format!("an answer to {text:?}");
    let script =
        format!("return document.querySelectorAll('#log li.bot').length > {before} ? true : null");
    b.wait_until(&what, &script, WAIT).await;
    (before, sent.elapsed())
}

/// The rendered text of bot message `index`.
pub async fn bot_text(b: &Browser, index: u64) -> String {
    let script = "return document.querySelectorAll('#log li.bot')[arguments[0]].innerText";
    b.js(script, json!([index]))
        .await
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// Console messages at SEVERE level (errors, CSP violations).
pub async fn console_errors(b: &Browser) -> Vec<String> {
    b.console()
        .await
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .map(|(_, message)| message)
        .collect()
}

/// Clicks, as the visitor would, the button inside `scope` (CSS, or
/// `bot:N` for bot message N) whose text is `label`; panics listing the buttons there when there is none.
pub async fn click_button(b: &mut Browser, scope: &str, label: &str) {
    let marked = b
        .js(
            "var label = arguments[1], scope = arguments[0];
             var root = scope.indexOf('bot:') === 0
               ? document.querySelectorAll('#log li.bot')[Number(scope.slice(4))]
               : document.querySelector(scope);
             var all = root ? Array.prototype.slice.call(root.querySelectorAll('button')) : [];
             var hit = all.filter(function (x) { return x.textContent.trim() === label; });
             all.forEach(function (x) { x.removeAttribute('data-test-click'); });
             if (hit.length) { hit[0].setAttribute('data-test-click', '1'); return true; }
             return all.map(function (x) { return x.textContent; }).join(' | ');",
            json!([scope, label]),
        )
        .await;
    assert_eq!(
        marked, true,
        "no button {label:?} in {scope}; there are: {marked}"
    );
    let button = b
        .find("[data-test-click='1']")
        .await
        .expect("marked button");
    b.click(&button).await;
}

/// Waits for bot message number `index` (0-based) and returns its text.
pub async fn wait_for_bot(b: &mut Browser, index: u64, what: &str) -> String {
    let script = format!(
        "var li = document.querySelectorAll('#log li.bot')[{index}]; return li ? li.innerText : null;"
    );
    let text = b.wait_until(what, &script, WAIT).await;
    text.as_str().unwrap_or("").to_owned()
}
