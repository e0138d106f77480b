"""Shared hypothesis strategies for the tests."""

from __future__ import annotations

from hypothesis import strategies as st

from cors_spec import Route, Routes

HOSTS = ["a.test", "b.test", "c.test"]
ORIGINS = [f"http://{h}" for h in HOSTS] + ["https://a.test", "http://a.test:8080", "null"]

#: Any byte a server can put in a header value (no NUL, CR, LF), as one char each.
wire_value = st.text(st.characters(min_codepoint=1, max_codepoint=255, blacklist_characters="\r\n"), max_size=40)
#: Anything script may pass as a header value, including what the browser rejects.
script_value = st.text(st.characters(max_codepoint=0x2FF), max_size=40)
token = st.text("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_!#$%&'*+.^`|~", min_size=1, max_size=12)
header_name = st.one_of(
    st.sampled_from(["Accept", "Accept-Language", "Content-Language", "Content-Type", "Range", "X-Token",
                     "Authorization", "Cookie", "Origin", "Sec-Fetch-Mode", "X-HTTP-Method-Override",
                     "content-type", "x-a", "x-b"]),
    token,
    st.text(max_size=6),
)
safelisted_values = st.sampled_from(
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "en-US",
     "*/*", "bytes=0-", "bytes=0-10", "text/plain;charset=UTF-8"])
header_value = st.one_of(safelisted_values, wire_value, script_value)
methods = st.one_of(st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "patch", "put", "OPTIONS",
                                     "TRACE", "connect", "QUERY"]), token, st.text(max_size=5))
urls = st.one_of(
    st.builds(lambda h, p: f"http://{h}/{p}", st.sampled_from(HOSTS), st.sampled_from(["", "x", "y?q=1", "z#f"])),
    st.sampled_from(["https://a.test/s", "data:text/plain,hi", "ftp://b.test/x", "http://a.test:6000/", "/rel",
                     "http://u:p@b.test/", "not a url", "javascript:alert(1)", "about:blank"]),
)
acao_values = st.one_of(st.sampled_from(ORIGINS + ["*", "http://a.test, http://b.test", " * ", "HTTP://A.TEST", ""]),
                        wire_value)
cors_response_header = st.one_of(
    st.tuples(st.just("Access-Control-Allow-Origin"), acao_values),
    st.tuples(st.just("Access-Control-Allow-Credentials"), st.sampled_from(["true", "True", "false", ""])),
    st.tuples(st.just("Access-Control-Allow-Methods"),
              st.sampled_from(["PUT", "*", "GET, PUT, DELETE", "put", "PUT GET", "", "PATCH"])),
    st.tuples(st.just("Access-Control-Allow-Headers"),
              st.sampled_from(["*", "x-token", "X-Token, Content-Type", "authorization", "x-a;", "", "x-a,x-b"])),
    st.tuples(st.just("Access-Control-Expose-Headers"), st.sampled_from(["*", "x-extra", "set-cookie", "x y"])),
    st.tuples(st.just("Access-Control-Max-Age"), st.sampled_from(["0", "5", "60", "-1", "abc", "86400"])),
    st.tuples(st.just("Location"), st.sampled_from(["http://b.test/x", "http://c.test/", "/y", "http://[bad", "data:,x",
                                                    "http://u:p@c.test/"])),
    st.tuples(st.sampled_from(["X-Extra", "Set-Cookie", "Content-Type", "Cache-Control"]), wire_value),
)
response_headers = st.lists(cors_response_header, max_size=6).map(tuple)
statuses = st.sampled_from([200, 204, 206, 301, 302, 303, 307, 308, 304, 400, 404, 500, 101])


@st.composite
def route_tables(draw: st.DrawFn) -> Routes:
    routes = []
    for _ in range(draw(st.integers(0, 6))):
        host = draw(st.sampled_from(HOSTS))
        path = draw(st.sampled_from(["", "x", "y?q=1", "z"]))
        routes.append(Route(f"http://{host}/{path}", draw(statuses), draw(response_headers), "b",
                            draw(st.sampled_from([None, "OPTIONS", "GET"]))))
    return Routes(tuple(routes))
