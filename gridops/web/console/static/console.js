// gridops console: countdowns, live lists (SSE; polling as the fallback), "use my location". No library.
(function () {
  "use strict";
  var body = document.body;
  var serverNow = Date.parse(body.dataset.now || "") || Date.now();
  var skew = serverNow - Date.now(); // the server's clock rules the countdowns

  // The words come from the page (the catalogue, in its language): "{d}天{h}小时", "{span} left".
  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }

  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return d ? fill(body.dataset.dh, { d: d, h: h }) : fill(body.dataset.hm, { h: h, m: (m < 10 ? "0" : "") + m });
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (!due) return;
      var left = due - now;
      el.textContent = fill(left >= 0 ? body.dataset.left : body.dataset.late, { span: span(left) });
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
    var before = numbers(live);
    // What says data-keep (the wall's map) stays as it is: it takes the place of its namesake.
    var kept = Array.prototype.slice.call(live.querySelectorAll("[data-keep][id]"));
    live.innerHTML = "";
    while (doc.body.firstChild) live.appendChild(doc.body.firstChild);
    kept.forEach(function (el) {
      var twin = document.getElementById(el.id);
      if (twin && twin !== el) twin.replaceWith(el);
      // a kept web map that is shown hides the server's map that came with the new panels
      var fallback = el.dataset.fallback && document.getElementById(el.dataset.fallback);
      if (fallback && !el.hidden) fallback.hidden = true;
    });
    tick();
    fitLists(live);
    arrived(live, before);
    return true;
  }

  // A list that is cut to fit its panel (the wall's 街镇, worst first): the rows that fit are
  // shown whole, the rest are hidden and counted in the list's note ("{n} more not shown").
  function fitLists(root) {
    (root || document).querySelectorAll("[data-fit]").forEach(function (list) {
      var panel = list.closest(".panel") || list.parentElement;
      var note = document.getElementById(list.dataset.fit);
      var rows = Array.prototype.slice.call(list.children);
      // the note counts against the whole (data-total: the overdue list holds the first few of all)
      var total = Math.max(rows.length, Number(note && note.dataset.total) || 0);
      function show(k) {
        rows.forEach(function (row, i) { row.hidden = i >= k; });
        if (note) {
          note.hidden = k >= total;
          note.textContent = fill(note.dataset.more, { n: total - k });
        }
        return panel.scrollHeight <= panel.clientHeight + 1;
      }
      if (show(rows.length)) return;
      var lo = 0, hi = rows.length - 1; // show(lo) fits (or nothing does), show(hi + 1) does not
      while (lo < hi) {
        var mid = Math.ceil((lo + hi) / 2);
        if (show(mid)) lo = mid; else hi = mid - 1;
      }
      show(lo);
    });
  }
  var refit = null;
  window.addEventListener("resize", function () {
    cancelAnimationFrame(refit);
    refit = requestAnimationFrame(function () { fitLists(); });
  });

  function numbers(root) {
    var seen = {};
    root.querySelectorAll("tr[data-number], article[data-number]").forEach(function (el) {
      seen[el.dataset.number] = true;
    });
    return seen;
  }

  // New rows announce themselves: highlighted, said in the aria-live region, and a short tone
  // when the dispatcher asked for one (the sound box; remembered in this browser).
  function arrived(live, before) {
    var fresh = [], urgent = 0;
    live.querySelectorAll("tr[data-number]").forEach(function (row) {
      if (before[row.dataset.number] || !row.classList.contains("fresh")) return;
      row.classList.add("arrived");
      fresh.push(row);
      if (row.classList.contains("urgent")) urgent += 1;
    });
    var region = document.getElementById("announce");
    if (!fresh.length || !region) return;
    var text = fill(region.dataset["new"], { n: fresh.length });
    if (urgent) text += fill(region.dataset.urgent, { n: urgent });
    region.textContent = text;
    bump(live, "announced");
    var sound = document.getElementById("sound");
    if (sound && sound.checked) beep(urgent ? 2 : 1);
  }

  var audio = null;
  function beep(times) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      for (var i = 0; i < times; i += 1) {
        var osc = audio.createOscillator(), gain = audio.createGain(), at = audio.currentTime + i * 0.25;
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.15, at);
        gain.gain.exponentialRampToValueAtTime(0.001, at + 0.2);
        osc.connect(gain).connect(audio.destination);
        osc.start(at);
        osc.stop(at + 0.2);
      }
    } catch (e) { /* no audio here: the highlight and the spoken region remain */ }
  }

  function soundBox() {
    var box = document.getElementById("sound");
    if (!box) return;
    box.checked = window.localStorage && localStorage.getItem("gridops-sound") === "1";
    box.addEventListener("change", function () {
      if (window.localStorage) localStorage.setItem("gridops-sound", box.checked ? "1" : "0");
      if (box.checked) beep(1);
    });
  }

  // "Select this page" ticks every row's box (the live list also holds while any is ticked).
  function selectAll() {
    document.addEventListener("change", function (e) {
      if (e.target.id !== "select-all") return;
      var form = e.target.form || document;
      form.querySelectorAll("input[name=n]").forEach(function (box) { box.checked = e.target.checked; });
    });
  }

  // Unit and person pickers: as a unit's name is typed, the units whose name holds it are
  // offered (an HTML fragment of options); once one is chosen, its people are listed with
  // their shift and open work (a fragment of radio buttons). Nobody types an id.
  function pickers() {
    var timers = {};
    document.addEventListener("input", function (e) {
      var field = e.target;
      if (!field.dataset || field.dataset.picker !== "units") return;
      clearTimeout(timers[field.id]);
      timers[field.id] = setTimeout(function () { offer(field); }, 200);
    });
    document.addEventListener("change", function (e) {
      var field = e.target;
      if (field.dataset && field.dataset.picker === "units" && field.dataset.people) people(field);
    });
  }

  function offer(field) {
    var list = document.getElementById(field.dataset.options);
    if (!list || field.value.trim() === "") return;
    get("/console/pick/units?q=" + encodeURIComponent(field.value.trim()), function (html) {
      list.innerHTML = html;
      var exact = Array.prototype.some.call(list.options, function (o) { return o.value === field.value.trim(); });
      if (exact && field.dataset.people) people(field);
    });
  }

  function people(field) {
    var box = document.getElementById(field.dataset.people);
    if (!box || box.dataset.unit === field.value) return;
    box.dataset.unit = field.value;
    var form = field.id.split("-")[0];
    get("/console/pick/people?form=" + form + "&unit=" + encodeURIComponent(field.value), function (html) {
      box.innerHTML = html;
      bump(box, "loaded");
    });
  }

  function get(url, done) {
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "picker" } })
      .then(function (r) {
        if (r.status === 401) ended();
        return r.ok ? r.text() : null;
      })
      .then(function (html) { if (html !== null) done(html); })
      .catch(function () { /* offline: the typed name is resolved when the form is sent */ });
  }

  function settle(live) {
    setTimeout(function () {
      if (live.pending && swap(live, live.pending)) bump(live, "settled");
    }, 0);
  }

  function bump(live, counter) {
    live.dataset[counter] = String(Number(live.dataset[counter] || 0) + 1);
  }

  // The session ended (signed out elsewhere, expired, idle): say so at the top, dim what the page
  // shows and stop asking — a list that silently stops updating would be worse than none.
  var gone = false;
  function ended() {
    if (gone) return;
    gone = true;
    var live = document.getElementById("live");
    if (live) stopPolling(live);
    document.body.classList.add("ended");
    var note = document.getElementById("ended");
    if (note) note.hidden = false;
  }
  window.gridopsEnded = ended; // the map's and the hotline's scripts say it too

  // Signing in again happens in another tab (the notice's link), so nothing typed here is lost;
  // back on this page, one look says whether it has a session again, and it picks up again.
  function revive() {
    if (!gone) return;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "check" } })
      .then(function (r) {
        if (!r.ok || !gone) return;
        gone = false;
        document.body.classList.remove("ended");
        var note = document.getElementById("ended");
        if (note) note.hidden = true;
        var live = document.getElementById("live");
        if (live && window.EventSource && live.dataset.stream) stream(live);
        else if (live) startPolling(live);
        if (live) poll();
      })
      .catch(function () { /* offline: the next visit tries again */ });
  }
  window.addEventListener("focus", revive);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) revive(); });

  function poll() {
    var live = document.getElementById("live");
    if (!live || !live.dataset.poll || gone) return;
    fetch(live.dataset.poll, { credentials: "same-origin", headers: { "X-Requested-With": "poll" } })
      .then(function (r) {
        if (r.status === 401) ended();
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html !== null && swap(live, html)) bump(live, "polled");
      })
      .catch(function () { /* offline for a moment: try again next round */ });
  }

  function startPolling(live) {
    if (live.dataset.polling || !live.dataset.poll || gone) return;
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
    if (gone) return;
    var failures = 0;
    var source = new EventSource(live.dataset.stream);
    source.addEventListener("ended", function () {
      source.close();
      delete live.dataset.streaming;
      ended();
    });
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

  // The desk left out its SVG map because this browser drew the web map before (map.js's
  // cookie); where the web map did not start this time (no WebGL now, map.js not loaded),
  // ask for the page with its SVG (?map=svg: the server clears the cookie).
  window.addEventListener("load", function () {
    var omitted = document.querySelector("#map[data-omitted]");
    var box = document.querySelector(".glmap");
    if (!omitted || !box || !box.hidden) return;
    var again = new URL(window.location.href);
    again.searchParams.set("map", "svg");
    window.location.replace(again.href);
  });

  document.addEventListener("DOMContentLoaded", function () {
    backLinks();
    tick();
    fitLists();
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { fitLists(); });
    setInterval(tick, 30000);
    var live = document.getElementById("live");
    if (live) ["focusout", "input", "change"].forEach(function (type) {
      live.addEventListener(type, function () { settle(live); });
    });
    if (live && window.EventSource && live.dataset.stream) stream(live);
    else if (live) startPolling(live);
    locate();
    soundBox();
    selectAll();
    pickers();
  });
})();
