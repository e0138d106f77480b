"""Intents, the oracle's properties, the check() helper and `cors-spec audit`."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from cors_spec import InputError, Outcome, ServerResponse, WireRequest
from cors_spec.adapters import AppFactory, plain
from cors_spec.cli import main
from cors_spec.intent import BrowserRequest, Intent, check, check_sequence, expected_outcome
from cors_spec.model.request import Api, Credentials
from cors_spec.scenario.format import parse_scenario, run_scenario

INTENT = Intent.from_dict({"origins": ["https://app.example"], "methods": ["PUT"], "headers": ["X-Token"],
                           "credentials": True, "expose": ["X-Total"]})


def good_server(w: WireRequest) -> ServerResponse:
    """What the intent asks for, done right."""
    origin = w.origin
    if origin != "https://app.example":
        return ServerResponse(200 if not w.preflight else 403, (("Vary", "Origin"),))
    h = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true"), ("Vary", "Origin")]
    if w.preflight:
        h += [("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "X-Token")]
        return ServerResponse(204, tuple(h))
    return ServerResponse(200, tuple(h + [("X-Total", "3"), ("Access-Control-Expose-Headers", "X-Total")]))


def reflecting_server(w: WireRequest) -> ServerResponse:
    """Reflects any origin with credentials: the classic mistake."""
    h = [("Access-Control-Allow-Origin", w.origin or ""), ("Access-Control-Allow-Credentials", "true"),
         ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "X-Token"), ("Vary", "Origin")]
    return ServerResponse(200, tuple(h))


# --- the intent ---------------------------------------------------------------------------


def test_intent_files(tmp_path: Path) -> None:
    toml = tmp_path / "i.toml"
    toml.write_text('origins = ["https://app.example", "https://*.example.org"]\nmethods = ["PUT"]\n'
                    'headers = ["X-Token"]\ncredentials = true\nexpose = ["X-Total"]\nmax_age = 60\n')
    js = tmp_path / "i.json"
    js.write_text(json.dumps({"origins": ["https://app.example", "https://*.example.org"], "methods": ["PUT"],
                              "headers": ["x-token"], "credentials": True, "expose": ["x-total"], "max_age": 60}))
    assert Intent.load(toml) == Intent.load(js)
    i = Intent.load(toml)
    assert i.headers == ("x-token",) and i.max_age == 60
    assert i.allows_origin("https://a.example.org") and i.allows_origin("https://a.b.example.org")
    for no in ["https://example.org", "https://a.example.org.evil.test", "http://a.example.org",
               "https://a.example.org:8443", "https://aexample.org", "null"]:
        assert not i.allows_origin(no), no
    assert i.allows_method("GET") and i.allows_method("PUT") and not i.allows_method("put")


@pytest.mark.parametrize(("data", "field"), [
    ({"origin": ["https://a.example"]}, "origin"),
    ({"origins": ["app.example"]}, "origins[0]"),
    ({"origins": ["https://app.example/"]}, "origins[0]"),
    ({"origins": ["https://App.example"]}, "origins[0]"),
    ({"origins": "https://app.example"}, "origins"),
    ({"credentials": "yes"}, "credentials"),
    ({"methods": ["P UT"]}, "methods[0]"),
    ({"max_age": -1}, "max_age"),
    ({"origins": [f"https://a{i}.example" for i in range(1001)]}, "origins"),
    ({"headers": ["x-a"] * 1001}, "headers"),
])
def test_bad_intents(data: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as e:
        Intent.from_dict(data, "i.toml")
    assert e.value.field == field


def test_an_intent_list_may_hold_the_limit() -> None:
    intent = Intent.from_dict({"origins": [f"https://a{i}.example" for i in range(1000)]})
    assert len(intent.origins) == 1000


def test_bad_origin_gets_a_hint() -> None:
    with pytest.raises(InputError, match=r"did you mean 'https://app\.example'"):
        Intent.from_dict({"origins": ["https://App.example:443"]})


def test_expected_outcome() -> None:
    url = "https://api.example/x"
    assert expected_outcome(INTENT, BrowserRequest("https://app.example", url)) == []
    why = expected_outcome(INTENT, BrowserRequest("https://evil.test", url, method="PATCH",
                                                  headers=(("X-Other", "1"),)))
    assert why is not None and [a for a, _ in why] == ["origin", "method", "header"]
    # safelisted values need no intent; unsafe values of safelisted names do
    assert expected_outcome(INTENT, BrowserRequest("https://app.example", url,
                                                   headers=(("Content-Type", "text/plain"),))) == []
    ct = expected_outcome(INTENT, BrowserRequest("https://app.example", url,
                                                 headers=(("Content-Type", "application/json"),)))
    assert ct is not None and ct[0][0] == "header"
    none = Intent.from_dict({"origins": ["https://app.example"]})
    cred = expected_outcome(none, BrowserRequest("https://app.example", url, credentials=Credentials.INCLUDE))
    assert cred is not None and cred[0][0] == "credentials"
    # same-origin requests, no-cors requests and requests the browser refuses: no expectation
    assert expected_outcome(INTENT, BrowserRequest("https://api.example", url)) is None
    assert expected_outcome(INTENT, BrowserRequest("https://app.example", url, method="TRACE")) is None


# --- check() ------------------------------------------------------------------------------


def test_check_passes_for_a_correct_server() -> None:
    server = plain(good_server)
    for req in [BrowserRequest("https://app.example", "https://api.example/", method="PUT",
                               headers=(("X-Token", "t"),), body="", credentials=Credentials.INCLUDE),
                BrowserRequest("https://evil.test", "https://api.example/", api=Api.XHR),
                BrowserRequest("https://app.example", "https://api.example/", cookie="s=1",
                               credentials=Credentials.INCLUDE)]:
        check(INTENT, server, req)


def test_check_reports_a_scenario_that_reproduces() -> None:
    req = BrowserRequest("https://evil.test", "https://api.example/", credentials=Credentials.INCLUDE)
    with pytest.raises(AssertionError) as e:
        check(INTENT, reflecting_server, req)
    text = str(e.value)
    assert "[unintended-origin]" in text and "origin https://evil.test is not in the intent's origins" in text
    assert "CORS check" in text  # the trace
    findings = check_sequence(INTENT, [req], AppFactory.shared(reflecting_server))
    f = findings[0]
    assert f.reproduces and f.scenario["page"] == "https://evil.test"
    assert run_scenario(parse_scenario(f.scenario))[-1].outcome is Outcome.CORS


def test_intent_free_properties() -> None:
    req = BrowserRequest("https://app.example", "https://api.example/", credentials=Credentials.INCLUDE)

    def wildcard(w: WireRequest) -> ServerResponse:
        return ServerResponse(200, (("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")))

    def null(w: WireRequest) -> ServerResponse:
        return ServerResponse(200, (("Access-Control-Allow-Origin", "null"),))

    def no_vary(w: WireRequest) -> ServerResponse:
        return ServerResponse(200, (("Access-Control-Allow-Origin", w.origin or ""),))

    def kinds(app: object, r: BrowserRequest = req) -> list[str]:
        return [f.kind for f in check_sequence(None, [r], AppFactory.shared(app))]

    assert kinds(wildcard) == ["wildcard-credentials"]
    assert kinds(null, BrowserRequest("null", "https://api.example/")) == ["null-origin"]
    assert kinds(no_vary) == ["missing-vary"]
    assert kinds(good_server) == []


def counter_app() -> object:
    """A WireRequest app that remembers the last credentialed origin (the Starlette #510 shape)."""
    state: dict[str, str] = {}

    def app(w: WireRequest) -> ServerResponse:
        if w.header("cookie") and w.origin:
            state["acao"] = w.origin
        return ServerResponse(200, (("Access-Control-Allow-Origin", state.get("acao", "*")),))

    return app


def test_state_leak_needs_fresh_apps() -> None:
    seq = [BrowserRequest("https://app.example", "https://api.example/", credentials=Credentials.INCLUDE,
                          cookie="s=1"),
           BrowserRequest("https://other.example", "https://api.example/")]
    any_origin = Intent.from_dict({"origins": ["*"]})
    kinds = [f.kind for f in check_sequence(any_origin, seq, AppFactory(counter_app),
                                            skip=["missing-vary", "reflected-origin"])]
    assert kinds == ["state-leak"]


def test_an_echoed_origin_where_the_intent_means_star_is_reported() -> None:
    """@koa/cors before 5.0.0 (GHSA-qxrj-hx23-xp82): with no origin option it echoes any
    Origin, null included. A browser reads that like *, so no outcome differs, but the server
    trusts whatever it is sent: reflected-origin. Answering * itself is what the intent means."""
    public = Intent.from_dict({"origins": ["*"]})
    req = BrowserRequest("https://other.example", "https://api.example/")

    def echo(w: WireRequest) -> ServerResponse:
        return ServerResponse(200, (("Access-Control-Allow-Origin", w.origin or ""), ("Vary", "Origin")))

    def star(w: WireRequest) -> ServerResponse:
        return ServerResponse(200, (("Access-Control-Allow-Origin", "*"),))

    assert [f.kind for f in check_sequence(public, [req], AppFactory(lambda: plain(echo)))] == ["reflected-origin"]
    assert check_sequence(public, [req], AppFactory(lambda: plain(star))) == []


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "oracle_good_app.py").write_text(textwrap.dedent('''
        from starlette.applications import Starlette
        from starlette.middleware.cors import CORSMiddleware
        from starlette.responses import PlainTextResponse

        def endpoint(request):
            return PlainTextResponse("ok", headers={"X-Total": "3"})

        inner = Starlette()
        inner.add_route("/", endpoint, methods=["GET", "HEAD", "POST", "PUT"])
        app = CORSMiddleware(inner, allow_origins=["https://app.example"], allow_methods=["GET", "HEAD", "POST", "PUT"],
                             allow_headers=["X-Token", "Accept", "Accept-Language", "Content-Language", "Content-Type"],
                             allow_credentials=True, expose_headers=["X-Total"])
        open_app = CORSMiddleware(inner, allow_origin_regex="https://.*", allow_methods=["GET", "HEAD", "POST", "PUT"],
                                  allow_headers=["X-Token", "Accept", "Accept-Language", "Content-Language",
                                                 "Content-Type"], allow_credentials=True, expose_headers=["X-Total"])
        '''))
    (tmp_path / "cors.toml").write_text(
        'origins = ["https://app.example"]\nmethods = ["PUT"]\n'
        'headers = ["X-Token", "Accept", "Accept-Language", "Content-Language", "Content-Type"]\n'
        'credentials = true\nexpose = ["X-Total"]\n')
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name in ("oracle_good_app",):
        sys.modules.pop(name, None)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def test_audit_clean_app(project: Path) -> None:
    status, out, _ = run_cli("audit", "oracle_good_app:app", "--intent", "cors.toml", "--examples", "60")
    assert status == 0, out
    assert "0 finding(s)" in out and "asgi" in out and "loaded afresh" in out


