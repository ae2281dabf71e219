// Player controls: menus, the timeline (buffered range, chapter marks, scrub thumbnails),
// subtitles drawn as plain text, keyboard shortcuts. player.js owns playback and calls these.
//
// Hand-written rather than media-chrome: media-chrome's elements put <style> elements in their
// shadow roots, which our Content-Security-Policy (style-src 'self', no inline styles) blocks.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);

  function formatTime(seconds) {
    if (!isFinite(seconds) || seconds < 0) seconds = 0;
    const s = Math.floor(seconds % 60);
    const m = Math.floor((seconds / 60) % 60);
    const h = Math.floor(seconds / 3600);
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  // A popup menu of radio items. items: [{label, value, checked, section?}]
  function Menu(button, panel, onPick) {
    this.button = button;
    this.panel = panel;
    this.onPick = onPick;
    button.addEventListener("click", (e) => {
      e.stopPropagation();
      this.toggle();
    });
    panel.addEventListener("keydown", (e) => this.keydown(e));
    Menu.all.push(this);
  }
  Menu.all = [];
  Menu.closeAll = function (except) {
    Menu.all.forEach((m) => m !== except && m.close());
  };
  Menu.prototype.set = function (items) {
    this.panel.textContent = "";
    let section = null;
    items.forEach((item) => {
      if (item.section && item.section !== section) {
        section = item.section;
        const h = document.createElement("div");
        h.className = "p-menu-section";
        h.textContent = section;
        this.panel.appendChild(h);
      }
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "menuitemradio");
      b.setAttribute("aria-checked", item.checked ? "true" : "false");
      b.textContent = item.label; // text, never HTML: labels come from files and the catalog
      b.addEventListener("click", (e) => {
        e.stopPropagation();
        this.onPick(item);
        if (!item.keepOpen) {
          this.close();
          this.button.focus({ preventScroll: true });
        }
      });
      this.panel.appendChild(b);
    });
  };
  Menu.prototype.toggle = function () {
    if (this.panel.hidden) this.open();
    else this.close();
  };
  Menu.prototype.open = function () {
    Menu.closeAll(this);
    this.panel.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    const checked = this.panel.querySelector('[aria-checked="true"]') || this.panel.querySelector("button");
    if (checked) checked.focus();
  };
  Menu.prototype.close = function () {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
  };
  Menu.prototype.keydown = function (e) {
    const items = Array.from(this.panel.querySelectorAll("button"));
    const i = items.indexOf(document.activeElement);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      e.stopPropagation();
      const next = (i + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      items[next].focus();
    } else if (e.key === "Escape") {
      e.stopPropagation();
      this.close();
      this.button.focus();
    }
  };
  Menu.anyOpen = function () {
    return Menu.all.some((m) => !m.panel.hidden);
  };
  document.addEventListener("click", () => Menu.closeAll());
  // Escape closes an open menu wherever the focus is (a choice re-renders the menu's items,
  // so the focus may have left it).
  document.addEventListener("keydown", (e) => {
    const open = e.key === "Escape" && Menu.all.find((m) => !m.panel.hidden);
    if (!open) return;
    e.preventDefault();
    e.stopPropagation();
    open.close();
    open.button.focus({ preventScroll: true });
  });

  // Arrow keys move the focus between the player's controls (a TV remote has nothing else):
  // left/right along a group (the top line, the control bar, the post-play and next-episode
  // choices), up from the bar to the timeline and on to Back, down again. A slider keeps the
  // arrows along its own axis.
  const GROUPS = ".p-top, .p-bar, .p-postplay, .p-next";
  const shown = (el) => el && !el.hidden && !el.disabled && el.offsetParent !== null;
  const items = (group) =>
    Array.from(group.querySelectorAll("a[href], button, input")).filter((el) => shown(el) && !el.closest(".p-menu"));
  function moveFocus(el) {
    if (!shown(el)) return false;
    el.focus({ preventScroll: true });
    return true;
  }
  function navigate(e, tvSize) {
    if (!/^Arrow/.test(e.key)) return false;
    const t = e.target;
    if (!t || !t.closest || t.closest(".p-menu")) return false;
    const vertical = e.key === "ArrowUp" || e.key === "ArrowDown";
    const slider = t.tagName === "INPUT" && t.type === "range";
    if (t.id === "seek") {
      if (!vertical) return false;
      return moveFocus(e.key === "ArrowDown" ? $("play") : document.querySelector(".p-back"));
    }
    const group = t.closest(GROUPS);
    if (group) {
      const list = items(group);
      const i = list.indexOf(t);
      const free = group.matches(".p-postplay, .p-next"); // overlays: every arrow moves along
      if (vertical && !free) {
        if (e.key === "ArrowUp" && group.matches(".p-bar")) return moveFocus($("seek"));
        if (e.key === "ArrowDown" && group.matches(".p-top")) return moveFocus($("seek"));
        return !slider && e.key === "ArrowDown"; // nothing below the bar: swallow, do not seek
      }
      if (slider) return false;
      const step = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : -1;
      return moveFocus(list[i + step]) || true;
    }
    // Nothing of ours focused: on a TV, up or down brings the controls within reach.
    if (vertical && tvSize && (t === document.body || t.id === "video" || t.id === "player")) {
      return moveFocus($("play"));
    }
    return false;
  }

  // The timeline: a native range input (keyboard and screen readers for free) over bars.
  function Timeline(video) {
    this.video = video;
    this.seek = $("seek");
    this.preview = $("preview");
    this.thumb = $("thumb");
    this.previewTime = $("preview-time");
    this.chapters = [];
    this.thumbs = [];
    this.duration = 0;
    this.dragging = false;
    this.seek.addEventListener("input", () => {
      this.dragging = true;
      this.paint(parseFloat(this.seek.value));
    });
    this.seek.addEventListener("change", () => {
      this.dragging = false;
      if (this.onSeek) this.onSeek(parseFloat(this.seek.value));
    });
    const tl = $("timeline");
    tl.addEventListener("mousemove", (e) => this.hover(e));
    tl.addEventListener("mouseleave", () => (this.preview.hidden = true));
  }
  Timeline.prototype.setDuration = function (d) {
    if (!isFinite(d) || d <= 0) return;
    this.duration = d;
    this.seek.max = String(d);
    this.drawChapters();
  };
  Timeline.prototype.setChapters = function (chapters) {
    this.chapters = chapters || [];
    this.drawChapters();
  };
  Timeline.prototype.drawChapters = function () {
    const box = $("chapters");
    box.textContent = "";
    if (!this.duration) return;
    this.chapters.forEach((c) => {
      if (!(c.start > 0) || c.start >= this.duration) return;
      const mark = document.createElement("span");
      mark.className = "p-chapter";
      mark.style.left = (100 * c.start) / this.duration + "%";
      mark.title = c.title || "";
      box.appendChild(mark);
    });
  };
  Timeline.prototype.paint = function (time) {
    const d = this.duration || 1;
    $("played").style.width = Math.min(100, (100 * time) / d) + "%";
    this.seek.setAttribute("aria-valuetext", formatTime(time) + " of " + formatTime(d));
  };
  Timeline.prototype.update = function (time, baseOffset) {
    if (!this.dragging) {
      this.seek.value = String(time);
      this.paint(time);
    }
    const b = this.video.buffered;
    let end = 0;
    const now = this.video.currentTime;
    for (let i = 0; i < b.length; i++) {
      if (b.start(i) <= now + 0.5 && b.end(i) >= now) end = b.end(i);
    }
    const d = this.duration || 1;
    $("buffered").style.width = Math.min(100, (100 * (end + (baseOffset || 0))) / d) + "%";
  };
  Timeline.prototype.hover = function (e) {
    if (!this.duration) return;
    const rect = this.seek.getBoundingClientRect();
    const frac = Math.min(1, Math.max(0, (e.clientX - rect.left) / rect.width));
    const t = frac * this.duration;
    let label = formatTime(t);
    const chapter = this.chapters.filter((c) => c.start <= t).pop();
    if (chapter && chapter.title) label = chapter.title + " · " + label;
    this.previewTime.textContent = label;
    const cue = this.thumbs.find((c) => c.start <= t && t < c.end);
    this.thumb.hidden = !cue;
    if (cue) {
      this.thumb.style.backgroundImage = 'url("' + cue.url + '")';
      this.thumb.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
      this.thumb.style.width = cue.w + "px";
      this.thumb.style.height = cue.h + "px";
    }
    this.preview.hidden = false;
    const half = this.preview.offsetWidth / 2;
    const x = Math.min(rect.width - half, Math.max(half, frac * rect.width));
    this.preview.style.left = x + "px";
  };

  function parseVttTime(text) {
    const parts = text.trim().split(":").map(parseFloat);
    return parts.reduce((acc, p) => acc * 60 + p, 0);
  }

  // Trickplay: a WebVTT file whose cues are "sprite.jpg#xywh=x,y,w,h".
  Timeline.prototype.loadThumbnails = function (vttUrl) {
    if (!vttUrl) return;
    fetch(vttUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((text) => {
        const cues = [];
        text.split(/\r?\n\r?\n/).forEach((block) => {
          const lines = block.split(/\r?\n/).filter(Boolean);
          const timing = lines.findIndex((l) => l.indexOf("-->") >= 0);
          if (timing < 0 || !lines[timing + 1]) return;
          const [a, b] = lines[timing].split("-->");
          const m = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[timing + 1].trim());
          if (!m) return;
          cues.push({
            start: parseVttTime(a),
            end: parseVttTime(b.split(" ").filter(Boolean)[0]),
            url: new URL(m[1], new URL(vttUrl, location.href)).href,
            x: +m[2], y: +m[3], w: +m[4], h: +m[5],
          });
        });
        this.thumbs = cues;
      })
      .catch(() => {}); // thumbnails are a nicety; the timeline works without them
  };

  // Subtitles are drawn by us as text (cue markup stripped), never as HTML, with the profile's
  // size and background; the <track> stays "hidden" so that its cues still fire.
  function Cues(box) {
    this.box = box;
    this.track = null;
    this.onChange = () => this.render();
  }
  Cues.prototype.show = function (track) {
    if (this.track) {
      this.track.removeEventListener("cuechange", this.onChange);
      this.track.mode = "disabled";
    }
    this.track = track;
    if (track) {
      track.mode = "hidden";
      track.addEventListener("cuechange", this.onChange);
    }
    this.render();
  };
  Cues.prototype.render = function () {
    this.box.textContent = "";
    const cues = this.track && this.track.activeCues ? Array.from(this.track.activeCues) : [];
    cues.forEach((cue) => {
      const line = document.createElement("span");
      line.className = "p-cue";
      line.textContent = String(cue.text || "").replace(/<[^>]*>/g, "");
      this.box.appendChild(line);
    });
  };
  Cues.prototype.style = function (size, background) {
    this.box.className = "p-cues sub-" + size + " subbg-" + background;
  };

  // Keyboard shortcuts: space/k, left/right 10 s, up/down volume, f, m, c.
  function bindKeys(actions) {
    const tv = window.matchMedia("(min-width: 1900px) and (min-height: 1000px)");
    document.addEventListener("keydown", (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      if (navigate(e, tv.matches)) {
        e.preventDefault();
        actions.poke();
        return;
      }
      const t = e.target;
      const tag = t && t.tagName;
      if (tag === "TEXTAREA" || tag === "SELECT") return;
      if (tag === "INPUT" && t.type !== "range") return;
      // A focused slider or button keeps its own arrows/space/enter.
      if (tag === "INPUT" && /^Arrow/.test(e.key)) return;
      if (tag === "BUTTON" && (e.key === " " || e.key === "Enter" || /^Arrow/.test(e.key))) return;
      const map = {
        " ": actions.toggle, k: actions.toggle, K: actions.toggle,
        ArrowLeft: () => actions.skip(-10), ArrowRight: () => actions.skip(10),
        ArrowUp: () => actions.volume(0.1), ArrowDown: () => actions.volume(-0.1),
        f: actions.fullscreen, F: actions.fullscreen, m: actions.mute, M: actions.mute,
        c: actions.captions, C: actions.captions,
      };
      const fn = map[e.key];
      if (fn) {
        e.preventDefault();
        fn();
        actions.poke();
      }
    });
  }

  window.MSPlayerUI = { $, formatTime, Menu, Timeline, Cues, bindKeys };
})();
