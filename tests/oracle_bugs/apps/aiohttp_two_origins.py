# mypy: ignore-errors
"""aiohttp-cors allowing two origins (issue #351: no Vary: Origin).

``app``: aiohttp-cors as released. ``app_with_vary``: the same configuration plus the
workaround users apply (an on_response_prepare handler adding Vary: Origin to every answer
to a request with an Origin: the Fetch standard asks for it on the answers without
Access-Control-Allow-Origin too, since those differ by Origin as well); aiohttp-cors has
no release with the fix.
"""

import aiohttp_cors
from aiohttp import web

ORIGINS = ["https://app.example", "https://admin.example"]
HEADERS = ["X-Token", "Accept", "Accept-Language", "Content-Language", "Content-Type"]


async def _index(request):
    return web.Response(text="ok", headers={"X-Total": "3"})


def _make(with_vary):
    application = web.Application()
    options = aiohttp_cors.ResourceOptions(allow_credentials=True, expose_headers=["X-Total"],
                                           allow_headers=HEADERS, allow_methods=["GET", "HEAD", "POST", "PUT",
                                                                                 "DELETE"])
    cors = aiohttp_cors.setup(application, defaults={o: options for o in ORIGINS})
    resource = cors.add(application.router.add_resource("/"))
    for method in ("GET", "HEAD", "POST", "PUT", "DELETE"):
        cors.add(resource.add_route(method, _index))
    if with_vary:
        async def add_vary(request, response):
            if "Origin" in request.headers:
                vary = response.headers.get("Vary")
                response.headers["Vary"] = f"{vary}, Origin" if vary else "Origin"

        application.on_response_prepare.append(add_vary)
    return application


app = _make(False)
app_with_vary = _make(True)
