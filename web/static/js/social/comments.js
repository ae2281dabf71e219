// Comment sections: post and act without a reload, and follow the title's live stream of
// changes. Every comment is rendered by the server for this viewer (escaped there); this file
// only places the fragments it is sent.
(function () {
  "use strict";
  const FRAGMENT = { "X-Comment-Fragment": "1" };
  let stream = null;
  let streamUrl = "";

  function csrf() {
    const headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers || "{}")["X-CSRF-Token"] || ""; } catch (e) { return ""; }
  }

  function section() { return document.getElementById("comments"); }

  function parse(html) {
    const box = document.createElement("template");
    box.innerHTML = html.trim();
    return box.content.firstElementChild;
  }

  // Put a comment fragment where it belongs: replace the one on the page, or add it (a new
  // top-level comment first in the list, a reply last under its comment).
  function place(html) {
    const item = parse(html);
    const root = section();
    if (!item || !root || !root.dataset.titleId) return;
    const old = document.getElementById(item.id);
    if (old) { old.replaceWith(item); } else {
      const parentId = item.dataset.parentId;
      const list = parentId
        ? document.querySelector("#comment-" + parentId + " > .comment-replies")
        : document.getElementById("comment-list");
      if (!list) return;
      if (parentId) list.append(item); else list.prepend(item);
      const empty = root.querySelector(".comments-empty");
      if (empty) empty.remove();
    }
    if (window.htmx) window.htmx.process(item);
  }

  async function refresh(id) {
    const resp = await fetch("/comments/" + id, { headers: FRAGMENT, credentials: "same-origin" });
    if (resp.ok) { place(await resp.text()); return; }
    if (resp.status === 404) { const gone = document.getElementById("comment-" + id); if (gone) gone.remove(); }
  }

  function showError(form, text) {
    const box = form.querySelector(".comment-error");
    if (box) { box.textContent = text; box.hidden = false; } else { window.alert(text); }
  }

  async function submit(form) {
    const resp = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: Object.assign({ "X-CSRF-Token": csrf(), "Accept": "application/json" }, FRAGMENT),
    });
    if (!resp.ok) {
      let detail = "Something went wrong (" + resp.status + ").";
      try { detail = (await resp.json()).detail || detail; } catch (e) { /* not JSON */ }
      showError(form, detail);
      return;
    }
    const idHolder = form.closest("[data-comment-id]");
    if (form.hasAttribute("data-moderate") && idHolder) { await refresh(idHolder.dataset.commentId); return; }
    if (resp.status === 204) return;
    place(await resp.text());
    if (form.hasAttribute("data-comment-form")) {
      form.reset();
      const details = form.closest("details");
      if (details) details.open = false;
    }
    const err = form.querySelector(".comment-error");
    if (err) err.hidden = true;
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.closest("#comments")) return;
    if (!form.hasAttribute("data-comment-form") && !form.hasAttribute("data-comment-action")) return;
    event.preventDefault();
    const question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) return;
    submit(form);
  });

  // One stream per title page; it survives re-sorting and switching episodes.
  function follow() {
    const root = section();
    const url = root && root.dataset.events;
    if (!url || url === streamUrl) return;
    if (stream) stream.close();
    streamUrl = url;
    stream = new EventSource(url);
    stream.addEventListener("comment", function (msg) {
      const event = JSON.parse(msg.data);
      const current = section();
      if (!current) return;
      const episode = current.dataset.episodeId || "";
      if (String(event.episode_id || "") !== episode) return;
      if (event.kind === "update" && !document.getElementById("comment-" + event.id)) return;
      if (event.kind === "new" && event.parent_id && !document.getElementById("comment-" + event.parent_id)) return;
      refresh(event.id);
    });
  }

  document.addEventListener("htmx:afterSettle", follow);
  window.addEventListener("pagehide", function () { if (stream) stream.close(); });
  if (document.readyState !== "loading") follow(); else document.addEventListener("DOMContentLoaded", follow);
})();
