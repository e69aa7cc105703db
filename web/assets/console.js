// The console's live updates, shortcuts and help alarm. Without this script every page still
// works (forms post and come back; the page reloads itself every 30 s).
//
// Live: the page lists the areas it shows in <body data-live="queue help …">. The feed
// (/events, server-sent events with ids) names the area that changed; the page then fetches
// itself and swaps its live regions (<section data-region id=…>), leaving forms alone so
// nothing being typed is lost. EventSource resends the last id on reconnect, so the server
// replays exactly what was missed; "reload" means too much was missed: reload the page.
(function () {
  "use strict";
  var body = document.body;
  var wanted = (body.getAttribute("data-live") || "").split(/\s+/).filter(Boolean);
  var status = document.getElementById("live-status");
  var pending = false, again = false;
  window.aulaLive = { events: 0, refreshes: 0, alarms: 0 };

  function refresh() {
    if (pending) { again = true; return; }
    pending = true;
    fetch(location.href, { credentials: "same-origin", headers: { "x-live": "1" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-region]").forEach(function (old) {
          var fresh = doc.getElementById(old.id);
          if (fresh && !old.contains(document.activeElement)) { old.replaceWith(fresh); }
        });
        window.aulaLive.refreshes++;
      })
      .catch(function () {})
      .then(function () { pending = false; if (again) { again = false; refresh(); } });
  }

  function alarm() {
    window.aulaLive.alarms++;
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35].forEach(function (t) {
        var o = ctx.createOscillator(), g = ctx.createGain();
        o.frequency.value = 880; o.connect(g); g.connect(ctx.destination);
        g.gain.setValueAtTime(0.2, ctx.currentTime + t);
        o.start(ctx.currentTime + t); o.stop(ctx.currentTime + t + 0.25);
      });
    } catch (e) { /* no sound allowed yet: the list still shows it */ }
    if (status) { status.textContent = "!"; }
  }

  if (wanted.length && window.EventSource) {
    // Resume from the feed's id when this page was made (a fresh EventSource sends no
    // Last-Event-ID), so an event between rendering and connecting is not missed.
    var since = body.getAttribute("data-live-id");
    var es = new EventSource("/events" + (since ? "?last=" + encodeURIComponent(since) : ""));
    window.aulaLive.lastId = since;
    es.onopen = function () { window.aulaLive.open = true; };
    es.addEventListener("change", function (e) {
      window.aulaLive.events++;
      window.aulaLive.lastId = e.lastEventId;
      if (e.data === "help_escalated" && wanted.indexOf("help_escalated") >= 0) { alarm(); }
      if (wanted.indexOf(e.data) >= 0) { refresh(); }
    });
    es.addEventListener("hello", function (e) { window.aulaLive.lastId = e.lastEventId; });
    es.addEventListener("reload", function () { location.reload(); });
  }

  // Counter shortcuts: N call next, R recall, S start, F finish, X no-show (not while typing).
  var keys = { n: "act-call-next", r: "act-recall", s: "act-start", f: "act-finish", x: "act-no-show" };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target && e.target.tagName;
    if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT") { return; }
    var id = keys[(e.key || "").toLowerCase()];
    var el = id && document.getElementById(id);
    if (el) { e.preventDefault(); el.click(); }
  });
})();
