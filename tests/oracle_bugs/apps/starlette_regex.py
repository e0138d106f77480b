# mypy: ignore-errors
"""Starlette CORSMiddleware with the documented allow_origin_regex example (issue #800)."""

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE"]
HEADERS = ["X-Token", "Accept", "Accept-Language", "Content-Language", "Content-Type"]


def _endpoint(request):
    return PlainTextResponse("ok", headers={"X-Total": "3"})


inner = Starlette()
inner.add_route("/", _endpoint, methods=METHODS)
app = CORSMiddleware(inner, allow_origin_regex=r"https://.*\.example\.org", allow_methods=METHODS,
                     allow_headers=HEADERS, expose_headers=["X-Total"])
