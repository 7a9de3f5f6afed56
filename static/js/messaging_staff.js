// Progressive enhancement of the staff thread page. Without this file every action still works:
// the quick-reply "Insert" button asks the server to put the text in.
(function () {
  "use strict";

  // Choosing a quick reply fills the reply box at once (after anything already typed).
  function quickReplies() {
    var texts = document.getElementById("quick-reply-texts");
    var select = document.querySelector("[data-quick-reply-target]");
    if (!texts || !select) { return; }
    var bodies = JSON.parse(texts.textContent);
    var box = document.getElementById(select.getAttribute("data-quick-reply-target"));
    var insert = document.querySelector("[data-quick-reply-insert]");
    if (insert) { insert.hidden = true; }
    select.addEventListener("change", function () {
      var text = bodies[select.value];
      if (!text || !box) { return; }
      var typed = box.value.trim();
      box.value = typed ? typed + "\n\n" + text : text;
      box.focus();
    });
  }

  // When the chart panel arrives, move focus to its heading so a screen reader reads it.
  function chartFocus() {
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "chart-panel") {
        var heading = document.getElementById("chart-heading");
        if (heading) { heading.focus(); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { quickReplies(); chartFocus(); });
})();
