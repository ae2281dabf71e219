// Live job progress on /admin/jobs: Server-Sent Events update rows in place, no reload.
"use strict";

(() => {
  const table = document.querySelector("table.jobs[data-live-url]");
  if (!table || !window.EventSource) return;
  const rows = document.getElementById("job-rows");

  function formatEta(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const s = Math.max(0, Math.round(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function refreshRows() {
    // A job this page has not seen yet: fetch the rows block (same filter) through htmx.
    if (window.htmx) {
      window.htmx.ajax("GET", window.location.pathname + window.location.search,
        { target: "#job-rows", swap: "innerHTML" });
    }
  }

  function update(job) {
    const row = document.getElementById(`job-${job.id}`);
    if (!row) {
      refreshRows();
      return;
    }
    const status = row.querySelector(".job-status");
    const statusChanged = status.textContent !== job.status;
    status.textContent = job.status;
    status.className = `job-status status-${job.status}`;
    const percent = Number(job.progress || 0).toFixed(1);
    row.querySelector(".job-progress").value = percent;
    row.querySelector(".job-percent").textContent = `${percent}%`;
    row.querySelector(".job-fps").textContent = job.fps === null ? "" : Number(job.fps).toFixed(1);
    row.querySelector(".job-eta").textContent = formatEta(job.eta_seconds);
    row.querySelector(".job-message").textContent = job.error || job.message || "";
    const lost = row.querySelector(".job-lost");
    if (lost) lost.hidden = !job.lost;
    if (statusChanged) refreshRows(); // the actions (cancel/retry) depend on the status
  }

  const source = new EventSource(table.dataset.liveUrl);
  source.addEventListener("job", (event) => {
    const job = JSON.parse(event.data);
    update(job);
  });
  window.addEventListener("beforeunload", () => source.close());
})();