def test_audit_finds_and_is_deterministic(project: Path) -> None:
    args = ("audit", "oracle_good_app:open_app", "--intent", "cors.toml", "--examples", "200", "--seed", "3",
            "--json", "--profile", "all")
    status, out, _ = run_cli(*args)
    assert status == 1
    report = json.loads(out)
    kinds = [f["kind"] for f in report["findings"]]
    assert "unintended-origin" in kinds and "reflected-credentials" in kinds
    f = report["findings"][kinds.index("unintended-origin")]
    assert f["reproduces"] and f["examples"] == 0  # the battery finds it before the search
    assert run_scenario(parse_scenario(f["scenario"]))[-1].outcome is Outcome.CORS
    assert run_cli(*args)[1] == out  # same seed, same report


@pytest.mark.parametrize("argv", [
    ("audit", "oracle_good_app", "--intent", "cors.toml"),
    ("audit", "no_such_module_x:app", "--intent", "cors.toml"),
    ("audit", "oracle_good_app:nope", "--intent", "cors.toml"),
    ("audit", "oracle_good_app:app", "--intent", "missing.toml"),
    ("audit", "oracle_good_app:app", "--intent", "cors.toml", "--profile", "netscape"),
    ("audit", "oracle_good_app:app", "--intent", "cors.toml", "--url", "ftp://x/"),
    ("audit", "oracle_good_app:app", "--intent", "cors.toml", "--ignore", "nonsense"),
])
def test_audit_bad_input(project: Path, argv: tuple[str, ...]) -> None:
    status, _, err = run_cli(*argv)
    assert status == 2 and err.startswith("cors-spec: error:")


