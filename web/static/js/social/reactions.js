// The player's reactions: a row of emoji buttons that react at the current time (the emoji
// floats up over the video), a strip above the seek bar drawn from
// GET /api/v1/media/<id>/reactions/strip showing where reactions cluster, and a panel beside
// the video with the comments typed near the current time (hideable; the choice is remembered).
// Every text from the server or the user is set with textContent.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("player-config").textContent);
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var video = document.getElementById("video");
  var player = document.getElementById("player");
  var timeline = document.getElementById("timeline");
  var fileId = config.media_file_id;
  if (!video || !player || !timeline || !fileId) return;
  var base = "/api/v1/media/" + encodeURIComponent(fileId);
  var SVG = "http://www.w3.org/2000/svg";
  var STORE = "ms.player.moments";
  var moments = [];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  function clock(t) {
    var s = Math.max(0, Math.floor(t));
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }
  function send(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  // The strip: a filled curve over the timeline's width, one point per bucket.
  var strip = document.createElementNS(SVG, "svg");
  strip.setAttribute("id", "reaction-strip");
  strip.setAttribute("class", "rx-strip");
  strip.setAttribute("viewBox", "0 0 100 20");
  strip.setAttribute("preserveAspectRatio", "none");
  strip.setAttribute("aria-hidden", "true");
  var curve = document.createElementNS(SVG, "path");
  strip.appendChild(curve);
  timeline.parentNode.insertBefore(strip, timeline);

  function drawStrip(data) {
    var n = data.buckets.length;
    strip.classList.toggle("rx-empty", !data.total);
    strip.setAttribute("data-total", String(data.total));
    if (!n) { curve.setAttribute("d", ""); return; }
    // x as a share of the runtime, like the seek bar (the last bucket may run past the end).
    var scale = data.duration > 0 ? data.bucket_seconds * 100 / data.duration : 100 / n;
    var d = "M0,20";
    data.buckets.forEach(function (v, i) {
      d += " L" + Math.min(100, (i + 0.5) * scale).toFixed(2) + "," + (20 - 18 * v).toFixed(2);
    });
    curve.setAttribute("d", d + " L100,20 Z");
  }
  function loadStrip() {
    return fetch(base + "/reactions/strip", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        drawStrip(data);
        if (!row.childNodes.length) buildButtons(data.emojis);
      });
  }

  // The reaction row above the strip, with the comments toggle at its end.
  var row = el("div", { class: "rx-row", role: "group", "aria-label": "React" });
  var toggle = el("button", { type: "button", id: "moments-toggle", class: "rx-toggle",
    "aria-pressed": "true" }, "Comments");
  var note = el("span", { class: "rx-note", role: "status" });
  var wrap = el("div", { class: "rx-controls" });
  wrap.appendChild(row); wrap.appendChild(note); wrap.appendChild(toggle);
  strip.parentNode.insertBefore(wrap, strip);
  var floats = el("div", { class: "rx-floats", "aria-hidden": "true" });
  player.appendChild(floats);

  function float(emoji) {
    var f = el("span", { class: "rx-float" }, emoji);
    f.style.left = (40 + Math.random() * 20) + "%";
    f.addEventListener("animationend", function () { f.remove(); });
    floats.appendChild(f);
  }
  function refused(r) {
    return r.json().then(function (body) {
      note.textContent = (body && body.detail) || "Refused.";
      setTimeout(function () { note.textContent = ""; }, 5000);
    }, function () { note.textContent = "Refused."; });
  }
  function buildButtons(emojis) {
    emojis.forEach(function (emoji) {
      var b = el("button", { type: "button", class: "rx-btn", "aria-label": "React " + emoji }, emoji);
      b.addEventListener("click", function (e) {
        e.stopPropagation();
        send("POST", base + "/reactions", { position: video.currentTime, emoji: emoji }).then(function (r) {
          if (!r.ok) return refused(r);
          float(emoji);
          return loadStrip();
        });
      });
      row.appendChild(b);
    });
  }

  // Comments near the current time, beside the video.
  var panel = el("aside", { id: "moments", class: "rx-moments", "aria-label": "Comments at this time" });
  var list = el("ol", { class: "rx-list", "aria-live": "polite" });
  var form = el("form", { class: "rx-form" });
  var input = el("input", { id: "moment-text", maxlength: "500", autocomplete: "off",
    placeholder: "Comment at this time", "aria-label": "Comment at this time" });
  form.appendChild(input);
  form.appendChild(el("button", { type: "submit" }, "Post"));
  panel.appendChild(list);
  panel.appendChild(form);
  player.appendChild(panel);

  function shown() { return localStorage.getItem(STORE) !== "hidden"; }
  function applyShown() {
    panel.hidden = !shown();
    toggle.setAttribute("aria-pressed", shown() ? "true" : "false");
  }
  toggle.addEventListener("click", function (e) {
    e.stopPropagation();
    localStorage.setItem(STORE, shown() ? "hidden" : "shown");
    applyShown();
  });
  applyShown();

  var drawnKey = null;
  function drawMoments() {
    var t = video.currentTime;
    // What was said in the last 20 seconds (and just ahead), the latest five.
    var near = moments.filter(function (m) { return m.position <= t + 2 && m.position >= t - 20; }).slice(-5);
    var key = near.map(function (m) { return m.id; }).join(",");
    if (key === drawnKey) return;
    drawnKey = key;
    list.textContent = "";
    if (!near.length) list.appendChild(el("li", { class: "rx-quiet" }, "No comments at this time."));
    near.forEach(function (m) {
      var li = el("li", { class: "rx-moment" });
      var avatar = /^[a-z]+$/.test(m.avatar) ? m.avatar : "blue";
      li.appendChild(el("span", { class: "avatar avatar-" + avatar + " small", "aria-hidden": "true" },
        (m.author || "?").slice(0, 1).toUpperCase()));
      var body = el("div", { class: "rx-body" });
      var head = el("div", { class: "rx-head" });
      head.appendChild(el("strong", {}, m.author));
      head.appendChild(el("span", { class: "rx-at" }, clock(m.position)));
      body.appendChild(head);
      body.appendChild(el("p", { class: "rx-text" }, m.text));
      li.appendChild(body);
      if (m.mine) {
        var del = el("button", { type: "button", class: "rx-del", "aria-label": "Delete my comment" }, "×");
        del.addEventListener("click", function () {
          send("DELETE", "/api/v1/moments/" + m.id).then(function (r) { if (r.ok) loadMoments(); });
        });
        li.appendChild(del);
      }
      list.appendChild(li);
    });
  }
  function loadMoments() {
    return fetch(base + "/moments", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { moments: [] }; })
      .then(function (data) { moments = data.moments; drawnKey = null; drawMoments(); });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    send("POST", base + "/moments", { position: video.currentTime, text: text }).then(function (r) {
      if (!r.ok) return refused(r);
      input.value = "";
      return loadMoments();
    });
  });

  video.addEventListener("timeupdate", drawMoments);
  video.addEventListener("seeked", drawMoments);
  loadStrip();
  loadMoments();
  // Moments others type appear live: each change makes the list load again.
  if (window.EventSource) {
    var live = new EventSource("/media/" + encodeURIComponent(fileId) + "/moments/events");
    live.addEventListener("moment", function () { loadMoments(); });
    window.addEventListener("pagehide", function () { live.close(); });
  }
  setInterval(function () { if (!document.hidden) { loadStrip(); loadMoments(); } }, 30000);
})();
