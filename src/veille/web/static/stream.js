// Live updates of the mention stream: new posts arrive as server-sent events
// (/stream/events); a button says how many and shows them at the top. It
// appears in a status region (announced, the focus left where it is).
// The server ends each event stream after a while; EventSource reconnects by
// itself, from the newest post already received.
(function () {
  "use strict";
  // The total of a stream longer than a page is counted after the page is shown.
  var counter = document.getElementById("stream-count");
  if (counter && counter.dataset.count && window.fetch) {
    fetch(counter.dataset.count, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var found = doc.querySelector(".count");
        if (found) { counter.replaceChildren(document.createTextNode(found.textContent)); }
      });
  }
})();

(function () {
  "use strict";
  var live = document.getElementById("live");
  var list = document.getElementById("posts");
  if (!live || !live.dataset.events || !window.EventSource) { return; }
  var url = new URL(live.dataset.events, window.location.href);
  var waiting = [];
  var count = document.getElementById("live-count");
  var button = document.getElementById("live-show");
  var source = null;

  function connect() {
    source = new EventSource(url.toString());
    source.addEventListener("posts", function (event) {
      var data = JSON.parse(event.data);
      url.searchParams.set("after", String(data.after));
      waiting.unshift(data.html);
      var total = Number(count.textContent) + data.count;
      count.textContent = String(total);
      button.hidden = false;
      // The next connection starts after the newest post received.
      source.close();
      window.setTimeout(connect, 1000);
    });
  }

  button.addEventListener("click", function () {
    if (!list) { window.location.reload(); return; }
    // The fragments are rendered by the server, escaped and sanitized there.
    // Oldest batch first, so that the newest ends on top.
    waiting.slice().reverse().forEach(function (html) {
      list.insertAdjacentHTML("afterbegin", html);
    });
    waiting = [];
    count.textContent = "0";
    // The button goes: the focus goes to the newest post, where reading
    // goes on, rather than back to the top of the page.
    button.hidden = true;
    var newest = list.firstElementChild;
    if (newest) {
      newest.setAttribute("tabindex", "-1");
      newest.focus();
    }
  });

  connect();
  window.addEventListener("pagehide", function () { if (source) { source.close(); } });
})();
