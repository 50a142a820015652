// planbuilder live preview: reload on rebuild, swap stylesheets, show build errors.
// Served by `planbuilder serve` only; never part of a built site.
(function () {
  "use strict";
  var me = document.currentScript;
  var generation = Number(me.getAttribute("data-generation"));

  function closeButtons() {
    var buttons = document.querySelectorAll("#planbuilder-overlay .pb-close");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].onclick = function () {
        var overlay = document.getElementById("planbuilder-overlay");
        if (overlay) overlay.remove();
      };
    }
  }

  // The overlay comes from the server already built and escaped (planbuilder.diagnostics),
  // so it reads exactly as the terminal does.
  function showOverlay(html) {
    var old = document.getElementById("planbuilder-overlay");
    if (old) old.remove();
    document.body.insertAdjacentHTML("beforeend", html);
    closeButtons();
  }

  function reloadStylesheets() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      url.searchParams.set("v", Date.now());
      links[i].href = url.toString();
    }
  }

  closeButtons();
  if (!window.EventSource) return;
  var source = new EventSource("/_planbuilder/events");
  source.onmessage = function (message) {
    var event = JSON.parse(message.data);
    if (event.type === "hello") {
      if (event.failed) showOverlay(event.overlay);
      else if (event.generation !== generation) location.reload();
    } else if (event.type === "reload") {
      location.reload();
    } else if (event.type === "css") {
      generation = event.generation;
      var overlay = document.getElementById("planbuilder-overlay");
      if (overlay) location.reload();
      else reloadStylesheets();
    } else if (event.type === "error") {
      showOverlay(event.overlay);
    }
  };
})();
