//! The operator console (issue 15) over real HTTP: a spawned `supportbot
//! serve` with no platform settings, driven by reqwest with a cookie jar
//! the way a browser would (forms, CSRF fields, redirects by hand).

#[path = "common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use reqwest::header::SET_COOKIE;
use reqwest::{Client, StatusCode};

const PW: &str = "a long console password";

/// The CLI on `data`.
fn cli(data: &Path) -> assert_cmd::Command {
    let mut c = common::supportbot();
    c.arg("--data-dir").arg(data);
    c
}

/// A data directory with operators `ada` (admin), `ben` (agent), `rue`
/// (rule author), the demo account, and one ticket whose transcript and
/// user text carry an XSS payload.
fn setup() -> tempfile::TempDir {
    let data = tempfile::tempdir().expect("tempdir");
    for (name, role) in [("ada", "admin"), ("ben", "agent")] {
        cli(data.path())
            .args(["admin", "operator", "add", name, "--role", role])
            .env("SUPPORTBOT_OPERATOR_PASSWORD", PW)
            .assert()
            .success();
    }
    // The password from stdin: never argv.
    cli(data.path())
        .args(["admin", "operator", "add", "rue", "--role", "rule-author"])
        .write_stdin(format!("{PW}\n"))
        .assert()
        .success();
    let listed = cli(data.path())
        .args(["admin", "operator", "list", "--json"])
        .output()
        .expect("list");
    let listed = common::stdout_of(&listed);
    assert_eq!(listed.lines().count(), 3, "{listed}");
    assert!(
        !listed.contains("argon2"),
        "no hashes in the list: {listed}"
    );
    cli(data.path())
        .args(["admin", "seed-demo"])
        .assert()
        .success();
    cli(data.path())
        .arg("chat")
        .write_stdin("<script>alert('x')</script> flibber\nI want to talk to a human\n/quit\n")
        .assert()
        .success();
    data
}

