// Live admin dashboard: Server-Sent Events bring the "now" panels again every second (and at
// once when a play starts or ends); each panel is replaced only when it changed. The HTML is
// rendered and escaped by the server.
"use strict";

(() => {
  const root = document.getElementById("dash-now");
  if (!root || !window.EventSource) return;
  const status = document.getElementById("dash-live");
  const label = status && status.querySelector(".dash-live-text");

  function setState(state, text) {
    if (!status) return;
    status.dataset.state = state;
    label.textContent = text;
  }

  function patch(html) {
    const fresh = document.createElement("template");
    fresh.innerHTML = html;
    for (const panel of fresh.content.querySelectorAll("[data-panel]")) {
      const current = root.querySelector(`[data-panel="${panel.dataset.panel}"]`);
      if (!current) continue;
      if (current.innerHTML !== panel.innerHTML) current.replaceWith(panel);
    }
  }

  const source = new EventSource(root.dataset.liveUrl);
  source.addEventListener("now", (event) => {
    const data = JSON.parse(event.data);
    patch(data.html);
    const at = new Date(data.at * 1000);
    setState("live", `Live · ${at.toLocaleTimeString()}`);
  });
  source.addEventListener("error", () => setState("offline", "Reconnecting…"));
  window.addEventListener("beforeunload", () => source.close());
})();
