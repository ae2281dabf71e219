// The player's "Clip" panel: mark in and out at the current time, name the clip, choose who may
// watch it, make it (POST /api/v1/clips), wait until it is ready and offer its link to copy.
// Every text the user typed or the server sent is set with textContent.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("player-config").textContent);
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var video = document.querySelector("video");
  if (!video || !config.media_file_id) return;
  var marks = { start: null, end: null };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  function clock(t) {
    var s = Math.max(0, t);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60).toFixed(2)).slice(-5);
  }
  var toggle = el("button", { type: "button", id: "clip-toggle", class: "clip-toggle" }, "Clip");
  var panel = el("div", { id: "clip-panel", class: "clip-panel", hidden: "" });
  var inBtn = el("button", { type: "button", id: "clip-in" }, "Mark in");
  var outBtn = el("button", { type: "button", id: "clip-out" }, "Mark out");
  var range = el("span", { id: "clip-range", class: "clip-range" }, "-");
  var name = el("input", { id: "clip-name", maxlength: "100", placeholder: "Name", "aria-label": "Clip name" });
  var vis = el("select", { id: "clip-visibility", "aria-label": "Who may watch" });
  vis.appendChild(el("option", { value: "users" }, "Users of this server"));
  vis.appendChild(el("option", { value: "public" }, "Anyone with the link"));
  var make = el("button", { type: "button", id: "clip-make" }, "Make clip");
  var status = el("p", { id: "clip-status", class: "clip-status", role: "status" });
  var link = el("input", { id: "clip-link", readonly: "", hidden: "", "aria-label": "Clip link" });
  var copy = el("button", { type: "button", id: "clip-copy", hidden: "" }, "Copy link");
  var close = el("button", { type: "button", class: "clip-close", "aria-label": "Close" }, "×");
  [close, el("strong", {}, "Make a clip"), inBtn, outBtn, range, name, vis, make, status, link, copy]
    .forEach(function (n) { panel.appendChild(n); });
  // In the player's top bar beside "Watch together", so it hides with the other controls.
  (document.querySelector(".p-top") || document.body).appendChild(toggle);
  document.body.appendChild(panel);

  function show() {
    range.textContent = (marks.start === null ? "–" : clock(marks.start)) + " → " +
      (marks.end === null ? "–" : clock(marks.end));
  }
  toggle.addEventListener("click", function () { panel.hidden = !panel.hidden; });
  close.addEventListener("click", function () { panel.hidden = true; });
  inBtn.addEventListener("click", function () { marks.start = video.currentTime; show(); });
  outBtn.addEventListener("click", function () { marks.end = video.currentTime; show(); });
  function poll(url) {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (c) {
      if (c.status === "queued") { setTimeout(function () { poll(url); }, 700); return; }
      if (c.status === "failed") { status.textContent = "The clip could not be made."; return; }
      status.textContent = "Ready: " + c.name;
      link.value = location.origin + c.page_url;
      link.hidden = false; copy.hidden = false;
    });
  }
  make.addEventListener("click", function () {
    if (marks.start === null || marks.end === null) { status.textContent = "Mark in and out first."; return; }
    status.textContent = "Making the clip…";
    fetch("/api/v1/clips", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ media_file_id: config.media_file_id, start: marks.start, end: marks.end,
        name: name.value, visibility: vis.value })
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { status.textContent = body.detail || "The clip was refused."; return; }
        poll("/api/v1/clips/" + encodeURIComponent(body.id));
      });
    });
  });
  copy.addEventListener("click", function () {
    link.select();
    if (navigator.clipboard) navigator.clipboard.writeText(link.value);
    status.textContent = "Link copied.";
  });
})();
