/* The offline player: plays /downloads/player#<id> from what this browser saved (the offline
 * service worker answers /offline/saved/<id>.mp4 from Cache Storage). Online, the saved titles
 * check in first, so one whose right ended is deleted before it would play. */
(function () {
  "use strict";

  const MEDIA = "offline-media-v1";

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function say(text) {
    const message = document.getElementById("offline-message");
    message.textContent = text;
    message.hidden = false;
  }

  function checkIn(registration) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => resolve(null), 10000);
      channel.port1.onmessage = (event) => { clearTimeout(timer); resolve(event.data); };
      registration.active.postMessage({ type: "checkin", csrf: csrf() }, [channel.port2]);
    });
  }

  async function meta(id) {
    const cache = await caches.open(MEDIA);
    const found = await cache.match(`/offline/saved/${id}.json`);
    return found ? found.json() : null;
  }

  async function start() {
    const id = Number(location.hash.slice(1));
    if (!("serviceWorker" in navigator) || !("caches" in window)) {
      say("This browser cannot keep titles for offline viewing.");
      return;
    }
    if (!Number.isInteger(id) || id < 1) {
      say("Choose a saved title on the Downloads page.");
      return;
    }
    await navigator.serviceWorker.register("/offline-sw.js", { scope: "/" }).catch(() => undefined);
    const registration = await navigator.serviceWorker.ready;
    let entry = await meta(id);
    if (navigator.onLine && entry) {
      const result = await checkIn(registration);
      const removed = result && result.removed.find((r) => r.id === id);
      if (removed) {
        say(`This title was deleted from this browser: ${removed.reason}`);
        return;
      }
      entry = await meta(id);
    }
    if (!entry) {
      say("This title is not saved in this browser.");
      return;
    }
    document.getElementById("offline-title").textContent = entry.title || "Offline player";
    const clock = await window.MSOfflineClock.now();
    if (window.MSOfflineClock.expired(entry, clock)) {
      say(clock.back ? window.MSOfflineClock.reason(clock)
        : "This saved title must check in: go online and open this page again.");
      return;
    }
    if (!navigator.serviceWorker.controller) {
      say("The offline player is starting; reload this page.");
      return;
    }
    const video = document.getElementById("offline-video");
    video.src = `/offline/saved/${id}.mp4`;
    video.hidden = false;
    video.addEventListener("error", () => say("This saved title cannot be played."));
    video.play().catch(() => undefined);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
