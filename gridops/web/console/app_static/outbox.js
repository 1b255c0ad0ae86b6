// gridops field app: the device's own store (IndexedDB). "outbox" holds the moves made on this
// phone, in the order they were made, each under the id the phone gave it (photos as Blobs);
// "kept" the moves the server refused (the ticket moved meanwhile), with their text and photos;
// "cache" the last task list, so the app reads offline. No library.
(function () {
  "use strict";
  var DB = "gridops-field", VERSION = 1, opened = null;

  function open() {
    if (opened) return opened;
    opened = new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "key" });
        if (!db.objectStoreNames.contains("kept")) db.createObjectStore("kept", { keyPath: "key" });
        if (!db.objectStoreNames.contains("cache")) db.createObjectStore("cache", { keyPath: "name" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return opened;
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode), result;
        var req = work(tx.objectStore(store));
        if (req) req.onsuccess = function () { result = req.result; };
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function all(store) {
    return run(store, "readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return (rows || []).sort(function (a, b) { return (a.n || 0) - (b.n || 0); });
    });
  }

  // A device-made id: random, unguessable, and the same on every retry of this move.
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  var counter = 0;
  window.Outbox = {
    newKey: newKey,
    add: function (move) {
      move.key = move.key || newKey();
      move.n = Date.now() * 1000 + (counter++ % 1000);
      return run("outbox", "readwrite", function (s) { return s.put(move); }).then(function () { return move; });
    },
    all: function () { return all("outbox"); },
    remove: function (key) { return run("outbox", "readwrite", function (s) { return s["delete"](key); }); },
    keep: function (move, message) {
      move.message = message;
      return run("kept", "readwrite", function (s) { return s.put(move); });
    },
    kept: function () { return all("kept"); },
    forget: function (key) { return run("kept", "readwrite", function (s) { return s["delete"](key); }); },
    save: function (name, value) {
      return run("cache", "readwrite", function (s) { return s.put({ name: name, value: value }); });
    },
    clear: function () {
      return Promise.all(["outbox", "kept", "cache"].map(function (store) {
        return run(store, "readwrite", function (s) { return s.clear(); });
      }));
    },
    load: function (name) {
      return run("cache", "readonly", function (s) { return s.get(name); }).then(function (row) {
        return row ? row.value : null;
      });
    }
  };
})();
