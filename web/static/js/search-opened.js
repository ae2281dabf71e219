// Searches that led to a play: when a search result is opened, report it with the query its
// page showed and the link's signed reference to the search (sref), so that a play of that
// title soon after counts as found by this search. Results carry data-search-query.
(function () {
  "use strict";
  if (!window.fetch) return;

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function opened(event) {
    if (event.type === "auxclick" && event.button !== 1) return;  // middle click: a new tab
    const link = event.target.closest && event.target.closest("a.tc-link[href*='sref=']");
    const results = link && link.closest("[data-search-query]");
    if (!results) return;
    const url = new URL(link.href, window.location.href);
    const title = url.pathname.match(/^\/titles\/(\d+)$/);
    const ref = url.searchParams.get("sref");
    if (!title || !ref) return;
    fetch("/api/v1/recommendations/search-opened", {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ title_id: Number(title[1]), query: results.dataset.searchQuery, ref: ref }),
    }).catch(function () {});
  }

  document.addEventListener("click", opened, true);
  document.addEventListener("auxclick", opened, true);
})();
