// After "Restart now": wait until the server stopped and answers again, then reopen Settings.
(function () {
  const box = document.getElementById("restarting");
  if (!box) return;
  const state = document.getElementById("restart-state");
  let wentDown = false;
  const started = Date.now();
  async function poll() {
    try {
      const answer = await fetch(box.dataset.health, { cache: "no-store" });
      if (answer.ok && (wentDown || Date.now() - started > 8000)) {
        window.location.assign(box.dataset.next);
        return;
      }
    } catch (err) {
      wentDown = true;
      state.textContent = "The server is restarting…";
    }
    setTimeout(poll, 700);
  }
  setTimeout(poll, 1000);
})();
