from __future__ import annotations

import dataclasses
import os
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import sessions

from reqscope.core import model
from reqscope.core.errors import SessionFileError, SessionSaveError
from reqscope.core.model import (
    Auth,
    AuthKind,
    BodyKind,
    Capture,
    Exchange,
    Expectation,
    Header,
    Request,
    RequestOptions,
    Response,
    SentRequest,
    Session,
    Timings,
    Variable,
)
from reqscope.core.redact import MASK, Redactor
from reqscope.core.store import (
    dumps_session,
    load_session,
    loads_session,
    save_session,
    session_to_data,
)
from reqscope.core.templating import expand_request

EXAMPLE = Path(__file__).parents[2] / "sessions" / "example.toml"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The filters that keep secrets out make these slower to build; the test above covers more.
PROPERTY_NO_SECRETS = settings(PROPERTY, max_examples=75)


# --- round trips -----------------------------------------------------------------------------


@PROPERTY
@given(sessions())
def test_any_session_round_trips_with_secrets(session: Session) -> None:
    assert loads_session(dumps_session(session, include_secrets=True)) == session


@PROPERTY_NO_SECRETS
@given(sessions(secrets=False))
def test_a_session_without_secrets_round_trips_as_is(session: Session) -> None:
    text = dumps_session(session)
    assert loads_session(text) == session
    # the text says exactly the plain data (the writer needs no re-parse to be trusted)
    assert tomllib.loads(text) == session_to_data(session)
    assert text.startswith("format = 1\n")


def test_the_example_session_loads() -> None:
    session = load_session(EXAMPLE)
    assert [r.name for r in session.requests] == [
        "token",
        "profile",
        "orders",
        "token with orders:write",
        "orders fixed",
    ]
    orders = session.requests[2]
    assert orders.headers[3] == Header("X-Debug", "1", enabled=False)
    assert orders.options == RequestOptions(timeout=10.0, follow_redirects=False)
    assert session.history[0].status == 403
    env = {"ACCESS_TOKEN": "tok-5678"}
    sent = expand_request(orders, session.variables, env).request
    assert sent.url == "http://127.0.0.1:8765/403/oauth/orders?page=1"
    assert '"a literal {{ is written' in sent.body
    # saving it again changes nothing that matters
    assert loads_session(dumps_session(session)) == session


def test_layout_is_readable_and_omits_defaults() -> None:
    session = Session(
        name="demo",
        variables=(Variable("base", "http://127.0.0.1:1"),),
        requests=(
            Request(
                name="create",
                method="POST",
                url="{{base}}/items",
                headers=(
                    Header("Accept", "application/json"),
                    Header("Accept", "text/plain"),
                    Header("X-Off", "1", enabled=False),
                ),
                body_kind=BodyKind.JSON,
                body='{\n  "name": "x"\n}\n',
                options=RequestOptions(timeout=5.0),
                expect=(Expectation("status", "equals", "201"),),
            ),
            Request(name="plain"),
        ),
    )
    assert dumps_session(session) == (
        "format = 1\n"
        'name = "demo"\n'
        "\n"
        "[[variables]]\n"
        'name = "base"\n'
        'value = "http://127.0.0.1:1"\n'
        "\n"
        "[[requests]]\n"
        'name = "create"\n'
        'method = "POST"\n'
        'url = "{{base}}/items"\n'
        "headers = [\n"
        '    ["Accept", "application/json"],\n'
        '    ["Accept", "text/plain"],\n'
        '    ["X-Off", "1", "disabled"],\n'
        "]\n"
        'body_kind = "json"\n'
        "body = '''\n"
        "{\n"
        '  "name": "x"\n'
        "}\n"
        "'''\n"
        "expect = [\n"
        '    { target = "status", op = "equals", value = "201" },\n'
        "]\n"
        "\n"
        "[requests.options]\n"
        "timeout = 5.0\n"
        "\n"
        "[[requests]]\n"
        'name = "plain"\n'
        'method = "GET"\n'
        'url = ""\n'
    )


def test_history_bodies_text_binary_and_datetimes() -> None:
    started = datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    odd = datetime(2025, 1, 2, tzinfo=timezone(timedelta(seconds=30)))
    exchange = Exchange(
        request=SentRequest("POST", "http://h/", body="héllo\r\n".encode()),
        response=Response(
            200, body=bytes(range(256)), is_binary=True, size=256, headers=(("A", "1"),)
        ),
        timings=Timings(connect_ms=1.25, total_ms=3.5, reused_connection=True),
        started_at=started,
    )
    session = Session(history=(exchange, Exchange(SentRequest("GET", "x"), started_at=odd)))
    text = dumps_session(session)
    data = tomllib.loads(text)
    assert data["history"][0]["request"]["body"] == "héllo\r\n"
    assert "body_base64" in data["history"][0]["response"]
    assert data["history"][0]["started_at"] == started
    loaded = loads_session(text)
    assert loaded == session
    assert loaded.history[1].started_at == odd  # same instant, written in UTC


