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

  function showOverlay(problems) {
    var old = document.getElementById("planbuilder-overlay");
    if (old) old.remove();
    var errors = problems.filter(function (p) { return p.severity === "error"; }).length;
    var overlay = document.createElement("div");
    overlay.id = "planbuilder-overlay";
    overlay.setAttribute("role", "alert");
    var box = document.createElement("div");
    box.className = "pb-box";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "pb-close";
    close.setAttribute("aria-label", "Hide");
    close.textContent = "×";
    box.appendChild(close);
    var title = document.createElement("h2");
    title.textContent = "The plan has " + errors + " error" + (errors === 1 ? "" : "s");
    box.appendChild(title);
    var note = document.createElement("p");
    note.textContent = "The page below is the last good build. Fix the file and save: this goes away by itself.";
    box.appendChild(note);
    var list = document.createElement("ul");
    problems.forEach(function (p) {
      var item = document.createElement("li");
      item.className = "pb-" + p.severity;
      var where = document.createElement("code");
      where.className = "pb-where";
      where.textContent = p.file + (p.line ? ":" + p.line + ":" + (p.column || 1) : "");
      item.appendChild(where);
      item.appendChild(document.createTextNode(" " + p.severity + ": "));
      var message = document.createElement("span");
      message.className = "pb-message";
      message.textContent = p.message;
      item.appendChild(message);
      if (p.hint) {
        var hint = document.createElement("div");
        hint.className = "pb-hint";
        hint.textContent = "hint: " + p.hint;
        item.appendChild(hint);
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    overlay.appendChild(box);
    document.body.appendChild(overlay);
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
      if (event.failed) showOverlay(event.problems);
      else if (event.generation !== generation) location.reload();
    } else if (event.type === "reload") {
      location.reload();
    } else if (event.type === "css") {
      generation = event.generation;
      var overlay = document.getElementById("planbuilder-overlay");
      if (overlay) location.reload();
      else reloadStylesheets();
    } else if (event.type === "error") {
      showOverlay(event.problems);
    }
  };
})();
