// gridops console: countdowns, live lists (SSE; polling as the fallback), "use my location". No library.
(function () {
  "use strict";
  var body = document.body;
  var serverNow = Date.parse(body.dataset.now || "") || Date.now();
  var skew = serverNow - Date.now(); // the server's clock rules the countdowns

  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return d ? d + "d " + h + "h" : h + "h " + (m < 10 ? "0" : "") + m + "m";
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (!due) return;
      var left = due - now;
      el.textContent = (left >= 0 ? body.dataset.left : body.dataset.late) + " " + span(left);
      el.classList.toggle("late", left < 0);
    });
  }

  // Something typed or picked in the live list (a reason, a note, photos) is not thrown away by a
  // swap: the fragment waits until the list is left alone.
  function busy(live) {
    if (live.contains(document.activeElement) && document.activeElement !== live) return true;
    return Array.prototype.some.call(live.querySelectorAll("input:not([type=hidden])"), function (el) {
      if (el.type === "checkbox" || el.type === "radio") return el.checked; // value is fixed
      return el.type === "file" ? el.files && el.files.length > 0 : el.value !== "";
    });
  }

  // Put a fetched or pushed fragment in place; true when it held the live list (the element named
  // by data-holds; the dispatch queue table by default), not e.g. the login page.
  function swap(live, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    if (!doc.getElementById(live.dataset.holds || "queue-table")) return false;
    if (busy(live)) {
      live.pending = html;
      return false;
    }
    delete live.pending;
    live.innerHTML = "";
    while (doc.body.firstChild) live.appendChild(doc.body.firstChild);
    tick();
    return true;
  }

  function settle(live) {
    setTimeout(function () {
      if (live.pending && swap(live, live.pending)) bump(live, "settled");
    }, 0);
  }

  function bump(live, counter) {
    live.dataset[counter] = String(Number(live.dataset[counter] || 0) + 1);
  }

  function poll() {
    var live = document.getElementById("live");
    if (!live || !live.dataset.poll) return;
    fetch(live.dataset.poll, { credentials: "same-origin", headers: { "X-Requested-With": "poll" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && swap(live, html)) bump(live, "polled");
      })
      .catch(function () { /* offline for a moment: try again next round */ });
  }

  function startPolling(live) {
    if (live.dataset.polling || !live.dataset.poll) return;
    live.dataset.polling = "1";
    live.polling = setInterval(poll, Number(live.dataset.interval || 4000));
  }

  function stopPolling(live) {
    clearInterval(live.polling);
    delete live.polling;
    delete live.dataset.polling;
  }

  // Server-Sent Events: the server pushes the fragment when it changes. The browser reconnects
  // by itself (the server ends each stream after a while); after a few failed attempts in a
  // row, or a refusal (login page, 403), fall back to polling, and try the stream again every
  // data-restream ms (a minute by default) while polling: once it opens, polling stops.
  function stream(live) {
    var failures = 0;
    var source = new EventSource(live.dataset.stream);
    if (!live.dataset.polling) live.dataset.streaming = "1";
    source.onopen = function () {
      failures = 0;
      if (live.dataset.polling) bump(live, "restreamed");
      stopPolling(live);
      live.dataset.streaming = "1";
    };
    source.onmessage = function (e) {
      failures = 0;
      if (swap(live, e.data)) bump(live, "streamed");
    };
    source.onerror = function () {
      failures += 1;
      if (failures >= 3 || source.readyState === EventSource.CLOSED) {
        source.close();
        delete live.dataset.streaming;
        startPolling(live);
        setTimeout(function () { stream(live); }, Number(live.dataset.restream || 60000));
      }
    };
  }

  function locate() {
    var button = document.getElementById("locate");
    if (!button) return;
    button.addEventListener("click", function () {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
      }, function () { /* refused or unavailable: type lon/lat by hand */ }, { timeout: 8000 });
    });
  }

  // "Back" on an error page: the previous page when there is one (no inline script: the CSP
  // allows none), the console's home otherwise.
  function backLinks() {
    document.querySelectorAll("a[data-back]").forEach(function (a) {
      a.addEventListener("click", function (e) {
        if (window.history.length > 1) {
          e.preventDefault();
          window.history.back();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    backLinks();
    tick();
    setInterval(tick, 30000);
    var live = document.getElementById("live");
    if (live) ["focusout", "input", "change"].forEach(function (type) {
      live.addEventListener(type, function () { settle(live); });
    });
    if (live && window.EventSource && live.dataset.stream) stream(live);
    else if (live) startPolling(live);
    locate();
  });
})();
