"""Scenario loading, validation and URL rewriting (format v1).

Every scenario of a run gets its own path prefix ``/__s/<run>.<k>`` inserted
right after the authority of every URL that points at one of the loopback test
hosts.  Requests of one scenario therefore share the browser's preflight, HTTP
and redirect caches, while different scenarios never see each other's entries.
Everything the harness reports is mapped back to the scenario's own URLs.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

# Names that setup.sh maps to 127.0.0.1 and ::1 (plus literal loopback).  A
# scenario naming any other host is refused: resolving it could leave the
# machine.
TEST_HOSTS: tuple[str, ...] = ("a.test", "b.test", "c.test", "d.test", "e.test", "f.test", "api.a.test", "x.a.test", "y.a.test")
LOOPBACK_HOSTS: frozenset[str] = frozenset({*TEST_HOSTS, "localhost", "127.0.0.1", "::1"})

FETCH_APIS = frozenset({"fetch", "xhr"})
ELEMENT_APIS = frozenset({"img", "script", "module-script", "stylesheet", "font", "media", "iframe"})


class ScenarioError(ValueError):
    """A scenario that cannot be run safely or is malformed."""


def load_paths(paths: list[str]) -> list[dict[str, Any]]:
    """Load scenario files; folders contribute their ``*.json`` files, sorted."""
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(sorted(f for f in path.rglob("*.json") if f.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(p)
    out: list[dict[str, Any]] = []
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        if isinstance(data, list):
            out.extend(data)
        else:
            out.append(data)
    return out


def _host_port(url: str) -> tuple[str, str, int] | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    if port is None:
        port = 80 if parts.scheme == "http" else 443
    return parts.scheme, parts.hostname.lower(), port


def origin_of(url: str) -> str | None:
    """Serialised origin of an http(s) URL, ``None`` for anything else."""
    hp = _host_port(url)
    if hp is None:
        return None
    scheme, host, port = hp
    shown = f"[{host}]" if ":" in host else host
    default = 80 if scheme == "http" else 443
    return f"{scheme}://{shown}" if port == default else f"{scheme}://{shown}:{port}"


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop the default port, empty path -> '/'."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return url
    origin = origin_of(url)
    path = parts.path or "/"
    out = f"{origin}{path}"
    if parts.query or url.split("#", 1)[0].endswith("?"):
        out += "?" + parts.query
    return out


@dataclass
class Rewriter:
    """Insert/remove a scenario's private path prefix."""

    prefix: str  # e.g. "/__s/ab12cd.3" (no trailing slash)

    def _mapped(self, url: str) -> bool:
        hp = _host_port(url)
        return hp is not None and hp[0] == "http" and hp[1] in LOOPBACK_HOSTS

    def url(self, url: str, base: str | None = None) -> str:
        """Rewrite a (possibly relative) URL used by the page."""
        if base is not None and not urlsplit(url).scheme:
            url = urljoin(base, url)
        if not self._mapped(url):
            return url
        p = urlsplit(url)
        return urlunsplit((p.scheme, p.netloc, self.prefix + (p.path or "/"), p.query, p.fragment))

    def location(self, value: str, current: str) -> str:
        """Rewrite a Location header value, keeping its form where possible.

        ``current`` is the scenario's own (unprefixed) URL of the response."""
        v = value.strip()
        p = urlsplit(v)
        if p.scheme or v.startswith("//"):
            full = urljoin(current, v)
            if not self._mapped(full):
                return value
            q = urlsplit(v)
            return urlunsplit((q.scheme, q.netloc, self.prefix + (q.path or "/"), q.query, q.fragment))
        if v.startswith("/"):
            return self.prefix + v
        if ".." in p.path:
            res = urlsplit(urljoin(current, v))
            return urlunsplit(("", "", self.prefix + (res.path or "/"), res.query, res.fragment))
        return value  # relative to the (prefixed) current URL: stays inside the prefix

    def back(self, text: str) -> str:
        """Map any text (URLs, console lines, error messages) back."""
        return text.replace(self.prefix + "/", "/")


@dataclass
class Route:
    method: str | None
    url: str  # normalised scenario URL
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Case:
    """One scenario prepared for a run."""

    index: int
    scenario: dict[str, Any]
    name: str
    page: str  # origin string or "null"
    page_origin: str  # origin that serves the runner page (for null: page_precursor, else "http://a.test")
    rewriter: Rewriter
    routes: list[Route]
    requests: list[dict[str, Any]]  # rewritten, sent to the page
    timeout: float
    errors: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        return self.rewriter.prefix.rsplit("/", 1)[-1]


