"""ResponseView in a small harness app, fed real exchanges sent to the lab over sockets."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import trustme
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Horizontal
from textual.pilot import Pilot
from textual.widgets import Footer, Static, TabbedContent

from reqscope.core.body import BodyDocument
from reqscope.core.engine import Engine
from reqscope.core.model import (
    Exchange,
    Header,
    RedirectHop,
    Request,
    RequestOptions,
    Response,
    SentRequest,
    Timings,
    TlsInfo,
)
from reqscope.core.redact import MASK, Redactor
from reqscope.lab.server import LabServer, running_lab
from reqscope.ui.widgets.body_view import BodyView
from reqscope.ui.widgets.cookies_view import masked_value, parse_set_cookie
from reqscope.ui.widgets.headers_view import HeadersView, header_rows
from reqscope.ui.widgets.redirects_view import dropped_note
from reqscope.ui.widgets.response_view import CLIPBOARD_LIMIT, ResponseView, default_save_name
from reqscope.ui.widgets.save_prompt import SavePrompt
from reqscope.ui.widgets.status_line import StatusLine
from reqscope.ui.widgets.timing_bar import measured_phases, timing_bar_content

SIZE = (120, 36)
TOKEN = "sekrit-token-0123456789"


class ResponseApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResponseView()
        yield Footer()


def screen_text(app: App[None]) -> str:
    """Every line on screen as plain text, the way a user reads it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def get(url: str, *headers: Header, follow: bool = True) -> Exchange:
    request = Request(url=url, headers=headers, options=RequestOptions(follow_redirects=follow))
    with Engine() as engine:
        return engine.send(request)


def refused_url() -> str:
    """A 127.0.0.1 URL nothing listens on: bind an ephemeral port, then close it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


async def settle(app: App[None], pilot: Pilot[None]) -> str:
    """Let the body workers finish and the screen catch up; the screen's text."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
    return screen_text(app)


async def show(
    app: App[None], pilot: Pilot[None], exchange: Exchange | None, **kwargs: object
) -> str:
    app.query_one(ResponseView).show_exchange(exchange, **kwargs)  # type: ignore[arg-type]
    return await settle(app, pilot)


async def press(app: App[None], pilot: Pilot[None], *keys: str) -> str:
    await pilot.press(*keys)
    return await settle(app, pilot)


def focus_body(app: App[None]) -> None:
    app.query_one(BodyView).focus()


# --- on screen ---------------------------------------------------------------------------------


