// The minimal watch page: adaptive HLS through hls.js (MSE), or natively where the browser plays
// HLS itself (Safari, iOS). Subtitles come as <track> elements (WebVTT files of the ladder).
(function () {
  "use strict";

  function start() {
    var video = document.getElementById("player");
    var status = document.getElementById("player-status");
    if (!video) return;
    var src = video.getAttribute("data-hls");

    function say(text) {
      if (status) status.textContent = text;
    }

    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({
        enableWorker: false, // the CSP allows no blob: workers
        enableWebVTT: false, // subtitles come from the <track> elements
        withCredentials: true,
      });
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
          say("Network trouble; retrying…");
          hls.startLoad();
        } else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
        } else {
          say("This video cannot be played here.");
          hls.destroy();
        }
      });
      hls.loadSource(src);
      hls.attachMedia(video);
      video.hls = hls;
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      // Native HLS lists the ladder's subtitle renditions itself: drop the duplicates.
      Array.prototype.slice.call(video.querySelectorAll("track")).forEach(function (t) {
        t.remove();
      });
      video.src = src;
    } else {
      say("This browser cannot play adaptive video.");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
