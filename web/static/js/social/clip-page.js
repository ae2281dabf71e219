// A clip's page: plays the clip's MP4 (index first, so it starts at once; its edit list puts the
// first frame exactly at 0:00); where the MP4 fails, its own HLS playlist through hls.js. A
// pending clip reloads the page until it is ready.
(function () {
  "use strict";
  var video = document.getElementById("clip-video");
  if (!video) {
    if (document.getElementById("clip-pending")) setTimeout(function () { location.reload(); }, 1500);
    return;
  }
  var fellBack = false;
  video.addEventListener("error", function () {
    if (fellBack) return;
    fellBack = true;
    var hlsUrl = video.dataset.hls;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls();
      hls.loadSource(hlsUrl);
      hls.attachMedia(video);
    } else {
      video.src = hlsUrl;
    }
  });
  video.src = video.dataset.mp4;
})();
