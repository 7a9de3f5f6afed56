// Progressive enhancement for the base layout: the idle sign-out warning.
// Every page works without this file; the server enforces the idle timeout on its own.
(function () {
  "use strict";

  function idleWarning() {
    var body = document.body;
    var timeout = parseInt(body.dataset.idleTimeout || "0", 10);
    var warnBefore = parseInt(body.dataset.idleWarning || "120", 10);
    var dialog = document.getElementById("idle-warning");
    if (!timeout || !dialog || typeof dialog.showModal !== "function") { return; }
    var countdown = dialog.querySelector("[data-idle-countdown]");
    var deadline = Date.now() + timeout * 1000;
    var ticker = null;

    function csrf() {
      var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
      return match ? decodeURIComponent(match[1]) : "";
    }
    function minutesLeft(seconds) {
      var minutes = Math.floor(seconds / 60);
      var rest = seconds % 60;
      return minutes + ":" + (rest < 10 ? "0" : "") + rest;
    }
    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (countdown) { countdown.textContent = minutesLeft(left); }
      if (left === 0) { window.location.reload(); }
    }
    function warn() {
      // Ask the server first: another tab may have kept the session alive.
      fetch(body.dataset.statusUrl, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (status) {
          deadline = Date.now() + status.seconds_left * 1000;
          if (status.seconds_left > warnBefore) { schedule(); return; }
          dialog.showModal();
          tick();
          ticker = window.setInterval(tick, 1000);
        })
        .catch(function () { window.setTimeout(warn, 30000); });
    }
    function schedule() {
      var wait = Math.max(1000, deadline - Date.now() - warnBefore * 1000);
      window.setTimeout(warn, wait);
    }
    dialog.querySelector("[data-idle-stay]").addEventListener("click", function () {
      fetch(body.dataset.keepaliveUrl, {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }
      }).then(function (response) { return response.json(); }).then(function (status) {
        window.clearInterval(ticker);
        dialog.close();
        deadline = Date.now() + status.seconds_left * 1000;
        schedule();
      });
    });
    schedule();
  }

  // "Copy" buttons stay hidden without JavaScript (the text can still be selected by hand).
  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        navigator.clipboard.writeText(source.value || source.textContent).then(function () {
          button.textContent = button.dataset.copied;
        });
      });
    });
  }

  // A list that refreshes itself (data-pause-while-focused) skips the refresh while focus is inside it,
  // so a keyboard user is never thrown out. Here rather than an htmx trigger filter, which is eval.
  function pauseWhileFocused() {
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var element = event.detail.elt;
      if (element.hasAttribute("data-pause-while-focused") && element.contains(document.activeElement)) {
        event.preventDefault();
      }
    });
  }

  // A "Print" button (data-print): the browser's print dialog (the desk's activation code sheet).
  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    printButtons();
    pauseWhileFocused();
    copyButtons();
    idleWarning();
  });
})();
