// gridops field app: the service worker. The app's shell, script, style, icons and manifest are
// kept in a cache named after their digest (a new version replaces the old cache); the task
// list and the app page are fetched from the network first and kept for when there is no
// signal; report photos are kept once seen. Writes are never cached: the app queues them
// itself (outbox.js). Everything else under /console/ goes to the network untouched.
"use strict";
var CACHE = "gridops-field-__VERSION__";
var SHELL = [
  "/console/app/",
  "/console/app/app.js",
  "/console/app/outbox.js",
  "/console/app/patrol.js",
  "/console/app/app.css",
  "/console/app/manifest.webmanifest",
  "/console/app/icon-192.png",
  "/console/app/icon-512.png"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("gridops-field-") === 0 && n !== CACHE;
    }).map(function (n) { return caches["delete"](n); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request, key) {
  return fetch(request).then(function (answer) {
    if (answer.ok && !answer.redirected) {
      var copy = answer.clone();
      caches.open(CACHE).then(function (cache) { cache.put(key || request, copy); });
    }
    return answer;
  })["catch"](function () {
    return caches.match(key || request, { ignoreSearch: !key }).then(function (kept) {
      return kept || Response.error();
    });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (kept) {
    return kept || fetch(request).then(function (answer) {
      if (answer.ok) {
        var copy = answer.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return answer;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var path = url.pathname;
  if (path === "/console/app/" || path === "/console/app/tasks") {
    // the task list is kept per language (?lang=): offline, the list in the page's language
    event.respondWith(networkFirst(request, path === "/console/app/" ? "/console/app/" : request.url));
  } else if (path.indexOf("/console/media/") === 0) {
    event.respondWith(cacheFirst(request));
  } else if (SHELL.indexOf(path) >= 0) {
    event.respondWith(networkFirst(request, path));
  }
});
