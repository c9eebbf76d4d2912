//! The widget on another site: `<script src=…/widget.js data-locale=nb-NO>`
//! on a page from a second origin opens the chat in an iframe that greets
//! in Norwegian; a site not in `allowed_origins` can neither frame the chat
//! (`frame-ancestors`) nor call Direct Line from its page (CORS).

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::web::serve;
use crate::host::{shop_page, Host};
use crate::webdriver::{Browser, WAIT};
use crate::{ask, bot_text, console_errors, wait_for_greeting};

/// `fetch(url, {method: POST})` from the current page: `status N` or the
/// error's name.
async fn post_from_page(b: &Browser, url: &str) -> Value {
    b.js_async(
        "var done = arguments[arguments.length - 1];
         fetch(arguments[0], {method: 'POST'}).then(function (r) { done('status ' + r.status); },
                                                  function (e) { done('error ' + e.name); });",
        json!([url]),
    )
    .await
}

/// Opens the widget on the current page; the iframe element.
async fn open_widget(b: &mut Browser) -> crate::webdriver::Element {
    b.wait_until(
        "the widget's button",
        "return document.querySelector('button[data-supportbot=open]') ? true : null",
        WAIT,
    )
    .await;
    let button = b
        .find("button[data-supportbot=open]")
        .await
        .expect("button");
    b.click(&button).await;
    b.wait_until(
        "the widget's iframe",
        "return document.querySelector('iframe[data-supportbot=frame]') ? true : null",
        WAIT,
    )
    .await;
    b.find("iframe[data-supportbot=frame]")
        .await
        .expect("iframe")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_on_an_allowed_site_opens_a_norwegian_chat() {
    let Some(mut b) = Browser::launch("the_widget_on_an_allowed_site").await else {
        return;
    };
    let (listener, origin) = Host::bind().await;
    let served = serve(&[("SUPPORTBOT_WEB_ALLOWED_ORIGINS", origin.as_str())]);
    let host = Host::serve(listener, shop_page(&served.url("")));
    b.goto(&host.url()).await;
    let frame = open_widget(&mut b).await;
    let src = b
        .js(
            "return document.querySelector('iframe[data-supportbot=frame]').src",
            json!([]),
        )
        .await;
    assert_eq!(src, served.url("/chat?embed=1&locale=nb-NO"));
    b.frame(Some(&frame)).await;
    let greeting = wait_for_greeting(&mut b).await;
    assert!(greeting.contains("Dette kan jeg hjelpe med"), "{greeting}");
    let lang = b
        .js("return document.documentElement.lang", json!([]))
        .await;
    assert_eq!(lang, "nb-NO");
    let (index, _) = ask(&mut b, "Hvordan får jeg pengene tilbake for abonnementet?").await;
    let answer = bot_text(&b, index).await;
    assert!(answer.contains("Refusjon"), "{answer}");
    b.frame(None).await;
    b.screenshot("widget-open").await;
    // The allowed site may call Direct Line itself too (Web Chat does).
    let direct = post_from_page(&b, &served.url("/v3/directline/conversations")).await;
    assert_eq!(direct, "status 201", "an allowed origin gets CORS");
    let errors = console_errors(&b).await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_not_allowed_cannot_frame_the_chat_or_call_direct_line() {
    let Some(mut b) = Browser::launch("a_site_not_allowed").await else {
        return;
    };
    let (listener, _origin) = Host::bind().await;
    let served = serve(&[("SUPPORTBOT_WEB_ALLOWED_ORIGINS", "https://help.example.com")]);
    let host = Host::serve(listener, shop_page(&served.url("")));
    b.goto(&host.url()).await;
    let frame = open_widget(&mut b).await;
    // Give the frame time to load (or be refused).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    b.screenshot("frame-refused").await;
    let errors = console_errors(&b).await;
    assert!(
        errors.iter().any(|e| e.contains("frame-ancestors")),
        "the browser refuses to frame the chat: {errors:#?}"
    );
    b.frame(Some(&frame)).await;
    let chat = b
        .js("return document.getElementById('log') !== null", json!([]))
        .await;
    assert_eq!(chat, false, "no chat inside the refused frame");
    b.frame(None).await;
    let direct = post_from_page(&b, &served.url("/v3/directline/conversations")).await;
    assert_eq!(direct, "error TypeError", "no CORS for a site not allowed");
}
