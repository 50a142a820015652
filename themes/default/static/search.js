/* Site search: narrows the list on search.html to the entries matching every word of
   ?q= (or of the search box), using the index in search-index.js. Plain script, no
   network: it works from file:// and does nothing harmful when the index is missing. */
(function () {
  "use strict";
  var index = window.planbuilderSearch || [];
  var list = document.getElementById("search-results");
  var box = document.getElementById("search-q");
  var none = document.getElementById("search-none");
  if (!list || !box) { return; }
  var words = {};
  index.forEach(function (entry) {
    words[entry.u] = fold(entry.t + " " + entry.x);
  });
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function apply(query) {
    var terms = fold(query).split(/\s+/).filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(list.children, function (item) {
      var text = words[item.getAttribute("data-url")] || fold(item.textContent);
      var match = terms.every(function (term) { return text.indexOf(term) !== -1; });
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    none.hidden = shown > 0;
  }
  var query = new URLSearchParams(window.location.search).get("q") || "";
  box.value = query;
  var top = document.getElementById("site-search-q");
  if (top) { top.value = query; }
  apply(query);
  box.addEventListener("input", function () { apply(box.value); });
})();
