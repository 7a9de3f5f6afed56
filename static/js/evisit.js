// E-visit time: counts the seconds a staff member is actively working on a thread and posts
// them to the server, which clamps every beat to the wall time it saw pass. No dependency.
//
// Active means: the page is visible and there was input, scrolling or focus in the last minute.
// The panel's root element carries data-evisit-url (where to post), data-evisit-csrf and
// data-evisit-interval (seconds between beats; read on every tick, so it can be changed live).
// The panel may be swapped by htmx at any time, so it is looked up afresh each time.
(function () {
  "use strict";
  if (window.evisitTimer) { return; }  // included twice (the panel re-rendered): one timer only
  window.evisitTimer = true;

  var IDLE_AFTER = 60 * 1000;
  var lastInput = Date.now();
  var active = 0;   // active seconds not yet sent
  var waited = 0;   // seconds since the last beat was sent

  function panel() { return document.querySelector("[data-evisit-url]"); }

  function touched() { lastInput = Date.now(); }
  ["keydown", "input", "scroll", "wheel", "pointerdown", "pointermove", "touchstart", "focusin"].forEach(function (name) {
    window.addEventListener(name, touched, { passive: true, capture: true });
  });

  function form(root, seconds) {
    var data = new FormData();
    data.append("seconds", String(seconds));
    data.append("csrfmiddlewaretoken", root.dataset.evisitCsrf || "");
    return data;
  }

  // Refresh the panel's figures unless the person is using it (typing a reason, choosing a code).
  function refresh(root) {
    if (!window.htmx || root.contains(document.activeElement) || root.querySelector("details[open]")) { return; }
    window.htmx.trigger(root, "evisit:recorded");
  }

  function send() {
    var root = panel();
    if (!root || active <= 0) { return; }
    var seconds = active;
    active = 0;
    fetch(root.dataset.evisitUrl, {
      method: "POST", credentials: "same-origin", body: form(root, seconds),
      headers: { "X-CSRFToken": root.dataset.evisitCsrf || "" }
    }).then(function (response) {
      if (response.ok) { refresh(root); }
    }).catch(function () { active += seconds; });  // offline: keep the time for the next beat
  }

  // Leaving or hiding the page: whatever is counted goes now (a beacon survives the unload).
  function flush() {
    var root = panel();
    if (!root || active <= 0) { return; }
    if (navigator.sendBeacon && navigator.sendBeacon(root.dataset.evisitUrl, form(root, active))) {
      active = 0;
      waited = 0;
    }
  }

  window.setInterval(function () {
    var root = panel();
    if (!root) { return; }
    if (document.visibilityState === "visible" && Date.now() - lastInput < IDLE_AFTER) { active += 1; }
    waited += 1;
    if (waited >= parseInt(root.dataset.evisitInterval || "30", 10)) {
      waited = 0;
      send();
    }
  }, 1000);

  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
})();
