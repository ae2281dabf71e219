// The server's clock as seen from this browser: NTP-style offset from ping/pong round trips.
// offset = ((t1 - t0) + (t2 - t3)) / 2, delay = (t3 - t0) - (t2 - t1); of the last 8 samples the
// one with the lowest delay wins (a round trip that waited in a queue says little about the
// clocks). Times are epoch milliseconds with sub-millisecond precision (performance.now based).
(function () {
  "use strict";
  const KEEP = 8;

  function localNow() {
    return performance.timeOrigin + performance.now();
  }

  function Clock() {
    this.samples = []; // {offset, delay}
    this.offsetMs = 0;
    this.rtt = null; // delay of the chosen sample, ms
    this.lastRtt = null; // the most recent round trip, ms
    this.nextId = 1;
    this.sent = {}; // ping id -> t0
  }
  Clock.prototype.ping = function () {
    const id = this.nextId++;
    const t0 = localNow();
    this.sent[id] = t0;
    const msg = { type: "ping", id: id, t0: t0 };
    const rtt = this.typicalRtt();
    if (rtt != null) msg.rtt = rtt; // lets the server schedule commands far enough ahead
    return msg;
  };
  // The median round trip of the kept samples (what a command usually takes to arrive).
  Clock.prototype.typicalRtt = function () {
    if (!this.samples.length) return null;
    const delays = this.samples.map((s) => s.delay).sort((a, b) => a - b);
    return Math.round(delays[Math.floor(delays.length / 2)] * 10) / 10;
  };
  Clock.prototype.pong = function (msg) {
    const t3 = localNow();
    const t0 = this.sent[msg.id];
    delete this.sent[msg.id];
    if (t0 == null || typeof msg.t1 !== "number" || typeof msg.t2 !== "number") return;
    const delay = Math.max(0, t3 - t0 - (msg.t2 - msg.t1));
    this.samples.push({ offset: (msg.t1 - t0 + (msg.t2 - t3)) / 2, delay: delay });
    if (this.samples.length > KEEP) this.samples.shift();
    let best = this.samples[0];
    this.samples.forEach((s) => { if (s.delay < best.delay) best = s; });
    this.offsetMs = best.offset;
    this.rtt = best.delay;
    this.lastRtt = delay;
  };
  // A first estimate from the welcome message, before any round trip (assumes no transit time).
  Clock.prototype.seed = function (serverTimeMs) {
    if (!this.samples.length) this.offsetMs = serverTimeMs - localNow();
  };
  Clock.prototype.forget = function () {
    this.samples = [];
    this.sent = {};
  };
  Clock.prototype.serverNow = function () {
    return localNow() + this.offsetMs;
  };
  // Local milliseconds from now until a server time.
  Clock.prototype.until = function (serverMs) {
    return serverMs - this.serverNow();
  };

  window.MSRoomClock = { Clock: Clock, localNow: localNow };
})();