# --- issue 11: missing-vary, the battery, profile labels, 404 ---------------------------------


def one_origin_no_vary(w: WireRequest) -> ServerResponse:
    """Grants https://app.example; every other origin gets no ACAO, and nobody gets Vary."""
    if w.origin == "https://app.example":
        return ServerResponse(200, (("Access-Control-Allow-Origin", "https://app.example"),))
    return ServerResponse(200, ())


def test_missing_vary_when_acao_is_sent_for_some_origins_only() -> None:
    intent = Intent.from_dict({"origins": ["https://app.example"]})
    for page in ("https://app.example", "https://other.example"):
        found = check_sequence(intent, [BrowserRequest(page, "https://api.example/")],
                               AppFactory.shared(plain(one_origin_no_vary)))
        assert [f.kind for f in found] == ["missing-vary"], page
        assert "no Access-Control-Allow-Origin" in found[0].message


def test_the_battery_finds_null_with_credentials_whatever_the_seed() -> None:
    from cors_spec.intent import run_battery

    def null_trusted(w: WireRequest) -> ServerResponse:  # django-cors-headers with "null" allowed
        h = [("Vary", "Origin")]
        if w.origin in ("https://app.example", "null"):
            h += [("Access-Control-Allow-Origin", w.origin), ("Access-Control-Allow-Credentials", "true")]
        return ServerResponse(200, tuple(h))

    probes = run_battery(AppFactory.shared(plain(null_trusted)), "https://api.example/", intent=INTENT)
    by_name = {p.name: p for p in probes}
    assert {"any-origin", "null", "prefix", "suffix", "substring", "unescaped-dot", "http-trusted",
            "any-subdomain", "reflected-method-headers", "wildcard-credentials"} <= set(by_name)
    null = by_name["null"]
    assert null.granted and null.with_credentials and not null.intended
    assert "with the user's cookies" in null.lets
    assert {f.kind for f in null.findings} >= {"unintended-origin", "null-origin"}
    assert not any(p.granted for n, p in by_name.items() if n not in ("null", "reflected-method-headers",
                                                                       "wildcard-credentials")
                   and not n.startswith("intended-"))


