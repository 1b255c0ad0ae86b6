// gridops console: countdowns, live queue polling, and "use my location". No library.
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

  function poll() {
    var live = document.getElementById("live");
    if (!live || !live.dataset.poll) return;
    fetch(live.dataset.poll, { credentials: "same-origin", headers: { "X-Requested-With": "poll" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var queues = doc.getElementById("queues");
        var table = doc.getElementById("queue-table");
        if (queues && table) {
          live.innerHTML = "";
          live.appendChild(queues);
          var wrap = document.createElement("div");
          wrap.className = "scroll";
          wrap.appendChild(table);
          live.appendChild(wrap);
          live.dataset.polled = String(Number(live.dataset.polled || 0) + 1);
          tick();
        }
      })
      .catch(function () { /* offline for a moment: try again next round */ });
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

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 30000);
    var live = document.getElementById("live");
    if (live) setInterval(poll, Number(live.dataset.interval || 4000));
    locate();
  });
})();