def test_response_text_is_stored_only_when_it_is_not_derived() -> None:
    derived = Response(200, body=b"caf\xe9", text="café", charset="latin-1")
    custom = Response(200, body=b"abc", text="something else", charset="utf-8")
    for response, stored in ((derived, False), (custom, True)):
        session = Session(history=(Exchange(SentRequest("GET", "u"), response=response),))
        data = tomllib.loads(dumps_session(session))
        assert ("text" in data["history"][0]["response"]) is stored
        assert loads_session(dumps_session(session)) == session


# --- secrets ---------------------------------------------------------------------------------


def _saved(session: Session, **kwargs: object) -> tuple[str, Session]:
    text = dumps_session(session, **kwargs)  # type: ignore[arg-type]
    return text, loads_session(text)


def test_secret_variable_values_are_not_written() -> None:
    session = Session(variables=(Variable("token", "tok-secret-1", secret=True),))
    text, loaded = _saved(session)
    assert "tok-secret-1" not in text
    assert loaded.variables == (Variable("token", "", secret=True),)
    text, loaded = _saved(session, include_secrets=True)
    assert loaded == session


def test_literal_credentials_become_secret_variables() -> None:
    request = Request(
        name="login",
        url="https://bob:url-pass@h.example/x?api_key=query-key-1&page=2",
        headers=(
            Header("Authorization", f"Bearer {TOKEN}"),
            Header("Cookie", "sid=session-id-1; lang=en"),
            Header("X-Api-Key", "header-key-1"),
            Header("Accept", "application/json"),
        ),
        body=f'{{"echo": "{TOKEN}"}}',
        auth=Auth(AuthKind.BASIC, username="bob", password="basic-pass"),
    )
    session = Session(requests=(request,))
    text, loaded = _saved(session)
    for secret in (TOKEN, "url-pass", "query-key-1", "session-id-1", "header-key-1", "basic-pass"):
        assert secret not in text, secret
    saved = loaded.requests[0]
    assert saved.url == "https://bob:{{url_password}}@h.example/x?api_key={{api_key}}&page=2"
    assert [h.value for h in saved.headers] == [
        "Bearer {{authorization_token}}",
        "sid={{cookie_sid}}; lang=en",  # "en" is too short to be a secret
        "{{x_api_key}}",
        "application/json",
    ]
    assert saved.body == '{"echo": "{{authorization_token}}"}'
    assert saved.auth == Auth(AuthKind.BASIC, username="bob", password="{{basic_password}}")
    names = {v.name for v in loaded.variables}
    assert names == {
        "authorization_token",
        "cookie_sid",
        "x_api_key",
        "basic_password",
        "url_password",
        "api_key",
    }
    assert all(v.secret and not v.value for v in loaded.variables)
    # the values come back from the environment, and the request is what it was
    env = {
        "AUTHORIZATION_TOKEN": TOKEN,
        "COOKIE_SID": "session-id-1",
        "X_API_KEY": "header-key-1",
        "BASIC_PASSWORD": "basic-pass",
        "URL_PASSWORD": "url-pass",
        "API_KEY": "query-key-1",
    }
    expanded = expand_request(saved, loaded.variables, env).request
    assert expanded == request
    # include_secrets writes everything as it is
    assert _saved(session, include_secrets=True)[1] == session


def test_same_literal_reuses_one_variable_and_names_never_collide() -> None:
    session = Session(
        variables=(
            Variable("authorization_token", "other-value"),
            Variable("known", "known-secret", secret=True),
        ),
        requests=(
            Request(name="a", headers=(Header("Authorization", "Bearer same-token"),)),
            Request(name="b", headers=(Header("Authorization", "Bearer same-token"),)),
            Request(name="c", auth=Auth(AuthKind.BEARER, token="known-secret")),
        ),
    )
    _, loaded = _saved(session)
    assert [r.headers[0].value for r in loaded.requests[:2]] == [
        "Bearer {{authorization_token_2}}",
        "Bearer {{authorization_token_2}}",
    ]
    assert loaded.requests[2].auth.token == "{{known}}"
    assert [v.name for v in loaded.variables] == [
        "authorization_token",
        "known",
        "authorization_token_2",
    ]


