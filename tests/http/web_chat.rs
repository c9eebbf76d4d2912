//! The web chat's Direct Line over real HTTP and a real WebSocket against
//! `supportbot serve` with no platform settings (issue 15): Norwegian in,
//! Norwegian out on the stream and in polling; choice and feedback buttons
//! round trip; asking for a person opens a ticket the CLI lists; anonymous
//! visitors get no admin action; user text never comes back as markup;
//! origins and rates are enforced.

use serde_json::{json, Value};

use crate::common::web::{admin, next_bot_message, serve, serve_in, Chat};

const ALLOWED: &str = "https://help.example.com";

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("SUPPORTBOT_WEB_ALLOWED_ORIGINS", ALLOWED),
        ("SUPPORTBOT_WEB_RATE_PER_MINUTE", "8"),
    ]
}

fn answer_key(activity: &Value) -> &str {
    activity["channelData"]["answerKey"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_norwegian_question_is_answered_in_norwegian_on_the_stream_and_in_polling() {
    let served = serve(&env());
    let chat = Chat::start(&served).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(chat.stream_url.as_str())
        .await
        .expect("stream connects");
    let (status, posted) = chat
        .post(json!({"type": "message", "from": {"id": "x"},
            "text": "Hvordan sletter jeg kontoen min?", "locale": "nb-NO"}))
        .await;
    assert_eq!(status, 200, "{posted}");
    let (streamed, watermark) = next_bot_message(&mut socket).await;
    assert_eq!(streamed["replyToId"], posted["id"]);
    assert_eq!(streamed["locale"], "nb-NO", "{streamed}");
    assert_eq!(streamed["textFormat"], "markdown");
    assert!(
        streamed["text"]
            .as_str()
            .unwrap_or("")
            .contains("Lukk kontoen"),
        "{streamed}"
    );
    let html = streamed["channelData"]["html"].as_str().unwrap_or("");
    assert!(
        html.starts_with("<p><strong>Lukk kontoen</strong></p>"),
        "{html}"
    );
    // "Did this help?" as postBack buttons on a hero card.
    let buttons = &streamed["attachments"][0]["content"]["buttons"];
    assert_eq!(buttons[0]["type"], "postBack", "{streamed}");
    assert_eq!(buttons[0]["value"]["action"], "feedback");
    assert_eq!(watermark, "2", "echo then answer");

    // Polling: everything from the start, then nothing past the watermark.
    let (all, w) = chat.poll(None).await;
    assert_eq!(w, "2");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["from"]["role"], "user");
    assert_eq!(all[0]["text"], "Hvordan sletter jeg kontoen min?");
    assert_eq!(all[1]["id"], streamed["id"]);
    let (none, w) = chat.poll(Some("2")).await;
    assert!(none.is_empty());
    assert_eq!(w, "2");
    let (one, _) = chat.poll(Some("1")).await;
    assert_eq!(one.len(), 1);

    // A second message arrives on the same stream with the next watermark.
    chat.post(
        json!({"type": "message", "text": "Hvordan sier jeg opp abonnementet?", "locale": "nb-NO"}),
    )
    .await;
    let (second, watermark) = next_bot_message(&mut socket).await;
    assert_eq!(answer_key(&second), "cancel");
    assert_eq!(second["locale"], "nb-NO");
    assert_eq!(watermark, "4");

    // The token works only for its conversation, and only signed.
    let other = Chat::start(&served).await;
    let stolen = reqwest::Client::new()
        .get(served.url(&format!(
            "/v3/directline/conversations/{}/activities",
            chat.id
        )))
        .bearer_auth(&other.token)
        .send()
        .await
        .expect("request");
    assert_eq!(stolen.status().as_u16(), 403);
    let forged = format!("{}x", chat.token);
    let (status, _) = Chat {
        token: forged,
        ..chat
    }
    .post(json!({"type": "message", "text": "hi"}))
    .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choice_and_feedback_buttons_come_back_as_messages_the_bot_understands() {
    let served = serve(&env());
    let chat = Chat::start(&served).await;
    let choose = chat.say("cancel and refund me", "en-US").await;
    assert_eq!(answer_key(&choose), "choose", "{choose}");
    let actions = choose["suggestedActions"]["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let cancel = actions
        .iter()
        .find(|a| a["title"] == "Cancel a subscription")
        .unwrap_or_else(|| panic!("no cancel choice in {choose}"));
    assert_eq!(cancel["type"], "imBack");
    // imBack: the button's value comes back as the message text.
    let picked = chat
        .say(cancel["value"].as_str().expect("value"), "en-US")
        .await;
    assert_eq!(answer_key(&picked), "cancel", "{picked}");

    // "Did this help?" → no → "ask a person" opens a ticket.
    let no = &picked["attachments"][0]["content"]["buttons"][1];
    assert_eq!(no["value"]["choice"], "no", "{picked}");
    let (_, posted) = chat
        .post(json!({"type": "message", "value": no["value"], "locale": "en-US"}))
        .await;
    let sorry = chat.answer_to(posted["id"].as_str().expect("id")).await;
    assert_eq!(answer_key(&sorry), "feedback-sorry", "{sorry}");
    let ask = &sorry["attachments"][0]["content"]["buttons"][0];
    assert_eq!(ask["value"]["choice"], "ask", "{sorry}");
    let (_, posted) = chat
        .post(json!({"type": "message", "value": ask["value"], "locale": "en-US"}))
        .await;
    let opened = chat.answer_to(posted["id"].as_str().expect("id")).await;
    assert_eq!(answer_key(&opened), "handoff-opened", "{opened}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_for_a_person_opens_a_ticket_the_cli_lists() {
    let mut served = serve(&env());
    let chat = Chat::start(&served).await;
    let opened = chat.say("Jeg vil snakke med et menneske", "nb-NO").await;
    assert_eq!(answer_key(&opened), "handoff-opened", "{opened}");
    assert_eq!(opened["locale"], "nb-NO");
    served.stop();
    let listed = admin(served.data.path(), &["--json", "handoff", "list"]);
    let tickets: Vec<Value> = listed
        .lines()
        .map(|l| serde_json::from_str(l).expect("ticket json"))
        .collect();
    assert_eq!(tickets.len(), 1, "{listed}");
    let ticket = tickets[0].to_string();
    assert!(ticket.contains("\"web\""), "{ticket}");
    assert!(ticket.contains(&chat.id), "{ticket}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_visitor_gets_no_admin_action_and_no_account_data() {
    let data = tempfile::tempdir().expect("data dir");
    admin(data.path(), &["seed-demo"]);
    let before = admin(data.path(), &["status", "demo"]);
    let mut served = serve_in(data, &env());
    let chat = Chat::start(&served).await;
    for text in [
        "status",
        "status demo",
        "cancel SUB-1",
        "refund SUB-1",
        "close account demo",
        "export demo",
        "confirm ABCDEF",
        "/handoff claim H-1",
    ] {
        let reply = chat.say(text, "en-US").await;
        let body = reply.to_string();
        assert!(!body.contains("SUB-2"), "{text}: {body}");
        assert!(reply["attachments"].is_null(), "{text}: no buttons: {body}");
        assert!(!body.contains("confirm "), "{text}: no token: {body}");
    }
    served.stop();
    let after = admin(served.data.path(), &["status", "demo"]);
    assert_eq!(before, after, "no state changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_user_text_never_comes_back_as_markup() {
    let served = serve(&env());
    let chat = Chat::start(&served).await;
    let payload = "<img src=x onerror=alert(1)><script>alert(2)</script> [x](javascript:alert(3))";
    let reply = chat.say(payload, "en-US").await;
    let (all, _) = chat.poll(None).await;
    assert_eq!(all[0]["text"], payload, "the echo is the text, as a string");
    for activity in &all {
        let html = activity["channelData"]["html"].as_str().unwrap_or("");
        for bad in ["<img", "<script", "javascript:", "onerror="] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }
    assert!(reply["channelData"]["html"].is_string());
    // The page itself has no inline script and a strict policy.
    let page = reqwest::get(served.url("/chat")).await.expect("page");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        csp.contains(&format!("frame-ancestors 'self' {ALLOWED}")),
        "{csp}"
    );
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("<script src=\"/chat.js\""), "{html}");
    assert!(!html.contains("<script>"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_listed_origins_only_and_rates_are_limited() {
    let served = serve(&env());
    let http = reqwest::Client::new();
    let url = served.url("/v3/directline/conversations");
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, url.as_str())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,x-ms-bot-agent",
            )
            .send()
    };
    let ok = preflight(ALLOWED).await.expect("preflight");
    assert_eq!(ok.status().as_u16(), 204);
    assert_eq!(ok.headers()["access-control-allow-origin"], ALLOWED);
    let evil = preflight("https://evil.example").await.expect("preflight");
    assert_eq!(evil.status().as_u16(), 403);
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    let post = http
        .post(url.as_str())
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("post");
    assert_eq!(post.status().as_u16(), 403);
    let own = http
        .post(url.as_str())
        .header("origin", served.url(""))
        .send()
        .await
        .expect("post");
    assert_eq!(own.status().as_u16(), 201, "the bot's own origin");

    // Eight messages a minute per visitor: the ninth waits.
    let chat = Chat::start(&served).await;
    let mut statuses = Vec::new();
    for _ in 0..9 {
        statuses.push(
            chat.post(json!({"type": "message", "text": "hello"}))
                .await
                .0,
        );
    }
    assert_eq!(&statuses[..8], &[200; 8], "{statuses:?}");
    assert_eq!(statuses[8], 429, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_join_event_is_greeted_once_in_the_visitors_language() {
    let served = serve(&env());
    let chat = Chat::start(&served).await;
    let join = json!({"type": "event", "name": "webchat/join", "locale": "nb-NO"});
    let (status, _) = chat.post(join.clone()).await;
    assert_eq!(status, 200);
    let (all, watermark) = chat.poll(None).await;
    assert_eq!(all.len(), 1, "the greeting and no echo: {all:?}");
    assert_eq!(all[0]["from"]["role"], "bot");
    assert_eq!(all[0]["locale"], "nb-NO");
    assert_eq!(answer_key(&all[0]), "help", "{}", all[0]);
    // A second join (a page resuming the conversation) is not greeted.
    chat.post(join).await;
    let (again, _) = chat.poll(Some(&watermark)).await;
    assert!(again.is_empty(), "{again:?}");
}
