"""Public facade: ``cors_spec.adapters`` is :mod:`cors_spec.oracle.adapters`."""

from cors_spec.oracle.adapters import (
    AppFactory as AppFactory,
)
from cors_spec.oracle.adapters import (
    AppServer as AppServer,
)
from cors_spec.oracle.adapters import (
    aiohttp_app as aiohttp_app,
)
from cors_spec.oracle.adapters import (
    as_factory as as_factory,
)
from cors_spec.oracle.adapters import (
    as_server as as_server,
)
from cors_spec.oracle.adapters import (
    asgi as asgi,
)
from cors_spec.oracle.adapters import (
    detect as detect,
)
from cors_spec.oracle.adapters import (
    plain as plain,
)
from cors_spec.oracle.adapters import (
    wsgi as wsgi,
)
from cors_spec.oracle.http import HttpServer as HttpServer
from cors_spec.oracle.http import ServerUnreachable as ServerUnreachable
from cors_spec.oracle.http import http as http
from cors_spec.oracle.http import http_factory as http_factory

__all__ = [
    "AppFactory",
    "AppServer",
    "HttpServer",
    "ServerUnreachable",
    "aiohttp_app",
    "as_factory",
    "as_server",
    "asgi",
    "detect",
    "http",
    "http_factory",
    "plain",
    "wsgi",
]
