/* Inspections at the door: drafts kept on the phone, steps, photos, signature pads.
 * Our own small script (no library). The pages work without it; with it:
 * - the checklist is saved in IndexedDB as the inspector goes, keyed by (user, unit,
 *   task): not by the page address, so a language switch or a page opened from the
 *   home-screen icon finds it, and another inspector on the same phone never does;
 * - the draft keeps the client key made when the page was first opened, so a retry or
 *   a sync hours later records one inspection;
 * - a submit is queued and sent when the phone is online (its photos first, then the
 *   answers with a fresh CSRF token), and a fixed bar says what still waits;
 * - photos are downscaled to JPEG in the browser (which drops EXIF), kept in IndexedDB
 *   and uploaded on their own, so a stalled photo never holds back the answers;
 * - on the inspector's home page, the day's pages are handed to sw.js to keep offline.
 * Every text comes from the page (#i18n, rendered with the page's catalogue). */
(function () {
  "use strict";
  if (window.rentalsInspect) { return; }
  window.rentalsInspect = true;
  var OLD_DRAFTS = "rentals.inspection-drafts";
  var T = {};
  try { T = JSON.parse(document.getElementById("i18n").getAttribute("data-texts")) || {}; } catch (e) { T = {}; }
  function t(name, args) {
    var text = T[name] || "";
    Object.keys(args || {}).forEach(function (k) { text = text.split("{" + k + "}").join(String(args[k])); });
    return text;
  }
  var USER = document.body.getAttribute("data-user") || "";
  var status = document.getElementById("draft-status") || document.getElementById("sync-status");
  var form = document.getElementById("checklist");
  var retryTimer = null;

  function say(text) { if (status) { status.textContent = text; } }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID().replace(/-/g, ""); }
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }
  function fieldsOf(f) {
    var out = [];
    new FormData(f).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token") { out.push([name, value]); }
    });
    return out;
  }
  function csrfUrl() {
    var el = document.querySelector("[data-csrf-url]");
    return el ? el.getAttribute("data-csrf-url") : "/inspections/csrf";
  }
  function freshToken() {
    return fetch(csrfUrl(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("csrf " + r.status); } return r.json(); })
      .then(function (j) { return j.token; });
  }

  /* ---- IndexedDB: drafts and photos ------------------------------------------- */
  var dbPromise = null;
  function db() {
    if (!window.indexedDB) { return Promise.reject(new Error("no indexedDB")); }
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open("rentals-photos", 2);
        req.onupgradeneeded = function () {
          var d = req.result;
          if (!d.objectStoreNames.contains("photos")) { d.createObjectStore("photos", { keyPath: "key" }); }
          if (!d.objectStoreNames.contains("drafts")) { d.createObjectStore("drafts", { keyPath: "key" }); }
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function tx(store, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var out = fn(t.objectStore(store));
        t.oncomplete = function () { resolve(out && out.result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function mine(rows) {
    return (rows || []).filter(function (r) { return USER && String(r.user) === USER; });
  }
  function myDrafts() { return tx("drafts", "readonly", function (s) { return s.getAll(); }).then(mine); }
  function myPhotos() {
    // Photos kept by the earlier version of this script carry no user: whoever is
    // signed in now took them on this phone (as with the old drafts).
    return tx("photos", "readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return (rows || []).filter(function (r) { return USER && (!r.user || String(r.user) === USER); });
    });
  }

  /* Drafts saved by the earlier version of this script (localStorage, no user): they
   * were made on this phone by whoever is signed in now, so they move under this user. */
  function migrateOld() {
    var old = null;
    try { old = JSON.parse(localStorage.getItem(OLD_DRAFTS)); } catch (e) { old = null; }
    if (!old || !USER) { return Promise.resolve(); }
    return Promise.all(Object.keys(old).map(function (clientKey) {
      var d = old[clientKey];
      var task = (/[?&]task=(\d+)/.exec(d.action || "") || [])[1] || "";
      var rec = {
        key: [USER, d.unit, task, ""].join("|"), user: USER, unit: d.unit, task: task,
        clientKey: clientKey, action: d.action, fields: d.fields, status: d.status, savedAt: d.savedAt
      };
      return tx("drafts", "readwrite", function (s) { s.put(rec); });
    })).then(function () { localStorage.removeItem(OLD_DRAFTS); }).catch(function () {});
  }

  /* ---- the fixed bar: what waits to sync ---------------------------------------- */
  function showPending() {
    var bar = document.getElementById("sync-bar");
    var count = document.getElementById("sync-count");
    if (!bar || !count || !USER) { return Promise.resolve(); }
    return Promise.all([myDrafts(), myPhotos()]).then(function (all) {
      var visits = all[0].filter(function (d) { return d.status === "queued"; }).length;
      var photos = all[1].length;
      count.textContent = visits || photos ? t("pending", { visits: visits, photos: photos }) : "";
      bar.classList.toggle("waiting", !!(visits || photos));
      var ready = document.getElementById("offline-ready");
      bar.hidden = !(visits || photos) && (!ready || ready.hidden);
    }).catch(function () {});
  }

  /* ---- drafts ---------------------------------------------------------------- */
  function draftKey(f) {
    return [USER, f.getAttribute("data-unit"), f.getAttribute("data-task") || "",
      f.getAttribute("data-corrects") || ""].join("|");
  }
  function uploadPhotosOf(clientKey) {
    return myPhotos().then(function (all) {
      return Promise.all(all.filter(function (p) { return p.inspection_key === clientKey; }).map(uploadPhoto));
    }).then(function (done) { return done.every(Boolean); });
  }
  function sync(rec) {
    if (!rec || rec.status !== "queued" || String(rec.user) !== USER) { return Promise.resolve(); }
    if (!navigator.onLine) { say(t("queued")); scheduleRetry(); return Promise.resolve(); }
    say(t("sending"));
    // Photos first, so the result page shows them when it opens.
    return uploadPhotosOf(rec.clientKey).then(function (photosDone) {
      if (!photosDone) { throw new Error("photos wait"); }
      return freshToken();
    }).then(function (token) {
      var body = new FormData();
      rec.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      body.append("csrf_token", token);
      return fetch(rec.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { Accept: "application/json" }
      });
    }).then(function (r) {
      return r.json().then(function (j) { return { code: r.status, body: j }; });
    }).then(function (res) {
      if (res.body.status === "ok") {
        return tx("drafts", "readwrite", function (s) { s.delete(rec.key); }).then(function () {
          say(t("sent"));
          showPending();
          if (form && draftKey(form) === rec.key) { window.location.assign(res.body.url); }
        });
      }
      // Told by the server (another inspector's record, or a missing answer): the draft
      // stays on the phone as a draft and the inspector decides.
      rec.status = "draft";
      return tx("drafts", "readwrite", function (s) { s.put(rec); }).then(function () {
        showPending();
        showProblem(rec, res.body);
      });
    }).catch(function () { say(t("queued")); scheduleRetry(); });
  }
  var syncing = null;
  function syncAll() {
    if (!USER || !window.indexedDB) { return Promise.resolve(); }
    if (syncing) { return syncing; }
    syncing = myDrafts().then(function (drafts) {
      return Promise.all(drafts.map(sync));
    }).then(syncPhotos).catch(function () {}).then(function () { syncing = null; showPending(); });
    return syncing;
  }
  function scheduleRetry() {
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () { retryTimer = null; syncAll(); }, 5000);
  }
  function showProblem(rec, body) {
    say(body.message || "");
    if (!form || draftKey(form) !== rec.key) { return; }
    if (body.latest_id !== undefined && body.latest_id !== null) {
      form.elements.latest_id.value = body.latest_id;
      saveDraft(form, "draft");
    }
    Object.keys(body.errors || {}).forEach(function (name) {
      var first = form.querySelector("[name='" + name + "']");
      var box = first && first.closest(".item");
      if (box) { box.classList.add("has-error"); }
    });
    var box = document.getElementById("form-message") || document.createElement("div");
    box.id = "form-message";
    box.className = "flash flash-error";
    box.setAttribute("role", "alert");
    box.textContent = body.message || "";
    form.parentNode.insertBefore(box, form);
    box.scrollIntoView({ block: "center" });
  }
  function saveDraft(f, state) {
    var rec = {
      key: draftKey(f), user: USER, unit: f.getAttribute("data-unit"),
      task: f.getAttribute("data-task") || "", clientKey: f.elements.client_key.value,
      action: f.getAttribute("action"), fields: fieldsOf(f), status: state,
      savedAt: new Date().toISOString()
    };
    return tx("drafts", "readwrite", function (s) { s.put(rec); }).then(function () {
      say(state === "queued" ? t("queued") : t("saved"));
      showPending();
      return rec;
    });
  }
  function restore(f) {
    return tx("drafts", "readonly", function (s) { return s.get(draftKey(f)); }).then(function (found) {
      if (!found || String(found.user) !== USER) {
        // A new visit: a new client key, even on a page kept from this morning whose
        // key an earlier visit to the same unit may have used.
        f.elements.client_key.value = uuid();
        return;
      }
      var values = {};
      found.fields.forEach(function (pair) { values[pair[0]] = pair[1]; });
      Array.prototype.forEach.call(f.elements, function (el) {
        if (!el.name || el.name === "csrf_token" || el.type === "file") { return; }
        if (el.type === "radio" || el.type === "checkbox") { el.checked = values[el.name] === el.value; }
        else if (values[el.name] !== undefined) { el.value = values[el.name]; }
      });
      say(found.status === "queued" ? t("queued") : t("saved"));
    });
  }

  /* ---- failed items: the note, photo and order panel --------------------------- */
  /* Without this script every panel is open. With it, an item's panel opens when it is
   * answered 不符合 and closes for the other answers (a button opens it on request). */
  function setupPanels(f) {
    f.querySelectorAll(".item").forEach(function (item) {
      var panel = item.querySelector(".more");
      if (!panel) { return; }
      var toggle = document.createElement("button");
      toggle.type = "button"; toggle.className = "more-toggle"; toggle.textContent = t("more");
      toggle.setAttribute("aria-expanded", "false");
      toggle.addEventListener("click", function () { setOpen(true); });
      panel.parentNode.insertBefore(toggle, panel);
      function setOpen(open) {
        panel.hidden = !open; toggle.hidden = open;
        toggle.setAttribute("aria-expanded", String(open));
      }
      function update() {
        var checked = item.querySelector(".choice-input:checked");
        var failed = checked && checked.value === "not_met";
        if (failed || item.classList.contains("has-error") || panel.querySelector(".has-error")) { setOpen(true); }
        else { setOpen(false); }
      }
      item.querySelectorAll(".choice-input").forEach(function (input) { input.addEventListener("change", update); });
      item.update = update;
      update();
      // Quick deadlines: set the date field to today + n days (the field stays editable).
      panel.querySelectorAll(".deadline-picks").forEach(function (picks) {
        picks.hidden = false;
        picks.querySelectorAll("button[data-days]").forEach(function (b) {
          b.setAttribute("data-date", addDays(f.getAttribute("data-today"), Number(b.getAttribute("data-days"))));
        });
      });
      panel.querySelectorAll(".deadline-picks button[data-date]").forEach(function (b) {
        b.addEventListener("click", function () {
          var input = panel.querySelector("input[type=date]");
          input.value = b.getAttribute("data-date");
          panel.querySelectorAll(".deadline-picks button").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
    });
  }
  function addDays(iso, n) {
    var p = (iso || "").split("-").map(Number);
    var d = p.length === 3 ? new Date(Date.UTC(p[0], p[1] - 1, p[2])) : new Date();
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  /* The refusal step (reason and confirmation) shows only when 拒绝检查 is chosen; without
   * this script it is always there, explained. */
  function setupRefusal(f) {
    var step = f.querySelector("#refusal");
    if (!step) { return; }
    function update() {
      var chosen = f.querySelector("input[name=outcome]:checked");
      step.hidden = !(chosen && chosen.value === "refused") && !step.querySelector(".has-error");
    }
    f.querySelectorAll("input[name=outcome]").forEach(function (input) { input.addEventListener("change", update); });
    f.refusalUpdate = update;
    update();
  }
  function refreshPanels(f) {
    if (f.refusalUpdate) { f.refusalUpdate(); }
    f.querySelectorAll(".item").forEach(function (item) { if (item.update) { item.update(); } });
    f.querySelectorAll(".deadline-picks").forEach(function (picks) {
      var input = picks.parentNode.querySelector("input[type=date]");
      picks.querySelectorAll("button[data-date]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(input && b.getAttribute("data-date") === input.value));
      });
    });
  }

  /* ---- steps ----------------------------------------------------------------- */
  function setupSteps(f) {
    var steps = Array.prototype.slice.call(f.querySelectorAll(".step"));
    if (steps.length < 2) { return; }
    f.classList.add("stepped");
    function show(i, scroll) {
      steps.forEach(function (s, n) { s.hidden = n !== i; });
      if (scroll) {
        // The step starts at its first item: its heading at the top, the page head
        // and the category links scrolled away.
        var top = steps[i].getBoundingClientRect().top + window.pageYOffset;
        window.scrollTo(0, Math.max(0, top - 4));
      }
    }
    steps.forEach(function (section, i) {
      var bar = document.createElement("div");
      bar.className = "step-buttons";
      var label = document.createElement("span");
      label.className = "muted";
      label.textContent = t("step", { n: i + 1, of: steps.length });
      if (i > 0) {
        var back = document.createElement("button");
        back.type = "button"; back.textContent = t("prev");
        back.addEventListener("click", function () { show(i - 1, true); });
        bar.appendChild(back);
      }
      bar.appendChild(label);
      if (i < steps.length - 1) {
        var next = document.createElement("button");
        next.type = "button"; next.className = "primary"; next.textContent = t("next");
        next.addEventListener("click", function () { show(i + 1, true); });
        bar.appendChild(next);
      }
      section.appendChild(bar);
    });
    f.querySelectorAll(".steps-nav a").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        var target = document.querySelector(a.getAttribute("href"));
        var i = steps.indexOf(target);
        if (i >= 0) { ev.preventDefault(); show(i, true); }
      });
    });
    show(0, false);
  }

  /* ---- photos ---------------------------------------------------------------- */
  function downscale(file) {
    return createImageBitmap(file).then(function (bmp) {
      var scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.82); });
    }).catch(function () { return file; });
  }
  function photoUrl() {
    return (form || document.body).getAttribute("data-photo-url") || "/inspections/photos";
  }
  var sendingPhoto = {};
  function uploadPhoto(rec) {
    if (!navigator.onLine) { say(t("photoWait")); return Promise.resolve(false); }
    if (sendingPhoto[rec.key]) { return sendingPhoto[rec.key]; }
    var work = freshToken().then(function (token) {
      var body = new FormData();
      body.append("csrf_token", token);
      body.append("unit", rec.unit);
      body.append("key", rec.key);
      body.append("inspection_key", rec.inspection_key);
      body.append("item", rec.item);
      body.append("photo", rec.blob, rec.key + ".jpg");
      return fetch(photoUrl(), { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } });
    }).then(function (r) {
      if (r.status === 201 || r.status === 422 || r.status === 413) {
        // Stored, or refused for good (not an image, too large): stop retrying it.
        return tx("photos", "readwrite", function (s) { s.delete(rec.key); }).then(function () {
          say(r.status === 201 ? t("photoSent") : t("photoBad"));
          showPending();
          return true;
        });
      }
      return false;
    }).catch(function () { scheduleRetry(); return false; }).then(function (done) {
      delete sendingPhoto[rec.key];
      return done;
    });
    sendingPhoto[rec.key] = work;
    return work;
  }
  function syncPhotos() {
    return myPhotos().then(function (all) { return Promise.all(all.map(uploadPhoto)); }).catch(function () {});
  }
  function setupPhotos(f) {
    f.querySelectorAll(".photo-input").forEach(function (input) {
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        input.value = "";
        files.forEach(function (file) {
          downscale(file).then(function (blob) {
            var rec = {
              key: uuid(), user: USER, unit: f.getAttribute("data-unit"),
              inspection_key: f.elements.client_key.value,
              item: input.getAttribute("data-item") || "", blob: blob
            };
            var list = f.querySelector(".photo-list[data-for='" + rec.item + "']");
            if (list) {
              var img = document.createElement("img");
              img.className = "thumb"; img.alt = t("photo"); img.src = URL.createObjectURL(blob);
              list.appendChild(img);
            }
            return tx("photos", "readwrite", function (s) { s.put(rec); }).then(function () {
              say(t("photoWait"));
              showPending();
              return uploadPhoto(rec);
            });
          });
        });
      });
    });
  }

  /* ---- signature pads -------------------------------------------------------- */
  function setupSignatures() {
    document.querySelectorAll(".sign-form").forEach(function (f) {
      var canvas = f.querySelector(".sign-pad");
      var field = f.querySelector("input[name=drawing]");
      if (!canvas || !field) { return; }
      canvas.hidden = false;
      var ctx = canvas.getContext("2d");
      ctx.lineWidth = 2.5; ctx.lineCap = "round";
      var drawing = false;
      function at(ev) {
        var r = canvas.getBoundingClientRect();
        return [(ev.clientX - r.left) * canvas.width / r.width, (ev.clientY - r.top) * canvas.height / r.height];
      }
      canvas.addEventListener("pointerdown", function (ev) {
        drawing = true; var p = at(ev); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
        canvas.setPointerCapture(ev.pointerId);
      });
      canvas.addEventListener("pointermove", function (ev) {
        if (!drawing) { return; } var p = at(ev); ctx.lineTo(p[0], p[1]); ctx.stroke();
      });
      canvas.addEventListener("pointerup", function () {
        drawing = false; field.value = canvas.toDataURL("image/png");
      });
    });
  }

  /* ---- the day offline --------------------------------------------------------- */
  /* sw.js keeps the inspector's pages; on the home page (online) the day's list is sent
   * to it, and when every page is kept the bar says the route is ready offline. */
  function ask(worker, message) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (ev) { resolve(ev.data || {}); };
      worker.postMessage(message, [channel.port2]);
    });
  }
  function setupOffline() {
    if (!USER || !document.body.hasAttribute("data-field")) { return; }
    if (!("serviceWorker" in navigator) || !window.isSecureContext) { return; }
    var lang = document.documentElement.lang;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var list = document.querySelector("[data-offline-pages]");
      var urls = [];
      if (list && navigator.onLine) {
        try { urls = JSON.parse(list.getAttribute("data-offline-pages")) || []; } catch (e) { urls = []; }
        document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=manifest]").forEach(function (el) {
          urls.push(el.src || el.href);
        });
      } else if (!navigator.serviceWorker.controller) {
        // A page loaded before the worker took over is not in its cache yet.
        urls = [window.location.href];
        document.querySelectorAll("script[src], link[rel=stylesheet]").forEach(function (el) {
          urls.push(el.src || el.href);
        });
      }
      return ask(reg.active, { user: USER, lang: lang, precache: urls.length ? urls : null }).then(function (res) {
        var ready = document.getElementById("offline-ready");
        if (list && ready && res.pages && !res.failed) {
          ready.textContent = t("ready");
          ready.hidden = false;
          document.body.setAttribute("data-offline-ready", "1");
          showPending();
        }
      });
    }).catch(function () {});
  }

  /* ---- wiring ---------------------------------------------------------------- */
  var started = migrateOld();
  if (form) {
    setupSteps(form);
    setupPanels(form);
    setupRefusal(form);
    setupPhotos(form);
    started = started.then(function () {
      if (!document.getElementById("form-message")) { return restore(form); }
    }).catch(function () {}).then(function () { refreshPanels(form); });
    form.addEventListener("change", function () { saveDraft(form, "draft").catch(function () {}); });
    form.addEventListener("input", function () { saveDraft(form, "draft").catch(function () {}); });
    form.addEventListener("submit", function (ev) {
      if (!window.indexedDB) { return; }  // no storage: the plain form post
      ev.preventDefault();
      saveDraft(form, "queued").then(sync);
    });
  }
  setupSignatures();
  setupOffline();
  window.addEventListener("online", syncAll);
  started.then(syncAll);
}());
