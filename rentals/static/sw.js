/* Offline reopen of the inspection checklist: our own small service worker.
 * Served from /sw.js (scope "/") and registered by inspect.js. It touches only:
 * - GET navigations to a checklist (/units/<code>/inspect...),
 * - GET /static/inspect.js and /static/app.css,
 * network first; when the network fails, the last copy from this phone's cache.
 * The draft itself lives in localStorage (inspect.js), so a tab closed and reopened
 * offline shows the page from here and the saved answers from there.
 * Everything else goes to the network untouched. Signing out empties the cache
 * (the pages show addresses); drafts stay in localStorage. */
"use strict";
var CACHE = "rentals-inspect-v1";
var CHECKLIST = /^\/units\/[^/]+\/inspect$/;
var ASSETS = /^\/static\/(inspect\.js|app\.css)$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n.indexOf("rentals-inspect-") === 0 && n !== CACHE;
      }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function handled(request) {
  if (request.method !== "GET") { return false; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return false; }
  if (request.mode === "navigate") { return CHECKLIST.test(url.pathname); }
  return ASSETS.test(url.pathname);
}

function fromCache(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true });
  }).then(function (hit) {
    if (!hit) { return Response.error(); }
    // Marked so the page (and the tests) can tell a cached copy from the network.
    var headers = new Headers(hit.headers);
    headers.set("X-Served-By", "sw-cache");
    return hit.blob().then(function (body) {
      return new Response(body, { status: hit.status, statusText: hit.statusText, headers: headers });
    });
  });
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    // Only a real page: not a redirect to the login page, not an error page.
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () { return fromCache(request); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method === "POST" && new URL(request.url).pathname === "/logout") {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (handled(request)) { event.respondWith(networkFirst(request)); }
});

/* The first page a phone opens is not yet controlled by this worker: inspect.js asks
 * for it (and its script and style) to be stored. */
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.cache) || [];
  var wanted = urls.filter(function (u) {
    try {
      var url = new URL(u, self.location.origin);
      return url.origin === self.location.origin &&
        (CHECKLIST.test(url.pathname) || ASSETS.test(url.pathname));
    } catch (e) { return false; }
  });
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(wanted.map(function (u) {
      return fetch(u, { credentials: "same-origin" }).then(function (response) {
        if (response.ok && !response.redirected) { return cache.put(u, response); }
      }).catch(function () {});
    }));
  }));
});
