"""Request bodies and form values that hold bytes which are not UTF-8 (a `--data-binary @blob`
import) are saved as base64 and load back to the same bytes; text no file can hold elsewhere
is a SessionSaveError naming the key, and the file on disk is left alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import sessions

from reqscope.core.errors import SessionFileError, SessionSaveError
from reqscope.core.interop.curl import request_from_curl
from reqscope.core.model import BodyKind, FormField, Header, Request, Session
from reqscope.core.store import dumps_session, load_session, loads_session, save_session
from reqscope.core.templating import expand_request
from reqscope.core.wire import to_wire

BLOB = bytes(range(256)) + b"\xff\xfe{{not a variable}}\r\n\x00"

# What a binary file read as template text looks like in the model.
binary_texts = st.binary(max_size=64).map(lambda raw: raw.decode("utf-8", "surrogateescape"))


@st.composite
def sessions_with_binary_bodies(draw: st.DrawFn) -> Session:
    session = draw(sessions())
    requests = []
    for request in session.requests:
        form = tuple(replace(f, value=draw(binary_texts)) for f in request.form)
        requests.append(replace(request, body=draw(binary_texts), form=form))
    return replace(session, requests=tuple(requests))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions_with_binary_bodies())
def test_binary_bodies_and_form_values_round_trip(session: Session) -> None:
    assert loads_session(dumps_session(session, include_secrets=True)) == session


def test_a_curl_data_binary_import_keeps_every_byte(tmp_path: Path) -> None:
    (tmp_path / "blob").write_bytes(BLOB)
    imported = request_from_curl(
        "curl --data-binary @blob -H 'Content-Type: application/octet-stream' "
        "http://127.0.0.1:9/upload",
        base_dir=tmp_path,
    ).request
    path = tmp_path / "s.toml"
    save_session(Session(requests=(imported,)), path)
    text = path.read_text("utf-8")
    assert "body_base64 = " in text and "\ufffd" not in text
    loaded = load_session(path).requests[0]
    assert loaded == imported
    sent = to_wire(expand_request(loaded).request)
    assert sent.body == BLOB


def test_a_binary_form_value_is_saved_as_base64() -> None:
    value = b"\x89PNG\r\n\x1a\n\xff".decode("utf-8", "surrogateescape")
    request = Request(
        body_kind=BodyKind.MULTIPART,
        form=(FormField("blob", value, content_type="image/png"), FormField("text", "hé")),
    )
    text = dumps_session(Session(requests=(request,)))
    assert '{ name = "blob", value_base64 = "iVBORw0KGgr/", content_type = "image/png" }' in text
    assert '{ name = "text", value = "hé" }' in text
    assert loads_session(text).requests[0] == request


def test_text_bodies_stay_text() -> None:
    request = Request(method="POST", body_kind=BodyKind.RAW, body="héllo\n{{x}}\n")
    text = dumps_session(Session(requests=(request,)))
    assert "body = '''\nhéllo\n{{x}}\n'''" in text
    assert "base64" not in text


def test_files_written_before_base64_bodies_still_load() -> None:
    text = (
        'format = 1\n[[requests]]\nname = "r"\nmethod = "POST"\nurl = "http://h/"\n'
        'body_kind = "raw"\nbody = "plain \\u00e9"\nform = [{ name = "a", value = "1" }]\n'
    )
    request = loads_session(text).requests[0]
    assert request.body == "plain é"
    assert request.form == (FormField("a", "1"),)


@pytest.mark.parametrize(
    ("body", "message", "key"),
    [
        ('body = "x"\nbody_base64 = "eA=="', "give either 'body' or 'body_base64'", "body_base64"),
        ('body_base64 = "not base64!"', "invalid base64", "body_base64"),
        ("body_base64 = 3", "expected a string, got 3", "body_base64"),
        (
            'form = [{ name = "a", value = "x", value_base64 = "eA==" }]',
            "give either 'value' or 'value_base64'",
            "form[0].value_base64",
        ),
    ],
)
def test_bad_base64_bodies_name_the_key_and_line(body: str, message: str, key: str) -> None:
    text = f'format = 1\n\n[[requests]]\nurl = "http://h/"\n{body}\n'
    with pytest.raises(SessionFileError) as err:
        loads_session(text, "s.toml")
    assert message in str(err.value)
    assert err.value.key == f"requests[0].{key}"
    assert err.value.line is not None and err.value.line >= 5


def test_unsavable_text_elsewhere_names_the_key_and_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    save_session(Session(name="good"), path)
    before = path.read_bytes()
    bad = Request(name="r", headers=(Header("X-Raw", "\udcff"),))
    with pytest.raises(SessionSaveError) as err:
        save_session(Session(requests=(bad,)), path)
    assert str(err.value).startswith(f"{path}: cannot save key 'requests[0].headers[0][1]': ")
    assert "U+DCFF" in str(err.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


def test_a_body_that_is_neither_text_nor_bytes_is_refused() -> None:
    # A lone high surrogate is no byte (surrogateescape makes only U+DC80..U+DCFF).
    with pytest.raises(SessionSaveError, match=r"key 'requests\[0\]\.body'.*U\+D800"):
        dumps_session(Session(requests=(Request(body="a\ud800"),)))
