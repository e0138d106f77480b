// Runner page of the CORS harness.  The server embeds the case as JSON in
// <script id=h>; the page runs its requests in order, tells the server where
// each request starts (a no-cors "mark" request, so the server can attribute
// the traffic it sees), posts the results and moves on to the next case.
// Console sentinels "__H:start:<k>" / "__H:end:<k>" let the harness attribute
// the engine's console lines to cases.
"use strict";
var HARNESS = (function () {
  var REQUEST_TIMEOUT_MS = 20000;

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function errText(e) {
    if (e && typeof e === "object" && "name" in e && "message" in e) return e.name + ": " + e.message;
    return String(e);
  }

  function withTimeout(p) {
    return Promise.race([p, sleep(REQUEST_TIMEOUT_MS).then(function () { return { kind: "timeout" }; })]);
  }

  async function mark(c, i) {
    try { await fetch(c.mark + i, { mode: "no-cors", cache: "no-store", credentials: "omit" }); } catch (e) { /* ignore */ }
  }

  async function runFetch(r) {
    var init = { method: r.method === undefined ? "GET" : r.method };
    if (r.headers) init.headers = r.headers;
    ["mode", "credentials", "redirect", "cache", "referrer", "referrerPolicy", "integrity", "keepalive", "priority"].forEach(function (k) {
      if (r[k] !== undefined) init[k] = r[k];
    });
    if (r.body !== undefined && r.body !== null) init.body = r.body;
    var req;
    try { req = new Request(r.url, init); } catch (e) { return { kind: "sync-error", error: errText(e) }; }
    var resp;
    try { resp = await fetch(req); } catch (e) { return { kind: "error", error: errText(e) }; }
    var out = {
      kind: "response", outcome: resp.type, status: resp.status, headers: Array.from(resp.headers.keys()),
      redirected: resp.redirected, url: resp.url
    };
    try { await resp.arrayBuffer(); } catch (e) { out.body_error = errText(e); }
    return out;
  }

  function runXhr(r) {
    return new Promise(function (resolve) {
      var x = new XMLHttpRequest();
      try {
        x.open(r.method === undefined ? "GET" : r.method, r.url, true);
        (r.headers || []).forEach(function (h) { x.setRequestHeader(h[0], h[1]); });
        if (r.credentials === "include") x.withCredentials = true;
        // a text response type keeps Firefox from parsing untyped bodies as XML
        // (which logs "XML Parsing Error" to the console)
        x.responseType = "text";
      } catch (e) { resolve({ kind: "sync-error", error: errText(e) }); return; }
      if (r.upload_listener) x.upload.addEventListener("progress", function () {});
      x.onload = function () {
        var names = [];
        x.getAllResponseHeaders().split(/\r?\n/).forEach(function (line) {
          var i = line.indexOf(":");
          if (i > 0) names.push(line.slice(0, i).trim().toLowerCase());
        });
        resolve({ kind: "response", outcome: "xhr", status: x.status, headers: names, url: x.responseURL });
      };
      x.onerror = function () { resolve({ kind: "error", error: "XMLHttpRequest: error event" }); };
      x.onabort = function () { resolve({ kind: "error", error: "XMLHttpRequest: abort event" }); };
      x.ontimeout = function () { resolve({ kind: "error", error: "XMLHttpRequest: timeout event" }); };
      try { x.send(r.body === undefined ? null : r.body); } catch (e) { resolve({ kind: "sync-error", error: errText(e) }); }
    });
  }

  // Element loads (provisional extension of format v1): loaded = load vs error
  // event, readable = whether the page can read the result (null: not measurable).
  var ELEMENT_TIMEOUT_MS = 10000;

  function elementDone(el, ok, readable) {
    return { kind: "element", loaded: ok, readable: ok ? readable : false };
  }

  function runElement(r, k, i) {
    return new Promise(function (resolve) {
      var el = null, settled = false;
      function finish(res) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (el && el.parentNode && r.api !== "iframe") el.parentNode.removeChild(el);
        resolve(res);
      }
      var timer = setTimeout(function () { finish({ kind: "element", loaded: false, readable: false, timeout: true }); },
                             ELEMENT_TIMEOUT_MS);
      function cors(e) { if (r.crossorigin !== undefined && r.crossorigin !== null) e.setAttribute("crossorigin", r.crossorigin); }
      try {
        if (r.api === "img") {
          el = new Image(); cors(el);
          el.onload = function () {
            var readable = null;
            try {
              var cv = document.createElement("canvas"); cv.width = 1; cv.height = 1;
              var cx = cv.getContext("2d"); cx.drawImage(el, 0, 0); cx.getImageData(0, 0, 1, 1); readable = true;
            } catch (e) { readable = e && e.name === "SecurityError" ? false : null; }
            finish(elementDone(el, true, readable));
          };
          el.onerror = function () { finish(elementDone(el, false, false)); };
          el.src = r.url;
        } else if (r.api === "script" || r.api === "module-script") {
          el = document.createElement("script"); cors(el);
          if (r.api === "module-script") el.type = "module";
          el.onload = function () { finish(elementDone(el, true, null)); };
          el.onerror = function () { finish(elementDone(el, false, false)); };
          el.src = r.url; document.head.appendChild(el);
        } else if (r.api === "stylesheet") {
          el = document.createElement("link"); el.rel = "stylesheet"; cors(el);
          el.onload = function () {
            var readable = null;
            try { void el.sheet.cssRules.length; readable = true; } catch (e) { readable = e && e.name === "SecurityError" ? false : null; }
            finish(elementDone(el, true, readable));
          };
          el.onerror = function () { finish(elementDone(el, false, false)); };
          el.href = r.url; document.head.appendChild(el);
        } else if (r.api === "font") {
          var ff = new FontFace("hf" + k + "_" + i, "url(" + JSON.stringify(r.url) + ")");
          ff.load().then(function () { finish({ kind: "element", loaded: true, readable: null }); },
                         function () { finish({ kind: "element", loaded: false, readable: false }); });
        } else if (r.api === "media") {
          el = document.createElement("video"); cors(el); el.preload = "auto"; el.muted = true;
          el.onloadedmetadata = function () { finish(elementDone(el, true, null)); };
          el.onerror = function () { finish(elementDone(el, false, false)); };
          el.src = r.url; document.body.appendChild(el);
        } else if (r.api === "iframe") {
          el = document.createElement("iframe");
          el.onload = function () {
            var readable = false;
            try { readable = !!(el.contentDocument && el.contentDocument.documentElement); } catch (e) { readable = false; }
            finish(elementDone(el, true, readable));
            el.parentNode.removeChild(el);
          };
          el.src = r.url; document.body.appendChild(el);
        } else {
          finish({ kind: "unsupported", error: "api " + r.api + " not supported" });
        }
      } catch (e) { finish({ kind: "sync-error", error: errText(e) }); }
    });
  }

  async function runCase(c) {
    console.log("__H:start:" + c.k);
    var results = [];
    for (var i = 0; i < c.requests.length; i++) {
      var r = c.requests[i];
      if (r.after) await sleep(r.after * 1000);
      if (i > 0) await mark(c, i);  // traffic before the first mark belongs to request 0
      var res;
      try {
        if (r.api === "xhr") res = await withTimeout(runXhr(r));
        else if (r.api === "fetch") res = await withTimeout(runFetch(r));
        else res = await runElement(r, c.k, i);
      } catch (e) { res = { kind: "harness-error", error: errText(e) }; }
      results.push(res);
    }
    console.log("__H:end:" + c.k);
    return { k: c.k, results: results, origin: String(self.origin), ua: navigator.userAgent };
  }

  async function post(c, data) {
    for (var attempt = 0; attempt < 3; attempt++) {
      try {
        var resp = await fetch(c.result, { method: "POST", body: JSON.stringify(data), cache: "no-store" });
        return await resp.json();
      } catch (e) { await sleep(100); }
    }
    return { next: null };
  }

  function readCase() { return JSON.parse(document.getElementById("h").textContent); }

  // An opaque-origin page: a fresh sandboxed iframe (allow-scripts only) of
  // the a.test top page runs the case and hands the results back.
  function runInFrame(c) {
    return new Promise(function (resolve) {
      var f = document.createElement("iframe");
      var timer = setTimeout(function () { done({ k: c.k, error: "sandboxed frame timed out" }); }, 60000);
      function done(data) {
        clearTimeout(timer);
        window.removeEventListener("message", onmsg);
        f.remove();
        resolve(data);
      }
      function onmsg(ev) {
        if (ev.source === f.contentWindow && ev.data && ev.data.k === c.k) done(ev.data);
      }
      window.addEventListener("message", onmsg);
      f.setAttribute("sandbox", "allow-scripts");
      f.src = c.frame;
      document.body.appendChild(f);
    });
  }

  async function top() {
    var c = readCase();
    for (;;) {
      var data = c.page === "null" ? await runInFrame(c) : await runCase(c);
      var reply = await post(c, data);
      var n = reply.next;
      if (!n) { document.title = "done"; return; }
      if (n.origin === c.origin) { c = n; continue; }
      location.replace(n.url);
      return;
    }
  }

  async function frame() {
    var c = readCase();
    var data = await runCase(c);
    window.parent.postMessage(data, "*");
  }

  return { top: top, frame: frame };
})();
