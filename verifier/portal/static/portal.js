// The request page: long-polls the request's status and, once it is no
// longer pending, puts the decision (the same page, rendered again by the
// server in the page's language) in place without reloading. Without
// this script the page's "Check the status" link does the same.
"use strict";
(function () {
  var box = document.querySelector("[data-poll]");
  if (!box) {
    return;
  }
  var url = box.dataset.poll;
  var refresh = document.getElementById("refresh");
  if (refresh) {
    refresh.hidden = true;
  }
  var backoff = 0;

  function swap() {
    fetch(location.href, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "text/html"}})
      .then(function (r) {
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById("main");
        var main = document.getElementById("main");
        if (!next || !main) {
          throw new Error("no main");
        }
        main.replaceWith(document.adoptNode(next));
        document.title = doc.title;
        var h = document.querySelector("#main h1");
        if (h) {
          h.tabIndex = -1;
          h.focus();
        }
      })
      .catch(function () {
        location.reload();
      });
  }

  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.status === 404) {
          return {state: "gone"};
        }
        if (!r.ok) {
          throw new Error("status " + r.status);
        }
        return r.json();
      })
      .then(function (st) {
        backoff = 0;
        if (st.state === "pending") {
          poll();
        } else {
          swap();
        }
      })
      .catch(function () {
        // The network or the server failed: try again, less and less often.
        backoff = Math.min(backoff ? backoff * 2 : 1000, 30000);
        setTimeout(poll, backoff);
      });
  }

  poll();
})();
