// The topic editor's live test: as the query is typed, the server tests it
// against the stored posts (/topics/preview) and its answer (an HTML
// fragment it escaped and sanitized) replaces the preview. A screen reader
// hears its first sentence (the count, or why the query cannot be read)
// through a status region, not the sample of posts.
(function () {
  "use strict";
  var field = document.getElementById("query");
  var target = document.getElementById("preview");
  var status = document.getElementById("preview-status");
  if (!field || !target || !field.dataset.preview || !window.fetch) { return; }
  var timer = null;
  var latest = 0;
  field.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var asked = ++latest;
      var url = field.dataset.preview + "?query=" + encodeURIComponent(field.value);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null || asked !== latest) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          var main = doc.getElementById("main");
          target.replaceChildren.apply(target, Array.from((main || doc.body).childNodes));
          if (status) {
            var said = target.querySelector(".preview-count, .query-error p");
            status.textContent = said ? said.textContent.replace(/\s+/g, " ").trim() : "";
          }
        });
    }, 400);
  });
})();
