// Watch together: on /watch/<id>?room=<room id> the player joins the room over a WebSocket.
// The local video is then driven only by the room's state (sync.js); the player's own controls
// (play/pause, seek, speed, next episode) become commands to the room. Audio and subtitle
// choices stay with each member. Reconnects by itself (with backoff, and at once when the
// network comes back) and rejoins at the room's position.
(function () {
  "use strict";
  const roomId = new URLSearchParams(location.search).get("room");
  if (!roomId || !/^[A-Za-z0-9_-]{1,64}$/.test(roomId)) return;
  const $ = (id) => document.getElementById(id);
  const video = $("video");
  const cfg = JSON.parse($("player-config").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const nativePlay = () => HTMLMediaElement.prototype.play.call(video);
  // The player's own attempts to start playing (at load, after a source change) wait for the
  // room: the sync starts the video when and where the room plays.
  video.play = () => Promise.resolve();

  const clock = new window.MSRoomClock.Clock();
  const sync = new window.MSRoomSync.Sync(video, clock, nativePlay);
  const base = "/api/v1/rooms/" + encodeURIComponent(roomId);
  let ws = null;
  let attempts = 0;
  let retryTimer = null;
  let pingTimer = null;
  let over = false;
  let memberId = null;
  let moving = false;
  let leaving = false;

  const room = {
    send: function (msg) {
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        panel.error("Not connected to the room right now; trying again…");
        return false;
      }
      ws.send(JSON.stringify(msg));
      return true;
    },
    api: function (method, path, body) {
      const init = { method: method, credentials: "same-origin", headers: { Accept: "application/json", "X-CSRF-Token": csrf } };
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      return fetch(base + path, init);
    },
  };
  const panel = new window.MSRoomPanel.Panel(room);

  // ----- the connection -----
  function connect() {
    clearTimeout(retryTimer);
    if (over) return;
    if (ws && ws.readyState <= WebSocket.OPEN) return;
    panel.connection(attempts ? "Reconnecting…" : "Connecting…", false);
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + base + "/ws");
    ws = socket;
    socket.onopen = () => {
      attempts = 0;
      clock.forget();
      pingBurst();
    };
    socket.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      if (msg && typeof msg.type === "string" && handlers[msg.type]) handlers[msg.type](msg);
    };
    socket.onclose = (e) => {
      if (ws !== socket) return;
      ws = null;
      clearInterval(pingTimer);
      if (e.code === 4404) return end("The room has ended");
      if (e.code === 4403) return end(memberId == null ? "You are not a member of this room" : "You were removed");
      if (over || leaving) return;
      attempts += 1;
      const delay = Math.min(30000, 500 * Math.pow(2, attempts - 1)) * (0.75 + Math.random() * 0.5);
      panel.connection("Connection lost; reconnecting in " + Math.ceil(delay / 1000) + " s…", false);
      retryTimer = setTimeout(connect, delay);
    };
  }
  function end(text) {
    over = true;
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    sync.current = sync.upcoming = null;
    HTMLMediaElement.prototype.pause.call(video);
    panel.over(text);
  }
  // Six round trips 150 ms apart, then one every 10 s.
  function pingBurst() {
    clearInterval(pingTimer);
    let n = 0;
    const once = () => ws && ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(clock.ping()));
    once();
    pingTimer = setInterval(() => {
      once();
      if (++n === 5) {
        clearInterval(pingTimer);
        pingTimer = setInterval(once, 10000);
      }
    }, 150);
  }
  window.addEventListener("online", () => {
    if (ws && ws.readyState === WebSocket.OPEN) pingBurst();
    else connect();
  });
  window.addEventListener("offline", () => panel.connection("Offline; waiting for the network…", false));
  document.addEventListener("visibilitychange", () => {
    report(true);
    if (document.visibilityState === "visible") {
      if (ws && ws.readyState === WebSocket.OPEN) pingBurst();
      else connect();
    }
  });
  window.addEventListener("pagehide", () => {
    leaving = true;
    if (ws) ws.close(1000);
  });
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) { // back from the page cache: join again
      leaving = false;
      connect();
    }
  });

  // Another title (the next episode): the player moves there, still in the room.
  function follow(state) {
    if (state.media_file_id === cfg.media_file_id) return true;
    if (!moving) {
      moving = true;
      location.replace("/watch/" + state.media_file_id + "?room=" + encodeURIComponent(roomId));
    }
    return false;
  }
  sync.onTick = follow;

  const handlers = {
    welcome: (msg) => {
      memberId = msg.member_id;
      panel.me = msg.member_id;
      clock.seed(msg.server_time);
      panel.setMembers(msg.members || []);
      $("wp-chat").textContent = "";
      (msg.chat || []).forEach((c) => panel.chat(c));
      panel.setRoom(msg.room);
      panel.connection("Connected", true);
      reported = null;
      if (follow(msg.room)) sync.set(msg.room, true);
      report(true);
    },
    pong: (msg) => clock.pong(msg),
    state: (msg) => {
      panel.setRoom(msg.room);
      if (follow(msg.room)) sync.set(msg.room, false);
    },
    members: (msg) => panel.setMembers(msg.members || []),
    chat: (msg) => panel.chat(msg),
    reaction: (msg) => panel.reaction(msg),
    error: (msg) => {
      panel.error(msg.message || "Not allowed.");
      sync.release(); // a refused command: back to the room's state at once
    },
    ended: () => end("The room has ended"),
    removed: () => end("You were removed"),
  };

  // ----- our own state, as the room sees it -----
  let buffering = false;
  let reported = null;
  function myState() {
    if (document.visibilityState === "hidden") return "away";
    if (buffering && video.readyState >= 3) buffering = false;
    if (buffering) return "buffering";
    return video.paused ? "paused" : "watching";
  }
  function report(force) {
    if (!ws || ws.readyState !== WebSocket.OPEN || memberId == null) return;
    const state = myState();
    if (state === reported && !force) return;
    reported = state;
    const msg = { type: "status", state: state, position: Math.round(video.currentTime * 1000) / 1000 };
    const rtt = clock.typicalRtt();
    if (rtt != null) msg.rtt = rtt;
    ws.send(JSON.stringify(msg));
  }
  setInterval(() => report(true), 5000);
  // A stall of our network while in step counts; catching up after a join or a seek does not.
  video.addEventListener("waiting", () => {
    const s = sync.state();
    if (s && s.playing && !video.seeking && !sync.isOwnSeek() && sync.steady()) {
      buffering = true;
      report(false);
    }
  });
  // Data again: say so at once, also while the room is paused waiting for us (no 'playing' then).
  ["playing", "pause", "play", "canplay", "canplaythrough"].forEach((name) => video.addEventListener(name, () => {
    if (buffering && video.readyState >= 3) buffering = false;
    report(false);
  }));

  // ----- the player's controls become room commands -----
  function toggle() {
    const s = sync.state();
    room.send({ type: s && s.playing ? "pause" : "play" });
  }
  function seekBy(seconds) {
    room.send({ type: "seek", position: Math.max(0, sync.roomPosition() + seconds) });
  }
  function nextEpisodeId() {
    const m = cfg.next_episode && /\/watch\/(\d+)/.exec(cfg.next_episode.url || "");
    return m ? parseInt(m[1], 10) : null;
  }
  function goNext() {
    const id = nextEpisodeId();
    room.send(id ? { type: "goto", media_file_id: id } : { type: "next" });
    $("next").hidden = true;
  }
  let userSeek = false;
  const stop = (e) => { e.preventDefault(); e.stopImmediatePropagation(); };
  window.addEventListener("click", (e) => {
    const t = e.target;
    if (!(t instanceof Element) || !t.closest("#player")) return;
    if (t.closest("#bigplay")) {
      stop(e);
      $("bigplay").hidden = true;
      const s = sync.state();
      if (sync.blocked) sync.unblock();
      else if (!(s && s.playing)) room.send({ type: "play" });
    } else if (t.closest("#play") || t === video) {
      stop(e);
      toggle();
    } else if (t.closest("#back10") || t.closest("#fwd10")) {
      stop(e);
      seekBy(t.closest("#back10") ? -10 : 10);
    } else if (t.closest("#speed-menu button")) {
      stop(e);
      const rate = parseFloat(t.closest("button").textContent);
      if (rate > 0) room.send({ type: "rate", rate: rate });
      window.MSPlayerUI.Menu.closeAll();
    } else if (t.closest("#next-now")) {
      stop(e);
      goNext();
    } else if (t.closest("#skip")) {
      userSeek = true; // the player jumps; the room follows
    }
  }, true);
  window.addEventListener("change", (e) => {
    if (e.target && e.target.id === "seek") userSeek = true;
  }, true);
  window.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    const tag = t && t.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && t.type !== "range")) return;
    if (tag === "INPUT" && /^Arrow/.test(e.key)) return;
    if (tag === "BUTTON" && (e.key === " " || e.key === "Enter" || /^Arrow/.test(e.key))) return;
    if (e.key === " " || e.key === "k" || e.key === "K") {
      stop(e);
      toggle();
    } else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      stop(e);
      seekBy(e.key === "ArrowLeft" ? -10 : 10);
    }
  }, true);
  video.addEventListener("seeking", () => {
    if (!userSeek || sync.isOwnSeek()) return;
    userSeek = false;
    if (room.send({ type: "seek", position: video.currentTime })) sync.hold(2000);
  });
  // The end-of-episode countdown: the host takes the room along; nobody leaves it alone.
  const Markers = window.MSPlayerExtras && window.MSPlayerExtras.Markers;
  if (Markers) {
    Markers.prototype.go = function () {
      $("next").hidden = true;
      if (panel.isHost()) goNext();
    };
  }
  sync.onBlocked = () => {
    $("bigplay").hidden = false;
    panel.error("Click play to join the room's playback.");
  };

  // The speed shown is the room's, not the small nudges the sync makes.
  document.addEventListener("DOMContentLoaded", () => {
    video.addEventListener("ratechange", () => {
      const s = sync.state();
      if (s) $("speed-btn").textContent = s.rate + "x";
    });
  });

  // Read-only figures for tests and the bench.
  window.__room = Object.freeze({
    roomPosition: () => sync.roomPosition(),
    state: () => sync.state(),
    get offsetMs() { return clock.offsetMs; },
    get rtt() { return clock.rtt; },
    get lastRtt() { return clock.lastRtt; },
    get seeks() { return sync.seeks; },
    get changeSeeks() { return sync.changeSeeks; },
    get rate() { return video.playbackRate; },
    get rateMin() { return sync.rateMin; },
    get rateMax() { return sync.rateMax; },
    get drift() { return sync.drift; },
    get playLatency() { return sync.playLatency; },
    get seekLatency() { return sync.seekLatency; },
    get memberId() { return memberId; },
    get connected() { return !!ws && ws.readyState === WebSocket.OPEN && memberId != null; },
  });

  connect();
})();
