// Pre-roll: before the title, plays the short clip the server names for this account (a Free
// plan's house promo; GET /api/v1/playback/preroll answers null for everyone else). The Skip
// button appears only after the clip's unskippable seconds. The title's player starts once the
// clip ends, is skipped, or fails to play: a broken promo never stands between a viewer and the
// title. player.js waits on window.MSPreroll.done.
(function () {
  "use strict";

  async function ask() {
    const resp = await fetch("/api/v1/playback/preroll", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!resp.ok) return null;
    return (await resp.json()).preroll;
  }

  function show(clip, root) {
    return new Promise((resolve) => {
      const box = document.createElement("div");
      box.className = "preroll";
      box.id = "preroll";
      const video = document.createElement("video");
      video.className = "preroll-video";
      video.playsInline = true;
      video.src = clip.url;
      const label = document.createElement("p");
      label.className = "preroll-label";
      label.textContent = "Promo · " + clip.title;
      const skip = document.createElement("button");
      skip.type = "button";
      skip.className = "button preroll-skip";
      skip.id = "preroll-skip";
      skip.disabled = true;
      const wait = Math.max(0, clip.unskippable_seconds || 0);
      skip.textContent = "Skip in " + Math.ceil(wait);
      box.append(video, label, skip);
      root.append(box);
      let finished = false;
      function end() {
        if (finished) return;
        finished = true;
        video.pause();
        box.remove();
        resolve();
      }
      video.addEventListener("timeupdate", () => {
        const left = Math.ceil(wait - video.currentTime);
        if (left > 0) {
          skip.textContent = "Skip in " + left;
        } else if (skip.disabled) {
          skip.disabled = false;
          skip.textContent = "Skip";
        }
      });
      skip.addEventListener("click", () => !skip.disabled && end());
      video.addEventListener("ended", end);
      video.addEventListener("error", end);
      video.play().catch(() => {
        // Autoplay with sound refused: try muted; failing that, a click starts it.
        video.muted = true;
        video.play().catch(() => box.addEventListener("click", () => video.play().catch(end), { once: true }));
      });
    });
  }

  async function run() {
    const root = document.getElementById("player");
    if (!root || new URLSearchParams(location.search).get("room")) return; // rooms play in sync
    let clip = null;
    try {
      clip = await ask();
    } catch (e) {
      return;
    }
    if (clip) await show(clip, root);
  }

  window.MSPreroll = { done: null };
  function go() {
    window.MSPreroll.done = run();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
  else go();
})();
