"""The streaming HAR reader: it yields exactly what `json.loads` would for any chunking, says
"truncated" for a file cut anywhere, and never raises anything but InteropError (fuzzed)."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest
from har_samples import chrome_har, firefox_har
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reqscope.core.errors import InteropError
from reqscope.core.interop.har import iter_har_exchanges, read_har_exchanges
from reqscope.core.interop.har_stream import iter_har_entries

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def entries_of(text: str, chunk: int) -> list[Any]:
    return list(iter_har_entries(io.BytesIO(text.encode("utf-8")), "t.har", chunk_chars=chunk))


def both_samples() -> dict[str, Any]:
    document = chrome_har()
    document["log"]["entries"].extend(firefox_har()["log"]["entries"])
    return document


@settings(max_examples=60, deadline=None)
@given(
    indent=st.sampled_from([None, 0, 1, 2, "\t"]),
    chunk=st.integers(1, 400),
    extra=st.dictionaries(st.sampled_from(["pages", "comment", "_x"]), JSON, max_size=3),
    first=st.booleans(),
)
def test_any_chunking_gives_what_json_loads_gives(
    indent: int | str | None, chunk: int, extra: dict[str, Any], first: bool
) -> None:
    document = both_samples()
    log = document["log"]
    # Other members before or after `entries` are skipped wherever they are.
    document["log"] = {**extra, **log} if first else {**log, **extra}
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    assert entries_of(text, chunk) == json.loads(text)["log"]["entries"]


def test_a_bom_and_the_top_level_order_do_not_matter() -> None:
    text = "\ufeff" + json.dumps({"z": [1, {"log": 2}], "log": {"entries": [{"a": 1}]}})
    assert entries_of(text, 3) == [{"a": 1}]


@settings(max_examples=150, deadline=None)
@given(cut=st.floats(0, 1, exclude_max=True), chunk=st.sampled_from([7, 64, 1 << 20]))
def test_a_file_cut_anywhere_is_reported_as_truncated(cut: float, chunk: int) -> None:
    text = json.dumps(chrome_har(), indent=1)
    prefix = text[: int(len(text.rstrip()) * cut)]
    with pytest.raises(InteropError) as caught:
        entries_of(prefix, chunk)
    message = str(caught.value)
    assert "truncated JSON" in message or "the file is empty" in message, message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"log": {"entries": [{"a": 1,}]}}', "t.har:1:30: invalid JSON: Expecting property name"),
        ('{"log": {"entries": [{"a": 1}]}}\n{"x": 1}', "t.har:2:1: invalid JSON: Extra data"),
        ('{\n "log": {\n  "entries": [\n   {"a": 1} {"b": 2}]}}', "t.har:4:13: invalid JSON"),
        ('{"log": {"entries": {}}}', "log.entries: expected a list, found an object"),
        ('{"log": "x"}', "log: expected an object, found a string"),
        ("[]", "the top level: expected an object, found a list"),
        ('{"log": {"entries": [tru]}}', "t.har:1:22: invalid JSON: Expecting value"),
    ],
)
def test_mistakes_are_named_with_line_and_column(text: str, message: str) -> None:
    for chunk in (1, 5, 1 << 20):
        with pytest.raises(InteropError, match="^" + message.replace("[", r"\[")):
            entries_of(text, chunk)


def test_a_mistake_early_in_a_big_file_is_reported_without_reading_it_all() -> None:
    head = '{"log": {"entries": [{"a": 1}, {"b": ]'
    source = io.BytesIO((head + " " * 5_000_000).encode())
    with pytest.raises(InteropError, match="invalid JSON"):
        list(iter_har_entries(source, "big.har", chunk_chars=4096))
    assert source.tell() < 100_000


def test_entries_are_converted_one_at_a_time() -> None:
    """An error in a later entry comes after the earlier ones were handed over."""
    har = chrome_har()
    har["log"]["entries"][2]["request"]["url"] = 7
    stream = iter_har_exchanges(json.dumps(har).encode())
    assert next(stream).request.method == "POST"
    assert next(stream).response is not None
    with pytest.raises(InteropError, match=r"log\.entries\[2\]\.request\.url"):
        next(stream)


def test_unrecorded_request_bodies_are_a_warning() -> None:
    har = chrome_har()
    request = har["log"]["entries"][0]["request"]
    del request["postData"]
    warnings: list[str] = []
    read_har_exchanges(json.dumps(har).encode(), warnings=warnings)
    assert warnings == [
        "HAR: 1 request body was not recorded in the HAR (they will be sent empty): log.entries[0]"
    ]


def test_multipart_params_are_rebuilt_with_the_recorded_boundary() -> None:
    har = firefox_har()
    request = har["log"]["entries"][0]["request"]
    request["headers"] = [{"name": "Content-Type", "value": "multipart/form-data; boundary=XyZ"}]
    request["postData"] = {
        "mimeType": "multipart/form-data; boundary=XyZ",
        "params": [
            {"name": "a", "value": "1"},
            {"name": 'f"x', "value": "hi", "fileName": "n.txt", "contentType": "text/plain"},
        ],
    }
    (exchange,) = read_har_exchanges(json.dumps(har).encode())
    assert exchange.request.body == (
        b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="f%22x"; filename="n.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhi\r\n--XyZ--\r\n"
    )


def test_base64_request_and_response_bodies() -> None:
    har = chrome_har()
    har["log"]["entries"][0]["request"]["postData"] = {
        "mimeType": "application/octet-stream",
        "text": "AAEC/w==",
        "encoding": "base64",
    }
    (post, image, _) = read_har_exchanges(json.dumps(har).encode())
    assert post.request.body == b"\x00\x01\x02\xff"
    assert image.response is not None and image.response.body.startswith(b"\x89PNG")


# --- fuzzing: only InteropError, whatever the input ----------------------------------------


def _read(data: bytes) -> None:
    with contextlib.suppress(InteropError):
        read_har_exchanges(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_bytes(data: bytes) -> None:
    _read(data)
    _read(b'{"log": {"entries": [' + data)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_fuzz_any_json_document(value: Any) -> None:
    for document in (
        value,
        {"log": value},
        {"log": {"entries": value}},
        {"log": {"entries": [value]}},
    ):
        _read(json.dumps(document).encode())


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


SAMPLE_PATHS = _paths(both_samples())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(SAMPLE_PATHS[1:]), JSON), min_size=1, max_size=3))
def test_fuzz_real_exports_with_fields_replaced(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    document = both_samples()
    for path, value in changes:
        target: Any = document
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    _read(json.dumps(document).encode())


def test_lone_surrogates_from_json_escapes_become_replacement_characters() -> None:
    har = firefox_har()
    request = har["log"]["entries"][0]["request"]
    request["headers"].append({"name": "X-S", "value": "a\ud800b"})
    request["postData"] = {"mimeType": "text/plain", "text": "x\udc80y"}
    (exchange,) = read_har_exchanges(json.dumps(har).encode())
    assert ("X-S", "a\ufffdb") in exchange.request.headers
    assert exchange.request.body == "x\ufffdy".encode()