struct Served {
    child: Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path, env: &[(&str, &str)]) -> Served {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("supportbot"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SUPPORTBOT_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("--data-dir")
        .arg(data)
        .arg("serve")
        .env("SUPPORTBOT_HTTP_ADDR", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("serve starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut banner = String::new();
    out.read_line(&mut banner).expect("banner");
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .to_owned();
    Served {
        child,
        base: format!("http://{addr}"),
    }
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The first form's CSRF token in `html`.
fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().expect("value").to_owned()
}

/// Signs in; returns the response to the POST.
async fn sign_in(c: &Client, base: &str, name: &str, pw: &str) -> reqwest::Response {
    let form = c
        .get(format!("{base}/console/sign-in"))
        .send()
        .await
        .expect("get");
    let token = csrf(&form.text().await.expect("body"));
    c.post(format!("{base}/console/sign-in"))
        .form(&[("csrf", token.as_str()), ("name", name), ("password", pw)])
        .send()
        .await
        .expect("post")
}

async fn page(c: &Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.expect("get");
    (r.status(), r.text().await.expect("body"))
}

async fn post(c: &Client, url: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let r = c.post(url).form(form).send().await.expect("post");
    (r.status(), r.text().await.expect("body"))
}

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("supportbot_console="))
        .map(str::to_owned)
}

#[tokio::test]
async fn sign_in_sessions_csrf_and_headers() {
    let data = setup();
    let s = serve(
        data.path(),
        &[("SUPPORTBOT_CONSOLE_MAX_FAILED_SIGN_INS", "3")],
    );
    let base = &s.base;
    let c = client();
    let (status, _) = page(&c, &format!("{base}/console/")).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "signed out: to the sign-in page"
    );
    let wrong = sign_in(&c, base, "ada", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong
        .text()
        .await
        .expect("body")
        .contains("Wrong name or password"));
    // Session fixation: a cookie the attacker planted is not honoured and
    // is replaced at sign-in.
    let planted = "supportbot_console=attackerchosen";
    let r = c
        .get(format!("{base}/console/"))
        .header("cookie", planted)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ok = sign_in(&c, base, "ada", PW).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&ok).expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP by default: {cookie}"
    );
    assert!(!cookie.contains("attackerchosen"));
    let value = cookie.split(';').next().expect("pair").to_owned();
    let r = c
        .get(format!("{base}/console/"))
        .send()
        .await
        .expect("dashboard");
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    let csp = h["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let html = r.text().await.expect("body");
    assert!(
        html.contains("Signed in as ada") && html.contains("<svg"),
        "{html}"
    );
    assert!(!html.contains("<script"), "no script at all");
    // Norwegian from the same catalog.
    let nb = c
        .get(format!("{base}/console/"))
        .header("accept-language", "nb-NO")
        .send()
        .await;
    assert!(nb
        .expect("nb")
        .text()
        .await
        .expect("body")
        .contains("Logg ut"));
    // CSRF: without the token, and with a wrong one, a POST is refused.
    let sign_out = format!("{base}/console/sign-out");
    assert_eq!(post(&c, &sign_out, &[]).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        post(&c, &sign_out, &[("csrf", "0000")]).await.0,
        StatusCode::FORBIDDEN
    );
    // The sign-in form itself needs its double-submit token.
    // No cookie jar, and redirects are not followed: a 303 to the sign-in
    // page must not read as the 200 of that page.
    let bare = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = bare
        .post(format!("{base}/console/sign-in"))
        .form(&[("name", "ada"), ("password", PW)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Sign-out ends the session on the server: the old cookie is dead.
    let (_, html) = page(&c, &format!("{base}/console/")).await;
    let (status, _) = post(&c, &sign_out, &[("csrf", &csrf(&html))]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let replay = bare
        .get(format!("{base}/console/"))
        .header("cookie", value)
        .send()
        .await
        .expect("replay");
    assert_eq!(
        replay.status(),
        StatusCode::SEE_OTHER,
        "stolen cookie after sign-out"
    );
    // Brute force: with ada's miss above, two more from this address make
    // three, which locks the address, even for the right password and for
    // every name.
    for _ in 0..2 {
        assert_eq!(
            sign_in(&c, base, "ben", "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in(&c, base, "ben", PW).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in(&c, base, "ada", PW).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn tickets_are_claimed_resolved_and_escaped() {
    let data = setup();
    let s = serve(data.path(), &[]);
    let base = &s.base;
    let (ada, ben, rue) = (client(), client(), client());
    for (c, name) in [(&ada, "ada"), (&ben, "ben"), (&rue, "rue")] {
        assert_eq!(
            sign_in(c, base, name, PW).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let (status, queue) = page(&ben, &format!("{base}/console/queue")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue.contains("H-1"), "{queue}");
    let (_, ticket) = page(&ben, &format!("{base}/console/queue/H-1")).await;
    assert!(!ticket.contains("<script>alert"), "escaped: {ticket}");
    assert!(ticket.contains("&lt;script&gt;"), "{ticket}");
    let token = csrf(&ticket);
    let claim = format!("{base}/console/queue/H-1/claim");
    assert_eq!(
        post(&ben, &claim, &[("csrf", &token)]).await.0,
        StatusCode::SEE_OTHER
    );
    let (_, other) = page(&ada, &format!("{base}/console/queue/H-1")).await;
    let (status, body) = post(&ada, &claim, &[("csrf", &csrf(&other))]).await;
    assert_eq!(status, StatusCode::CONFLICT, "first come, first served");
    assert!(body.contains("already claimed by console:ben"), "{body}");
    let (_, mine) = page(&rue, &format!("{base}/console/queue/H-1")).await;
    let (status, _) = post(&rue, &claim, &[("csrf", &csrf(&mine))]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "rule authors work no tickets"
    );
    let resolve = format!("{base}/console/queue/H-1/resolve");
    assert_eq!(
        post(&ben, &resolve, &[("csrf", &token)]).await.0,
        StatusCode::SEE_OTHER
    );
    let (_, after) = page(&ben, &format!("{base}/console/queue/H-1")).await;
    assert!(after.contains("resolved"), "{after}");
    let (_, queue) = page(&ben, &format!("{base}/console/queue")).await;
    assert!(
        !queue.contains("/console/queue/H-1"),
        "no longer open: {queue}"
    );
    // The rule tester sees the recorded messages.
    let (_, inbox) = page(&rue, &format!("{base}/console/inbox")).await;
    assert!(
        inbox.contains("flibber") && !inbox.contains("<script>alert"),
        "{inbox}"
    );
    let test = format!("{base}/console/inbox/test");
    let form = [
        ("csrf", csrf(&inbox)),
        ("intent", "cancel".into()),
        ("kind", "rule".into()),
        ("pattern", r"\bflibber\b".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, tested) = post(&rue, &test, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        tested.contains("Matches among recent messages (1)"),
        "{tested}"
    );
}

/// `demo/SUB-1` as the templates write it: minijinja's HTML escaping also
/// escapes `/`, which a browser shows as `/`.
const SUB_1_HTML: &str = "demo&#x2f;SUB-1";

#[tokio::test]
async fn only_admins_run_lifecycle_actions_and_the_operator_is_audited() {
    let data = setup();
    let s = serve(data.path(), &[]);
    let base = &s.base;
    let (ada, ben) = (client(), client());
    sign_in(&ada, base, "ada", PW).await;
    sign_in(&ben, base, "ben", PW).await;
    let (_, dash) = page(&ben, &format!("{base}/console/")).await;
    let action = format!("{base}/console/accounts/action");
    let form = [
        ("csrf", csrf(&dash)),
        ("action", "cancel".into()),
        ("subscription", "demo/SUB-1".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post(&ben, &action, &form).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        page(&ben, &format!("{base}/console/accounts")).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, accounts) = page(&ada, &format!("{base}/console/accounts")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(accounts.contains(SUB_1_HTML), "{accounts}");
    let form = [
        ("csrf", csrf(&accounts)),
        ("action", "cancel".into()),
        ("subscription", "demo/SUB-1".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, proposal) = post(&ada, &action, &form).await;
    assert_eq!(status, StatusCode::OK);
    let at = proposal
        .find("name=\"token\" value=\"")
        .expect("a confirm form")
        + 20;
    let token = proposal[at..].split('"').next().expect("token").to_owned();
    let confirm = format!("{base}/console/accounts/confirm");
    let (status, done) = post(
        &ada,
        &confirm,
        &[("csrf", &csrf(&proposal)), ("token", &token)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (_, accounts) = page(&ada, &format!("{base}/console/accounts")).await;
    let row = accounts.split(SUB_1_HTML).nth(1).expect("row");
    assert!(
        row.split("</tr>")
            .next()
            .expect("cells")
            .contains("disabled"),
        "{row}"
    );
    let (status, audit) = page(
        &ada,
        &format!("{base}/console/audit?account=demo&format=json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let confirmed: Vec<serde_json::Value> = audit
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|r: &serde_json::Value| r["kind"] == "confirmed")
        .collect();
    assert!(!confirmed.is_empty(), "{audit}");
    assert_eq!(confirmed[0]["actor"]["user"]["platform"], "console");
    assert_eq!(confirmed[0]["actor"]["user"]["user_id"], "ada");
    let (_, csv) = page(
        &ada,
        &format!("{base}/console/audit?action=signed_in&format=csv"),
    )
    .await;
    assert!(
        csv.starts_with("seq,at,actor") && csv.contains("console:ben"),
        "{csv}"
    );
    assert!(!csv.contains(PW), "no password in the audit log");
}

#[test]
fn secure_cookie_behind_https() {
    let data = setup();
    let s = serve(data.path(), &[("SUPPORTBOT_CONSOLE_SECURE_COOKIE", "true")]);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let r = rt.block_on(sign_in(&client(), &s.base, "ada", PW));
    assert!(session_cookie(&r).expect("cookie").contains("; Secure"));
}

/// An agent claims a web visitor's ticket in the console and replies: the
/// visitor's chat gets the words as plain text (never HTML), only the agent
/// holding the claim may reply, what the visitor writes while waiting shows
/// on the ticket page, and a conversation no relay reaches is refused.
#[tokio::test]
async fn an_agent_replies_to_a_web_visitor_from_the_console() {
    let data = setup();
    let s = serve(data.path(), &[]);
    let base = &s.base;
    let chat = common::web::Chat::start_at(base).await;
    chat.say("I need a real person to help me", "en-US").await;
    let (ada, ben) = (client(), client());
    sign_in(&ada, base, "ada", PW).await;
    sign_in(&ben, base, "ben", PW).await;
    // The CLI chat of `setup` opened H-1; the visitor's ticket is H-2.
    let (_, queue) = page(&ada, &format!("{base}/console/queue")).await;
    assert!(
        queue.contains("/console/queue/H-2") && queue.contains("web:"),
        "{queue}"
    );
    let ticket = format!("{base}/console/queue/H-2");
    let (_, html) = page(&ada, &ticket).await;
    assert!(!html.contains("/reply\""), "no reply form before a claim");
    let reply = format!("{ticket}/reply");
    let unclaimed = post(&ada, &reply, &[("csrf", &csrf(&html)), ("text", "hi")]).await;
    assert_eq!(unclaimed.0, StatusCode::CONFLICT, "{}", unclaimed.1);
    let claimed = post(&ada, &format!("{ticket}/claim"), &[("csrf", &csrf(&html))]).await;
    assert_eq!(claimed.0, StatusCode::SEE_OTHER);
    let (_, theirs) = page(&ben, &ticket).await;
    let not_yours = post(
        &ben,
        &reply,
        &[("csrf", &csrf(&theirs)), ("text", "me too")],
    )
    .await;
    assert_eq!(not_yours.0, StatusCode::CONFLICT, "{}", not_yours.1);
    let (_, html) = page(&ada, &ticket).await;
    let empty = post(&ada, &reply, &[("csrf", &csrf(&html)), ("text", "  ")]).await;
    assert_eq!(empty.0, StatusCode::UNPROCESSABLE_ENTITY);
    let words = "<b>Hello</b>, this is Ada from support";
    let sent = post(&ada, &reply, &[("csrf", &csrf(&html)), ("text", words)]).await;
    assert_eq!(sent.0, StatusCode::SEE_OTHER, "{}", sent.1);
    let (activities, _) = chat.poll(None).await;
    let from_ada: Vec<_> = activities
        .iter()
        .filter(|a| a["from"]["name"] == "ada")
        .collect();
    assert_eq!(from_ada.len(), 1, "{activities:?}");
    assert_eq!(from_ada[0]["text"], words);
    assert!(from_ada[0]["channelData"].get("html").is_none());
    // The visitor answers while the ticket is claimed: the agent sees it.
    chat.post(serde_json::json!({"type": "message", "from": {"id": "me"}, "text": "thanks, my card was charged twice"}))
        .await;
    let (_, html) = page(&ada, &format!("{ticket}?sent=1")).await;
    assert!(html.contains("Sent to the user."), "{html}");
    assert!(html.contains("my card was charged twice"), "{html}");
    // The CLI's ticket has no relay: refused with the reason.
    let cli_ticket = format!("{base}/console/queue/H-1");
    let (_, html) = page(&ada, &cli_ticket).await;
    post(
        &ada,
        &format!("{cli_ticket}/claim"),
        &[("csrf", &csrf(&html))],
    )
    .await;
    let (status, body) = post(
        &ada,
        &format!("{cli_ticket}/reply"),
        &[("csrf", &csrf(&html)), ("text", "hello")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body.contains("do not reach cli conversations"), "{body}");
}