def test_a_plain_variable_used_as_a_credential_is_saved_as_secret() -> None:
    session = Session(
        variables=(
            Variable("token", "plain-token-value"),
            Variable("bearer", "Bearer {{token}}"),
            Variable("host", "127.0.0.1"),
        ),
        requests=(
            Request(
                url="http://{{host}}/x",
                headers=(Header("Authorization", "{{bearer}}"),),
            ),
        ),
    )
    text, loaded = _saved(session)
    assert "plain-token-value" not in text
    assert loaded.variables == (
        Variable("token", "", secret=True),
        Variable("bearer", "Bearer {{token}}"),
        Variable("host", "127.0.0.1"),
    )


def test_references_are_left_alone() -> None:
    request = Request(
        url="{{base}}/x?token={{env.TOKEN}}",
        headers=(Header("Authorization", "Bearer {{env.TOKEN}}"), Header("Cookie", "a={{c}}")),
        auth=Auth(AuthKind.API_KEY, token="{{env.KEY}}", key_name="X-Key"),
    )
    session = Session(requests=(request,))
    _, loaded = _saved(session)
    assert loaded == session


def test_a_value_the_redactor_knows_typed_into_a_request_becomes_a_reference() -> None:
    """A token known as secret (from the env file, a capture) pasted where no credential
    name gives it away: saved as a new secret variable, like a literal credential."""
    request = Request(
        url="http://h/x?q=env-value-1",
        headers=(Header("Authorization", "Bearer env-value-1"), Header("X-Note", "plain")),
        body='{"k": "env-value-1"}',
    )
    text, loaded = _saved(Session(requests=(request,)), redactor=Redactor(["env-value-1"]))
    assert "env-value-1" not in text
    saved = loaded.requests[0]
    # The credential header names the variable; the other places reuse it.
    assert saved.headers == (
        Header("Authorization", "Bearer {{authorization_token}}"),
        Header("X-Note", "plain"),
    )
    assert saved.url == "http://h/x?q={{authorization_token}}"
    assert saved.body == '{"k": "{{authorization_token}}"}'
    # Known only to the redactor, nowhere in a credential: a variable named "secret".
    other = Request(url="http://h/x?q=env-value-2")
    text, loaded = _saved(Session(requests=(other,)), redactor=Redactor(["env-value-2"]))
    assert "env-value-2" not in text
    assert loaded.requests[0].url == "http://h/x?q={{secret}}"
    assert [(v.name, v.secret) for v in loaded.variables] == [("secret", True)]


def test_history_is_redacted_by_name_and_by_value() -> None:
    exchange = Exchange(
        request=SentRequest(
            "GET",
            "http://h/x?token=qtok-123",
            headers=(("Authorization", f"Bearer {TOKEN}"), ("X-Env", "env-value-1")),
        ),
        response=Response(
            200,
            headers=(("Set-Cookie", "sid=new-session; Path=/"),),
            body=f'{{"you sent": "{TOKEN}", "env": "env-value-1"}}'.encode(),
            text=f'{{"you sent": "{TOKEN}", "env": "env-value-1"}}',
            charset="utf-8",
        ),
    )
    session = Session(history=(exchange,))
    caller = Redactor(["env-value-1"])
    text, loaded = _saved(session, redactor=caller)
    for secret in (TOKEN, "qtok-123", "env-value-1", "new-session"):
        assert secret not in text, secret
    saved = loaded.history[0]
    assert saved.request.headers == (("Authorization", f"Bearer {MASK}"), ("X-Env", MASK))
    assert saved.response is not None
    assert saved.response.text == f'{{"you sent": "{MASK}", "env": "{MASK}"}}'
    assert caller.secrets == {"env-value-1"}  # the caller's redactor is not changed
    assert _saved(session, include_secrets=True)[1] == session


def test_capture_marked_secret_keeps_its_definition() -> None:
    request = Request(captures=(Capture("tok", "json", "$.token", secret=True),))
    assert _saved(Session(requests=(request,)))[1].requests[0] == request


# --- saving ----------------------------------------------------------------------------------


def test_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    session = Session(name="x", requests=(Request(url="http://127.0.0.1/"),))
    save_session(session, path)
    assert load_session(path) == session
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


