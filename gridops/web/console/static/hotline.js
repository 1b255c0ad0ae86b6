// The hotline desk (12345 受理): as the acceptor types the place, the description or the
// caller's number, the look-up (address candidates with their cells, suggested categories,
// the caller's open tickets there) is fetched again and swapped in. Sent as a POST with the
// form, so the caller's number never lands in an address bar. Without this script the 查找
// button shows the same.
(function () {
  "use strict";
  var form = document.getElementById("call");
  var look = document.getElementById("look");
  if (!form || !look || !window.fetch) return;
  var timer = null;
  var sent = 0;

  function refresh() {
    var data = new FormData(form);
    data.set("op", "look");
    var mine = ++sent;
    fetch(form.dataset.look, {
      method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
      headers: { "X-Requested-With": "hotline" }
    })
      .then(function (r) {
        if (r.status === 401 && window.gridopsEnded) window.gridopsEnded(); // console.js's notice
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html === null || mine !== sent) return;  // a newer look-up is on its way
        look.innerHTML = html;
        look.dataset.loaded = String(Number(look.dataset.loaded || 0) + 1);
      })
      .catch(function () { /* offline for a moment: the 查找 button still works */ });
  }

  form.addEventListener("input", function (e) {
    var name = e.target.name;
    if (name !== "address" && name !== "description" && name !== "phone") return;
    if (name === "address") {
      var chosen = form.querySelector("input[name=address_id]:checked");
      if (chosen) chosen.checked = false;  // a new place: choose again among its candidates
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener("change", function (e) {
    if (e.target.name === "address_id") refresh();  // the caller's open tickets at that place
    if (e.target.name === "category_other") {
      var other = document.getElementById("category-other");
      if (other) other.checked = true;
    }
  });
})();
