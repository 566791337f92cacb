"""to_curl: quoting, secrets, and the round trip request_from_curl(to_curl(r)) == r for the
requests curl can express, after the normalisations documented in docs/interop.md."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reqscope.core.interop.curl import request_from_curl, to_curl
from reqscope.core.interop.curl_export import quote_literal, shell_word
from reqscope.core.interop.shell import split_command
from reqscope.core.model import (
    ApiKeyLocation,
    Auth,
    AuthKind,
    BodyKind,
    FormField,
    Header,
    Request,
    RequestOptions,
)


def test_quoting_is_minimal_and_posix() -> None:
    assert quote_literal("https://x.test/a?b=1") == "'https://x.test/a?b=1'"
    assert quote_literal("plain-word_1.2") == "plain-word_1.2"
    assert quote_literal("it's") == "'it'\\''s'"
    assert quote_literal("") == "''"
    assert quote_literal("a\nb\tc'") == "$'a\\nb\\tc\\''"
    assert shell_word("Bearer {{env.TOKEN}}") == '"Bearer ${TOKEN}"'
    assert shell_word('say "$x" {{env.T}}!') == "'say \"$x\" '\"${T}\"'!'"
    assert shell_word("\\{{literal}}") == "'{{literal}}'"


def test_every_word_splits_back() -> None:
    for text in ["a b", "it's", "$HOME", "`x`", "tab\there", "é😀", "\\", '"', "!", "#x", "~"]:
        assert split_command(shell_word(text)).words == [text]


def test_secrets_become_environment_references() -> None:
    request = Request(
        url="https://u:pw1234@x.test/a?api_key=k123456&q=1",
        headers=(
            Header("X-Api-Token", "tok-123456"),
            Header("Cookie", "sid=abcdef"),
            Header("X-Echo", "tok-123456 inside"),
        ),
        body_kind=BodyKind.RAW,
        body="token=tok-123456",
        auth=Auth(AuthKind.BASIC, username="ann", password="hunter22"),
    )
    command = to_curl(request)
    assert "tok-123456" not in command and "hunter22" not in command
    assert "abcdef" not in command and "k123456" not in command and "pw1234" not in command
    assert '-H "X-Api-Token: ${REQSCOPE_X_API_TOKEN}"' in command
    assert '-u "ann:${REQSCOPE_PASSWORD}"' in command
    assert "[redacted]" in command  # the token echoed in another header and in the body
    assert command.startswith("# secrets are read from the environment: set REQSCOPE_")
    reimported = request_from_curl(command).request
    assert reimported.auth.password == "{{env.REQSCOPE_PASSWORD}}"
    bearer = Request(url="https://x.test", headers=(Header("Authorization", "Bearer tok-1234"),))
    assert '-H "Authorization: Bearer ${REQSCOPE_AUTHORIZATION}"' in to_curl(bearer)
    assert "tok-123456" in to_curl(request, include_secrets=True)


def test_multiline_output() -> None:
    request = Request(method="POST", url="https://x.test", headers=(Header("A", "1"),))
    assert to_curl(request, multiline=True) == (
        "curl https://x.test \\\n  -X POST \\\n  -H 'A: 1' \\\n  -L \\\n  --max-redirs 10"
    )


# --- the round trip -----------------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
).filter(lambda t: "{{" not in t and not t.endswith("{") and "\\{" not in t)
HEADER_VALUE = TEXT.map(lambda t: "".join(c for c in t if c >= " " and c != "\x7f").strip())
SAFE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12)
HEADER_NAMES = st.sampled_from(["X-A", "X-Trace", "Accept-Language", "Accept", "Origin", "x-b"])


@st.composite
def urls(draw: st.DrawFn) -> str:
    path = "/".join(draw(st.lists(SAFE, max_size=3)))
    query = "&".join(f"{k}={v}" for k, v in draw(st.lists(st.tuples(SAFE, SAFE), max_size=3)))
    return f"https://{draw(SAFE)}.test/{path}" + (f"?{query}" if query else "")


@st.composite
def form_fields(draw: st.DrawFn) -> FormField:
    name = draw(SAFE)
    content_type = draw(st.sampled_from(["", "text/plain", "application/json"]))
    if draw(st.booleans()):
        return FormField(
            name,
            file=f"/tmp/{draw(SAFE)}",
            filename=draw(st.sampled_from(["", "x y.txt"])),
            content_type=content_type,
        )
    return FormField(name, draw(TEXT), content_type=content_type)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    headers = tuple(
        Header(n, v) for n, v in draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUE), max_size=4))
    )
    kind = draw(st.sampled_from([BodyKind.NONE, BodyKind.RAW, BodyKind.JSON, BodyKind.MULTIPART]))
    body, form = "", ()
    if kind in (BodyKind.RAW, BodyKind.JSON):
        body = draw(TEXT)
        content_type = draw(st.sampled_from(["", "text/plain", "application/json"]))
        if content_type:
            headers = (*headers, Header("Content-Type", content_type))
    elif kind is BodyKind.MULTIPART:
        form = tuple(draw(st.lists(form_fields(), min_size=1, max_size=3)))
    auth = draw(
        st.sampled_from(
            [
                Auth(),
                Auth(AuthKind.BASIC, username="ann", password="p:w d"),
                Auth(AuthKind.BEARER, token="t.o-k"),
            ]
        )
    )
    follow = draw(st.booleans())
    options = RequestOptions(
        timeout=draw(st.sampled_from([30.0, 5.0, 0.5])),
        connect_timeout=draw(st.sampled_from([None, 2.0, 0.25])),
        follow_redirects=follow,
        max_redirects=draw(st.integers(0, 50)) if follow else 10,
        verify=draw(st.booleans()),
        http2=draw(st.booleans()),
        proxy=draw(st.sampled_from(["", "http://proxy.test:3128"])),
        ca_bundle=draw(st.sampled_from(["", "ca.pem"])),
        client_cert=draw(st.sampled_from(["", "me.pem", "C:/x:y.pem"])),
        client_key=draw(st.sampled_from(["", "me.key"])),
    )
    return Request(
        method=draw(
            st.sampled_from(
                ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "patch", "PURGE"]
            )
        ),
        url=draw(urls()),
        headers=headers,
        body_kind=kind,
        body=body,
        form=form,
        auth=auth,
        options=options,
    )


def normalised(request: Request) -> Request:
    """What curl cannot say the same way: the name is derived, a JSON body without
    Content-Type or Accept gains an explicit Content-Type, and the Content-Type decides
    between a RAW and a JSON body."""
    headers = request.headers
    names = {h.name.lower() for h in headers}
    kind = request.body_kind
    content_type = next((h.value for h in headers if h.name.lower() == "content-type"), None)
    if kind is BodyKind.JSON and content_type is None and "accept" not in names:
        headers = (*headers, Header("Content-Type", "application/json"))
    if kind is BodyKind.RAW and content_type == "application/json":
        kind = BodyKind.JSON
    if kind is BodyKind.JSON and content_type not in (None, "application/json"):
        kind = BodyKind.RAW
    path = urlsplit(request.url).path or "/"
    return replace(request, name=f"{request.method} {path}", headers=headers, body_kind=kind)


@settings(max_examples=300, deadline=None)
@given(requests())
@example(  # found by this test: `"^"` in the quoted form value looked like cmd.exe quoting
    Request(
        url="https://0.test/",
        body_kind=BodyKind.MULTIPART,
        form=(FormField(name="0", value="^", content_type="text/plain"),),
        options=RequestOptions(verify=False),
    )
)
def test_round_trip(request: Request) -> None:
    command = to_curl(request, include_secrets=True)
    imported = request_from_curl(command)
    assert imported.request == normalised(request), command
    assert imported.warnings == [], command
    assert (
        request_from_curl(to_curl(request, include_secrets=True, multiline=True)).request
        == imported.request
    )


def test_api_key_in_the_query_is_an_environment_reference() -> None:
    request = Request(
        url="https://x.test/a?b=1",
        auth=Auth(
            AuthKind.API_KEY,
            token="k 123456789",
            key_name="api key",
            location=ApiKeyLocation.QUERY,
        ),
    )
    masked = to_curl(request)
    assert '"https://x.test/a?b=1&api%20key=${REQSCOPE_TOKEN}"' in masked
    assert "'https://x.test/a?b=1&api%20key=k%20123456789'" in to_curl(
        request, include_secrets=True
    )


def test_references_that_are_not_secrets_are_listed_too() -> None:
    request = Request(url="{{base}}/a", headers=(Header("X-Tenant", "{{env.TENANT}}"),))
    command = to_curl(request)
    assert command.startswith("# reads from the environment: BASE, TENANT\n")
    assert '"${BASE}/a"' in command
