# mypy: ignore-errors
"""flask-cors with a regular-expression origin (issue #209, PR #400).

``app``: the pattern as users write it (flask-cors matches it with re.match, anchored at
the start only). ``anchored_app``: the same configuration with the pattern anchored at the
end (``$``), as PR #400 documents: no released flask-cors anchors patterns itself.
"""

from flask import Flask
from flask_cors import CORS

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE"]
HEADERS = ["X-Token", "Accept", "Accept-Language", "Content-Language", "Content-Type"]


def _make(pattern):
    flask_app = Flask(__name__)

    @flask_app.route("/", methods=METHODS)
    def index():
        return "ok", 200, {"X-Total": "3"}

    CORS(flask_app, origins=[pattern], methods=METHODS, allow_headers=HEADERS, expose_headers=["X-Total"])
    return flask_app


app = _make(r"https://.*\.example\.org")
anchored_app = _make(r"https://.*\.example\.org$")
