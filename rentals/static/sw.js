/* The day offline: our own small service worker (no library).
 * Served from /sw.js (scope "/") and registered by inspect.js. It touches only:
 * - GET navigations to the inspector's pages: "/", /inspect, /orders, /tasks/mine,
 *   /offline, a unit's file (/units/<code>) and its checklist (/units/<code>/inspect);
 * - GET /static/ files (script, style, icons, manifest);
 * network first; when the network fails, the last copy from this phone's cache.
 * Pages are kept per language: the cache key is the address with its parameters sorted
 * and "lang=zh|bo|en" set, so switching language offline still finds the page. A page
 * the phone never kept answers with our own offline page, never the browser's error.
 * In the morning the inspector's home page sends the list of the day's pages
 * ({precache: [...]}) and this worker keeps each of them in the three languages.
 * The drafts themselves live in IndexedDB (inspect.js), keyed by user, unit and task.
 * Signing out, or another user signing in, empties the cache (the pages show
 * addresses); drafts stay on the phone under their user. */
"use strict";
var CACHE = "rentals-inspect-v2";
var STATE = "/__sw/state";
var LANGS = ["zh", "bo", "en"];
var PAGES = [
  /^\/$/, /^\/inspect$/, /^\/orders$/, /^\/tasks\/mine$/, /^\/offline$/,
  /^\/units\/[^/]+$/, /^\/units\/[^/]+\/inspect$/
];
var ASSETS = /^\/static\/[\w.-]+$/;
var state = null;  // {user, lang}: who is signed in and the language last seen

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

function isPage(path) { return PAGES.some(function (re) { return re.test(path); }); }
function langOf(value) {
  var tag = (value || "").toLowerCase().slice(0, 2);
  return LANGS.indexOf(tag) >= 0 ? tag : null;
}
/* The cache key of a page in a language: same path, other parameters sorted, lang set. */
function keyFor(href, lang) {
  var url = new URL(href, self.location.origin);
  var pairs = [];
  url.searchParams.forEach(function (v, k) { if (k !== "lang") { pairs.push([k, v]); } });
  pairs.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
  pairs.push(["lang", lang]);
  return url.origin + url.pathname + "?" + pairs.map(function (p) {
    return encodeURIComponent(p[0]) + "=" + encodeURIComponent(p[1]);
  }).join("&");
}
function loadState() {
  if (state) { return Promise.resolve(state); }
  return caches.open(CACHE).then(function (c) { return c.match(STATE); }).then(function (hit) {
    return hit ? hit.json() : {};
  }).catch(function () { return {}; }).then(function (s) { state = s || {}; return state; });
}
function saveState(next) {
  state = next;
  return caches.open(CACHE).then(function (c) {
    return c.put(STATE, new Response(JSON.stringify(next), { headers: { "Content-Type": "application/json" } }));
  });
}
/* The language a page was rendered in, read from <html lang="...">. */
function pageLang(response) {
  return response.clone().text().then(function (html) {
    var m = /<html[^>]*\slang="([^"]+)"/.exec(html.slice(0, 400));
    return langOf(m && m[1]);
  });
}
function marked(hit) {
  // Marked so the page (and the tests) can tell a cached copy from the network.
  var headers = new Headers(hit.headers);
  headers.set("X-Served-By", "sw-cache");
  return hit.blob().then(function (body) {
    return new Response(body, { status: hit.status, statusText: hit.statusText, headers: headers });
  });
}
function keep(key, response) {
  // Only a real page: not a redirect to the login page, not an error page.
  if (!(response.ok && response.type === "basic" && !response.redirected)) { return Promise.resolve(false); }
  return caches.open(CACHE).then(function (c) { return c.put(key, response); }).then(function () { return true; });
}

function pageFromNetwork(request) {
  return fetch(request).then(function (response) {
    var url = new URL(request.url);
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      pageLang(response).then(function (lang) {
        if (!lang) { return; }
        return loadState().then(function (s) {
          var kept = keep(keyFor(url.href, lang), copy);
          return s.lang === lang ? kept : saveState({ user: s.user, lang: lang });
        });
      });
    }
    return response;
  });
}
/* Offline: the page in the asked language, else in another one, else a kept page at the
 * same address with other parameters (a checklist opened without ?task=), else our
 * offline page. "/" is the inspector's home. */
