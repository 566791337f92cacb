from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reqscope.core.model import ErrorKind, TransportError
from reqscope.ui.formatting import (
    describe_action,
    error_kind_label,
    host_port,
    human_duration,
    human_size,
    inert,
    percent,
    proportional_widths,
    score_bar,
    status_class,
    status_colour,
    transport_error_hint,
)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (5 * 1024 * 1024, "5.0 MiB"),
        (3 * 1024**4, "3.0 TiB"),
        (2048 * 1024**4, "2048.0 TiB"),
    ],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, "–"),
        (0.4213, "0.42 ms"),
        (12.4, "12 ms"),
        (999.4, "999 ms"),
        (1250.0, "1.25 s"),
        (125_000.0, "2 m 05 s"),
    ],
)
def test_human_duration(ms: float | None, text: str) -> None:
    assert human_duration(ms) == text


@pytest.mark.parametrize(
    ("status", "cls", "colour"),
    [
        (101, "informational", "$text-muted"),
        (200, "success", "$success"),
        (204, "success", "$success"),
        (302, "redirect", "$primary"),
        (403, "client-error", "$warning"),
        (451, "client-error", "$warning"),
        (503, "server-error", "$error"),
    ],
)
def test_status_class_and_colour(status: int, cls: str, colour: str) -> None:
    assert status_class(status) == cls
    assert status_colour(status) == colour


def test_inert_shows_control_characters_as_pictures() -> None:
    text = "\x1b[31mred\x1b[0m\r\x07\x00\x7f\x9b\tend\n"
    shown = inert(text)
    assert shown == "␛[31mred␛[0m␍␇␀␡\\x9b    end␊"
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) < 0xA0 for c in shown)


def test_inert_keeps_newlines_when_asked_and_leaves_markup_alone() -> None:
    assert inert("[bold]x[/bold]\ny", keep_newlines=True) == "[bold]x[/bold]\ny"


@given(st.text())
def test_inert_never_leaves_a_control_character(text: str) -> None:
    shown = inert(text, keep_newlines=True)
    assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0 for c in shown), repr(
        shown
    )


def test_score_bar_and_percent() -> None:
    assert score_bar(0.72) == "███████░░░"
    assert score_bar(1.7) == "█" * 10
    assert score_bar(-1, width=4) == "░░░░"
    assert percent(0.72) == "72%"
    assert percent(1.0) == "100%"


def test_proportional_widths_fill_the_width_and_keep_small_phases_visible() -> None:
    widths = proportional_widths([0.2, 0.5, 2000.0, 1.0], 40)
    assert sum(widths) == 40
    assert all(w >= 1 for w in widths)
    assert widths[2] == max(widths)


def test_proportional_widths_edge_cases() -> None:
    assert proportional_widths([], 10) == []
    assert proportional_widths([0.0, 0.0], 10) == [0, 0]
    assert proportional_widths([1.0, 1.0], 0) == [0, 0]
    # More phases than cells: no minimum, still exactly the width.
    assert sum(proportional_widths([1.0, 1.0, 1.0, 100.0], 2)) == 2


@given(st.lists(st.floats(min_value=0, max_value=1e6), max_size=6), st.integers(0, 300))
def test_proportional_widths_always_sum_to_width(values: list[float], width: int) -> None:
    widths = proportional_widths(values, width)
    assert len(widths) == len(values)
    assert all(w >= 0 for w in widths)
    assert sum(widths) == (width if any(v > 0 for v in values) else 0)


def test_host_port_fills_default_ports() -> None:
    assert host_port("http://example.com/x") == "example.com:80"
    assert host_port("https://example.com") == "example.com:443"
    assert host_port("http://127.0.0.1:8080/a?b") == "127.0.0.1:8080"
    assert host_port("http://[::1]:bad/") == "http://[::1]:bad/"


def test_transport_error_hint_for_refused_connection_names_host_and_port() -> None:
    error = TransportError(ErrorKind.CONNECT_REFUSED, "connection refused by 127.0.0.1:8080")
    assert transport_error_hint(error, "http://127.0.0.1:8080/api") == (
        "No response: the connection was refused — is the server running on 127.0.0.1:8080?"
    )


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_every_error_kind_has_a_label_and_a_hint(kind: ErrorKind) -> None:
    error = TransportError(kind, "boom \x1b[2J")
    hint = transport_error_hint(error, "https://api.example.com/v1")
    assert hint and "\x1b" not in hint
    assert error_kind_label(kind) != str(kind) or kind is ErrorKind.OTHER


def test_dns_hint_names_the_host() -> None:
    error = TransportError(ErrorKind.DNS, "cannot resolve host 'nope.invalid'")
    assert "nope.invalid did not resolve" in transport_error_hint(error, "http://nope.invalid/")


def test_describe_action() -> None:
    assert describe_action("set_header", "X-CSRFToken", "abc") == "set header X-CSRFToken: abc"
    assert describe_action("use_https") == "switch the URL to https"
    assert describe_action("set_method", value="POST") == "change the method to POST"
    assert describe_action("brand_new_kind") == "brand new kind"
    assert "\x1b" not in describe_action("set_header", "X", "\x1b[31m")
