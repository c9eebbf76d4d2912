// supportbot web chat: a small Direct Line 3.0 client.
// What the visitor types is only ever set with textContent. A bot message is
// shown from channelData.html, which the server renders from the answer's
// markdown with an allow-list (src/answer/render/html.rs); without it, the
// plain text is shown as text.
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var locale = params.get("locale") || navigator.language || "";
  var base = "/v3/directline";
  var log, form, input, status, actions;
  var conversation = null, token = null, watermark = null;
  var seen = Object.create(null);
  var socket = null, polling = null;

  function el(tag, cls) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    return e;
  }

  function say(text) { status.textContent = text || ""; }

  function scroll() { log.scrollTop = log.scrollHeight; }

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (token) { headers.Authorization = "Bearer " + token; }
    return fetch(base + path, {
      method: method, headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 429) { throw new Error("busy"); }
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function showUser(text) {
    var li = el("li", "user");
    li.textContent = text;
    log.appendChild(li);
    scroll();
  }

  function button(title, onClick) {
    var b = el("button", "choice");
    b.type = "button";
    b.textContent = title;
    b.addEventListener("click", onClick);
    return b;
  }

  function showBot(a) {
    var li = el("li", "bot");
    li.setAttribute("data-answer", (a.channelData && a.channelData.answerKey) || "");
    var html = a.channelData && typeof a.channelData.html === "string" ? a.channelData.html : null;
    var body = el("div", "text");
    if (html !== null) { body.innerHTML = html; } else { body.textContent = a.text || ""; }
    li.appendChild(body);
    var row = el("div", "buttons");
    (a.attachments || []).forEach(function (att) {
      var buttons = (att.content && att.content.buttons) || [];
      buttons.forEach(function (btn) {
        if (btn.type !== "postBack" && btn.type !== "imBack") { return; }
        row.appendChild(button(String(btn.title || ""), function () {
          row.textContent = "";
          if (btn.type === "imBack") { send(String(btn.value), String(btn.title)); }
          else { post({ type: "message", value: btn.value, locale: locale }, String(btn.title)); }
        }));
      });
    });
    if (row.childNodes.length) { li.appendChild(row); }
    log.appendChild(li);
    actions.textContent = "";
    var suggested = (a.suggestedActions && a.suggestedActions.actions) || [];
    suggested.forEach(function (s) {
      if (s.type !== "imBack" && s.type !== "postBack") { return; }
      actions.appendChild(button(String(s.title || s.value), function () {
        actions.textContent = "";
        send(String(s.value), String(s.title || s.value));
      }));
    });
    scroll();
  }

  function receive(set) {
    (set.activities || []).forEach(function (a) {
      if (!a || seen[a.id]) { return; }
      seen[a.id] = true;
      if (a.type === "message" && a.from && a.from.role === "bot") { showBot(a); }
    });
    if (set.watermark !== undefined && set.watermark !== null) { watermark = set.watermark; }
  }

  function poll() {
    if (polling) { return; }
    polling = setInterval(function () {
      var q = watermark === null ? "" : "?watermark=" + encodeURIComponent(watermark);
      api("GET", "/conversations/" + conversation + "/activities" + q).then(receive, function () {});
    }, 1500);
  }

  function connect(url) {
    try { socket = new WebSocket(url); } catch (e) { poll(); return; }
    socket.addEventListener("message", function (m) {
      if (m.data) { receive(JSON.parse(m.data)); }
    });
    socket.addEventListener("close", function () {
      socket = null;
      var q = watermark === null ? "" : "?watermark=" + encodeURIComponent(watermark);
      api("GET", "/conversations/" + conversation + q).then(function (c) {
        setTimeout(function () { connect(c.streamUrl); }, 1000);
      }, poll);
    });
  }

  function post(activity, shown) {
    if (shown) { showUser(shown); }
    activity.channelData = { clientActivityID: "c" + Date.now() + Math.random().toString(16).slice(2) };
    say("…");
    return api("POST", "/conversations/" + conversation + "/activities", activity).then(function () {
      say("");
    }, function (e) {
      say(e.message === "busy" ? "Too many messages. Please wait a moment." : "Not sent. Please try again.");
    });
  }

  function send(text, shown) {
    return post({ type: "message", text: text, locale: locale, textFormat: "plain" }, shown || text);
  }

  function start() {
    log = document.getElementById("log");
    form = document.getElementById("composer");
    input = document.getElementById("text");
    status = document.getElementById("status");
    actions = document.getElementById("actions");
    if (locale) { document.documentElement.lang = locale; }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (!text || !conversation) { return; }
      input.value = "";
      send(text);
    });
    api("POST", "/conversations").then(function (c) {
      conversation = c.conversationId;
      token = c.token;
      document.body.setAttribute("data-conversation", conversation);
      connect(c.streamUrl);
      // Asks for the greeting (answered once per conversation).
      api("POST", "/conversations/" + conversation + "/activities",
        { type: "event", name: "webchat/join", locale: locale }).catch(function () {});
      // Lets the embedding site (and our browser tests) measure time to ready.
      if (window.performance && performance.mark) { performance.mark("supportbot-ready"); }
      setInterval(function () {
        api("POST", "/tokens/refresh").then(function (t) { token = t.token; }, function () {});
      }, 20 * 60 * 1000);
      input.focus();
    }, function () { say("The chat is not available right now."); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