_TOKEN_RE = re.compile(r"^[A-Za-z0-9]+$")


def _check_host(url: str, what: str) -> None:
    hp = _host_port(url)
    if hp is None:
        if urlsplit(url).scheme in ("http", "https"):
            raise ScenarioError(f"{what}: cannot parse {url!r}")
        return  # data:, blob:, about: ... never touch the network
    if hp[1] not in LOOPBACK_HOSTS:
        raise ScenarioError(f"{what}: host {hp[1]!r} is not mapped to loopback")


def ports_of(cases: list[Case]) -> set[int]:
    ports: set[int] = set()
    for c in cases:
        urls = [c.page_origin] + [r.url for r in c.routes]
        for r in c.scenario.get("requests", []):
            urls.append(urljoin(c.page_origin + "/", str(r.get("url", ""))))
        for rt in c.routes:
            for n, v in rt.headers:
                if n.lower() == "location":
                    urls.append(urljoin(rt.url, v))
        for u in urls:
            hp = _host_port(u)
            if hp is not None and hp[0] == "http":
                ports.add(hp[2])
    return ports


def prepare(scenario: dict[str, Any], index: int, run_id: str, base_timeout: float = 10.0) -> Case:
    """Validate a scenario and build its rewritten form."""
    if not _TOKEN_RE.match(run_id):
        raise ValueError("run id must be alphanumeric")
    name = str(scenario.get("name", f"scenario-{index}"))
    page = str(scenario.get("page", "http://a.test"))
    rw = Rewriter(f"/__s/{run_id}.{index}")
    precursor = scenario.get("page_precursor")
    if precursor is not None and page != "null":
        raise ScenarioError(f"{name}: page_precursor applies only when page is 'null'")
    if page == "null":
        # The sandboxed frame is made inside a page of the precursor origin (a.test when
        # the scenario does not say).
        page_origin = "http://a.test" if precursor is None else (origin_of(str(precursor)) or "")
        if not page_origin.startswith("http://"):
            raise ScenarioError(f"{name}: page_precursor must be an http origin, got {precursor!r}")
    else:
        po = origin_of(page)
        if po is None or not po.startswith("http://"):
            raise ScenarioError(f"{name}: page must be an http origin or 'null', got {page!r}")
        page_origin = po
    _check_host(page_origin, f"{name}: page")
    routes: list[Route] = []
    for i, r in enumerate(scenario.get("server", [])):
        url = str(r["url"])
        _check_host(url, f"{name}: route {i}")
        headers = [(str(h[0]), str(h[1])) for h in r.get("headers", [])]
        for hn, hv in headers:
            if "\r" in hn or "\n" in hn or "\r" in hv or "\n" in hv or ":" in hn:
                raise ScenarioError(f"{name}: route {i}: bad header {hn!r}")
            if hn.lower() == "location":
                _check_host(urljoin(url, hv), f"{name}: route {i} Location")
        method = r.get("method")
        body = base64.b64decode(r["body_base64"]) if "body_base64" in r else r.get("body", "")
        routes.append(
            Route(
                method=str(method) if method is not None else None,
                url=normalise_url(url),
                status=int(r.get("status", 200)),
                headers=headers,
                body=body.encode("utf-8") if isinstance(body, str) else bytes(body),
            )
        )
    requests: list[dict[str, Any]] = []
    total_after = 0.0
    base = page_origin + "/"
    for i, req in enumerate(scenario.get("requests", [])):
        api = str(req.get("api", "fetch"))
        if api not in FETCH_APIS and api not in ELEMENT_APIS:
            raise ScenarioError(f"{name}: request {i}: unknown api {api!r}")
        url = str(req.get("url", ""))
        _check_host(urljoin(base, url), f"{name}: request {i}")
        out = dict(req)
        out["api"] = api
        out["url"] = rw.url(url, base)
        out["scenario_url"] = urljoin(base, url)
        total_after += float(req.get("after", 0) or 0)
        requests.append(out)
    return Case(
        index=index,
        scenario=scenario,
        name=name,
        page=page,
        page_origin=page_origin,
        rewriter=rw,
        routes=routes,
        requests=requests,
        timeout=base_timeout + total_after + 2.0 * len(requests),
    )


def new_run_id() -> str:
    return os.urandom(4).hex()
