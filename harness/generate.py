"""A seeded generator of format-v1 scenarios the real-browser harness can run.

``generate(n, seed)`` returns ``n`` scenario dicts (docs/scenario-format.md), the same ones
for the same seed (``random.Random(seed)``, nothing else is random). They use only what the
harness runs: ``http:`` pages and URLs on the loopback test host names, ports 80, 8080 and
8081, and ``"null"`` (opaque-origin) pages, each with its ``page_precursor``.

What varies: page origins; methods (case, custom, forbidden); header sets (safelist edges,
duplicates, case, forbidden names, client hints, invalid names and values); mode,
credentials and redirect mode; fetch, XHR and element loads; the server's answers with every
header form (absent, empty, repeated lines, case, whitespace, lists, wildcards, invalid
values); redirect chains (each 3xx, same / cross origin, Location forms including a missing
Location, with and without CORS headers); and multi-request sequences that exercise the
preflight cache, with ``after``.

``features(scenario, i)`` names the features of request ``i`` (used to group differences).
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urljoin, urlsplit

Scenario = dict[str, Any]

PAGES = ("http://a.test", "http://a.test", "http://a.test", "http://a.test:8080", "http://b.test", "null")
#: The origin a ``"null"`` page's opaque origin is made from: the harness makes the
#: sandboxed frame inside a page of it (``page_precursor``).
NULL_PAGE_PRECURSOR = "http://a.test"
HOSTS = ("http://a.test", "http://b.test", "http://c.test", "http://a.test:8081", "http://api.a.test",
         "http://b.test:8080")

SAFE_METHODS = ("GET", "HEAD", "POST")
METHODS = ("GET", "GET", "GET", "HEAD", "POST", "POST", "PUT", "put", "DELETE", "delete", "PATCH", "patch",
           "OPTIONS", "get", "post", "head", "Custom", "X-METHOD", "Post")
FORBIDDEN_METHODS = ("CONNECT", "TRACE", "track")

CLIENT_HINTS = ("Downlink", "DPR", "Viewport-Width", "RTT", "ECT", "Save-Data", "Device-Memory", "Width",
                "Sec-CH-UA")
SAFELIST_VALUES: dict[str, tuple[str, ...]] = {
    "Accept": ("*/*", "text/html", "application/json, text/plain", "a\"b", "\u00ff", "x" * 129, "", " text/html "),
    "Accept-Language": ("en", "en-US,en;q=0.9", "fr;q=0.5", "a(b)", "", "de DE", "x" * 129),
    "Content-Language": ("de", "en, fr", "", "a:b", "x y", "\u00e9"),
    "Content-Type": ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                     "application/json", "text/plain;", "TEXT/PLAIN", "text/plain; charset=utf-8", "",
                     "text/plain; a=\"b\"", "text/plain, application/json", "text/csv"),
    "Range": ("bytes=0-", "bytes=0-10", "bytes=-5", "bytes=1-0", "Bytes=0-", "bytes=0-1,2-3", "bytes = 0-"),
}
CUSTOM = ("X-Token", "x-a", "X-Custom-Header", "X-Requested-With", "Authorization", "x-b")
FORBIDDEN = ("Cookie", "Referer", "Host", "Connection", "Content-Length", "Proxy-Foo", "Sec-Foo", "Origin",
             "User-Agent", "Accept-Charset", "Keep-Alive", "DNT", "Via", "Expect")
INVALID_NAMES = ("X Bad", "x@y", "")
RESPONSE_EXTRA = (("X-Foo", "1"), ("X-Bar", "2"), ("Content-Type", "text/plain"), ("Cache-Control", "no-cache"),
                  ("Set-Cookie", "a=b"), ("X-Empty", ""), ("Content-Language", "en"), ("Expires", "0"),
                  ("Pragma", "no-cache"), ("Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT"), ("x-foo", "3"))
REDIRECT_STATUSES = (301, 302, 303, 307, 308, 301, 302, 307)
ELEMENTS = ("img", "script", "module-script", "stylesheet", "font", "media", "iframe")
ELEMENT_BODY: dict[str, tuple[str, str]] = {
    "img": ("image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'),
    "script": ("text/javascript", "var __g = 1;"),
    "module-script": ("text/javascript", "export const g = 1;"),
    "stylesheet": ("text/css", "p { color: red }"),
    "font": ("font/woff2", "not a font"),
    "media": ("video/mp4", "not media"),
    "iframe": ("text/html", "<p>x</p>"),
}


def _case(rng: random.Random, name: str) -> str:
    """A random case form of a header name."""
    r = rng.random()
    if r < 0.6:
        return name
    if r < 0.8:
        return name.lower()
    if r < 0.9:
        return name.upper()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


class _Gen:
    def __init__(self, seed: int, index: int) -> None:
        self.rng = random.Random(f"{seed}:{index}")
        self.routes: list[dict[str, Any]] = []
        self.path_n = 0

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: Any) -> Any:
        return self.rng.choice(seq)

    def new_path(self) -> str:
        self.path_n += 1
        return f"/r{self.path_n}"

    # -- request side -------------------------------------------------------------------
    def header_set(self, api: str) -> list[list[str]]:
        rng = self.rng
        out: list[list[str]] = []
        for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 2, 3, 4))):
            kind = rng.random()
            if kind < 0.38:
                name = rng.choice(tuple(SAFELIST_VALUES))
                out.append([_case(rng, name), rng.choice(SAFELIST_VALUES[name])])
            elif kind < 0.58:
                out.append([_case(rng, rng.choice(CUSTOM)), rng.choice(("t", "", "1", " v ", "a,b"))])
            elif kind < 0.72:
                out.append([_case(rng, rng.choice(CLIENT_HINTS)), rng.choice(("1", "1.5", "10", "on", "4g", ""))])
            elif kind < 0.86:
                name = rng.choice(FORBIDDEN)
                out.append([_case(rng, name), rng.choice(("x", "a.test", "1"))])
            elif kind < 0.96:
                out.append(["X-HTTP-Method-Override", rng.choice(("PUT", "CONNECT", "trace", "GET"))])
            else:
                out.append([rng.choice(INVALID_NAMES), "v"])
        if out and self.chance(0.15):
            # a duplicated name (same or different case, same or different value)
            n, v = rng.choice(out)
            out.append([_case(rng, n), v if self.chance(0.5) else rng.choice(SAFELIST_VALUES.get(n.title(), ("z",)))])
        if self.chance(0.03):
            out.append(["X-Bad-Value", "a\u0000b" if api == "fetch" and self.chance(0.5) else "a\u0100"])
        return out

    def method(self) -> str:
        if self.chance(0.03):
            return str(self.pick(FORBIDDEN_METHODS))
        return str(self.pick(METHODS))

    # -- server side --------------------------------------------------------------------
    def acao(self, page: str) -> list[list[str]]:
        rng = self.rng
        origin = page if page != "null" else "null"
        r = rng.random()
        name = _case(rng, "Access-Control-Allow-Origin")
        if r < 0.08:
            return []
        if r < 0.62:
            return [[name, origin]]
        if r < 0.78:
            return [[name, "*"]]
        forms = [
            [[name, "null"]], [[name, ""]], [[name, f" {origin} "]], [[name, origin + "/"]],
            [[name, origin.upper()]], [[name, origin], [name, origin]], [[name, origin], [name, "*"]],
            [[name, f"{origin}, *"]], [[name, f"{origin} *"]], [[name, "http://c.test"]], [[name, "*"], [name, ""]],
            [[name, "\t*"]], [[name, origin], [name, ""]],
        ]
        return list(rng.choice(forms))

    def acac(self) -> list[list[str]]:
        r = self.rng.random()
        name = _case(self.rng, "Access-Control-Allow-Credentials")
        if r < 0.6:
            return []
        if r < 0.82:
            return [[name, "true"]]
        return list(self.pick(([[name, "TRUE"]], [[name, ""]], [[name, "true"], [name, "true"]],
                               [[name, "false"]], [[name, " true "]], [[name, "true"], [name, ""]])))

    def list_header(self, name: str, wanted: list[str]) -> list[list[str]]:
        rng = self.rng
        n = _case(rng, name)
        r = rng.random()
        if r < 0.2:
            return []
        if r < 0.5 and wanted:
            return [[n, ", ".join(wanted)]]
        if r < 0.6 and wanted:
            return [[n, ",".join(w.lower() for w in wanted)]]
        if r < 0.7:
            return [[n, "*"]]
        if r < 0.75 and wanted:
            return [[n, w] for w in wanted]
        forms = [[[n, ""]], [[n, "*, " + (wanted[0] if wanted else "x")]], [[n, "PUT GET"]], [[n, "x-a;"]],
                 [[n, " , " + ", ".join(wanted) + " ,"]], [[n, "X-Other"]], [[n, "*"], [n, ""]]]
        return list(rng.choice(forms))

    def max_age(self) -> list[list[str]]:
        r = self.rng.random()
        n = _case(self.rng, "Access-Control-Max-Age")
        if r < 0.35:
            return []
        return [[n, str(self.pick(("0", "1", "5", "60", "60", "600", "-1", "+10", "abc", "", "86400000", " 60 ",
                                   "1.5")))]]

    def expose(self) -> list[list[str]]:
        r = self.rng.random()
        n = _case(self.rng, "Access-Control-Expose-Headers")
        if r < 0.55:
            return []
        return list(self.pick(([[n, "X-Foo"]], [[n, "x-foo, X-Bar"]], [[n, "*"]], [[n, ""]], [[n, "x-foo;"]],
                               [[n, "X-Foo"], [n, "X-Bar"]], [[n, "X-Empty"]], [[n, "Set-Cookie, X-Empty"]],
                               [[n, " X-Foo , , X-Bar "]])))

    def extra(self) -> list[list[str]]:
        out = [list(h) for h in self.rng.sample(RESPONSE_EXTRA, self.rng.choice((0, 1, 2, 3)))]
        for h in out:
            if self.chance(0.2):
                h[0] = _case(self.rng, h[0])
        return out

    def final_route(self, url: str, page: str, api: str) -> dict[str, Any]:
        headers = self.acao(page) + self.acac() + self.expose() + self.extra()
        if api in ELEMENT_BODY:
            ctype, body = ELEMENT_BODY[api]
            if self.chance(0.85):
                headers.append(["Content-Type", ctype])
        else:
            body = "ok"
        status = int(self.pick((200, 200, 200, 200, 200, 204, 206, 404, 500, 299, 201)))
        if status == 204:
            body = ""
        self.rng.shuffle(headers)
        route: dict[str, Any] = {"url": url, "status": status, "headers": headers}
        if body:
            route["body"] = body
        return route

    def preflight_route(self, url: str, page: str, method: str, headers: list[list[str]]) -> dict[str, Any]:
        wanted = sorted({h[0].lower() for h in headers if h[0]})
        status = int(self.pick((204, 200, 200, 204, 204, 200, 204, 404, 500, 299, 302)))
        hs = self.acao(page) + self.acac() + self.list_header("Access-Control-Allow-Methods", [method.upper()])
        hs += self.list_header("Access-Control-Allow-Headers", wanted) + self.max_age()
        if status == 302:
            hs.append(["Location", url + "-moved"])
        return {"method": "OPTIONS", "url": url, "status": status, "headers": hs}

    def location(self, current: str, target: str) -> list[list[str]] | None:
        """Location header lines for a hop from ``current`` to ``target``; None: no Location."""
        r = self.rng.random()
        n = _case(self.rng, "Location")
        cur, tgt = urlsplit(current), urlsplit(target)
        if r < 0.06:
            return None
        if r < 0.09:
            return [[n, ""]]
        if cur.netloc == tgt.netloc and r < 0.35:
            return [[n, tgt.path]]  # absolute-path
        if cur.netloc == tgt.netloc and r < 0.45:
            return [[n, tgt.path.lstrip("/")]]  # path-relative
        if r < 0.55:
            return [[n, "//" + tgt.netloc + tgt.path]]  # scheme-relative
        if r < 0.6:
            return [[n, target + "#frag"]]
        if r < 0.63:
            return [[n, f" {target} "]]
        if r < 0.65:
            return [[n, target.replace("http://", "http://user:pw@")]]
        return [[n, target]]

    def chain(self, start: str, final: str, page: str, hops: int) -> list[dict[str, Any]]:
        """Redirect routes from ``start`` through ``hops`` 3xx answers, ending at ``final``."""
        routes: list[dict[str, Any]] = []
        cur = start
        for h in range(hops):
            nxt = final if h == hops - 1 else self.pick(HOSTS) + self.new_path()
            loc = self.location(cur, nxt)
            headers = list(loc or [])
            if self.chance(0.6):
                headers += self.acao(page) + self.acac()
            routes.append({"url": cur, "status": int(self.pick(REDIRECT_STATUSES)), "headers": headers})
            if loc is None or loc[0][1].strip() == "":
                return routes
            cur = nxt  # every Location form above resolves to nxt
        return routes

    # -- requests -----------------------------------------------------------------------
    def target(self, page: str) -> str:
        if page != "null" and self.chance(0.3):
            return page
        return str(self.pick(HOSTS))

    def request(self, page: str, url: str) -> dict[str, Any]:
        r = self.rng.random()
        if r < 0.62:
            req: dict[str, Any] = {"url": url}
            method = self.method()
            if method != "GET":
                req["method"] = method
            hs = self.header_set("fetch")
            if hs:
                req["headers"] = hs
            mode = self.pick(("cors",) * 24 + ("no-cors",) * 6 + ("same-origin",) * 2 + ("navigate",))
            if mode != "cors":
                req["mode"] = mode
            cred = self.pick(("same-origin",) * 5 + ("include",) * 3 + ("omit",) * 2)
            if cred != "same-origin":
                req["credentials"] = cred
            red = self.pick(("follow",) * 6 + ("manual", "error"))
            if red != "follow":
                req["redirect"] = red
            if method.upper() not in ("GET", "HEAD") and self.chance(0.6):
                req["body"] = self.pick(("x", "{}", "a=b"))
            elif self.chance(0.02):
                req["body"] = "x"
            return req
        if r < 0.87:
            req = {"api": "xhr", "url": url}
            method = self.method()
            if method != "GET":
                req["method"] = method
            hs = self.header_set("xhr")
            if hs:
                req["headers"] = hs
            if self.chance(0.3):
                req["credentials"] = "include"
            if self.chance(0.12):
                req["upload_listener"] = True
            if method.upper() not in ("GET", "HEAD") and self.chance(0.6):
                req["body"] = self.pick(("x", "{}", "a=b"))
            return req
        api = str(self.pick(ELEMENTS))
        req = {"api": api, "url": url}
        if api not in ("font", "iframe") and self.chance(0.6):
            req["crossorigin"] = self.pick(("anonymous", "anonymous", "use-credentials"))
        return req

    def add_routes_for(self, page: str, req: dict[str, Any], url: str, final: str) -> None:
        """Routes answering ``req`` at ``url`` (maybe a redirect chain ending at ``final``)."""
        api = str(req.get("api", "fetch"))
        pre: list[dict[str, Any]] = []
        if api in ("fetch", "xhr") and self.chance(0.85):
            method = str(req.get("method", "GET"))
            for u in sorted({url, final}):
                pre.append(self.preflight_route(u, page, method, list(req.get("headers", []))))
        chain = self.chain(url, final, page, 1 if final.endswith("-h1") else 2) if url != final else []
        # preflight routes first: the first matching route answers
        self.routes.extend(pre + chain + [self.final_route(final, page, api)])

    def scenario(self, name: str) -> Scenario:
        rng = self.rng
        page = str(self.pick(PAGES))
        requests: list[dict[str, Any]] = []
        if self.chance(0.2):
            # a preflight-cache sequence: the same URL several times, with waits
            base = self.target(page) + self.new_path()
            first = self.request(page, base)
            if first.get("api", "fetch") not in ("fetch", "xhr"):
                first = {"url": base, "method": "PUT", "headers": [["X-Token", "t"]], "body": "x"}
            requests.append(first)
            for _ in range(rng.choice((1, 1, 2))):
                nxt = dict(self.request(page, base if self.chance(0.8) else self.target(page) + self.new_path()))
                if self.chance(0.35):
                    nxt["after"] = self.pick((1, 2, 2))
                requests.append(nxt)
            for req in requests:
                url = str(req["url"])
                if not any(r["url"] == url for r in self.routes):
                    self.add_routes_for(page, req, url, url)
        else:
            for _ in range(rng.choice((1, 1, 1, 1, 2))):
                url = self.target(page) + self.new_path()
                final = url
                if self.chance(0.3):
                    final = self.pick(HOSTS) + self.new_path() + ("-h1" if self.chance(0.7) else "-h2")
                req = self.request(page, url)
                if page != "null" and urlsplit(url).netloc == urlsplit(page).netloc and self.chance(0.15):
                    req["url"] = url[len(page):]  # relative to the page
                requests.append(req)
                self.add_routes_for(page, req, url, final)
        out: Scenario = {"name": name, "page": page}
        if page == "null":
            out["page_precursor"] = NULL_PAGE_PRECURSOR
        return {**out, "requests": requests, "server": self.routes}


def generate(n: int, seed: int) -> list[Scenario]:
    """``n`` scenarios, the same for the same ``seed``."""
    return [_Gen(seed, i).scenario(f"gen-{seed}-{i:04d}") for i in range(n)]


def _lower_names(headers: Any) -> list[str]:
    return [str(h[0]).lower() for h in headers or []]


def features(scenario: Scenario, i: int) -> list[str]:
    """Short names of what request ``i`` of ``scenario`` involves (for grouping differences)."""
    req = scenario["requests"][i]
    api = str(req.get("api", "fetch"))
    out = [f"api={api}"]
    if scenario["page"] == "null":
        out.append("page=null")
    page = scenario["page"]
    url = urljoin((page if page != "null" else "http://a.test") + "/", str(req["url"]))
    if page != "null":
        out.append("same-origin-url" if urlsplit(url).netloc == urlsplit(page).netloc else "cross-origin-url")
    for key in ("mode", "credentials", "redirect"):
        if key in req:
            out.append(f"{key}={req[key]}")
    if api in ("fetch", "xhr"):
        m = str(req.get("method", "GET"))
        out.append("method=" + (m if m.upper() in ("GET", "HEAD", "POST") else "other"))
    names = _lower_names(req.get("headers"))
    if len(names) != len(set(names)):
        out.append("dup-header")
    for n in sorted(set(names)):
        if n in {h.lower() for h in CLIENT_HINTS}:
            out.append("client-hint")
        elif n in {h.lower() for h in FORBIDDEN} or n.startswith(("proxy-", "sec-")):
            out.append("forbidden-header")
        elif n in {h.lower() for h in SAFELIST_VALUES}:
            out.append("safelist:" + n)
    if req.get("upload_listener"):
        out.append("upload-listener")
    if req.get("after"):
        out.append("after")
    if i > 0 and any(str(r["url"]) == str(req["url"]) for r in scenario["requests"][:i]):
        out.append("repeat-url")
    # the server's side for this request's URL chain
    routes = scenario.get("server", [])
    cur, seen = url, set()
    while cur not in seen:
        seen.add(cur)
        route = next((r for r in routes if r["url"] == cur and r.get("method") is None), None)
        if route is None:
            break
        st = int(route.get("status", 200))
        hs = route.get("headers", [])
        if 300 <= st < 400:
            loc = [v for n, v in hs if n.lower() == "location"]
            out.append(f"hop={st}" + ("/no-location" if not loc else "/empty-location" if not loc[0].strip() else ""))
            if not loc or not loc[0].strip():
                break
            cur = urljoin(cur, loc[0].strip()).split("#", 1)[0]
            continue
        names = _lower_names(hs)
        if any(n == "x-empty" for n in names):
            out.append("empty-response-header")
        if len(names) != len(set(names)):
            out.append("dup-response-header")
        break
    return sorted(set(out))
