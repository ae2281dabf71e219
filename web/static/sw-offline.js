/* The offline service worker (served as /offline-sw.js, scope "/").
 *
 * Titles saved for offline viewing live in Cache Storage ("offline-media-v1"): the MP4 under
 * /offline/saved/<id>.mp4 and what the pages show about it under /offline/saved/<id>.json. This
 * worker answers those URLs from the cache (with byte ranges, as a <video> asks), keeps the
 * Downloads page and the offline player with their scripts and styles ("offline-shell-v1") so
 * they open with the network off, and checks the saved titles in with the server when a page
 * asks: a title whose right ended (plan, kids cap, title removed, revoked) is deleted, the
 * others may play until their next check-in is due, judged by the clock of offline-clock.js
 * (the server's time from the last check-in, carried forward; a device clock set back does not
 * give more time). Nothing else of the site is touched.
 */
"use strict";

importScripts("/static/js/offline-clock.js");

const SHELL = "offline-shell-v1";
const MEDIA = "offline-media-v1";
const SHELL_PAGES = ["/downloads", "/downloads/player"];
const SAVED = /^\/offline\/saved\/([1-9][0-9]{0,17})\.(mp4|json)$/;
const STATIC_REF = /(?:src|href)="(\/static\/[^"]+)"/g;

async function cacheShellPage(path) {
  const response = await fetch(path, { credentials: "same-origin", redirect: "manual" });
  if (!response.ok) return;
  const html = await response.clone().text();
  const cache = await caches.open(SHELL);
  await cache.put(path, response);
  const assets = Array.from(html.matchAll(STATIC_REF), (m) => m[1].replace(/&amp;/g, "&"));
  await Promise.all(assets.map(async (url) => {
    if (await cache.match(url)) return;
    const asset = await fetch(url);
    if (asset.ok) await cache.put(url, asset);
  }));
}

async function cacheShell() {
  await Promise.all(SHELL_PAGES.map((path) => cacheShellPage(path).catch(() => undefined)));
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function problem(status, detail) {
  return new Response(JSON.stringify({ status, detail }), {
    status,
    headers: { "Content-Type": "application/problem+json" },
  });
}

async function readMeta(cache, id) {
  const found = await cache.match(`/offline/saved/${id}.json`);
  return found ? found.json() : null;
}

function ranged(request, blob, type) {
  const header = request.headers.get("Range");
  const size = blob.size;
  const base = { "Content-Type": type, "Accept-Ranges": "bytes" };
  if (!header) {
    return new Response(blob, { status: 200, headers: { ...base, "Content-Length": String(size) } });
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  let start = 0;
  let end = size - 1;
  if (match && match[1] === "" && match[2] !== "") {
    start = Math.max(0, size - Number(match[2]));
  } else if (match && match[1] !== "") {
    start = Number(match[1]);
    if (match[2] !== "") end = Math.min(Number(match[2]), size - 1);
  }
  if (!match || start >= size || start > end) {
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${size}` } });
  }
  return new Response(blob.slice(start, end + 1), {
    status: 206,
    headers: {
      ...base,
      "Content-Length": String(end - start + 1),
      "Content-Range": `bytes ${start}-${end}/${size}`,
    },
  });
}

async function serveSaved(request, id, kind) {
  const cache = await caches.open(MEDIA);
  const meta = await readMeta(cache, id);
  if (!meta) return problem(404, "This title is not saved in this browser.");
  if (kind === "json") return cache.match(`/offline/saved/${id}.json`);
  const clock = await self.MSOfflineClock.now();
  if (self.MSOfflineClock.expired(meta, clock)) {
    return problem(403, self.MSOfflineClock.reason(clock));
  }
  const stored = await cache.match(`/offline/saved/${id}.mp4`);
  if (!stored) return problem(404, "This title is not saved in this browser.");
  return ranged(request, await stored.blob(), "video/mp4");
}

async function networkFirst(request, path) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(SHELL);
      await cache.put(path, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(path, { cacheName: SHELL });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const saved = SAVED.exec(url.pathname);
  if (saved) {
    event.respondWith(serveSaved(request, saved[1], saved[2]));
  } else if (request.mode === "navigate" && SHELL_PAGES.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request, { cacheName: SHELL }).then((hit) => hit || fetch(request)),
    );
  }
});

async function forget(cache, id) {
  await cache.delete(`/offline/saved/${id}.mp4`);
  await cache.delete(`/offline/saved/${id}.json`);
}

async function savedIds(cache) {
  const ids = [];
  for (const request of await cache.keys()) {
    const match = SAVED.exec(new URL(request.url).pathname);
    if (match && match[2] === "json") ids.push(Number(match[1]));
  }
  return ids;
}

async function checkIn(csrf) {
  const cache = await caches.open(MEDIA);
  const ids = await savedIds(cache);
  const result = { ok: 0, removed: [], failed: null };
  if (!ids.length) return result;
  let response;
  try {
    response = await fetch("/api/v1/offline/check-in", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf || "" },
      body: JSON.stringify({ ids }),
    });
  } catch (error) {
    result.failed = "offline";
    return result;
  }
  if (!response.ok) {
    result.failed = `the server answered ${response.status}`;
    return result;
  }
  const answer = await response.json();
  await self.MSOfflineClock.checkedIn(answer.server_time);
  for (const item of answer.results) {
    if (item.status === "ok") {
      const meta = (await readMeta(cache, item.id)) || { id: item.id };
      meta.expires_at = item.expires_at;
      meta.checked_in_at = answer.server_time;
      await cache.put(`/offline/saved/${item.id}.json`, new Response(JSON.stringify(meta), {
        headers: { "Content-Type": "application/json" },
      }));
      result.ok += 1;
    } else {
      const meta = await readMeta(cache, item.id);
      await forget(cache, item.id);
      result.removed.push({ id: item.id, title: meta ? meta.title : "", reason: item.reason });
    }
  }
  return result;
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (message) => {
    if (event.ports && event.ports[0]) event.ports[0].postMessage(message);
  };
  if (data.type === "checkin") {
    event.waitUntil(checkIn(data.csrf).then(
      (result) => reply({ type: "checkin", ...result }),
      (error) => reply({ type: "checkin", ok: 0, removed: [], failed: String(error) }),
    ));
  } else if (data.type === "refresh-shell") {
    event.waitUntil(cacheShell().then(() => reply({ type: "refresh-shell", done: true })));
  }
});
