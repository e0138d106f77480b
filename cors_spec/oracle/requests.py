"""The requests the oracle makes: what script on a page does, as a browser would run it."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from cors_spec.browser import Browser
from cors_spec.model.headers import HeaderList
from cors_spec.model.request import Api, Credentials, Mode, Redirect, WireRequest
from cors_spec.model.response import Result, ServerResponse

__all__ = ["BrowserRequest"]


@attrs.frozen
class BrowserRequest:
    """One request script on ``page`` makes, and whether the browser holds a cookie for the server.

    ``cookie``: when the request goes out with credentials, the browser attaches
    ``Cookie: <cookie>`` (a browser with no cookie for the site sends none, even with
    credentials mode "include"). ``after``: seconds that pass before it, on the page's
    virtual clock (preflight cache expiry).
    """

    page: str
    url: str
    api: Api = Api.FETCH
    method: str = "GET"
    headers: HeaderList = ()
    mode: Mode = Mode.CORS
    credentials: Credentials = Credentials.SAME_ORIGIN
    redirect: Redirect = Redirect.FOLLOW
    body: str | None = None
    upload_listener: bool = False
    cookie: str | None = None
    after: float = 0.0

    def run(self, browser: Browser, server: Callable[[WireRequest], ServerResponse]) -> Result:
        browser.advance(self.after)
        if self.api is Api.XHR:
            return browser.xhr(self.url, method=self.method, headers=self.headers,
                               with_credentials=self.credentials is Credentials.INCLUDE, body=self.body,
                               upload_listener=self.upload_listener, server=server)
        return browser.fetch(self.url, method=self.method, headers=self.headers, mode=self.mode,
                             credentials=self.credentials, redirect=self.redirect, body=self.body, server=server)

    def scenario_request(self, *, after: float | None = None) -> dict[str, object]:
        """This request as a format-v1 scenario request (defaults left out)."""
        out: dict[str, object] = {}
        if self.api is Api.XHR:
            out["api"] = "xhr"
        if self.method != "GET":
            out["method"] = self.method
        out["url"] = self.url
        if self.headers:
            out["headers"] = [[n, v] for n, v in self.headers]
        if self.api is Api.FETCH:
            if self.mode is not Mode.CORS:
                out["mode"] = self.mode.value
            if self.redirect is not Redirect.FOLLOW:
                out["redirect"] = self.redirect.value
        if self.credentials is not Credentials.SAME_ORIGIN:
            out["credentials"] = self.credentials.value
        if self.upload_listener:
            out["upload_listener"] = True
        if self.body is not None:
            out["body"] = self.body
        a = self.after if after is None else after
        if a:
            out["after"] = a
        return out

    def describe(self) -> str:
        """One line: what script did."""
        if self.api is Api.XHR:
            call = f"xhr {self.method} {self.url}" + (" withCredentials" if self.credentials is Credentials.INCLUDE else "")
        else:
            opts = [f"mode={self.mode.value}"] if self.mode is not Mode.CORS else []
            if self.credentials is not Credentials.SAME_ORIGIN:
                opts.append(f"credentials={self.credentials.value}")
            if self.redirect is not Redirect.FOLLOW:
                opts.append(f"redirect={self.redirect.value}")
            call = f"fetch {self.method} {self.url}" + (f" ({', '.join(opts)})" if opts else "")
        hs = "".join(f"; {n}: {v}" for n, v in self.headers)
        extra = f"; browser holds cookie {self.cookie!r}" if self.cookie else ""
        when = f" after {self.after:g}s" if self.after else ""
        return f"from {self.page}{when}: {call}{hs}{extra}"
