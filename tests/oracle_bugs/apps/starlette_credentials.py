# mypy: ignore-errors
"""Starlette CORSMiddleware with allow_origins=["*"] and allow_credentials=True (issue #1832)."""

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE"]
HEADERS = ["X-Token", "Authorization", "Accept", "Accept-Language", "Content-Language", "Content-Type"]


def _endpoint(request):
    return PlainTextResponse("ok", headers={"X-Total": "3"})


inner = Starlette()
inner.add_route("/", _endpoint, methods=METHODS)
app = CORSMiddleware(inner, allow_origins=["*"], allow_credentials=True, allow_methods=METHODS,
                     allow_headers=HEADERS, expose_headers=["X-Total"])
