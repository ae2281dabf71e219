// A clip's page: plays the clip's MP4 (index first, so it starts at once; its first frame is at
// 0:00); where the MP4 fails, or while it is still being written (the clip is playable but not
// ready), its own HLS playlist through hls.js. The Download link appears once the MP4 is there.
// A pending clip reloads the page until it plays.
(function () {
  "use strict";
  var video = document.getElementById("clip-video");
  if (!video) {
    if (document.getElementById("clip-pending")) setTimeout(function () { location.reload(); }, 700);
    return;
  }
  var playingHls = false;
  function playHls() {
    if (playingHls) return;
    playingHls = true;
    var hlsUrl = video.dataset.hls;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls();
      hls.loadSource(hlsUrl);
      hls.attachMedia(video);
    } else {
      video.src = hlsUrl;
    }
  }
  video.addEventListener("error", playHls);
  if (video.dataset.mp4) video.src = video.dataset.mp4;
  else playHls();

  // The MP4 is written after the playlist: ask for it now and then, show the link when it is in.
  var download = document.getElementById("clip-download");
  if (!download || !download.dataset.wait) return;
  function check() {
    fetch(download.href, { method: "HEAD", credentials: "same-origin" }).then(function (r) {
      if (r.ok) { download.hidden = false; return; }
      setTimeout(check, 1500);
    }, function () { setTimeout(check, 3000); });
  }
  setTimeout(check, 1000);
})();
