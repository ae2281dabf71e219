// Small progressive enhancements; every page works without this file.
"use strict";

// Confirm destructive actions marked with data-confirm (no inline handlers: CSP forbids them).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.getAttribute && form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Copy buttons: data-copy="<selector>" copies that element's text.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.getAttribute("data-copy"));
  if (!source) return;
  const done = () => {
    button.textContent = "Copied";
    setTimeout(() => (button.textContent = "Copy"), 2000);
  };
  const text = source.textContent.trim();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => {});
    return;
  }
  // Plain http on a home network has no Clipboard API: select the text and copy that.
  const range = document.createRange();
  range.selectNodeContents(source);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  if (document.execCommand("copy")) done();
});

// The profile form: avatar previews show the typed name's first letter, and the rating's
// empty choice says what it means for a kids profile (PG) or another one (no limit).
document.addEventListener("input", (event) => {
  if (!event.target.matches || !event.target.matches("[data-avatar-name]")) return;
  const letter = event.target.value.trim().slice(0, 1).toUpperCase();
  document.querySelectorAll("[data-avatar-letter]").forEach((el) => (el.textContent = letter));
});
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.matches || !box.matches('input[name="is_kids"]')) return;
  const option = box.form && box.form.querySelector('select[name="max_rating"] option[data-kids]');
  if (option) option.textContent = box.checked ? option.dataset.kids : option.dataset.all;
});
