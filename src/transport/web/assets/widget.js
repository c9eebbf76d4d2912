// supportbot widget: <script src="https://bot.example.com/widget.js" data-locale="nb-NO" defer></script>
// Adds a chat button to the page; it opens the bot's /chat in an iframe.
// No globals, no inline markup: everything is built with DOM calls.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var origin = new URL(script.src, document.baseURI).origin;
  var locale = script.getAttribute("data-locale") || navigator.language || "";
  var title = script.getAttribute("data-title") || "Chat";
  var src = origin + "/chat?embed=1&locale=" + encodeURIComponent(locale);

  function start() {
    var frame = null;
    var button = document.createElement("button");
    button.type = "button";
    // A drawn speech bubble, not an emoji: systems without an emoji font
    // showed an empty box.
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    path.setAttribute("fill", "#fff");
    svg.appendChild(path);
    button.appendChild(svg);
    button.setAttribute("aria-label", title);
    button.setAttribute("data-supportbot", "open");
    var s = button.style;
    s.position = "fixed"; s.right = "20px"; s.bottom = "20px"; s.zIndex = "2147483000";
    s.width = "56px"; s.height = "56px"; s.borderRadius = "50%"; s.border = "0";
    s.background = "#2b59c3"; s.cursor = "pointer"; s.padding = "0"; s.lineHeight = "0";
    s.boxShadow = "0 2px 10px rgba(0,0,0,.25)";
    button.addEventListener("click", function () {
      if (!frame) {
        frame = document.createElement("iframe");
        frame.src = src;
        frame.title = title;
        frame.setAttribute("data-supportbot", "frame");
        var f = frame.style;
        f.position = "fixed"; f.right = "20px"; f.bottom = "88px"; f.zIndex = "2147483000";
        f.width = "min(380px, calc(100vw - 40px))"; f.height = "min(560px, calc(100vh - 120px))";
        f.border = "1px solid #dde1e7"; f.borderRadius = "12px"; f.background = "#fff";
        f.boxShadow = "0 4px 24px rgba(0,0,0,.2)";
        document.body.appendChild(frame);
      } else {
        frame.style.display = frame.style.display === "none" ? "" : "none";
      }
    });
    document.body.appendChild(button);
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
