// Clicks and taps on the video. With a menu open, a click only closes the menu (never pauses).
// Otherwise a mouse click plays or pauses; a tap shows or hides the controls, as phone players
// do, and two quick taps on the left or right third seek 10 s back or forward.
(function () {
  "use strict";
  const $ = window.MSPlayerUI.$;
  const DOUBLE_TAP_MS = 350;

  // actions: toggle (play/pause), show and hide (the controls).
  function bind(p, actions) {
    const video = p.video;
    let pointerType = "mouse";
    let lastTap = 0;
    let tapTimer = null;
    let flashTimer = null;

    function flash(seconds) {
      const box = $("seekflash");
      box.textContent = (seconds < 0 ? "« " : "") + Math.abs(seconds) + " s" + (seconds > 0 ? " »" : "");
      box.dataset.side = seconds < 0 ? "left" : "right";
      box.hidden = false;
      clearTimeout(flashTimer);
      flashTimer = setTimeout(() => (box.hidden = true), 700);
    }

    video.addEventListener("pointerdown", (e) => (pointerType = e.pointerType || "mouse"));
    video.addEventListener("click", (e) => {
      if (window.MSPlayerUI.Menu.anyOpen()) {
        e.stopPropagation();
        window.MSPlayerUI.Menu.closeAll();
        return;
      }
      if (pointerType !== "touch") {
        actions.toggle();
        return;
      }
      const rect = video.getBoundingClientRect();
      const x = (e.clientX - rect.left) / rect.width;
      const side = x < 1 / 3 ? -10 : x > 2 / 3 ? 10 : 0;
      const now = performance.now();
      clearTimeout(tapTimer);
      if (side && now - lastTap < DOUBLE_TAP_MS) {
        lastTap = 0;
        p.seek(video.currentTime + side);
        flash(side);
        return;
      }
      lastTap = now;
      // On a side, wait a moment: a second tap makes it a seek instead.
      tapTimer = setTimeout(() => {
        if (p.root.classList.contains("idle")) actions.show();
        else actions.hide();
      }, side ? DOUBLE_TAP_MS : 0);
    });
  }

  window.MSPlayerTouch = { bind };
})();
