# mypy: ignore-errors
"""django-cors-headers allowing https://app.example with credentials.

django-cors-headers before 3.0.0 took whitelist entries as host[:port] and compared only
the request origin's netloc, so http://app.example passed too. 3.0.0 requires the scheme
in each entry and compares it; each version gets the same allowed origin in the format it
accepts.
"""

import corsheaders
import django
from django.conf import settings

_OLD = tuple(int(x) for x in corsheaders.__version__.split(".")[:2]) < (3, 0)

settings.configure(
    DEBUG=False, SECRET_KEY="oracle", ALLOWED_HOSTS=["api.example"], ROOT_URLCONF=__name__,
    INSTALLED_APPS=["corsheaders"],
    MIDDLEWARE=["corsheaders.middleware.CorsMiddleware", "django.middleware.common.CommonMiddleware"],
    CORS_ORIGIN_WHITELIST=["app.example"] if _OLD else ["https://app.example"],
    CORS_ALLOW_CREDENTIALS=True,
    CORS_ALLOW_METHODS=["GET", "HEAD", "POST", "PUT", "DELETE"],
    CORS_ALLOW_HEADERS=["x-token", "accept", "accept-language", "content-language", "content-type"],
    CORS_EXPOSE_HEADERS=["X-Total"],
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def index(request):
    response = HttpResponse("ok")
    response["X-Total"] = "3"
    return response


urlpatterns = [path("", index)]
app = get_wsgi_application()
