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
