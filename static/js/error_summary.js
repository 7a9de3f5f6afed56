// A refused form's error summary takes focus, so a screen reader says what went wrong and the
// keyboard starts there. The summary's autofocus does this on a plain page load; this file covers
// what autofocus does not: a summary that htmx swaps in, and a page opened at a #fragment (browsers
// skip autofocus then). A link in the summary moves focus to its field, not just the scroll.
(function () {
  "use strict";

  var SUMMARY = "[data-error-summary]";

  function focusSummary(root) {
    var summary = root.matches && root.matches(SUMMARY) ? root : root.querySelector(SUMMARY);
    if (summary && document.activeElement !== summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () { focusSummary(document); });
  // htmx fires htmx:load on each piece of content it puts on the page.
  document.addEventListener("htmx:load", function (event) { focusSummary(event.target); });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(SUMMARY + " a[href^='#']") : null;
    if (!link) { return; }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) { return; }
    field.focus();
    if (document.activeElement === field) {
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
    }
  });
})();
