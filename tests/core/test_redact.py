from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from reqscope.core.model import (
    Auth,
    AuthKind,
    ErrorKind,
    Exchange,
    FormField,
    Header,
    RedirectHop,
    Request,
    RequestOptions,
    Response,
    SentRequest,
    TransportError,
)
from reqscope.core.redact import (
    MASK,
    Redactor,
    basic_credentials,
    is_sensitive_header,
    secrets_in_request,
)

TOKEN = "eyJhbGciOiJIUzI1NiJ9.payload.sig"


def test_scrub_masks_every_occurrence_longest_first() -> None:
    redactor = Redactor(["abcd", "abcdef-long", "no"])
    assert redactor.scrub("x abcdef-long y abcd z abcd") == f"x {MASK} y {MASK} z {MASK}"
    assert redactor.scrub("no secrets here: abc") == "no secrets here: abc"  # "no" is too short


def test_scrub_masks_url_and_json_encoded_forms() -> None:
    secret = 'p@ss/word+1 "quoted"'
    redactor = Redactor([secret])
    assert redactor.scrub(f"q={quote(secret, safe='')}") == f"q={MASK}"
    assert redactor.scrub("q=p%40ss%2Fword%2B1+%22quoted%22") == f"q={MASK}"
    assert redactor.scrub(json.dumps({"echo": secret})) == json.dumps({"echo": MASK})


def test_scheme_credentials_and_basic_passwords() -> None:
    basic = basic_credentials("alice", "hunter22")
    redactor = Redactor([f"Bearer {TOKEN}", f"Basic {basic}"])
    assert redactor.scrub(f'{{"token": "{TOKEN}"}}') == f'{{"token": "{MASK}"}}'
    assert redactor.scrub(f"auth {basic} pw hunter22") == f"auth {MASK} pw {MASK}"


def test_add_and_copy() -> None:
    redactor = Redactor()
    redactor.add("later-secret")
    copy = redactor.copy()
    copy.add("only-in-copy")
    assert redactor.scrub("later-secret only-in-copy") == f"{MASK} only-in-copy"
    assert copy.scrub("later-secret only-in-copy") == f"{MASK} {MASK}"
    assert redactor.secrets == {"later-secret"}


def test_scrub_bytes_leaves_binary_alone_and_masks_secrets() -> None:
    redactor = Redactor(["sekrit-value"])
    data = bytes(range(256)) + b"sekrit-value" + "é".encode()
    assert redactor.scrub_bytes(data) == bytes(range(256)) + MASK.encode() + "é".encode()
    assert redactor.scrub_bytes(b"nothing") == b"nothing"


def test_scrub_is_fast_enough_path_with_big_text() -> None:
    # Correctness on a big body (speed is measured in the report, not asserted here).
    redactor = Redactor([TOKEN, "other-secret"])
    body = ('{"a": "' + "x" * 1000 + '"}\n') * 2000 + TOKEN
    scrubbed = redactor.scrub(body)
    assert scrubbed.endswith(MASK) and TOKEN not in scrubbed


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("Authorization", f"Bearer {TOKEN}", f"Bearer {MASK}"),
        ("proxy-authorization", "Basic dXNlcjpwYXNz", f"Basic {MASK}"),
        ("Authorization", "rawtokenvalue", MASK),
        ("Cookie", "sid=abc123; theme=dark", f"sid={MASK}; theme={MASK}"),
        ("Set-Cookie", "sid=abc123; Path=/; HttpOnly", f"sid={MASK}; Path=/; HttpOnly"),
        ("X-API-Key", "k-123456", MASK),
        ("X-Custom-Token", "whatever", MASK),
        ("Accept", "application/json", "application/json"),
        ("X-Echo", f"has {TOKEN} inside", f"has {MASK} inside"),
        ("Location", "https://b.example/x?X-Amz-Signature=abc&a=1", f"https://b.example/x?X-Amz-Signature={MASK}&a=1"),
    ],
)  # fmt: skip
def test_header_value(name: str, value: str, expected: str) -> None:
    assert Redactor([TOKEN]).header_value(name, value) == expected


def test_is_sensitive_header() -> None:
    for name in ("Authorization", "cookie", "X-Api-Key", "X-CSRFToken", "Private-Token"):
        assert is_sensitive_header(name), name
    for name in ("Accept", "Content-Type", "WWW-Authenticate", "User-Agent", "Location"):
        assert not is_sensitive_header(name), name