function pageFromCache(request) {
  var url = new URL(request.url);
  var path = url.pathname === "/" ? "/inspect" : url.pathname;
  var href = url.origin + path + url.search;
  return loadState().then(function (s) {
    var asked = langOf(url.searchParams.get("lang"));
    var first = asked || s.lang || "zh";
    if (asked && asked !== s.lang) { saveState({ user: s.user, lang: asked }); }
    var order = [first].concat(LANGS.filter(function (l) { return l !== first; }));
    return caches.open(CACHE).then(function (cache) {
      function tryLang(i) {
        if (i >= order.length) { return samePath(cache, path, order); }
        return cache.match(keyFor(href, order[i])).then(function (hit) { return hit || tryLang(i + 1); });
      }
      return tryLang(0).then(function (hit) {
        return hit || cache.match(keyFor("/offline", first)).then(function (page) {
          return page || samePath(cache, "/offline", order);
        }).then(function (page) {
          return page || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
        });
      });
    });
  }).then(function (hit) { return hit.headers.get("X-Served-By") ? hit : marked(hit); });
}
function samePath(cache, path, order) {
  return cache.keys().then(function (keys) {
    var found = null;
    order.some(function (lang) {
      found = keys.filter(function (k) {
        var u = new URL(k.url);
        return u.pathname === path && u.searchParams.get("lang") === lang;
      })[0];
      return !!found;
    });
    return found ? cache.match(found) : null;
  });
}

function assetNetworkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(CACHE).then(function (c) { return c.match(request, { ignoreVary: true }); })
      .then(function (hit) { return hit ? marked(hit) : Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === "/logout") {
    state = {};
    // A morning's keeping still under way stops: its answers would land in the next
    // user's session (a "sign in first" flash, a cookie written over).
    if (keeping) { keeping.abort(); keeping = null; }
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate" && isPage(url.pathname)) {
    event.respondWith(pageFromNetwork(request).catch(function () { return pageFromCache(request); }));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () { return pageFromCache(new Request("/offline")); }));
  } else if (ASSETS.test(url.pathname)) {
    event.respondWith(assetNetworkFirst(request));
  }
});

/* Keep ``urls`` in every language (the current one last). */
var keeping = null;  // the AbortController of the keeping under way
function precache(urls, current) {
  if (keeping) { keeping.abort(); }
  var controller = new AbortController();
  keeping = controller;
  var pages = urls.filter(function (u) {
    try {
      var url = new URL(u, self.location.origin);
      return url.origin === self.location.origin && (isPage(url.pathname) || ASSETS.test(url.pathname));
    } catch (e) { return false; }
  });
  var order = LANGS.filter(function (l) { return l !== current; }).concat([current]);
  var failed = 0;
  return caches.open(CACHE).then(function (cache) {
    return order.reduce(function (done, lang) {
      return done.then(function () {
        return Promise.all(pages.map(function (u) {
          var asset = ASSETS.test(new URL(u, self.location.origin).pathname);
          if (asset && lang !== current) { return null; }
          var key = asset ? new URL(u, self.location.origin).href : keyFor(u, lang);
          // Asked with a header, not ?lang=: the server would remember ?lang= as the
          // inspector's choice and switch the pages they are reading meanwhile.
          var address = new URL(key);
          address.searchParams.delete("lang");
          var init = {
            credentials: "same-origin", redirect: "manual", signal: controller.signal,
            headers: asset ? {} : { "X-Rentals-Lang": lang }
          };
          return fetch(address.href, init).then(function (response) {
            return keep(key, response).then(function (ok) { if (!ok) { failed += 1; } });
          }).catch(function () { failed += 1; });
        }));
      });
    }, Promise.resolve());
  }).then(function () {
    if (keeping === controller) { keeping = null; }
    if (controller.signal.aborted) { failed += 1; }
    return { pages: pages.length, failed: failed };
  });
}

/* Messages from inspect.js: who is signed in (another user: empty the cache), the pages
 * of the day to keep. The answer goes back on the message's port. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  var work = loadState().then(function (s) {
    var lang = langOf(data.lang) || s.lang || "zh";
    if (data.user !== undefined && s.user !== undefined && String(s.user) !== String(data.user)) {
      return caches.delete(CACHE).then(function () { return saveState({ user: data.user, lang: lang }); });
    }
    if (s.user !== data.user || s.lang !== lang) { return saveState({ user: data.user, lang: lang }); }
  }).then(function () {
    return data.precache ? precache(data.precache, langOf(data.lang) || "zh") : { pages: 0, failed: 0 };
  }).then(function (result) {
    if (port) { port.postMessage(result); }
  }).catch(function () { if (port) { port.postMessage({ pages: 0, failed: -1 }); } });
  event.waitUntil(work);
});
