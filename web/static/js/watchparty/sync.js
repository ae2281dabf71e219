// Keeps the local video on the room's timeline. The room state says: at server time `at` the
// position is `position`, moving at `rate` while playing. A state whose `at` is still ahead
// takes effect then (until that moment the previous state holds), so every member starts and
// stops together. Drift (our position minus the room's) is corrected in steps, smoothly:
//   under 25 ms: nothing (the room's own rate);
//   25 ms .. 1.5 s: a small playback-rate nudge (0.95..1.05 x the room's rate, pitch kept)
//     until within 10 ms;
//   over 1.5 s: a seek to where the room will be once the seek is done, at most once per 10 s
//     (right after a room change or a (re)join: at once, and already beyond 0.3 s).
// While paused, a seek to the exact position is invisible, so that is what a paused member gets.
(function () {
  "use strict";
  const TICK_MS = 100;
  const START_NUDGE = 0.025;
  const STOP_NUDGE = 0.010;
  const GAIN = 1.0; // rate change per second of drift, before the 5 % clamp
  const MAX_NUDGE = 0.05;
  const SEEK_DRIFT = 1.5;
  const SEEK_DRIFT_AFTER_CHANGE = 0.3;
  const SEEK_EVERY_MS = 10000;
  const LATENCY_KEY = "watchparty.playLatency";

  const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

  function positionAt(state, serverMs) {
    if (!state) return 0;
    if (!state.playing) return state.position;
    return state.position + ((serverMs - state.at) / 1000) * state.rate;
  }

  function Sync(video, clock, nativePlay) {
    this.video = video;
    this.clock = clock;
    this.nativePlay = nativePlay;
    this.current = null;
    this.upcoming = null;
    this.timer = null;
    this.seeks = 0; // drift-correction seeks (not the ones a room change asks for)
    this.changeSeeks = 0;
    this.rateMin = null;
    this.rateMax = null;
    this.lastDriftSeek = -Infinity;
    this.forceUntil = 0; // a room change or a (re)join: align at once
    this.holdUntil = 0; // our own command is on its way: leave the video alone until it lands
    this.correcting = false;
    this.seekLatency = 0.15; // seconds from a seek to playing again, measured
    // Seconds from play() to the picture moving (about 0.08 s in Chromium), measured on every
    // start and kept for the next page: a scheduled play is started that much early.
    this.playLatency = clamp(parseFloat(localStorage.getItem(LATENCY_KEY)) || 0.08, 0, 0.4);
    this.starting = null; // {serverMs, position} of a play() whose picture has not moved yet
    this.earlyTimer = null;
    this.ownSeekAt = null;
    this.ownSeekUntil = 0;
    this.blocked = false; // the browser refused to start playing without a click
    this.onBlocked = null;
    this.onTick = null;
    this.drift = 0;
    this.steadySince = null; // playing within 100 ms of the room since (performance.now())
    video.preservesPitch = true;
    video.addEventListener("seeked", () => {
      if (this.ownSeekAt != null && !video.paused) {
        const took = (performance.now() - this.ownSeekAt) / 1000;
        this.seekLatency = clamp(0.5 * this.seekLatency + 0.5 * took, 0.05, 3);
      }
      this.ownSeekAt = null;
    });
    setInterval(() => this.tick(), TICK_MS);
  }

  // The state in force at a server time.
  Sync.prototype.stateAt = function (serverMs) {
    if (this.upcoming && serverMs >= this.upcoming.at) return this.upcoming;
    return this.current;
  };
  Sync.prototype.state = function () {
    return this.stateAt(this.clock.serverNow());
  };
  Sync.prototype.roomPosition = function () {
    const now = this.clock.serverNow();
    return positionAt(this.stateAt(now), now);
  };

  // A new room state from the server (welcome or state). `fresh`: we just (re)joined.
  Sync.prototype.set = function (state, fresh) {
    const latest = this.upcoming || this.current;
    if (!fresh && latest && state.seq < latest.seq) return;
    clearTimeout(this.timer);
    const wait = this.clock.until(state.at);
    if (fresh || !this.current || wait <= 0) {
      this.current = state;
      this.upcoming = null;
      this.changed();
    } else {
      this.promote();
      this.upcoming = state;
      this.timer = setTimeout(() => this.promote(), wait);
      // From paused to playing: call play() early by the time the browser takes to start.
      clearTimeout(this.earlyTimer);
      if (state.playing && this.current && !this.current.playing) {
        this.earlyTimer = setTimeout(() => this.startEarly(state), Math.max(0, wait - this.playLatency * 1000));
      }
    }
  };
  Sync.prototype.startEarly = function (state) {
    const v = this.video;
    if (this.upcoming !== state || !v.paused || v.seeking || v.readyState < 3) return;
    if (Math.abs(v.currentTime - state.position) > 0.05) return;
    v.playbackRate = state.rate;
    this.play();
  };
  // Is this pause-state moment the short run-up of an early start?
  Sync.prototype.inRunUp = function (serverMs) {
    const up = this.upcoming;
    return !!(up && up.playing && serverMs >= up.at - this.playLatency * 1000 - 30);
  };
  Sync.prototype.promote = function () {
    if (!this.upcoming) return;
    this.current = this.upcoming;
    this.upcoming = null;
    this.changed();
  };
  Sync.prototype.changed = function () {
    this.forceUntil = performance.now() + 3000;
    this.holdUntil = 0;
    this.tick();
  };
  // Our command was sent: a local seek the user made stands until the room answers.
  Sync.prototype.hold = function (ms) {
    this.holdUntil = performance.now() + ms;
  };
  Sync.prototype.release = function () {
    this.holdUntil = 0;
    this.forceUntil = performance.now() + 3000;
    this.tick();
  };
  // Playing in step for a while: a stall now is the network's, worth making the room wait.
  // (Right after a join or a seek the member is catching up: the room never waits for that.)
  Sync.prototype.steady = function () {
    return this.steadySince != null && performance.now() - this.steadySince > 3000;
  };
  // A seek the sync itself makes (room.js tells these from the user's).
  Sync.prototype.isOwnSeek = function () {
    return performance.now() < this.ownSeekUntil;
  };

  Sync.prototype.seekTo = function (t, counted) {
    const v = this.video;
    const d = v.duration;
    if (isFinite(d) && d > 0) t = Math.min(t, d - 0.05);
    this.starting = null;
    this.steadySince = null;
    this.ownSeekAt = performance.now();
    this.ownSeekUntil = performance.now() + 3000;
    if (counted) {
      this.seeks += 1;
      this.lastDriftSeek = performance.now();
    } else {
      this.changeSeeks += 1;
    }
    v.currentTime = Math.max(0, t);
  };
  Sync.prototype.setRate = function (r) {
    const v = this.video;
    r = Math.round(r * 10000) / 10000;
    if (v.playbackRate !== r) v.playbackRate = r;
    if (!v.preservesPitch) v.preservesPitch = true;
    if (!v.paused) {
      this.rateMin = this.rateMin == null ? r : Math.min(this.rateMin, r);
      this.rateMax = this.rateMax == null ? r : Math.max(this.rateMax, r);
    }
  };
  Sync.prototype.play = function () {
    if (this.blocked) return;
    if (this.starting == null && !this.video.seeking) {
      this.starting = { serverMs: this.clock.serverNow(), position: this.video.currentTime };
    }
    const promise = this.nativePlay();
    if (promise && promise.catch) {
      promise.catch((err) => {
        if (err && err.name === "NotAllowedError") {
          this.blocked = true;
          if (this.onBlocked) this.onBlocked();
        }
      });
    }
  };
  // After a click: the browser lets us play now.
  Sync.prototype.unblock = function () {
    this.blocked = false;
    this.tick();
  };

  // When the picture of a play() starts moving: how long that took, for the next start.
  Sync.prototype.measureStart = function (now) {
    const st = this.starting;
    const v = this.video;
    if (!st || v.paused || v.seeking) return;
    const moved = v.currentTime - st.position;
    if (moved < 0.03) return;
    this.starting = null;
    if (moved > 1) return; // a seek came between: no measurement
    const took = (now - st.serverMs) / 1000 - moved / (v.playbackRate || 1);
    this.playLatency = clamp(0.5 * this.playLatency + 0.5 * took, 0, 0.4);
    try { localStorage.setItem(LATENCY_KEY, String(this.playLatency)); } catch (e) { /* private mode */ }
  };

  Sync.prototype.tick = function () {
    const v = this.video;
    const now = this.clock.serverNow();
    const s = this.stateAt(now);
    if (!s || v.readyState < 1 || performance.now() < this.holdUntil) return;
    if (this.onTick && this.onTick(s) === false) return; // another title: room.js moves us
    this.measureStart(now);
    const target = positionAt(s, now);
    const d = v.duration;
    const atEnd = isFinite(d) && d > 0 && target >= d - 0.1;
    const forced = performance.now() < this.forceUntil;
    if (!s.playing) {
      if (this.inRunUp(now)) return;
      this.starting = null;
      this.steadySince = null;
      if (!v.paused) v.pause();
      this.setRate(s.rate);
      this.correcting = false;
      this.drift = v.currentTime - target;
      if (!v.seeking && Math.abs(this.drift) > 0.02 && !atEnd) this.seekTo(target, false);
      return;
    }
    if (v.seeking) return;
    this.drift = v.currentTime - target;
    const ad = Math.abs(this.drift);
    if (atEnd) {
      this.setRate(s.rate);
      return;
    }
    if (v.paused) {
      // Start where the room is (plus the time a seek takes), then play.
      if (ad > (forced ? SEEK_DRIFT_AFTER_CHANGE : SEEK_DRIFT)) {
        this.forceUntil = 0;
        this.seekTo(target + this.seekLatency * s.rate, !forced);
      }
      this.setRate(s.rate);
      this.play();
      return;
    }
    if (v.readyState < 3) return; // buffering: nothing to correct until it moves again
    if (ad >= 0.1) this.steadySince = null;
    else if (this.steadySince == null) this.steadySince = performance.now();
    const mayDriftSeek = performance.now() - this.lastDriftSeek > SEEK_EVERY_MS;
    if ((forced && ad > SEEK_DRIFT_AFTER_CHANGE) || (ad > SEEK_DRIFT && mayDriftSeek)) {
      this.forceUntil = 0;
      this.correcting = false;
      this.setRate(s.rate);
      this.seekTo(target + this.seekLatency * s.rate, !forced);
      return;
    }
    if (ad >= START_NUDGE || (this.correcting && ad > STOP_NUDGE)) {
      this.correcting = true;
      this.setRate(s.rate * (1 - clamp(this.drift * GAIN, -MAX_NUDGE, MAX_NUDGE)));
    } else {
      this.correcting = false;
      this.setRate(s.rate);
    }
  };

  window.MSRoomSync = { Sync: Sync, positionAt: positionAt };
})();
