// Spoiler reviews: blurred, and hidden from screen readers, until "Show spoiler" (or the blurred
// text) is clicked. Delegated from the document, so sections HTMX swaps in work too.
(function () {
  "use strict";

  function setShown(body, shown) {
    var text = body.querySelector(".review-text");
    var button = body.querySelector(".spoiler-toggle");
    body.classList.toggle("revealed", shown);
    if (text) {
      if (shown) {
        text.removeAttribute("aria-hidden");
        text.removeAttribute("inert");
      } else {
        text.setAttribute("aria-hidden", "true");
        text.setAttribute("inert", "");
      }
    }
    if (button) {
      button.setAttribute("aria-expanded", shown ? "true" : "false");
      button.textContent = shown ? "Hide spoiler" : "Show spoiler";
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var body = target.closest(".review-body.spoiler");
    if (!body) return;
    if (target.closest(".spoiler-toggle")) {
      setShown(body, !body.classList.contains("revealed"));
    } else if (!body.classList.contains("revealed")) {
      setShown(body, true);
    }
  });
})();
