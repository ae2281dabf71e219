/* Downloads: "Save for offline" on a title's download page (the MP4 goes into Cache Storage,
 * where the offline service worker plays it from), and the Downloads page's list of what this
 * browser holds, checked in with the server whenever the page opens online. */
(function () {
  "use strict";

  const MEDIA = "offline-media-v1";
  const supported = "serviceWorker" in navigator && "caches" in window;

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  async function worker() {
    await navigator.serviceWorker.register("/offline-sw.js", { scope: "/" });
    return navigator.serviceWorker.ready;
  }

  function ask(registration, message, timeoutMs) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => resolve(null), timeoutMs);
      channel.port1.onmessage = (event) => { clearTimeout(timer); resolve(event.data); };
      registration.active.postMessage(message, [channel.port2]);
    });
  }

  function say(element, text) {
    element.textContent = text;
    element.hidden = false;
  }

  function megabytes(bytes) {
    if (!bytes) return "—";
    if (bytes < 1e6) return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
    return bytes < 1e9 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e9).toFixed(2)} GB`;
  }

  async function problemText(response) {
    try {
      const body = await response.json();
      return body.detail || body.title || `The server answered ${response.status}.`;
    } catch (e) {
      return `The server answered ${response.status}.`;
    }
  }

  async function saveForOffline(form, button, status) {
    button.disabled = true;
    say(status, "Preparing…");
    try {
      await worker();
      const data = new FormData(form);
      const body = {
        media_file_id: Number(form.dataset.mediaFileId),
        kind: "browser",
        rung: data.get("rung") || null,
        audio: data.get("audio") || null,
        subtitles: data.getAll("subtitles"),
      };
      const made = await fetch("/api/v1/offline/downloads", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify(body),
      });
      if (!made.ok) throw new Error(await problemText(made));
      const download = await made.json();
      say(status, "Saving for offline…");
      let media = await fetch(download.url, { credentials: "omit" });
      while (media.status === 202) {
        // queued behind other downloads made from their files: the server says when to ask again
        const wait = Number(media.headers.get("Retry-After")) || 5;
        say(status, "Queued: other downloads are being made first; it starts by itself…");
        await new Promise((done) => setTimeout(done, wait * 1000));
        media = await fetch(download.url, { credentials: "omit" });
      }
      if (!media.ok) throw new Error(await problemText(media));
      const cache = await caches.open(MEDIA);
      await cache.put(`/offline/saved/${download.id}.mp4`, media);
      // a file encoded as it downloads comes without a length: measured once it is saved
      const size = Number(media.headers.get("Content-Length")) ||
        (await (await cache.match(`/offline/saved/${download.id}.mp4`)).blob()).size;
      const meta = {
        id: download.id, title: download.title, height: download.height, size,
        expires_at: download.expires_at, checked_in_at: download.checked_in_at,
        saved_at: Date.now() / 1000,
      };
      await cache.put(`/offline/saved/${download.id}.json`, new Response(JSON.stringify(meta), {
        headers: { "Content-Type": "application/json" },
      }));
      status.textContent = "Saved for offline. ";
      const play = document.createElement("a");
      play.href = `/downloads/player#${download.id}`;
      play.id = "play-offline";
      play.textContent = "Play it offline";
      status.append(play);
    } catch (error) {
      say(status, `Not saved: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  async function savedEntries() {
    const cache = await caches.open(MEDIA);
    const entries = [];
    for (const request of await cache.keys()) {
      if (!request.url.endsWith(".json")) continue;
      const response = await cache.match(request);
      if (response) entries.push(await response.json());
    }
    return entries.sort((a, b) => b.id - a.id);
  }

  async function forget(id) {
    const cache = await caches.open(MEDIA);
    await cache.delete(`/offline/saved/${id}.mp4`);
    await cache.delete(`/offline/saved/${id}.json`);
  }

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  async function showSaved() {
    const rows = document.getElementById("saved-rows");
    const entries = await savedEntries();
    if (!entries.length) return;
    rows.replaceChildren();
    const clock = await window.MSOfflineClock.now();
    for (const entry of entries) {
      const tr = document.createElement("tr");
      tr.id = `saved-${entry.id}`;
      tr.append(cell(entry.title || `Download ${entry.id}`), cell(megabytes(entry.size)));
      const due = new Date(entry.expires_at * 1000).toLocaleString();
      const late = clock.back ? "the clock was set back: go online to check in" : "overdue: go online to check in";
      tr.append(cell(window.MSOfflineClock.expired(entry, clock) ? `${due} (${late})` : due));
      const actions = document.createElement("td");
      actions.className = "actions";
      const play = document.createElement("a");
      play.className = "button primary";
      play.href = `/downloads/player#${entry.id}`;
      play.textContent = "Play";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button danger";
      remove.textContent = "Delete from this browser";
      remove.addEventListener("click", async () => { await forget(entry.id); tr.remove(); });
      actions.append(play, " ", remove);
      tr.append(actions);
      rows.append(tr);
    }
  }

  async function downloadsPage(page) {
    const status = document.getElementById("checkin-status");
    for (const form of page.querySelectorAll("form[data-remove]")) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        forget(form.dataset.remove).finally(() => form.submit());
      });
    }
    await showSaved();
    if (!navigator.onLine) return;
    const registration = await worker();
    const result = await ask(registration, { type: "checkin", csrf: csrf() }, 15000);
    if (!result) return;
    if (result.removed.length) {
      const names = result.removed.map((r) => `${r.title || r.id}: ${r.reason}`).join("; ");
      say(status, `Deleted from this browser: ${names}`);
      document.getElementById("saved-rows").replaceChildren();
      await showSaved();
    } else if (result.ok) {
      say(status, `Checked in ${result.ok} saved ${result.ok === 1 ? "title" : "titles"}.`);
      await showSaved();
    }
  }

  function start() {
    const form = document.getElementById("download-form");
    const button = document.getElementById("save-offline");
    if (form && button && supported) {
      button.hidden = false;
      const status = document.getElementById("save-status");
      button.addEventListener("click", () => saveForOffline(form, button, status));
    }
    const page = document.getElementById("downloads");
    if (page && supported) downloadsPage(page);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
