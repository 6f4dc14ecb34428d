// Search as you type on the glossary index: hides the terms (and letters) that do not match.
"use strict";
(function () {
  var box = document.getElementById("search");
  var input = document.getElementById("q");
  var count = document.getElementById("count");
  if (!box || !input) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll("ul.terms li"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.letter"));
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }
  var keys = items.map(function (li) {
    return fold(li.firstChild.textContent + " " + (li.getAttribute("data-a") || ""));
  });
  function filter() {
    var q = fold(input.value);
    var shown = 0;
    items.forEach(function (li, i) {
      var match = !q || keys[i].indexOf(q) !== -1;
      li.hidden = !match;
      if (match) { shown += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("li:not([hidden])");
    });
    count.textContent = q ? shown + (shown === 1 ? " term matches" : " terms match") : "";
  }
  box.hidden = false;
  input.addEventListener("input", filter);
  if (input.value) { filter(); }
}());
