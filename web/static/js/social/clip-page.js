// A clip's page: plays its own HLS playlist with hls.js where the browser needs it, natively
// where it can, else the MP4; a pending clip reloads the page until it is ready.
(function () {
  "use strict";
  var video = document.getElementById("clip-video");
  if (!video) {
    if (document.getElementById("clip-pending")) setTimeout(function () { location.reload(); }, 1500);
    return;
  }
  var hlsUrl = video.dataset.hls;
  if (window.Hls && window.Hls.isSupported()) {
    var hls = new window.Hls();
    hls.on(window.Hls.Events.ERROR, function (_e, data) {
      if (data.fatal) { hls.destroy(); video.src = video.dataset.mp4; }
    });
    hls.loadSource(hlsUrl);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = hlsUrl;
  } else {
    video.src = video.dataset.mp4;
  }
})();
