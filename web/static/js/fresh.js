// A page shown again by Back or Forward (restored from the back-forward cache, or taken from
// the HTTP cache) shows what was true when it was first loaded: after watching, its resume
// point, progress bars and Continue Watching row would be stale. Each element marked
// data-fresh="<url>" is replaced by that URL's HTML then, and once more a moment later (the
// player's last position report, sent as it closed, may land just after the first fetch).
"use strict";

(() => {
  const fromHistory = () => {
    const nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    return !!nav && nav.type === "back_forward";
  };

  function refresh() {
    const targets = Array.from(document.querySelectorAll("[data-fresh]"));
    return Promise.all(targets.map((el) =>
      fetch(el.dataset.fresh, { credentials: "same-origin", cache: "no-store", headers: { "HX-Request": "true" } })
        .then((r) => (r.ok ? r.text() : null))
        .then((html) => {
          if (html == null || !el.isConnected) return;
          const template = document.createElement("template");
          template.innerHTML = html.trim();
          const fresh = template.content.firstElementChild;
          if (!fresh) {
            el.remove(); // the row has nothing left to show
            return;
          }
          el.replaceWith(fresh);
          if (window.htmx) window.htmx.process(fresh);
        })
        .catch(() => {}) // offline: the page keeps what it had
    )).then(() => {
      document.documentElement.dataset.refreshed = String(Date.now()); // for tests
    });
  }

  window.addEventListener("pageshow", (event) => {
    if (!event.persisted && !fromHistory()) return;
    refresh();
    setTimeout(refresh, 1500);
  });
})();
