// gridops field app: patrols (巡查) — start and end a walk, the phone's position sampled into a
// track (kept on the phone, sent when the walk ends, through the same queue as every move), and
// problems found on the way reported from where the phone is. Uses app.js's FieldApp.
(function () {
  "use strict";
  var A = window.FieldApp;
  if (!A || !document.getElementById("patrol")) return;
  var body = document.body, t = A.t, el = A.el, field = A.field, photoInput = A.photoInput;
  var say = A.say, metres = A.metres;
  var patrol = null, CATS = JSON.parse(document.getElementById("categories").textContent || "[]");
  var PATROL = "patrol:" + body.dataset.user;

  function trackKm(points) {
    var m = 0;
    for (var i = 1; i < points.length; i++) {
      m += metres({ lon: points[i][0], lat: points[i][1] }, { lon: points[i - 1][0], lat: points[i - 1][1] });
    }
    return (m / 1000).toFixed(2);
  }

  function sample(at) {
    if (!patrol) return;
    var last = patrol.points[patrol.points.length - 1], now = Date.now();
    if (last && now - last[2] < 15000 && metres({ lon: at.lon, lat: at.lat }, { lon: last[0], lat: last[1] }) < 20) return;
    patrol.points.push([+at.lon.toFixed(7), +at.lat.toFixed(7), now]);
    Outbox.save(PATROL, patrol);
    var status = document.getElementById("patrol-status");
    if (status) status.textContent = t("app.patrol.on", { n: patrol.points.length, km: trackKm(patrol.points) });
  }

  function reportForm() {
    var category = el("select", { name: "category", required: true }, CATS.map(function (c) {
      return el("option", { value: c[0], text: c[0] + " " + c[1] });
    }));
    var note = el("textarea", { name: "note", rows: "2", required: true });
    note.value = t("app.done_note");
    var form = el("form", { "class": "move onsite", "data-action": "onsite" }, [
      field(t("app.patrol.category"), category),
      field(t("app.patrol.description"), el("textarea", { name: "description", rows: "2" })),
      photoInput("after", t("app.photo"), null, "pt"),
      field(t("app.patrol.note"), note),
      el("button", { type: "submit", "class": "primary", text: t("app.patrol.send") })
    ]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!A.here()) { say(t("app.err.no_position")); return; }
      var photos = [];
      Array.prototype.forEach.call(form.querySelector("input[type=file]").files, function (f) {
        photos.push({ field: "after", name: f.name, type: f.type, blob: f });
      });
      A.queue({ number: "onsite", actions: [] }, "onsite", { category: category.value, note: note.value.trim(),
        description: form.querySelector("[name=description]").value.trim() }, photos).then(renderPatrol);
    });
    return el("details", { "class": "report" }, [el("summary", { "class": "btn", text: t("app.patrol.report") }), form]);
  }

  function renderPatrol() {
    var box = document.getElementById("patrol");
    if (!box) return;
    var kids = [el("h2", { id: "patrol-h", "class": "sr", text: t("app.patrol") })];
    if (!patrol) {
      kids.push(el("button", { type: "button", "class": "big", id: "patrol-start", text: t("app.patrol.start"),
        on: { click: function () {
          patrol = { id: Outbox.newKey(), started: Date.now(), points: [] };
          if (A.here()) sample(A.here());
          Outbox.save(PATROL, patrol).then(renderPatrol);
        } } }));
    } else {
      kids.push(el("p", { id: "patrol-status", "class": "status", text: t("app.patrol.on", { n: patrol.points.length, km: trackKm(patrol.points) }) }));
      kids.push(reportForm());
      kids.push(el("button", { type: "button", "class": "danger", id: "patrol-stop", text: t("app.patrol.stop"),
        on: { click: function () {
          var done = patrol;
          patrol = null;
          Outbox.save(PATROL, null).then(function () {
            return Outbox.add({ kind: "patrol", key: done.id, ticket: "patrol", action: "patrol", photos: [], had: [],
              fields: { id: done.id, started: String(done.started), ended: String(Date.now()), points: JSON.stringify(done.points) } });
          }).then(function (move) {
            A.queued(move);
            say(t("app.patrol.saved", { n: done.points.length }));
            renderPatrol();
            A.render();
            A.send();
          });
        } } }));
    }
    box.replaceChildren.apply(box, kids);
  }


  A.onPosition.push(sample);
  Outbox.load(PATROL).then(function (kept) {
    patrol = kept;
    renderPatrol();
  });
})();
