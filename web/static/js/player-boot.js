// Starts the playback request (POST /api/v1/playback/<id>) while the rest of the player and
// hls.js download: loaded without defer in <head>, so the first frame comes sooner.
(function () {
  "use strict";
  const CANDIDATES = [
    'video/mp4; codecs="avc1.42E01E"', 'video/mp4; codecs="avc1.4D401F"',
    'video/mp4; codecs="avc1.640028"', 'video/mp4; codecs="avc1.640033"',
    'video/mp4; codecs="hev1.1.6.L120.90"', 'video/mp4; codecs="hvc1.1.6.L120.90"',
    'video/mp4; codecs="hvc1.2.4.L153.B0"', 'video/mp4; codecs="av01.0.08M.08"',
    'video/mp4; codecs="vp09.00.40.08"', 'video/webm; codecs="vp9, opus"',
    'audio/mp4; codecs="mp4a.40.2"', 'audio/mp4; codecs="mp4a.40.5"',
    'audio/mp4; codecs="ac-3"', 'audio/mp4; codecs="ec-3"', 'audio/mp4; codecs="opus"',
    'audio/mp4; codecs="flac"', 'audio/mpeg', 'audio/webm; codecs="opus"',
    'video/webm; codecs="vp8, vorbis"',
  ];

  const config = JSON.parse(document.getElementById("player-config").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  // What this browser plays through MSE, and whether it plays HLS natively (Safari).
  function capabilities() {
    const MS = window.ManagedMediaSource || window.MediaSource;
    const mse = {};
    CANDIDATES.forEach((c) => (mse[c] = !!(MS && MS.isTypeSupported(c))));
    const probe = document.createElement("video");
    return { mse: mse, native_hls: !!probe.canPlayType("application/vnd.apple.mpegurl") };
  }
  const caps = capabilities();

  function request(at, extra) {
    const body = Object.assign({}, caps, { start: Math.round(at * 1000) / 1000 }, extra || {});
    return fetch("/api/v1/playback/" + config.media_file_id, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
  }

  let first = { at: config.start || 0, response: request(config.start || 0, {}) };
  window.MSPlayerBoot = {
    request: request,
    // The early request, once, if it asked for the same thing.
    takeFirst: function (at, extra) {
      const found = first && first.at === at && Object.keys(extra).length === 0 ? first.response : null;
      first = null;
      return found;
    },
  };
})();