def test_url_masks_password_key_params_and_known_values() -> None:
    redactor = Redactor(["path-secret"])
    url = "https://bob:pw@h.example/v1/path-secret/x?api_key=abc&page=2&Signature=s&token=t#frag"
    assert redactor.url(url) == (
        f"https://bob:{MASK}@h.example/v1/{MASK}/x?api_key={MASK}&page=2&Signature={MASK}"
        f"&token={MASK}#frag"
    )
    assert redactor.url("http://h/plain?q=1") == "http://h/plain?q=1"
    assert redactor.url("http://[bad") == "http://[bad"


def test_request_masks_literals_and_keeps_references() -> None:
    redactor = Redactor(["literal-secret"])
    req = Request(
        url="http://h/x?token=abc12345&q={{q}}",
        headers=(
            Header("Authorization", f"Bearer {TOKEN}"),
            Header("X-Api-Key", "{{env.KEY}}"),
            Header("X-Note", "literal-secret and {{var}}"),
        ),
        body='{"password": "literal-secret", "ref": "{{pw}}"}',
        form=(FormField("f", "literal-secret"),),
        auth=Auth(AuthKind.BASIC, username="bob", password="hunter22"),
        options=RequestOptions(proxy="http://u:proxypw@proxy:3128"),
    )
    out = redactor.request(req)
    assert out.url == f"http://h/x?token={MASK}&q={{{{q}}}}"
    assert [h.value for h in out.headers] == [
        f"Bearer {MASK}",
        "{{env.KEY}}",
        f"{MASK} and {{{{var}}}}",
    ]
    assert out.body == f'{{"password": "{MASK}", "ref": "{{{{pw}}}}"}}'
    assert out.form[0].value == MASK
    assert (out.auth.username, out.auth.password) == ("bob", MASK)
    assert out.options.proxy == f"http://u:{MASK}@proxy:3128"
    templated = Request(auth=Auth(AuthKind.BEARER, token="{{token}}"))
    assert redactor.request(templated).auth.token == "{{token}}"


def test_exchange_is_redacted_everywhere() -> None:
    redactor = Redactor([TOKEN])
    ex = Exchange(
        request=SentRequest(
            "GET",
            "http://h/x?access_token=qwerty",
            headers=(("Authorization", f"Bearer {TOKEN}"), ("Accept", "*/*")),
            body=f"token={TOKEN}".encode(),
        ),
        response=Response(
            403,
            headers=(("Set-Cookie", "sid=abcdef; Path=/"), ("X-Echo", TOKEN)),
            body=json.dumps({"you_sent": TOKEN}).encode(),
            text=json.dumps({"you_sent": TOKEN}),
            charset="utf-8",
        ),
        error=TransportError(ErrorKind.OTHER, f"failed with {TOKEN}"),
        redirects=(RedirectHop("GET", "http://h/a?sig=zzz", 302, "http://h/b?key=yyy"),),
        started_at=datetime(2024, 1, 1, tzinfo=UTC),
        request_name="r",
    )
    out = redactor.exchange(ex)
    assert out.request.url == f"http://h/x?access_token={MASK}"
    assert out.request.headers == (("Authorization", f"Bearer {MASK}"), ("Accept", "*/*"))
    assert out.request.body == f"token={MASK}".encode()
    assert out.response is not None
    assert out.response.headers == (("Set-Cookie", f"sid={MASK}; Path=/"), ("X-Echo", MASK))
    assert TOKEN not in out.response.text and TOKEN.encode() not in out.response.body
    assert out.error is not None and out.error.message == f"failed with {MASK}"
    assert out.redirects[0].url == f"http://h/a?sig={MASK}"
    assert out.redirects[0].location == f"http://h/b?key={MASK}"
    assert (out.started_at, out.request_name, out.status) == (ex.started_at, "r", 403)


def test_secrets_in_request() -> None:
    req = Request(
        url="https://u:urlpass@h/x?apikey=query-key",
        headers=(
            Header("Authorization", "Bearer tok-12345"),
            Header("Cookie", 'a="quoted-val"; b=plain-val'),
            Header("X-Api-Key", "{{env.KEY}}"),  # a reference is not a secret
        ),
        auth=Auth(AuthKind.BASIC, username="alice", password="pw-basic"),
    )
    found = secrets_in_request(req)
    assert {
        "urlpass",
        "query-key",
        "Bearer tok-12345",
        "tok-12345",
        "quoted-val",
        "plain-val",
        "pw-basic",
        basic_credentials("alice", "pw-basic"),
    } <= found
    assert not any("{{" in value for value in found)