def test_save_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o600)
    save_session(Session(), path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_failed_rename_keeps_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.toml"
    save_session(Session(name="old"), path)
    before = path.read_bytes()

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space"):
        save_session(Session(name="new"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


def test_failed_write_midway_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.toml"
    save_session(Session(name="old"), path)
    before = path.read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="Input/output"):
        save_session(Session(name="new", requests=(Request(body="x" * 100_000),)), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


def test_unserialisable_session_never_touches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    save_session(Session(name="old"), path)
    before = path.read_bytes()
    with pytest.raises(SessionSaveError, match=r"s\.toml: cannot save key 'name': .*U\+DC80"):
        save_session(Session(name="lone surrogate \udc80"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


# --- load errors -----------------------------------------------------------------------------


def _error(text: str) -> SessionFileError:
    with pytest.raises(SessionFileError) as err:
        loads_session(text, "s.toml")
    return err.value


def test_toml_syntax_error_gives_the_line() -> None:
    err = _error('format = 1\nname = "x"\n[[requests]]\nurl = "unterminated\n')
    assert err.line == 4
    assert str(err).startswith("s.toml:4: invalid TOML: ")
    assert "(at line" not in str(err)


def test_newer_format_is_refused() -> None:
    err = _error("format = 2\nname = 'x'\nwhatever = true\n")
    assert "written by a newer reqscope (format 2); this one reads format 1" in str(err)
    assert err.line == 1
    assert "format = 1" in str(_error('name = "no format"\n'))
    assert "expected an integer" in str(_error('format = "1"\n'))
    assert "unknown format 0" in str(_error("format = 0\n"))


SCHEMA_BASE = """\
format = 1
name = "s"

[[variables]]
name = "base"
value = "http://127.0.0.1:1"

[[requests]]
name = "first"
url = "{{base}}/a"

[[requests]]
name = "second"
url = "{{base}}/b"
headers = [
    ["Accept", "*/*"],
    BAD_HEADER
]

[requests.auth]
kind = AUTH_KIND
"""


@pytest.mark.parametrize(
    ("header", "kind", "key", "line", "message"),
    [
        ('["A", "1"]', '"bearer"', "", None, None),
        ('["A"]', '"bearer"', "requests[1].headers[1]", 17, 'expected ["Name", "value"]'),
        ('["A", "1", "off"]', '"bearer"', "requests[1].headers[1]", 17, "disabled"),
        ('["A", 1]', '"bearer"', "requests[1].headers[1]", 17, "expected"),
        ('["A", "1"]', '"bearerr"', "requests[1].auth.kind", 21, "did you mean 'bearer'?"),
        ('["A", "1"]', "true", "requests[1].auth.kind", 21, "expected a string, got True"),
    ],
)
def test_schema_errors_name_key_path_and_line(
    header: str, kind: str, key: str, line: int | None, message: str | None
) -> None:
    text = SCHEMA_BASE.replace("BAD_HEADER", header).replace("AUTH_KIND", kind)
    if message is None:
        assert loads_session(text).requests[1].auth.kind is AuthKind.BEARER
        return
    err = _error(text)
    assert (err.key, err.line) == (key, line)
    assert message in str(err)


def test_unknown_keys_are_errors_with_a_suggestion() -> None:
    err = _error('format = 1\n[[requests]]\nname = "a"\nheader = [["A", "1"]]\n')
    assert (err.key, err.line) == ("requests[0].header", 4)
    assert "unknown key 'header'; did you mean 'headers'?" in str(err)
    err = _error("format = 1\n[[requests]]\n[requests.options]\ntimeuot = 3\n")
    assert (err.key, err.line) == ("requests[0].options.timeuot", 4)
    err = _error("format = 1\ncolour = 'blue'\n")
    assert (err.key, err.line) == ("colour", 2)


SENT = "[[history]]\n[history.request]\nmethod = 'GET'\nurl = 'u'\n"


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("[[variables]]\nvalue = 'x'\n", "variables[0].name", "missing required key 'name'"),
        ("[[variables]]\nname = '1x'\n", "variables[0].name", "invalid variable name"),
        (
            "[[variables]]\nname = 'a'\n[[variables]]\nname = 'a'\n",
            "variables[1].name",
            "defined twice",
        ),
        ("[[requests]]\nmethod = 'GE T'\n", "requests[0].method", "invalid method"),
        ("[[requests]]\nbody_kind = 'xml'\n", "requests[0].body_kind", "not one of none, raw"),
        (
            "[[requests]]\n[requests.options]\ntimeout = 0\n",
            "requests[0].options.timeout",
            "positive",
        ),
        (
            "[[requests]]\n[requests.options]\nverify = 'no'\n",
            "requests[0].options.verify",
            "true or false",
        ),
        (
            "[[requests]]\nexpect = [{ target = 'status', op = 'eq' }]\n",
            "requests[0].expect[0].op",
            "not one of",
        ),
        ("[[requests]]\nexpect = [{ op = 'equals' }]\n", "requests[0].expect[0].target", "missing"),
        (
            "[[requests]]\ncaptures = [{ variable = 'v', source = 'json' }]\n",
            "requests[0].captures[0].expr",
            "missing",
        ),
        ("[[history]]\n", "history[0].request", "needs a [history.request]"),
        (SENT + "body_base64 = '!!'\n", "history[0].request.body_base64", "invalid base64"),
        (SENT + "body = 'a'\nbody_base64 = ''\n", "history[0].request.body_base64", "not both"),
        ("[[history]]\nstarted_at = 'yesterday'\n" + SENT[12:], "history[0].started_at", "date"),
        (SENT + "[history.response]\nstatus = 42\n", "history[0].response.status", "at least 100"),
        (SENT + "[history.error]\nkind = 'dns'\n", "history[0].error.message", "missing"),
        (SENT + "[history.timings]\ntotal_ms = 'x'\n", "history[0].timings.total_ms", "number"),
        ("requests = 3\n", "requests", "expected an array"),
        ("requests = [3]\n", "requests[0]", "expected a table"),
        ("ignore = ['a', 1]\n", "ignore[1]", "expected a string"),
    ],
)
def test_schema_errors(text: str, key: str, message: str) -> None:
    err = _error("format = 1\n" + text)
    assert err.key == key
    assert message in str(err)
    assert err.line is not None


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SessionFileError, match="no such file"):
        load_session(tmp_path / "missing.toml")
    with pytest.raises(SessionFileError, match="is a directory"):
        load_session(tmp_path)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'format = 1\nname = "caf\xe9"\n')
    with pytest.raises(SessionFileError) as err:
        load_session(bad)
    assert err.value.line == 2
    assert str(err.value).startswith(f"{bad}:2: not UTF-8")


def test_loading_changes_nothing_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(EXAMPLE.read_bytes())
    stamp = path.stat().st_mtime_ns
    load_session(path)
    with pytest.raises(SessionFileError):
        (tmp_path / "broken.toml").write_text("format = [", encoding="utf-8")
        load_session(tmp_path / "broken.toml")
    assert path.read_bytes() == EXAMPLE.read_bytes()
    assert path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.toml", "s.toml"]


def test_naive_and_utc_datetimes_survive() -> None:
    for moment in (datetime(2024, 2, 29, 23, 59, 59), datetime(2024, 1, 1, tzinfo=UTC)):
        session = Session(history=(Exchange(SentRequest("GET", "u"), started_at=moment),))
        assert loads_session(dumps_session(session)).history[0].started_at == moment


# Every field of every type a session file holds, as the reader, the writer (which follows the
# model by itself) and tests/core/strategies.py know them. When the model grows a field, this
# fails: teach session_reader.py the new key and strategies.py how to build it.
STORED_FIELDS = {
    model.Session: "name variables requests history ignore",
    model.Variable: "name value secret",
    model.Request: (
        "name method url headers body_kind body form auth options expect captures description"
    ),
    model.Header: "name value enabled",
    model.FormField: "name value file filename content_type enabled",
    model.Auth: "kind token username password key_name location",
    model.RequestOptions: (
        "timeout connect_timeout follow_redirects max_redirects verify ca_bundle client_cert "
        "client_key proxy http2 max_body_bytes"
    ),
    model.Expectation: "target op value key",
    model.Capture: "variable source expr secret",
    model.Exchange: "request response error timings redirects tls started_at request_name",
    model.SentRequest: "method url headers body http_version",
    model.Response: (
        "status reason http_version headers body text charset is_binary truncated size"
    ),
    model.TransportError: "kind message detail",
    model.Timings: "dns_ms connect_ms tls_ms send_ms wait_ms receive_ms total_ms reused_connection",
    model.RedirectHop: "method url status location dropped_headers next_method next_url",
    model.TlsInfo: (
        "version cipher peer_subject peer_issuer peer_not_before peer_not_after peer_san"
    ),
}


@pytest.mark.parametrize("cls", list(STORED_FIELDS), ids=lambda cls: cls.__name__)
def test_the_store_knows_every_model_field(cls: type) -> None:
    assert [f.name for f in dataclasses.fields(cls)] == STORED_FIELDS[cls].split()
