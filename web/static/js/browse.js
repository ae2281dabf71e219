// Browse pages: arrow-key (TV remote) navigation between cards and rows, and HTMX glue.
// Everything works without this file; it only adds focus movement and shows search errors.
"use strict";

(() => {
  const CARD = "[data-nav-card]";

  const cards = () => Array.from(document.querySelectorAll(CARD)).filter((el) => el.offsetParent !== null);

  const focusCard = (el) => {
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest", inline: "nearest", behavior: "smooth" });
  };

  // Left/right: the previous or next card of the same row (or grid, in reading order).
  const sideways = (current, step) => {
    const group = current.closest("[data-nav-group]");
    const list = group ? Array.from(group.querySelectorAll(CARD)) : cards();
    return list[list.indexOf(current) + step] || null;
  };

  // Up/down: the nearest line of cards above or below, then the card closest horizontally.
  const vertical = (current, down) => {
    const from = current.getBoundingClientRect();
    const cx = from.left + from.width / 2;
    let best = null;
    let bestScore = Infinity;
    for (const el of cards()) {
      if (el === current) continue;
      const r = el.getBoundingClientRect();
      const dy = down ? r.top - from.top : from.top - r.top;
      if (dy < from.height / 3) continue;
      const score = dy * 4 + Math.abs(r.left + r.width / 2 - cx);
      if (score < bestScore) {
        bestScore = score;
        best = el;
      }
    }
    return best;
  };

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const current = document.activeElement && document.activeElement.closest && document.activeElement.closest(CARD);
    let next = null;
    if (!current) {
      // From anywhere but a form field, Down/Right enters the first card on screen.
      const tag = document.activeElement ? document.activeElement.tagName : "";
      if (["INPUT", "SELECT", "TEXTAREA"].includes(tag)) return;
      if (event.key !== "ArrowDown" && event.key !== "ArrowRight") return;
      next = cards().find((el) => el.getBoundingClientRect().bottom > 0) || null;
      if (!next || document.activeElement !== document.body) return;
    } else if (event.key === "ArrowRight") next = sideways(current, 1);
    else if (event.key === "ArrowLeft") next = sideways(current, -1);
    else if (event.key === "ArrowDown") next = vertical(current, true);
    else if (event.key === "ArrowUp") next = vertical(current, false);
    else return;
    event.preventDefault();
    if (next) focusCard(next);
  });

  // A search with a bad filter answers 400 with a message: show it in place of the results.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const detail = event.detail;
    if (detail.xhr && detail.xhr.status === 400 && detail.target && detail.target.id === "results") {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();
