// Poster tests: count a card as seen when at least half of its poster has been visible for a
// second (once per page view), and report which card was opened, so that a play started soon
// after is credited to the poster it showed. Cards under test carry data-poster-test.
(function () {
  "use strict";
  if (!("IntersectionObserver" in window) || !window.fetch) return;
  const view = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  const counted = new Set();
  const timers = new Map();
  let pending = [];
  let flushTimer = null;

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    }).catch(function () {});
  }

  function flush() {
    clearTimeout(flushTimer);
    flushTimer = null;
    if (!pending.length) return;
    const items = pending.slice(0, 200);
    pending = pending.slice(200);
    post("/api/v1/posters/impressions", { view_id: view, items: items });
    if (pending.length) flush();
  }

  function seen(img) {
    const key = img.dataset.titleId + ":" + img.dataset.posterTest;
    if (counted.has(key)) return;
    counted.add(key);
    pending.push({ title_id: Number(img.dataset.titleId), image_id: Number(img.dataset.posterTest) });
    if (!flushTimer) flushTimer = setTimeout(flush, 2000);
  }

  const observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      const img = entry.target;
      if (entry.intersectionRatio >= 0.5) {
        if (!timers.has(img)) {
          timers.set(img, setTimeout(function () { timers.delete(img); seen(img); }, 1000));
        }
      } else if (timers.has(img)) {
        clearTimeout(timers.get(img));
        timers.delete(img);
      }
    });
  }, { threshold: [0, 0.5, 1] });

  function watch(root) {
    if (root.matches && root.matches("img[data-poster-test]")) observer.observe(root);
    (root.querySelectorAll ? root : document).querySelectorAll("img[data-poster-test]")
      .forEach(function (img) { observer.observe(img); });
  }

  document.addEventListener("click", function (event) {
    const card = event.target.closest && event.target.closest(".tc");
    const img = card && card.querySelector("img[data-poster-test]");
    if (!img || !event.target.closest("a")) return;
    post("/api/v1/posters/clicks", {
      title_id: Number(img.dataset.titleId), image_id: Number(img.dataset.posterTest),
    });
  }, true);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });
  window.addEventListener("pagehide", flush);
  document.addEventListener("htmx:load", function (event) { watch(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { watch(document); });
  } else {
    watch(document);
  }
})();
