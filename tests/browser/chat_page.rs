//! The `/chat` page as a visitor uses it: a Norwegian question answered as
//! HTML, markup typed by the visitor shown as text, choice buttons, "Did
//! this help?" → no → a person, and the page's Content-Security-Policy.

use serde_json::{json, Value};

use crate::common::web::{admin, serve};
use crate::webdriver::Browser;
use crate::{ask, bot_text, click_button, console_errors, wait_for_bot, wait_for_greeting};

const RATE: (&str, &str) = ("SUPPORTBOT_WEB_RATE_PER_MINUTE", "60");

/// What the page shows of the log: (class, text, child element tags).
async fn log_items(b: &Browser) -> Vec<Value> {
    let script = "return Array.prototype.map.call(document.querySelectorAll('#log li'), function (li) {
        return {cls: li.className, text: li.textContent,
                tags: Array.prototype.map.call(li.querySelectorAll('*'), function (e) { return e.tagName; })};
    });";
    b.js(script, json!([]))
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_norwegian_question_is_answered_as_html_and_typed_markup_stays_text() {
    let Some(mut b) = Browser::launch("a_norwegian_question_is_answered_as_html").await else {
        return;
    };
    let served = serve(&[RATE]);
    b.goto(&served.url("/chat?locale=nb-NO")).await;
    let greeting = wait_for_greeting(&mut b).await;
    assert!(greeting.contains("Dette kan jeg hjelpe med"), "{greeting}");
    b.screenshot("greeting").await;

    let (index, _) = ask(&mut b, "Hvordan kan jeg avslutte abonnementet mitt?").await;
    let answer = bot_text(&b, index).await;
    assert!(answer.contains("Si opp et abonnement"), "{answer}");
    let shape = b
        .js(
            "var li = document.querySelectorAll('#log li.bot')[arguments[0]];
             return {links: li.querySelectorAll('a[href^=\"https://\"]').length,
                     items: li.querySelectorAll('ul li').length,
                     strong: li.querySelectorAll('strong').length,
                     itemPadding: getComputedStyle(li.querySelector('ul li')).paddingTop};",
            json!([index]),
        )
        .await;
    // Bubbles are the log's own items; the answer's list items are not.
    assert_eq!(
        shape["itemPadding"], "0px",
        "list items styled as bubbles: {shape}"
    );
    assert!(
        shape["links"].as_u64() >= Some(1),
        "a link in the answer: {shape}"
    );
    assert!(
        shape["items"].as_u64() >= Some(2),
        "a list in the answer: {shape}"
    );
    b.screenshot("answer").await;

    // Markup typed by the visitor: shown as the text typed, never run.
    let payload = "<img src=x onerror=\"document.title='img ran'\"><script>document.title='script ran'</script> <b>fet</b>";
    ask(&mut b, payload).await;
    let items = log_items(&b).await;
    let mine = items
        .iter()
        .rfind(|i| i["cls"] == "user")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(mine["text"], payload, "{mine}");
    assert_eq!(
        mine["tags"],
        json!([]),
        "no elements from the visitor's text: {mine}"
    );
    for item in &items {
        let tags = item["tags"].to_string();
        for bad in ["IMG", "SCRIPT", "IFRAME"] {
            assert!(!tags.contains(bad), "{bad} in {item}");
        }
    }
    let title = b.js("return document.title", json!([])).await;
    assert_eq!(title, "Support chat", "nothing the visitor typed ran");
    b.screenshot("markup-as-text").await;
    let errors = console_errors(&b).await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_question_offers_choices_and_clicking_one_answers_it() {
    let Some(mut b) = Browser::launch("an_ambiguous_question_offers_choices").await else {
        return;
    };
    let served = serve(&[RATE]);
    b.goto(&served.url("/chat?locale=nb-NO")).await;
    wait_for_greeting(&mut b).await;
    let (index, _) = ask(
        &mut b,
        "Jeg vil avslutte abonnementet og få pengene tilbake",
    )
    .await;
    let choose = bot_text(&b, index).await;
    assert!(choose.contains("Hva skal jeg svare på først?"), "{choose}");
    b.screenshot("choices").await;
    click_button(&mut b, "#actions", "Si opp et abonnement").await;
    let picked = wait_for_bot(&mut b, index + 1, "the answer to the chosen topic").await;
    assert!(picked.contains("For å si opp et abonnement"), "{picked}");
    let items = log_items(&b).await;
    let shown = items.iter().rfind(|i| i["cls"] == "user").cloned();
    assert_eq!(
        shown.map(|i| i["text"].clone()),
        Some(json!("Si opp et abonnement")),
        "the choice appears as what the visitor said"
    );
    let left = b
        .js(
            "return document.querySelectorAll('#actions button').length",
            json!([]),
        )
        .await;
    assert_eq!(left, 0, "the choices go away once one is picked");
    b.screenshot("picked").await;
    let errors = console_errors(&b).await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_helped_then_ask_a_person_and_asking_for_one_both_open_tickets() {
    let Some(mut b) = Browser::launch("not_helped_then_ask_a_person").await else {
        return;
    };
    let mut served = serve(&[RATE]);
    b.goto(&served.url("/chat?locale=nb-NO")).await;
    wait_for_greeting(&mut b).await;
    let (index, _) = ask(&mut b, "Hvordan kan jeg avslutte abonnementet mitt?").await;
    let answer = format!("bot:{index}");
    b.screenshot("answer-with-feedback").await;
    click_button(&mut b, &answer, "Nei, det hjalp ikke").await;
    let sorry = wait_for_bot(&mut b, index + 1, "the reply to \"no\"").await;
    assert!(sorry.contains("Beklager at det ikke hjalp"), "{sorry}");
    click_button(&mut b, &format!("bot:{}", index + 1), "Spør et menneske").await;
    let opened = wait_for_bot(&mut b, index + 2, "the handoff confirmation").await;
    assert!(opened.contains("Et menneske tar over"), "{opened}");
    b.screenshot("handoff-from-button").await;

    // A new visit asks in words.
    b.goto(&served.url("/chat?locale=nb-NO")).await;
    wait_for_greeting(&mut b).await;
    let (index, _) = ask(&mut b, "Kan jeg få snakke med en ekte person?").await;
    let opened = bot_text(&b, index).await;
    assert!(opened.contains("Et menneske tar over"), "{opened}");
    b.screenshot("handoff-asked").await;
    let errors = console_errors(&b).await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");

    served.stop();
    let listed = admin(served.data.path(), &["--json", "handoff", "list"]);
    assert_eq!(listed.lines().count(), 2, "two tickets: {listed}");
    assert!(listed.contains("\"web\""), "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_has_its_csp_and_the_browser_enforces_it() {
    let Some(mut b) = Browser::launch("the_page_has_its_csp").await else {
        return;
    };
    let served = serve(&[("SUPPORTBOT_WEB_ALLOWED_ORIGINS", "https://help.example.com")]);
    b.goto(&served.url("/chat")).await;
    wait_for_greeting(&mut b).await;
    let csp = b
        .js_async(
            "var done = arguments[arguments.length - 1];
             fetch(location.href).then(function (r) { done(r.headers.get('content-security-policy')); },
                                       function (e) { done('fetch failed: ' + e); });",
            json!([]),
        )
        .await;
    let csp = csp.as_str().unwrap_or("").to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        csp.contains("frame-ancestors 'self' https://help.example.com"),
        "{csp}"
    );
    let errors = console_errors(&b).await;
    assert!(errors.is_empty(), "a clean load: {errors:#?}");

    // An injected inline script is refused by the policy, and says so.
    let ran = b
        .js(
            "var s = document.createElement('script');
             s.textContent = 'window.inlineRan = true';
             document.head.appendChild(s);
             return window.inlineRan === true;",
            json!([]),
        )
        .await;
    assert_eq!(
        ran, false,
        "inline script must not run under the page's CSP"
    );
    let errors = console_errors(&b).await;
    assert!(
        errors.iter().any(|e| e.contains("Content Security Policy")),
        "the refusal is reported: {errors:#?}"
    );
}