def test_spec_only_findings_say_so() -> None:
    from cors_spec.intent import KINDS, Finding
    from cors_spec.oracle.check import label_profiles

    f = check_sequence(INTENT, [BrowserRequest("https://evil.example", "https://api.example/")],
                       AppFactory.shared(plain(reflecting_server)))[0]
    labelled = label_profiles(f, INTENT, AppFactory.shared(plain(reflecting_server)))
    assert labelled.profiles == ("chromium", "firefox", "spec", "webkit")
    only = Finding(**{**{a: getattr(f, a) for a in ("kind", "message", "profile", "request", "before", "scenario",
                                                      "reproduces", "trace")}, "profiles": ("spec",)})
    assert "only the spec profile shows it" in only.report().splitlines()[0]
    assert f.kind in KINDS


def test_a_404_at_the_audited_url_is_said() -> None:
    def not_found(w: WireRequest) -> ServerResponse:
        return ServerResponse(404, ())

    found = check_sequence(INTENT, [BrowserRequest("https://app.example", "https://api.example/nope")],
                           AppFactory.shared(plain(not_found)))
    assert found[0].kind == "intent-blocked" and "404 Not Found" in found[0].message


def test_audit_over_http_unreachable_is_a_one_line_error(project: Path) -> None:
    from cors_spec.oracle.serve import free_port

    status, out, err = run_cli("audit", f"http://127.0.0.1:{free_port()}/api", "--intent", "cors.toml")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "refused" in err and "Traceback" not in err
    status, _, err = run_cli("audit", "http://127.0.0.1:{port}/", "--intent", "cors.toml", "--start",
                             f"{sys.executable} -c 'import sys; sys.exit(3)'")
    assert status == 2 and "exited with status 3" in err
    status, _, err = run_cli("audit", "oracle_good_app:app", "--intent", "cors.toml", "--cookie", "a=b")
    assert status == 2 and "--cookie" in err


def test_audit_over_http_starts_finds_and_stops(project: Path) -> None:
    server = project / "reflect_server.py"
    server.write_text(textwrap.dedent('''
        import sys, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self):
                origin = self.headers.get("Origin")
                self.send_response(200)
                if origin:
                    self.send_header("Access-Control-Allow-Origin", origin)
                    self.send_header("Access-Control-Allow-Credentials", "true")
                    self.send_header("Vary", "Origin")
                self.send_header("Content-Length", "0")
                self.end_headers()
            do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = answer
            def log_message(self, *a): pass
        s = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
        threading.Timer(60, s.shutdown).start()
        s.serve_forever()
    '''))
    status, out, err = run_cli("audit", "http://127.0.0.1:{port}/api", "--intent", "cors.toml", "--json",
                               "--examples", "5", "--start", f"{sys.executable} reflect_server.py {{port}}",
                               "--url", "https://api.example/api", "--cookie", "sid=1")
    assert status == 1, err
    report = json.loads(out)
    kinds = {f["kind"]: f for f in report["findings"]}
    assert "unintended-origin" in kinds and kinds["unintended-origin"]["examples"] == 0
    assert kinds["unintended-origin"]["profiles"] == ["chromium", "firefox", "spec", "webkit"]
    assert any(p["probe"] == "any-origin" and p["granted"] for p in report["battery"])