async def test_status_line_timing_and_body_of_a_403(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/status/403")
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        text = await show(app, pilot, exchange)
        assert "403 Forbidden  HTTP/1.1 · 19 B · " in text
        assert "■ wait " in text and "■ receive " in text
        assert '"status": 403' in text  # the body tab, built in a worker
        assert app.query_one(BodyView).document is not None
        assert "Headers " in text and "Raw" in text


async def test_headers_tab_lists_response_then_request_headers_masked(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/status/403", Header("Authorization", f"Bearer {TOKEN}"))
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        await show(app, pilot, exchange)
        focus_body(app)
        text = await press(app, pilot, "2")
        assert app.query_one(TabbedContent).active == "response-headers"
        assert " <  Content-Type     application/json" in text
        assert " >  Authorization    Bearer [redacted]" in text
        assert TOKEN not in text
        # `y` copies the highlighted value, as shown.
        table = app.query_one(HeadersView)
        assert app.focused is table
        table.move_cursor(row=[r.name for r in table.shown_rows].index("Content-Type"))
        await press(app, pilot, "y")
        assert app.clipboard == "application/json"


async def test_duplicate_headers_are_kept_in_order_and_cookies_parsed(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/cookies/set?session=abc123xyz&theme=dark", follow=False)
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        await show(app, pilot, exchange)
        rows = app.query_one(HeadersView).shown_rows
        cookies = [row.value for row in rows if row.name == "Set-Cookie"]
        assert cookies == [f"session={MASK}; Path=/", f"theme={MASK}; Path=/"]
        focus_body(app)
        text = await press(app, pilot, "3")
        assert "Cookies 2" in text
        assert "session" in text and f"{MASK} (9 chars)" in text
        assert "abc123xyz" not in text


async def test_redirect_chain_shows_authorization_dropped_cross_origin(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/redirect-cross/2", Header("Authorization", f"Bearer {TOKEN}"))
    assert exchange.redirects and "Authorization" in exchange.redirects[0].dropped_headers
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        text = await show(app, pilot, exchange)
        assert "200 OK" in text and "2 redirects" in text and "Redirects 2" in text
        focus_body(app)
        text = await press(app, pilot, "4")
        assert f"302  GET  {lab.url}/redirect-cross/2" in text
        assert "⚠ Authorization dropped on cross-origin redirect" in text
        assert "⇒ 200" in text and "/echo" in text


async def test_raw_tab_is_like_curl_verbose_with_secrets_masked(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/echo?x=1", Header("Authorization", f"Bearer {TOKEN}"))
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        redactor = Redactor([f"Bearer {TOKEN}"])
        await show(app, pilot, exchange, redactor=redactor)
        focus_body(app)
        text = await press(app, pilot, "5")
        assert "> GET /echo?x=1 HTTP/1.1" in text
        assert "> Authorization: Bearer [redacted]" in text
        assert "< HTTP/1.1 200 OK" in text
        assert "< Content-Type: application/json" in text
        assert '"path": "/echo"' in text  # the head of the body follows the headers
        assert TOKEN not in text  # the echoed header in the body is scrubbed by value


async def test_body_built_in_worker_is_scrubbed_by_the_redactor(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/echo", Header("X-Note", TOKEN))
    assert exchange.response is not None and TOKEN in exchange.response.text
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        text = await show(app, pilot, exchange, redactor=Redactor([TOKEN]))
        assert TOKEN not in text
        document = app.query_one(BodyView).document
        assert document is not None
        body = "\n".join(document.lines(0, document.line_count))
        assert MASK in body and TOKEN not in body


async def test_a_document_built_by_the_caller_is_shown_as_given(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/status/403")
    assert exchange.response is not None
    document = BodyDocument.from_response(exchange.response)
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        await show(app, pilot, exchange, document=document)
        assert app.query_one(BodyView).document is document


async def test_ansi_and_markup_in_a_response_are_inert(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/ansi")
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        text = await show(app, pilot, exchange)
        assert "␛[1;31mRED BOLD" in text
        focus_body(app)
        raw = await press(app, pilot, "5")
        assert "␛[2J␛[H␛[1;31mRED BOLD␛[0m normal" in raw
        assert "[bold red]not bold[/bold red]" in raw
        for screen in (text, raw):
            assert not any(c in screen for c in "\x1b\x07\x08\r\x9b")


async def test_transport_error_is_shown_in_the_pane(lab: LabServer) -> None:
    url = refused_url()
    port = url.split(":")[2].split("/")[0]
    exchange = get(url)
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        text = await show(app, pilot, exchange)
        assert f"✖ connection refused  connection refused by 127.0.0.1:{port}" in text
        assert (
            f"No response: the connection was refused — is the server running on 127.0.0.1:{port}?"
            in text
        )
        # With no body, the transcript is shown: the request as sent, then the error.
        assert app.query_one(TabbedContent).active == "response-raw"
        assert "> GET /api HTTP/1.1" in text
        assert "* connection refused: " in text
        # The next response goes back to the body tab.
        text = await show(app, pilot, get(f"{lab.url}/status/403"))
        assert app.query_one(TabbedContent).active == "response-body"
        assert "is the server running" not in text


async def test_sending_template_error_and_idle_states_are_never_blank() -> None:
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No response yet" in screen_text(app)
        view = app.query_one(ResponseView)
        view.show_sending("GET http://127.0.0.1:8080/api")
        await pilot.pause()
        assert "Sending GET http://127.0.0.1:8080/api …" in screen_text(app)
        view.show_template_error("unknown variable {{token}} in header Authorization")
        await pilot.pause()
        text = screen_text(app)
        assert "✖ Not sent: template error" in text
        assert "unknown variable {{token}} in header Authorization" in text
        assert "Sending" not in text
        view.show_exchange(None)
        await pilot.pause()
        assert "No response yet" in screen_text(app)


async def test_tab_keys_cycle_and_do_not_steal_typing(lab: LabServer, tmp_path: Path) -> None:
    exchange = get(f"{lab.url}/status/403")
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        await show(app, pilot, exchange)
        focus_body(app)
        tabs = app.query_one(TabbedContent)
        await press(app, pilot, "right_square_bracket")
        assert tabs.active == "response-headers"
        await press(app, pilot, "left_square_bracket", "left_square_bracket")
        assert tabs.active == "response-raw"
        await press(app, pilot, "1", "s")  # open the save prompt, then type digits into it
        prompt = app.query_one(SavePrompt)
        assert prompt.is_open
        await press(app, pilot, "ctrl+u", *"12")
        assert tabs.active == "response-body"
        assert prompt.query_one("Input").value == "12"  # type: ignore[attr-defined]
        await press(app, pilot, "escape")
        assert not prompt.is_open


async def test_copy_body_uses_the_clipboard_and_refuses_huge_bodies(lab: LabServer) -> None:
    app = ResponseApp()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await show(app, pilot, get(f"{lab.url}/status/403"))
        focus_body(app)
        await press(app, pilot, "c")
        assert app.clipboard == '{\n  "status": 403\n}'
        big = get(f"{lab.url}/json/1")
        assert big.response is not None and len(big.response.body) > CLIPBOARD_LIMIT
        await show(app, pilot, big)
        focus_body(app)
        await press(app, pilot, "c")
        assert app.clipboard == '{\n  "status": 403\n}'  # unchanged
        assert "too big for the clipboard" in " ".join(screen_text(app).split())


async def test_save_body_writes_the_exact_bytes(
    lab: LabServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    exchange = get(f"{lab.url}/bytes/300")
    assert exchange.response is not None
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        await show(app, pilot, exchange)
        focus_body(app)
        text = await press(app, pilot, "s")
        assert "Save body to:" in text and "300 B" in text
        await press(app, pilot, "enter")
        saved = tmp_path / default_save_name(exchange.response)
        assert saved.read_bytes() == exchange.response.body
        assert not app.query_one(SavePrompt).is_open
        # Saving again over the same file asks first.
        saved.write_bytes(b"old")
        await press(app, pilot, "s", "enter")
        assert "exists: enter again to overwrite" in screen_text(app)
        assert saved.read_bytes() == b"old"
        await press(app, pilot, "enter")
        assert saved.read_bytes() == exchange.response.body
        # A path that cannot be written says why, in the prompt.
        await press(app, pilot, "s", "ctrl+u", *"missing/x.bin", "enter")  # cwd: tmp_path
        assert "cannot write: No such file or directory" in screen_text(app)
        assert app.query_one(SavePrompt).is_open


async def test_readable_at_80x24(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/status/403", Header("Authorization", f"Bearer {TOKEN}"))
    app = ResponseApp()
    async with app.run_test(size=(80, 24)) as pilot:
        text = await show(app, pilot, exchange)
        assert "403 Forbidden" in text and '"status": 403' in text
        assert "Body" in text and "Raw" in text


@pytest.fixture
def tls_lab(tmp_path: Path) -> Iterator[tuple[LabServer, Path]]:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with running_lab(ssl_context=context) as server:
        yield server, bundle


async def test_tls_details_are_in_the_raw_tab(tls_lab: tuple[LabServer, Path]) -> None:
    server, bundle = tls_lab
    request = Request(url=f"{server.url}/status/403", options=RequestOptions(ca_bundle=str(bundle)))
    with Engine() as engine:
        exchange = engine.send(request)
    assert exchange.status == 403, exchange.error
    # The details of the certificate trustme issued (set here: the engine's TlsInfo is its
    # own concern and tested there).
    tls = TlsInfo(
        version="TLSv1.3",
        cipher="TLS_AES_256_GCM_SHA384",
        peer_subject="O=trustme, OU=Testing cert",
        peer_issuer="O=trustme, OU=Testing CA",
        peer_not_before="Jan  1 00:00:00 2000 GMT",
        peer_not_after="Jan  1 00:00:00 3000 GMT",
        peer_san=("127.0.0.1", "localhost"),
    )
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        text = await show(app, pilot, replace(exchange, tls=tls))
        assert "403 Forbidden  HTTP/1.1 · 19 B · " in text and " · TLSv1.3" in text
        focus_body(app)
        text = await press(app, pilot, "5")
        assert "* TLS TLSv1.3 / TLS_AES_256_GCM_SHA384" in text
        assert "*   subject: O=trustme, OU=Testing cert" in text
        assert "*   issuer: O=trustme, OU=Testing CA" in text
        assert "*   valid until: Jan  1 00:00:00 3000 GMT" in text
        assert "*   SAN: 127.0.0.1, localhost" in text
        assert "> GET /status/403 HTTP/1.1" in text


# --- pure parts ---------------------------------------------------------------------------------


def test_parse_set_cookie_reads_attributes_and_flags() -> None:
    cookie = parse_set_cookie(
        "sid=abc; Domain=.example.com; Path=/app; Expires=Wed, 21 Oct 2026 07:28:00 GMT; "
        "Secure; HttpOnly; SameSite=Strict"
    )
    assert (cookie.name, cookie.value, cookie.domain, cookie.path) == (
        "sid",
        "abc",
        ".example.com",
        "/app",
    )
    assert cookie.expiry == "Wed, 21 Oct 2026 07:28:00 GMT"
    assert cookie.flags == "Secure HttpOnly SameSite=Strict"
    assert parse_set_cookie("a=b; Max-Age=60; Expires=x").expiry == "max-age 60s"
    assert parse_set_cookie("token").name == "" and parse_set_cookie("token").value == "token"
    assert parse_set_cookie("a=b").expiry == "session"
    assert masked_value("") == "(empty)"


def test_header_rows_mask_credentials_and_keep_duplicates() -> None:
    exchange = Exchange(
        request=SentRequest("GET", "http://h/", headers=(("Authorization", "Bearer abcdef"),)),
        response=Response(403, headers=(("Vary", "a"), ("Vary", "b"), ("X-Evil", "\x1b[2J"))),
    )
    rows = header_rows(exchange, Redactor())
    assert [(r.direction, r.name, r.value) for r in rows] == [
        ("<", "Vary", "a"),
        ("<", "Vary", "b"),
        ("<", "X-Evil", "␛[2J"),
        (">", "Authorization", f"Bearer {MASK}"),
    ]


def test_timing_bar_content_is_proportional_and_notes_reuse() -> None:
    timings = Timings(
        send_ms=1.0, wait_ms=8.0, receive_ms=1.0, total_ms=10.0, reused_connection=True
    )
    assert [phase.name for phase in measured_phases(timings)] == ["send", "wait", "receive"]
    content = timing_bar_content(timings, 20)
    bar, *legend = content.plain.split("\n")
    assert bar == "█" * 20
    # Each entry whole on its own line (20 cells hold one), never split across two.
    assert legend == ["■ send 1.00 ms", "■ wait 8.00 ms", "■ receive 1.00 ms", "reused connection"]
    wide = timing_bar_content(timings, 80).plain.split("\n")[1]
    assert wide == "■ send 1.00 ms  ■ wait 8.00 ms  ■ receive 1.00 ms  reused connection"
    wait_span = next(span for span in content.spans if span.style == "$warning")
    assert wait_span.end - wait_span.start == 16
    flat = timing_bar_content(Timings(total_ms=3.0), 10).plain
    assert flat.startswith("─" * 10) and "phases not measured · total 3.00 ms" in flat


def test_dropped_note_says_cross_origin_only_when_it_is() -> None:
    cross = RedirectHop("GET", "http://a:1/x", 302, "http://a:2/y", ("Authorization",))
    same = RedirectHop("GET", "http://a:1/x", 302, "/y", ("Cookie",))
    assert dropped_note(cross) == "Authorization dropped on cross-origin redirect"
    assert dropped_note(same) == "Cookie dropped on redirect"
    assert dropped_note(RedirectHop("GET", "http://a/", 301, "/b")) == ""


@pytest.mark.parametrize(
    ("content_type", "binary", "name"),
    [
        ("application/json; charset=utf-8", False, "response-body.json"),
        ("text/html", False, "response-body.html"),
        ("text/plain", False, "response-body.txt"),
        ("application/octet-stream", True, "response-body.bin"),
    ],
)
def test_default_save_name(content_type: str, binary: bool, name: str) -> None:
    response = Response(200, headers=(("Content-Type", content_type),), is_binary=binary)
    assert default_save_name(response) == name


class SideBySideApp(App[None]):
    """The response view as a column of a row, sized by id rules like app.tcss does."""

    CSS = "#response { width: 3fr; } #side { width: 2fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield ResponseView(id="response")
            yield Static("STAND-IN", id="side")
        yield Footer()


async def test_z_zooms_the_response_to_the_whole_screen_and_back(lab: LabServer) -> None:
    app = SideBySideApp()
    async with app.run_test(size=SIZE) as pilot:
        await show(app, pilot, get(f"{lab.url}/status/403"))
        view = app.query_one(ResponseView)
        narrow = view.size.width
        assert narrow < SIZE[0] and "STAND-IN" in screen_text(app)
        focus_body(app)
        text = await press(app, pilot, "z")
        assert app.screen.maximized is view and view.size.width == SIZE[0]
        assert "STAND-IN" not in text and '"status": 403' in text
        await press(app, pilot, "z")
        assert app.screen.maximized is None and view.size.width == narrow
        await press(app, pilot, "z", "escape")  # escape restores too
        assert app.screen.maximized is None and view.size.width == narrow


async def test_the_body_is_pretty_printed_off_the_event_loop(
    lab: LabServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    build = BodyDocument.from_response.__func__  # type: ignore[attr-defined]
    load_more = BodyDocument.load_more

    def recording_build(cls: type[BodyDocument], *args: object, **kwargs: object) -> BodyDocument:
        threads.append(threading.current_thread().name)
        return build(cls, *args, **kwargs)  # type: ignore[no-any-return]

    def recording_load_more(self: BodyDocument, *args: object, **kwargs: object) -> bool:
        threads.append(threading.current_thread().name)
        return load_more(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(BodyDocument, "from_response", classmethod(recording_build))
    monkeypatch.setattr(BodyDocument, "load_more", recording_load_more)
    exchange = get(f"{lab.url}/json/2")
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        text = await show(app, pilot, exchange)
        document = app.query_one(BodyView).document
        assert document is not None and document.is_complete and document.pretty
        assert '"items": [' in text
    assert len(threads) > 2
    assert threading.main_thread().name not in threads


async def test_a_hostile_reason_phrase_is_drawn_inert(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/status/403")
    assert exchange.response is not None
    hostile = replace(
        exchange,
        response=replace(exchange.response, reason="[bold red]Nope[/] \x1b[2J\x1b]52;c;aGk=\x07"),
    )
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        text = await show(app, pilot, hostile)
        assert "403 [bold red]Nope[/] ␛[2J␛]52;c;aGk=␇" in text
        assert "\x1b" not in text and "\x07" not in text


async def test_a_short_pane_gives_the_timing_bar_rows_to_the_body(lab: LabServer) -> None:
    exchange = get(f"{lab.url}/status/403")
    app = ResponseApp()
    async with app.run_test(size=(80, 12)) as pilot:
        text = await show(app, pilot, exchange)
        assert "403 Forbidden  HTTP/1.1" in text and '"status": 403' in text
        assert "■ wait" not in text
        await pilot.resize_terminal(80, 30)
        text = await settle(app, pilot)
        assert "■ wait" in text


async def test_the_status_code_is_coloured_by_its_class(lab: LabServer) -> None:
    app = ResponseApp()
    async with app.run_test(size=SIZE) as pilot:
        colours = {}
        for status, variable in ((200, "success"), (302, "primary"), (403, "warning")):
            await show(app, pilot, get(f"{lab.url}/status/{status}", follow=False))
            line = app.query_one(StatusLine).render_line(0)
            segment = next(s for s in line if s.text == str(status))
            assert segment.style is not None and segment.style.bold
            expected = Color.parse(app.theme_variables[variable]).rich_color
            assert segment.style.color == expected
            colours[status] = segment.style.color
        assert len(set(colours.values())) == 3
