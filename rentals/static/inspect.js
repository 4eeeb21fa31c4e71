/* Inspections at the door: drafts kept on the phone, steps, photos, signature pads.
 * Our own small script (no library). The pages work without it; with it:
 * - the checklist is saved in localStorage as the inspector goes, with the client key
 *   made when the page was opened, so a retry or a sync hours later records one inspection;
 * - a submit is queued and sent when the phone is online (a fresh CSRF token first);
 * - photos are downscaled to JPEG in the browser (which drops EXIF), kept in IndexedDB and
 *   uploaded on their own, so a stalled photo never holds back the answers. */
(function () {
  "use strict";
  var DRAFTS = "rentals.inspection-drafts";
  var TEXT = {
    saved: "已保存在手机上",
    queued: "已保存在手机上，联网后自动提交",
    sending: "正在提交…",
    sent: "已提交",
    photoWait: "照片已保存在手机上，等待上传",
    photoSent: "照片已上传"
  };
  var status = document.getElementById("draft-status") || document.getElementById("sync-status");
  var retryTimer = null;

  function say(text) { if (status) { status.textContent = text; } }
  function load() {
    try { return JSON.parse(localStorage.getItem(DRAFTS)) || {}; } catch (e) { return {}; }
  }
  function store(drafts) { localStorage.setItem(DRAFTS, JSON.stringify(drafts)); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID().replace(/-/g, ""); }
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }
  function fieldsOf(form) {
    var out = [];
    new FormData(form).forEach(function (value, name) {
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

  /* ---- drafts ---------------------------------------------------------------- */
  function sync(key) {
    var drafts = load();
    var draft = drafts[key];
    if (!draft || draft.status !== "queued") { return Promise.resolve(); }
    if (!navigator.onLine) { say(TEXT.queued); scheduleRetry(); return Promise.resolve(); }
    say(TEXT.sending);
    return freshToken().then(function (token) {
      var body = new FormData();
      draft.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      body.append("csrf_token", token);
      return fetch(draft.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { Accept: "application/json" }
      });
    }).then(function (r) {
      return r.json().then(function (j) { return { code: r.status, body: j }; });
    }).then(function (res) {
      var now = load();
      if (res.body.status === "ok") {
        delete now[key];
        store(now);
        say(TEXT.sent);
        var form = document.getElementById("checklist");
        if (form && form.elements.client_key && form.elements.client_key.value === key) {
          window.location.assign(res.body.url);
        }
        return;
      }
      // Told by the server (another inspector's record, or a missing answer): the draft
      // stays on the phone as a draft and the inspector decides.
      if (now[key]) { now[key].status = "draft"; store(now); }
      showProblem(key, res.body);
    }).catch(function () { say(TEXT.queued); scheduleRetry(); });
  }
  function syncAll() {
    var drafts = load();
    Object.keys(drafts).forEach(function (key) { sync(key); });
    syncPhotos();
  }
  function scheduleRetry() {
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () { retryTimer = null; syncAll(); }, 5000);
  }
  function showProblem(key, body) {
    var form = document.getElementById("checklist");
    say(body.message || "");
    if (!form || form.elements.client_key.value !== key) { return; }
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
  }
  function saveDraft(form, state) {
    var drafts = load();
    var key = form.elements.client_key.value;
    drafts[key] = {
      unit: form.getAttribute("data-unit"),
      action: form.getAttribute("action"),
      fields: fieldsOf(form),
      status: state,
      savedAt: new Date().toISOString()
    };
    store(drafts);
    say(state === "queued" ? TEXT.queued : TEXT.saved);
  }
  function restore(form) {
    var drafts = load();
    var unit = form.getAttribute("data-unit");
    var action = form.getAttribute("action");
    var found = null;
    Object.keys(drafts).forEach(function (key) {
      var d = drafts[key];
      if (d.unit === unit && d.action === action && (!found || d.savedAt > found.savedAt)) { found = d; }
    });
    if (!found) { return; }
    var values = {};
    found.fields.forEach(function (pair) { values[pair[0]] = pair[1]; });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "file") { return; }
      if (el.type === "radio") { el.checked = values[el.name] === el.value; }
      else if (el.type === "checkbox") { el.checked = values[el.name] === el.value; }
      else if (values[el.name] !== undefined) { el.value = values[el.name]; }
    });
    say(found.status === "queued" ? TEXT.queued : TEXT.saved);
  }

  /* ---- steps ----------------------------------------------------------------- */
  function setupSteps(form) {
    var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
    if (steps.length < 2) { return; }
    form.classList.add("stepped");
    function show(i) {
      steps.forEach(function (s, n) { s.hidden = n !== i; });
      var head = document.querySelector(".page-head");
      if (head) { head.scrollIntoView(); }
    }
    steps.forEach(function (section, i) {
      var bar = document.createElement("div");
      bar.className = "step-buttons";
      var label = document.createElement("span");
      label.className = "muted";
      label.textContent = (i + 1) + " / " + steps.length;
      if (i > 0) {
        var back = document.createElement("button");
        back.type = "button"; back.textContent = "上一步";
        back.addEventListener("click", function () { show(i - 1); });
        bar.appendChild(back);
      }
      bar.appendChild(label);
      if (i < steps.length - 1) {
        var next = document.createElement("button");
        next.type = "button"; next.className = "primary"; next.textContent = "下一步";
        next.addEventListener("click", function () { show(i + 1); });
        bar.appendChild(next);
      }
      section.appendChild(bar);
    });
    form.querySelectorAll(".steps-nav a").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        var target = document.querySelector(a.getAttribute("href"));
        var i = steps.indexOf(target);
        if (i >= 0) { ev.preventDefault(); show(i); }
      });
    });
    show(0);
  }

  /* ---- photos ---------------------------------------------------------------- */
  function db() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("rentals-photos", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("photos", { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("photos", mode);
        var out = fn(t.objectStore("photos"));
        t.oncomplete = function () { resolve(out && out.result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
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
  function uploadPhoto(rec) {
    if (!navigator.onLine) { say(TEXT.photoWait); return Promise.resolve(false); }
    var url = (document.getElementById("checklist") || document.body).getAttribute("data-photo-url") || "/inspections/photos";
    return freshToken().then(function (token) {
      var body = new FormData();
      body.append("csrf_token", token);
      body.append("unit", rec.unit);
      body.append("key", rec.key);
      body.append("inspection_key", rec.inspection_key);
      body.append("item", rec.item);
      body.append("photo", rec.blob, rec.key + ".jpg");
      return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } });
    }).then(function (r) {
      if (r.status === 201 || r.status === 422 || r.status === 413) {
        // Stored, or refused for good (not an image, too large): stop retrying it.
        return tx("readwrite", function (s) { s.delete(rec.key); }).then(function () {
          say(r.status === 201 ? TEXT.photoSent : "照片无法上传：不是有效的照片或文件太大");
          return true;
        });
      }
      return false;
    }).catch(function () { scheduleRetry(); return false; });
  }
  function syncPhotos() {
    if (!window.indexedDB) { return; }
    tx("readonly", function (s) { return s.getAll(); }).then(function (all) {
      (all || []).forEach(uploadPhoto);
    }).catch(function () {});
  }
  function setupPhotos(form) {
    form.querySelectorAll(".photo-input").forEach(function (input) {
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        input.value = "";
        files.forEach(function (file) {
          downscale(file).then(function (blob) {
            var rec = {
              key: uuid(), unit: form.getAttribute("data-unit"),
              inspection_key: form.elements.client_key.value,
              item: input.getAttribute("data-item") || "", blob: blob
            };
            var list = form.querySelector(".photo-list[data-for='" + rec.item + "']");
            if (list) {
              var img = document.createElement("img");
              img.className = "thumb"; img.alt = "照片"; img.src = URL.createObjectURL(blob);
              list.appendChild(img);
            }
            return tx("readwrite", function (s) { s.put(rec); }).then(function () {
              say(TEXT.photoWait);
              return uploadPhoto(rec);
            });
          });
        });
      });
    });
  }

  /* ---- signature pads -------------------------------------------------------- */
  function setupSignatures() {
    document.querySelectorAll(".sign-form").forEach(function (form) {
      var canvas = form.querySelector(".sign-pad");
      var field = form.querySelector("input[name=drawing]");
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

  /* ---- offline reopen --------------------------------------------------------- */
  /* sw.js keeps the checklist page, this script and the style network-first, so a tab
   * closed and reopened without network shows the page and restore() the draft. */
  function setupOffline() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) { return; }
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      // A page loaded before the worker took over is not in its cache yet.
      if (document.getElementById("checklist") && !navigator.serviceWorker.controller && reg.active) {
        var urls = [window.location.href];
        document.querySelectorAll("script[src], link[rel=stylesheet]").forEach(function (el) {
          urls.push(el.src || el.href);
        });
        reg.active.postMessage({ cache: urls });
      }
    }).catch(function () {});
  }

  /* ---- wiring ---------------------------------------------------------------- */
  var form = document.getElementById("checklist");
  if (form) {
    if (!document.getElementById("form-message")) { restore(form); }
    setupSteps(form);
    setupPhotos(form);
    form.addEventListener("change", function () { saveDraft(form, "draft"); });
    form.addEventListener("input", function () { saveDraft(form, "draft"); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      saveDraft(form, "queued");
      sync(form.elements.client_key.value);
    });
  }
  setupSignatures();
  setupOffline();
  window.addEventListener("online", syncAll);
  syncAll();
}());
