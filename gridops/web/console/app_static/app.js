// gridops field app (城管通): the task list in five tabs, a screen per task (place, navigation,
// photos, the moves), camera-first capture, the device's position with each move, and a queue
// of moves kept on the phone (outbox.js) that is sent when the signal returns. No library.
(function () {
  "use strict";
  var body = document.body;
  var W = JSON.parse(document.getElementById("words").textContent);
  var CSRF = body.dataset.csrf, LANG = body.dataset.lang;
  var skew = (Date.parse(body.dataset.now || "") || Date.now()) - Date.now();
  var data = { tabs: { todo: [], doing: [], verify: [], check: [], done: [] } };
  var queued = [], kept = [], tab = "todo", open = null, here = null, sending = false;
  var answered = 0, asked = 0, shown = 0;  // moves answered, task lists asked for and shown
  // Moves the server accepted that no list shown yet reflects: still applied to the view, so the
  // task does not fall back to how it was (the accept button back) while the next list is awaited.
  var settled = [];
  var TABS = ["todo", "doing", "verify", "check", "done"];
  var FORMS = ["accept", "done", "verify", "check", "return"];

  function t(key, values) {
    var text = key in W ? W[key] : key;
    return String(text).replace(/\{(\w+)\}/g, function (all, k) {
      return values && k in values ? values[k] : all;
    });
  }

  // -- elements -------------------------------------------------------------------------------
  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
      else if (k in { hidden: 1, required: 1, multiple: 1, checked: 1 }) node[k] = true;
      else node.setAttribute(k, v);
    });
    (kids || []).forEach(function (kid) {
      if (kid !== null && kid !== undefined) node.appendChild(typeof kid === "string" ? document.createTextNode(kid) : kid);
    });
    return node;
  }

  function say(text) {
    var toast = document.getElementById("toast");
    toast.textContent = text;
    toast.classList.add("shown");
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.classList.remove("shown"); }, 6000);
  }

  // The toast says ``text`` no longer (once it is no longer true: "sending…" when all is sent).
  function unsay(text) {
    var toast = document.getElementById("toast");
    if (toast.textContent === text) toast.classList.remove("shown");
  }

  // -- time and distance ----------------------------------------------------------------------
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return d ? t("span.dh", { d: d, h: h }) : t("span.hm", { h: h, m: (m < 10 ? "0" : "") + m });
  }

  function countdown(task) {
    if (task.clock_state) return el("span", { "class": "countdown", text: t("clock." + task.clock_state) });
    if (!task.due) return el("span", { "class": "countdown", text: t("app.no_deadline") });
    var left = Date.parse(task.due) - (Date.now() + skew);
    return el("span", { "class": "countdown" + (left < 0 ? " late" : ""), "data-due": task.due,
      text: t(left >= 0 ? "cd.left" : "cd.late", { span: span(left) }) });
  }

  function tick() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (node) {
      var left = Date.parse(node.dataset.due) - (Date.now() + skew);
      node.textContent = t(left >= 0 ? "cd.left" : "cd.late", { span: span(left) });
      node.classList.toggle("late", left < 0);
    });
  }

  function metres(task, from) {
    from = from || here;
    if (!from || task.lon === undefined) return null;
    var r = Math.PI / 180, dLat = (task.lat - from.lat) * r, dLon = (task.lon - from.lon) * r;
    var a = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(from.lat * r) * Math.cos(task.lat * r) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  function distance(task) {
    var m = metres(task);
    if (m === null) return null;
    var text = m < 1000 ? t("app.m", { n: Math.round(m) }) : t("app.km", { n: (m / 1000).toFixed(1) });
    return el("span", { "class": "dist", text: t("app.away", { d: text }) });
  }

  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(function (p) {
      here = { lon: p.coords.longitude, lat: p.coords.latitude };
      window.FieldApp.onPosition.forEach(function (f) { f(here); });
      document.querySelectorAll("[data-dist]").forEach(function (node) {
        var task = find(node.dataset.dist);
        var d = task && distance(task);
        if (d) node.replaceChildren(d);
      });
    }, function () {}, { enableHighAccuracy: true, maximumAge: 30000 });
  }

  // -- the model: the server's tabs with this phone's queued moves applied --------------------
  function find(number) {
    for (var i = 0; i < TABS.length; i++) {
      var list = view()[TABS[i]];
      for (var j = 0; j < list.length; j++) if (list[j].number === number) return list[j];
    }
    return null;
  }

  function view() {
    var tabs = {};
    TABS.forEach(function (k) { tabs[k] = data.tabs[k].map(function (x) { return Object.assign({}, x); }); });
    settled.map(function (s) { return s.move; }).concat(queued).forEach(function (move) {
      var from = null, task = null;
      TABS.forEach(function (k) {
        tabs[k].forEach(function (x, i) { if (x.number === move.ticket) { from = k; task = x; task._i = i; } });
      });
      if (!task) return;
      tabs[from].splice(task._i, 1);
      if (queued.indexOf(move) >= 0) task.pending = (task.pending || 0) + 1;
      if (move.action === "accept") {
        task.status = "accepted";
        task.actions = ["return", "done"].filter(function (a) { return move.had.indexOf(a) >= 0 || a === "done"; });
        tabs.doing.unshift(task);
      } else if (move.action === "done") {
        task.status = "handled";
        task.actions = [];
        task.clock_state = task.overdue ? "done_late" : "done_on_time";
        tabs.check.unshift(task);
      }
    });
    return tabs;
  }

  // -- the list -------------------------------------------------------------------------------
  function render() {
    var tabs = view();
    TABS.forEach(function (k) {
      document.querySelector('[data-count="' + k + '"]').textContent = tabs[k].length;
      var b = document.getElementById("tab-" + k);
      b.setAttribute("aria-selected", k === tab ? "true" : "false");
    });
    var cards = document.getElementById("cards");
    cards.setAttribute("aria-labelledby", "tab-" + tab);
    cards.replaceChildren();
    var list = tabs[tab];
    var orphans = kept.filter(function (k) { return !find(k.ticket); });
    if (orphans.length) {
      cards.appendChild(el("section", { "class": "kept", "aria-labelledby": "kept-list-h" }, [
        el("h3", { id: "kept-list-h", text: t("app.kept") })
      ].concat(orphans.map(function (k) {
        return el("a", { "class": "back", href: "#task/" + k.ticket, translate: "no",
          text: t("app.move." + k.action) + " · " + k.ticket });
      }))));
    }
    if (!list.length) cards.appendChild(el("p", { "class": "empty", text: t("app.empty") }));
    list.forEach(function (task) { cards.appendChild(card(task)); });
    var pending = queued.length;
    var box = document.getElementById("outbox");
    box.hidden = !pending;
    box.textContent = t("app.queued", { n: pending });
    if (open) showTask(open);
  }

  // The task's place on a small still map (static/map/map.js, loaded by the page as a module)
  // when online with WebGL; otherwise, and offline, the slot holds the address in words.
  var shownMap = null;
  function mapSlot(task) {
    if (shownMap && shownMap.dataset.number === task.number) return shownMap;
    var slot = el("div", { "class": "map-slot", role: "img", "aria-label": t("app.map_at", { lon: task.lon, lat: task.lat }),
      "data-lon": task.lon, "data-lat": task.lat }, [el("span", { "class": "addr", text: where(task) })]);
    if (navigator.onLine && window.gridopsMap && task.map) {
      Object.keys(task.map).forEach(function (k) { slot.setAttribute("data-" + k, task.map[k]); });
      setTimeout(function () {  // once in the page, so the map can measure its box
        if (!slot.isConnected) return;
        slot.classList.add("drawn");
        window.gridopsMap(slot);
      }, 0);
    }
    return slot;
  }

  // A map whose slot leaves the page goes with it (map.remove()): left running, MapLibre's
  // ResizeObserver and the map's own notes would still reach for a box no longer in the page.
  // ``keep``: the slot of the task shown again, kept as it is.
  function dropMaps(box, keep) {
    box.querySelectorAll(".map-slot.drawn").forEach(function (slot) {
      if (slot === keep) return;
      if (slot.map) slot.map.remove();
      slot.map = null;
      slot.classList.remove("drawn");
    });
    shownMap = keep;
  }

  function place(task) {
    return task.place || (task.nearby && task.nearby[0]) || t("app.no_place");
  }

  // Where to go: the nearest standard address (标准地址库) first, then the cell it lies in.
  function where(task) {
    return task.address || place(task);
  }

  function card(task) {
    var conflict = kept.filter(function (k) { return k.ticket === task.number; }).length;
    return el("a", { "class": "card" + (task.overdue ? " late" : ""), href: "#task/" + task.number,
      "data-number": task.number }, [
      el("span", { "class": "cat", text: task.category_name }),
      el("span", { "class": "where", text: where(task) }),
      task.address ? el("span", { "class": "cell", text: place(task) }) : null,
      el("span", { "class": "meta" }, [countdown(task), " ", el("span", { "data-dist": task.number }, [distance(task)])]),
      task.pending ? el("span", { "class": "badge wait", text: t("app.pending") }) : null,
      conflict ? el("span", { "class": "badge bad", text: t("app.kept_badge") }) : null,
      task.far_m && task.far_m.length ? el("span", { "class": "badge far", text: t("app.far", { d: task.far_m[0] }) }) : null,
      el("span", { "class": "num", translate: "no", text: task.number })
    ]);
  }

  // -- one task -------------------------------------------------------------------------------
  function photoInput(name, label, help, prefix) {
    var id = (prefix || "ph") + "-" + name;
    var preview = el("div", { "class": "previews", id: id + "-preview" });
    var input = el("input", { type: "file", id: id, name: name, accept: "image/*", capture: "environment",
      multiple: true, "aria-describedby": help ? id + "-help" : null, on: { change: function () {
        preview.replaceChildren();
        Array.prototype.forEach.call(input.files, function (f) {
          preview.appendChild(el("img", { src: URL.createObjectURL(f), alt: label + " " + f.name, width: "72", height: "72" }));
        });
      } } });
    return el("div", { "class": "photo" }, [
      el("label", { "for": id, "class": "shoot" }, [el("span", { "class": "cam", "aria-hidden": "true" }), label]),
      input, help ? el("p", { "class": "hint", id: id + "-help", text: help }) : null, preview
    ]);
  }

  function field(label, control) {
    return el("label", { "class": "field" }, [el("span", { text: label }), control]);
  }

  function doneForm(task) {
    // Not filled in for the worker: a done says what was done (the check reads it).
    var note = el("textarea", { name: "note", rows: "2", required: true, placeholder: t("app.done_note") });
    return el("form", { "class": "move done", "data-action": "done" }, [
      el("h3", { text: t("app.do.done") }),
      el("div", { "class": "pair" }, [
        photoInput("before", t("app.before"), task.before_after ? t("app.before_after_needed") : null),
        photoInput("after", t("app.after"))
      ]),
      field(t("app.note"), note),
      el("button", { type: "submit", "class": "primary", text: t("app.do.done") })
    ]);
  }

  function returnForm() {
    var reasons = ["not_ours", "wrong_place", "duplicate", "needs_other"];
    var text = el("textarea", { name: "reason_text", rows: "2" });
    return el("details", { "class": "ret" }, [
      el("summary", { "class": "danger", text: t("app.do.return") }),
      el("form", { "class": "move return", "data-action": "return" }, [
        el("fieldset", {}, [el("legend", { text: t("app.return_why") })].concat(reasons.map(function (r, i) {
          return el("label", { "class": "radio" }, [
            el("input", { type: "radio", name: "preset", value: t("app.reason." + r), required: i === 0 }),
            t("app.reason." + r)
          ]);
        }))),
        field(t("app.reason_more"), text),
        el("button", { type: "submit", "class": "danger", text: t("app.return_confirm") })
      ])
    ]);
  }

  function verifyForms() {
    var note = el("textarea", { name: "note", rows: "2" });
    var reason = el("textarea", { name: "reason", rows: "2" });
    return el("form", { "class": "move verify", "data-action": "verify" }, [
      el("h3", { text: t("app.verify") }),
      photoInput("after", t("app.photo")),
      field(t("app.verify_note"), note),
      field(t("app.reason_if_not"), reason),
      el("div", { "class": "row" }, [
        el("button", { type: "submit", "class": "primary", value: "verify_exists", text: t("app.verify.exists") }),
        el("button", { type: "submit", "class": "danger", value: "verify_absent", text: t("app.verify.absent") }),
        el("button", { type: "submit", value: "verify_unverifiable", text: t("app.verify.unverifiable") })
      ])
    ]);
  }

  // The check (核查) compares the place before the work and after it, side by side.
  function beforeAfter(task) {
    function side(id, label, refs) {
      return el("figure", { id: id }, [el("figcaption", { text: label })].concat(refs.length ? refs.map(function (p) {
        return el("a", { href: "/console/media/" + p }, [el("img", { src: "/console/media/" + p, alt: label, width: "150", height: "150" })]);
      }) : [el("span", { "class": "hint", text: t("app.check.no_photo") })]));
    }
    if (!task || (!(task.before || []).length && !(task.after || []).length)) return null;
    return el("div", { "class": "before-after", id: "check-photos", role: "group", "aria-label": t("app.check.compare") }, [
      side("check-before", t("app.check.before"), task.before || []),
      side("check-after", t("app.check.after"), task.after || [])
    ]);
  }

  function checkForms() {
    var reason = el("textarea", { name: "reason", rows: "2" });
    return el("form", { "class": "move check", "data-action": "check" }, [
      el("h3", { text: t("app.check") }),
      beforeAfter(find(open)),
      field(t("app.reason_if_fail"), reason),
      el("div", { "class": "row" }, [
        el("button", { type: "submit", "class": "primary", value: "check_pass", text: t("app.check.pass") }),
        el("button", { type: "submit", "class": "danger", value: "check_fail", text: t("app.check.fail") })
      ])
    ]);
  }

  function keptBlock(task) {
    var mine = kept.filter(function (k) { return k.ticket === task.number; });
    if (!mine.length) return null;
    return el("section", { "class": "kept", "aria-labelledby": "kept-h" }, [
      el("h3", { id: "kept-h", text: t("app.kept") })
    ].concat(mine.map(function (k) {
      return el("article", { "class": "kept-move", "data-key": k.key }, [
        el("p", { "class": "why", text: k.message }),
        el("p", {}, [el("strong", { text: t("app.move." + k.action) + " · " }),
          el("span", { translate: "no", text: k.fields.note || k.fields.reason || "" })]),
        el("div", { "class": "previews" }, (k.photos || []).map(function (p) {
          return el("img", { src: URL.createObjectURL(p.blob), alt: t("app.kept_photo"), width: "72", height: "72" });
        })),
        el("button", { type: "button", "class": "link", text: t("app.discard"), on: { click: function () {
          Outbox.forget(k.key).then(reload);
        } } })
      ]);
    })));
  }

  function showTask(number) {
    var task = find(number);
    var box = document.getElementById("task-view");
    document.getElementById("list-view").hidden = true;
    box.hidden = false;
    open = number;
    if (!task) {
      var keptHere = kept.filter(function (k) { return k.ticket === number; });
      dropMaps(box, null);
      box.replaceChildren(el("a", { href: "#", "class": "back", text: "← " + t("app.back") }),
        el("p", { "class": "empty", text: t("app.gone") }));
      if (keptHere.length) box.appendChild(keptBlock({ number: number }));
      return;
    }
    // The task on screen is only touched up, never re-drawn, while it offers the same forms: the
    // server confirming the accept must not replace the done form under a worker's tap or photo.
    // A form being filled in (a note typed, a photo taken) is kept too while the task still offers
    // its move, even when the other forms changed.
    var dirty = box.querySelector("form.dirty");
    if (box.dataset.number === number && (box.dataset.sig === sig(task) ||
        (dirty && (task.actions || []).indexOf(dirty.dataset.action) >= 0))) {
      touchUp(box, task);
      return;
    }
    var drawn = box.querySelector(".map-slot.drawn");  // the same task's map is kept as it is
    dropMaps(box, drawn && drawn.dataset.number === number ? drawn : null);
    box.dataset.number = number;
    box.dataset.sig = sig(task);
    box.dataset.pending = task.pending || 0;
    var a = task.actions || [];
    box.replaceChildren.apply(box, [
      el("a", { href: "#", "class": "back", text: "← " + t("app.back") }),
      el("h2", { text: task.category_name }),
      el("p", { "class": "meta" }, [el("span", { "class": "status", text: t("status." + task.status) }), " · ", countdown(task),
        task.pending ? el("span", { "class": "badge wait", text: t("app.pending") }) : null]),
      el("p", { "class": "where" }, [el("strong", { "class": "addr", text: where(task) }), " ", el("span", { "data-dist": task.number }, [distance(task)])]),
      task.address ? el("p", { "class": "cell", text: place(task) }) : null,
      mapSlot(task),
      el("nav", { "class": "navi", "aria-label": t("app.navigate") }, [
        el("a", { href: task.nav.amap, "class": "btn", text: t("app.nav.amap") }),
        el("a", { href: task.nav.baidu, "class": "btn", text: t("app.nav.baidu") }),
        el("a", { href: task.nav.system, "class": "btn", text: t("app.nav.system") })
      ]),
      task.description ? el("p", { "class": "desc", translate: "no", text: task.description }) : null,
      task.media.length ? el("div", { "class": "previews" }, task.media.map(function (p) {
        return el("a", { href: "/console/media/" + p }, [el("img", { src: "/console/media/" + p, alt: t("app.report_photo"), width: "96", height: "96" })]);
      })) : null,
      task.far_m && task.far_m.length ? el("p", { "class": "badge far" }, [t("app.far", { d: task.far_m[0] }),
        task.far_why && task.far_why[0] ? el("span", { "class": "far-reason", translate: "no", text: " · " + t("app.far_reason") + task.far_why[0] }) : null]) : null,
      task.last_reason ? el("p", { "class": "hint" }, [t("app.last_reason") + " ", el("span", { translate: "no", text: task.last_reason })]) : null,
      keptBlock(task),
      a.indexOf("accept") >= 0 ? el("button", { type: "button", "class": "primary big", id: "accept",
        text: t("app.do.accept"), on: { click: function () { queue(task, "accept", {}, []); } } }) : null,
      a.indexOf("done") >= 0 ? doneForm(task) : null,
      a.some(function (x) { return x.indexOf("verify_") === 0; }) ? verifyForms() : null,
      a.indexOf("check_pass") >= 0 ? checkForms() : null,
      a.indexOf("return") >= 0 ? returnForm() : null
    ].filter(function (x) { return x !== null; }));
    box.querySelectorAll("form.move").forEach(function (form) {
      form.addEventListener("input", function () { form.classList.add("dirty"); });
      form.addEventListener("submit", function (ev) { ev.preventDefault(); submit(task, form, ev.submitter); });
    });
    window.scrollTo(0, 0);
  }

  // What the task view draws as forms and notes: while it stays the same, the view stays.
  function sig(task) {
    var forms = FORMS.filter(function (f) {
      return (task.actions || []).some(function (a) { return a === f || a.indexOf(f + "_") === 0; });
    });
    var conflicts = kept.filter(function (k) { return k.ticket === task.number; }).length;
    return [task.status, forms.join(), conflicts].join("|");
  }

  function touchUp(box, task) {
    var meta = box.querySelector(".meta");
    if (meta) meta.replaceChildren.apply(meta, [el("span", { "class": "status", text: t("status." + task.status) }), " · ",
      countdown(task), task.pending ? el("span", { "class": "badge wait", text: t("app.pending") }) : null]
      .filter(function (x) { return x !== null; }));
    box.dataset.sig = sig(task);
    box.dataset.pending = task.pending || 0;
  }

  function submit(task, form, button) {
    var action = form.dataset.action;
    if (button && button.value) action = button.value;
    var fields = {}, photos = [];
    var note = form.querySelector("[name=note]"), reason = form.querySelector("[name=reason]");
    if (note) fields.note = note.value.trim();
    if (reason) fields.reason = reason.value.trim();
    if (action === "return") {
      var preset = form.querySelector("[name=preset]:checked");
      var more = form.querySelector("[name=reason_text]").value.trim();
      fields.reason = [preset ? preset.value : "", more].filter(Boolean).join("；");
    }
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files, function (f) { photos.push({ field: input.name, name: f.name, type: f.type, blob: f }); });
    });
    var needsReason = action === "verify_absent" || action === "verify_unverifiable" || action === "check_fail";
    if (needsReason && !fields.reason) { say(t("app.err.reason")); return; }
    if (action === "done") {
      var before = photos.some(function (p) { return p.field === "before"; });
      var after = photos.some(function (p) { return p.field === "after"; });
      if (task.before_after && !(before && after)) { say(t("app.err.before_after")); return; }
      if (!fields.note) { say(t("app.err.note")); return; }
      // No photo after: the check has nothing to compare. Asked once; a second tap sends it.
      if (!after && form.dataset.noPhoto !== "1") {
        form.dataset.noPhoto = "1";
        var warn = form.querySelector(".no-photo") || form.insertBefore(
          el("p", { "class": "err no-photo", role: "alert" }), form.querySelector("button[type=submit]"));
        warn.textContent = t("app.no_after_photo");
        return;
      }
    }
    queue(task, action, fields, photos);
  }

  function queue(task, action, fields, photos) {
    var move = { ticket: task.number, action: action, fields: fields, photos: photos, had: task.actions || [] };
    var withPosition = action !== "accept" && action !== "return";
    var away = withPosition ? metres(task) : null;
    if (away !== null && task.radius_m && away > task.radius_m && !fields.far_reason) {
      return askFar(task, away, function (why) { fields.far_reason = why; queue(task, action, fields, photos); });
    }
    var store = function () {
      if (withPosition && here) { move.fields.lon = here.lon.toFixed(7); move.fields.lat = here.lat.toFixed(7); }
      return Outbox.add(move).then(function () {
        queued.push(move);
        say(navigator.onLine ? t("app.sending") : t("app.saved_offline"));
        var box = document.getElementById("task-view");
        delete box.dataset.sig;
        if (action !== "accept") location.hash = "";
        render();
        send();
      });
    };
    return store();
  }

  // A done, verify or check sent from beyond the category's radius asks the worker why first
  // (a preset and/or free text); the reason goes with the move to the dispatcher and the check.
  function askFar(task, away, then) {
    var presets = ["blocked", "gps", "moved", "left"];
    var more = el("textarea", { name: "far_more", rows: "2" });
    var err = el("p", { "class": "err", id: "far-err", role: "alert" });
    var dialog = el("dialog", { "class": "far-ask", id: "far-ask", "aria-labelledby": "far-title" });
    var close = function () { dialog.close(); dialog.remove(); };
    var form = el("form", { method: "dialog" }, [
      el("h3", { id: "far-title", text: t("app.far_title") }),
      el("p", { text: t("app.far_ask", { d: Math.round(away), r: Math.round(task.radius_m) }) }),
      el("fieldset", {}, [el("legend", { text: t("app.far_why") })].concat(presets.map(function (p) {
        return el("label", { "class": "radio" }, [
          el("input", { type: "radio", name: "far_preset", value: t("app.far_why." + p) }), t("app.far_why." + p)
        ]);
      }))),
      field(t("app.far_more"), more),
      err,
      el("div", { "class": "row" }, [
        el("button", { type: "submit", "class": "primary", id: "far-send", text: t("app.far_send") }),
        el("button", { type: "button", id: "far-cancel", text: t("app.far_cancel"), on: { click: close } })
      ])
    ]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var preset = form.querySelector("[name=far_preset]:checked");
      var why = [preset ? preset.value : "", more.value.trim()].filter(Boolean).join("；");
      if (!why) { err.textContent = t("app.err.far_reason"); return; }
      close();
      then(why.slice(0, 500));
    });
    dialog.appendChild(form);
    document.body.appendChild(dialog);
    dialog.showModal();
  }

  // -- sending --------------------------------------------------------------------------------
  function form(move) {
    var f = new FormData();
    f.append("key", move.key);
    f.append("ticket", move.ticket);
    f.append("action", move.action);
    Object.keys(move.fields).forEach(function (k) { f.append(k, move.fields[k]); });
    (move.photos || []).forEach(function (p) { f.append(p.field, p.blob, p.name || "photo.jpg"); });
    return f;
  }

  function send() {
    if (sending) return Promise.resolve();
    sending = true;
    var changed = false;
    function next() {
      return Outbox.all().then(function (moves) {
        if (!moves.length) return null;
        var move = moves[0];
        var url = move.kind === "patrol" ? "/console/app/patrols" : "/console/app/moves";
        return fetch(url + "?lang=" + LANG, { method: "POST", body: form(move), credentials: "same-origin",
          headers: { "X-CSRF-Token": CSRF } }).then(function (answer) {
          return answer.json()["catch"](function () { return {}; }).then(function (said) {
            if (answer.ok) {
              changed = true;
              answered += 1;
              settled.push({ move: move, at: answered });
              if (said.far) say(t("app.far_sent", { d: Math.round(said.distance_m) }));
              return Outbox.remove(move.key).then(next);
            }
            if (answer.status === 409 || answer.status === 400) {
              changed = true;
              answered += 1;
              say(said.message || t("app.err.refused"));
              return Outbox.keep(move, said.message || t("app.err.refused")).then(function () {
                return Outbox.remove(move.key);
              }).then(next);
            }
            if (said.signin) say(said.message || t("app.err.signin"));
            return null; // 503, 401: try again later
          });
        });
      });
    }
    return next()["catch"](function () { online(false); }).then(function () {
      sending = false;
      return changed ? refresh() : reload();
    });
  }

  // -- loading --------------------------------------------------------------------------------
  function reload() {
    return Promise.all([Outbox.all(), Outbox.kept()]).then(function (r) {
      queued = r[0];
      kept = r[1];
      if (!queued.length) unsay(t("app.sending"));
      render();
    });
  }

  // A task list asked for before a move was answered is older than that move: applied after it,
  // it would show the task as it was before (the accept button back under the worker's thumb).
  // Such a list, and any list older than one already shown, is dropped; the refresh that follows
  // every answered move brings the newer one.
  function refresh() {
    var at = answered, mine = ++asked;
    return fetch("/console/app/tasks?lang=" + LANG, { credentials: "same-origin", headers: { "X-Requested-With": "poll" } })
      .then(function (answer) {
        if (answer.status === 401) {
          return answer.json().then(function (said) { say(said.message); });
        }
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.json().then(function (fresh) {
          online(true);
          if (at !== answered || mine < shown) return null;
          shown = mine;
          settled = settled.filter(function (s) { return s.at > at; });
          skew = Date.parse(fresh.at) - Date.now();
          data = fresh;
          return Outbox.save("tasks:" + body.dataset.user, fresh);
        });
      })["catch"](function () { online(false); })
      .then(reload);
  }

  function online(yes) {
    var net = document.getElementById("net");
    net.dataset.state = yes ? "online" : "offline";
    net.textContent = yes ? t("app.online") : t("app.offline");
  }

  function route() {
    var m = /^#task\/([A-Za-z0-9]+)$/.exec(location.hash);
    if (m) { showTask(m[1]); return; }
    open = null;
    var box = document.getElementById("task-view");
    box.hidden = true;
    delete box.dataset.number;
    document.getElementById("list-view").hidden = false;
    render();
  }

  document.querySelectorAll("[role=tab]").forEach(function (b) {
    b.addEventListener("click", function () {
      tab = b.dataset.tab;
      if (location.hash) location.hash = "";
      else render();
    });
  });
  // signing out leaves nothing of the worker's on the phone — unless moves are still unsent
  document.getElementById("logout").addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.cleared) return;
    ev.preventDefault();
    if (queued.length) { say(t("app.logout_unsent", { n: queued.length })); return; }
    Outbox.clear().then(function () {
      return window.caches ? caches.keys().then(function (names) {
        return Promise.all(names.map(function (n) { return caches["delete"](n); }));
      }) : null;
    })["catch"](function () {}).then(function () {
      form.dataset.cleared = "1";
      form.submit();
    });
  });
  document.getElementById("refresh").addEventListener("click", function () { send().then(refresh); });
  window.addEventListener("hashchange", route);
  window.addEventListener("online", function () { online(true); send(); });
  window.addEventListener("offline", function () { online(false); });

  // pull to refresh: drag the list down from its top
  var startY = null, pull = document.getElementById("pull");
  document.addEventListener("touchstart", function (ev) {
    startY = window.scrollY <= 0 ? ev.touches[0].clientY : null;
  }, { passive: true });
  document.addEventListener("touchmove", function (ev) {
    if (startY === null) return;
    pull.classList.toggle("shown", ev.touches[0].clientY - startY > 60);
  }, { passive: true });
  document.addEventListener("touchend", function () {
    if (pull.classList.contains("shown")) { pull.classList.remove("shown"); send().then(refresh); }
    startY = null;
  });

  // the live stream: any change of my tasks makes the list fetch itself again
  if (window.EventSource) {
    var stream = new EventSource("/console/field/stream");
    stream.onmessage = function () { refresh(); };
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/console/app/sw.js", { scope: "/console/" })["catch"](function () {});
  }
  setInterval(tick, 30000);
  setInterval(function () { if (navigator.onLine) send(); }, 20000);

  // what patrol.js uses
  window.FieldApp = {
    t: t, el: el, field: field, photoInput: photoInput, say: say, metres: metres, queue: queue,
    render: render, send: send, here: function () { return here; }, onPosition: [],
    queued: function (move) { queued.push(move); }
  };

  Outbox.load("tasks:" + body.dataset.user).then(function (cached) {
    if (cached) data = cached;
    return reload();
  }).then(function () {
    route();
    online(navigator.onLine);
    return send();
  }).then(refresh).then(function () { body.dataset.ready = "1"; });
})();
