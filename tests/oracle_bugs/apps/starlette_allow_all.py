"""Starlette CORSMiddleware with allow_origins=["*"] (issue #510's configuration)."""

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse


def _endpoint(request):  # type: ignore[no-untyped-def]
    return PlainTextResponse("ok", headers={"X-Total": "3"})


app = Starlette()
app.add_route("/", _endpoint, methods=["GET", "HEAD", "POST", "PUT", "DELETE"])
app = CORSMiddleware(
    app, allow_origins=["*"],
    allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE"],
    allow_headers=["X-Token", "Accept", "Accept-Language", "Content-Language", "Content-Type"],
    expose_headers=["X-Total"],
)
