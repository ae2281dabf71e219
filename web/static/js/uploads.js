// The admin upload page: tus uploads with progress, pause/resume, and resume after a reload.
// tus-js-client keeps each upload's URL in localStorage under a fingerprint of the file and
// the chosen library, so picking the same file again continues where it stopped.
"use strict";

(() => {
  const root = document.getElementById("uploader");
  if (!root || !window.tus) return;
  const endpoint = root.dataset.endpoint;
  const csrf = root.dataset.csrf;
  const chunkSize = Number(root.dataset.chunkSize) || 64 * 1024 * 1024;
  const maxBytes = Number(root.dataset.maxBytes) || Infinity;
  const librarySelect = document.getElementById("upload-library");
  const input = document.getElementById("upload-files");
  const zone = document.getElementById("drop-zone");
  const queue = document.getElementById("upload-queue");
  const template = document.getElementById("upload-item");
  const FINGERPRINT_PREFIX = "tus-ms";

  function refreshList() {
    document.body.dispatchEvent(new CustomEvent("uploads-changed"));
  }

  function formatBytes(n) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i += 1;
    }
    return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
  }

  // The server answers errors as JSON problems; show their "detail", which says what to do.
  function describeError(error) {
    const response = error && error.originalResponse;
    if (response) {
      try {
        const body = JSON.parse(response.getBody());
        if (body && body.detail) return body.detail;
      } catch (_) {
        /* not JSON: fall through */
      }
      return `The server answered ${response.getStatus()}.`;
    }
    return "The connection was lost. Press Resume to continue.";
  }

  function fingerprint(file, libraryId) {
    return [FINGERPRINT_PREFIX, libraryId, file.name, file.type, file.size, file.lastModified]
      .join("/");
  }

  function addItem(file) {
    const item = template.content.firstElementChild.cloneNode(true);
    item.querySelector(".upload-name").textContent = `${file.name} (${formatBytes(file.size)})`;
    queue.appendChild(item);
    return {
      item,
      progress: item.querySelector(".upload-progress"),
      percent: item.querySelector(".upload-percent"),
      state: item.querySelector(".upload-state"),
      pause: item.querySelector(".upload-pause"),
      resume: item.querySelector(".upload-resume"),
      cancel: item.querySelector(".upload-cancel"),
    };
  }

  function setState(ui, text, kind) {
    ui.state.textContent = text;
    ui.item.classList.toggle("failed", kind === "failed");
    ui.item.classList.toggle("done", kind === "done");
    if (kind === "failed" || kind === "done") {
      ui.pause.hidden = true;
      ui.resume.hidden = true;
      ui.cancel.hidden = true;
    }
  }

  function startUpload(file) {
    const libraryId = librarySelect.value;
    const ui = addItem(file);
    if (file.size > maxBytes) {
      setState(ui, `Too large: this server accepts up to ${formatBytes(maxBytes)}.`, "failed");
      return;
    }
    const upload = new window.tus.Upload(file, {
      endpoint,
      chunkSize,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      headers: { "X-CSRF-Token": csrf },
      metadata: { filename: file.name, filetype: file.type, library_id: libraryId },
      fingerprint: (f) => Promise.resolve(fingerprint(f, libraryId)),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress(sent, total) {
        const pct = total ? (100 * sent) / total : 0;
        ui.progress.value = pct;
        ui.percent.textContent = `${pct.toFixed(1)}%`;
        setState(ui, `${formatBytes(sent)} of ${formatBytes(total)}`);
      },
      onError(error) {
        setState(ui, describeError(error), error.originalResponse ? "failed" : undefined);
        ui.pause.hidden = true;
        ui.resume.hidden = !!error.originalResponse;
        refreshList();
      },
      onSuccess() {
        ui.progress.value = 100;
        ui.percent.textContent = "100%";
        setState(ui, "Received. Checking it and adding it to the library…", "done");
        refreshList();
      },
    });
    ui.pause.addEventListener("click", () => {
      upload.abort();
      ui.pause.hidden = true;
      ui.resume.hidden = false;
      setState(ui, "Paused.");
    });
    ui.resume.addEventListener("click", () => {
      ui.pause.hidden = false;
      ui.resume.hidden = true;
      setState(ui, "Resuming…");
      upload.start();
    });
    ui.cancel.addEventListener("click", () => {
      upload.abort(true).then(
        () => setState(ui, "Cancelled; the partial data was deleted.", "failed"),
        () => setState(ui, "Cancelled.", "failed"),
      );
      refreshList();
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
        setState(ui, "Continuing an earlier upload…");
      }
      upload.start();
      refreshList();
    });
  }

  function startAll(files) {
    Array.from(files).forEach(startUpload);
  }

  input.addEventListener("change", () => {
    startAll(input.files);
    input.value = "";
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) startAll(event.dataTransfer.files);
  });
  zone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      input.click();
    }
  });

  // Uploads this browser started and did not finish: remind the admin to pick them again.
  const storage = window.tus.defaultOptions && window.tus.defaultOptions.urlStorage;
  if (storage && storage.findAllUploads) {
    storage.findAllUploads().then((stored) => {
      const mine = stored.filter((s) => String(s.urlStorageKey || "").includes(FINGERPRINT_PREFIX));
      if (!mine.length) return;
      const list = document.getElementById("resumable-list");
      mine.forEach((s) => {
        const li = document.createElement("li");
        const meta = s.metadata || {};
        const size = s.size ? ` (${formatBytes(s.size)})` : "";
        li.textContent = `${meta.filename || "unnamed file"}${size}`;
        list.appendChild(li);
      });
      document.getElementById("resumable").hidden = false;
    });
  }
})();
