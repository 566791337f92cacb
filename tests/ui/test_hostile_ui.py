"""Hostile input in the app, over real sockets: a broken session file, a body of escape codes
and Rich markup, a response header carrying escape codes, a 50 MB body, a refused connection,
a TLS failure, a URL with a password, a save that cannot happen. Each must end in a message
on screen, with nothing lost, nothing interpreted and no secret shown."""

from __future__ import annotations

import base64
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from app_helpers import (
    SIZE,
    make_app,
    refused_url,
    screen_text,
    toast_text,
    wait_for_text,
    wait_for_toast,
    wait_until,
)
from textual.pilot import Pilot
from textual.widgets import Input

from read_only_dir import read_only
from reqscope.core.model import Request, Session
from reqscope.core.store import load_session, save_session
from reqscope.lab.server import LabServer
from reqscope.ui.app import ReqscopeApp
from reqscope.ui.screens.prompt import PromptScreen
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane
from reqscope.ui.widgets.response_view import ResponseView
from reqscope.ui.widgets.session_sidebar import SessionSidebar

PASSWORD = "pw-hostile-7f3a9c"
WIDE = (320, 36)  # the body's longest line fits in the response pane
ESCAPES = ("\x1b", "\x07", "\x9b", "\x9d")  # ESC, BEL, CSI, OSC: none may reach the screen


def region_text(app: ReqscopeApp, widget: object) -> str:
    """The text inside a widget's region on screen, as a user reads it."""
    from textual.widget import Widget

    assert isinstance(widget, Widget)
    region = widget.region
    lines = app.screen._compositor.render_strips()
    return "\n".join(line.text[region.x : region.right] for line in lines[region.y : region.bottom])


def pane_words(app: ReqscopeApp, widget: object) -> str:
    """A pane's text as one line of words (wrapping and borders removed), to find phrases."""
    text = region_text(app, widget).replace("\u258f", " ").replace("\u2595", " ")
    return " ".join(text.split())


async def answer_prompt(pilot: Pilot[object], app: ReqscopeApp, text: str) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), "the path prompt")
    app.screen.query_one(Input).value = text
    await pilot.press("enter")


async def sent(pilot: Pilot[object], app: ReqscopeApp, count: int = 1) -> None:
    await pilot.press("ctrl+j")
    await wait_until(pilot, lambda: len(app.workspace.history()) >= count, "the exchange")


RAW_RESPONSES = {
    # Escape codes in the reason phrase and a header value, which the lab's http.server
    # cannot send; h11 accepts the bytes, so they reach the app.
    "/header": b"HTTP/1.1 200 O\x1b[31mK\r\n"
    b"X-Evil: \x1b]0;pwned\x07\x1b[2J[bold]loud[/bold]\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 2\r\n",
    # Rich/Textual markup in a header the diagnosis quotes in its fix ("Use one of the
    # allowed methods: {header.Allow}"), which the app then shows in a notification.
    "/allow": b"HTTP/1.1 405 Method Not Allowed\r\n"
    b"Allow: [/x] [@click=app.quit]GET[/]\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n",
}


@pytest.fixture(scope="module")
def raw_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that answers each path in RAW_RESPONSES with those
    exact bytes (and the body "no"), one request per connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    request_line = conn.recv(65536).split(b"\r\n", 1)[0].decode("latin-1")
                    head = RAW_RESPONSES.get(request_line.split(" ")[1], RAW_RESPONSES["/header"])
                    conn.sendall(head + b"Connection: close\r\n\r\nno")
                except (OSError, IndexError):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@pytest.fixture(scope="module")
def untrusted_tls_lab() -> Iterator[LabServer]:
    """A TLS lab whose certificate comes from a CA the app does not trust."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = LabServer(ssl_context=context).start()
    try:
        yield server
    finally:
        server.stop()


# --- opening and saving session files ---------------------------------------------------------


async def test_broken_session_files_show_an_error_and_keep_the_current_session(
    lab: LabServer, tmp_path: Path
) -> None:
    current = tmp_path / "current.toml"
    save_session(Session(name="current", requests=(Request(url=f"{lab.url}/echo"),)), current)
    broken = tmp_path / "broken.toml"
    broken.write_text('format = 1\nname = "x"\n\n[[requests]\nurl = "y"\n')
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00\x01binary\x00")
    newer = tmp_path / "newer.toml"
    newer.write_text('format = 99\nname = "future"\n')
    a_directory = tmp_path / "folder.toml"
    a_directory.mkdir()
    cases = [
        (broken, "broken.toml:4"),
        (binary, "not UTF-8"),
        (newer, "newer reqscope"),
        (a_directory, "is a directory"),
        (tmp_path / "missing.toml", "no such file"),
        # A path that is Textual markup: shown as typed, where it used to crash the toast.
        (tmp_path / "[b]x[" / "x].toml", "[b]x[/x].toml: no such file"),
    ]
    app = make_app(session=load_session(current), path=current)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for path, message in cases:
            await pilot.press("ctrl+o")
            await answer_prompt(pilot, app, str(path))
            await wait_for_toast(pilot, message)
            assert app.workspace.path == current
            assert app.query_one("#url", Input).value == f"{lab.url}/echo"
            app.clear_notifications()
        assert "Traceback" not in screen_text(app)
    assert broken.read_text().startswith("format = 1")  # opening never writes


async def save_as(pilot: Pilot[object], app: ReqscopeApp, path: Path) -> None:
    """Save as ... through the command palette, as a user does (it has no key)."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Save as")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await answer_prompt(pilot, app, str(path))


async def test_a_save_that_cannot_happen_says_so_and_loses_nothing(
    lab: LabServer, tmp_path: Path
) -> None:
    work = tmp_path / "work"  # the test's HOME is in tmp_path too
    work.mkdir()
    saved = work / "kept.toml"
    save_session(Session(name="kept", requests=(Request(url=f"{lab.url}/echo"),)), saved)
    before = saved.read_bytes()
    blocker = work / "not-a-dir"
    blocker.write_text("a file where a directory is expected")
    (work / "folder.toml").mkdir()
    app = make_app(session=load_session(saved), path=saved)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.query_one("#url", Input).value = f"{lab.url}/status/418"
        await wait_until(pilot, lambda: app.workspace.dirty, "the edit")
        for target, reason in (
            (blocker / "inside.toml", "is a file, not a directory"),
            (work / "folder.toml", "is a directory"),
        ):
            await save_as(pilot, app, target)
            await wait_for_toast(pilot, "Not saved")
            assert reason in toast_text(app).lower()
            app.clear_notifications()
            assert app.workspace.dirty and app.workspace.path == saved
        assert app.query_one("#url", Input).value == f"{lab.url}/status/418"
    assert saved.read_bytes() == before
    assert sorted(p.name for p in work.iterdir()) == ["folder.toml", "kept.toml", "not-a-dir"]


async def test_saving_into_a_read_only_directory_keeps_the_previous_file(
    lab: LabServer, tmp_path: Path
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    saved = folder / "kept.toml"
    save_session(Session(name="kept", requests=(Request(url=f"{lab.url}/echo"),)), saved)
    before = saved.read_bytes()
    with read_only(folder):
        app = make_app(session=load_session(saved), path=saved)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            app.query_one("#url", Input).value = f"{lab.url}/status/418"
            await wait_until(pilot, lambda: app.workspace.dirty, "the edit")
            await pilot.press("ctrl+s")
            await wait_for_toast(pilot, "Not saved")
            assert app.workspace.dirty
    assert saved.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["kept.toml"]


# --- what the server sends --------------------------------------------------------------------


async def test_escape_codes_and_rich_markup_in_a_body_are_shown_as_inert_text(
    lab: LabServer,
) -> None:
    app = make_app(Request(url=f"{lab.url}/ansi"))
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await sent(pilot, app)
        response = app.query_one(ResponseView)
        await wait_until(
            pilot, lambda: "RED BOLD" in region_text(app, response), "the ANSI body on screen"
        )
        shown = region_text(app, response)
        assert "[bold red]not bold[/bold red]" in shown  # markup stays literal text
        assert "[link=https://example.invalid]not a link[/link]" in shown
        assert not any(code in screen_text(app) for code in ESCAPES)
        links = [
            segment.style.link
            for strip in app.screen._compositor.render_strips()
            for segment in strip
            if segment.style is not None and segment.style.link
        ]
        assert not any("example.invalid" in link for link in links)


async def test_escape_codes_in_a_header_and_reason_are_shown_as_inert_text(
    raw_server: str,
) -> None:
    app = make_app(Request(url=f"{raw_server}/header"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sent(pilot, app)
        await wait_for_text(pilot, "200")
        app.query_one("#response-body-view").focus()
        for tab in ("2", "5"):  # the Headers tab, then the Raw transcript
            await pilot.press(tab)
            await wait_for_text(pilot, "X-Evil")
            text = screen_text(app)
            assert "[bold]loud[/bold]" in text  # markup shown as sent, not applied
            assert not any(code in text for code in ESCAPES)


async def test_markup_a_server_puts_in_a_fix_is_shown_as_text_not_run(raw_server: str) -> None:
    app = make_app(Request(method="POST", url=f"{raw_server}/allow"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sent(pilot, app)
        await wait_for_text(pilot, "405")
        await wait_for_text(pilot, "wrong_method")
        await pilot.press("ctrl+t")  # try the top fix: its text quotes the Allow header
        await wait_for_toast(pilot, "Fix applied, resending")  # a toast, where markup crashed
        await wait_for_toast(pilot, "Use one of the allowed methods: [/x]")
        assert app.is_running


async def test_a_50_mb_body_is_shown_from_its_start_and_marked_truncated(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/json/50"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sent(pilot, app)
        exchange = app.workspace.history()[0]
        assert exchange.response is not None and exchange.response.truncated
        response = app.query_one(ResponseView)
        await wait_until(
            pilot, lambda: '"item-00000000"' in region_text(app, response), "the body's first rows"
        )
        assert "truncated" in region_text(app, response)
        app.query_one("#url", Input).value = f"{lab.url}/status/204"  # still responsive
        await sent(pilot, app, count=2)
        await wait_for_text(pilot, "204")


# --- no response ------------------------------------------------------------------------------


async def test_a_refused_connection_is_explained_in_the_response_pane() -> None:
    url = refused_url()
    app = make_app(Request(url=url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sent(pilot, app)
        response = app.query_one(ResponseView)
        await wait_until(
            pilot, lambda: "refused" in region_text(app, response).lower(), "the refusal"
        )
        diagnosis = pane_words(app, app.query_one(DiagnosisPane))
        assert "the connection was refused" in diagnosis
        assert f"server running on {url.split('/')[2]}?" in diagnosis


async def test_a_tls_failure_is_explained_in_the_response_pane(
    untrusted_tls_lab: LabServer,
) -> None:
    app = make_app(Request(url=f"{untrusted_tls_lab.url}/echo"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sent(pilot, app)
        response = app.query_one(ResponseView)
        await wait_until(
            pilot, lambda: "TLS error" in region_text(app, response), "the TLS failure"
        )
        assert "not trusted" in region_text(app, response)
        diagnosis = pane_words(app, app.query_one(DiagnosisPane))
        assert "No response from 127.0.0.1" in diagnosis
        assert "CA's bundle" in diagnosis  # what to do about it


async def test_a_password_in_the_url_is_masked_outside_the_editor(lab: LabServer) -> None:
    """The URL field shows what the user typed; everything the app derives from it (the
    transcript, the echoed Authorization, the history, the diagnosis) shows it masked."""
    host = lab.url.partition("://")[2]
    app = make_app(Request(url=f"http://alice:{PASSWORD}@{host}/echo"))
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await sent(pilot, app)
        await wait_for_text(pilot, "200")
        app.query_one("#response-body-view").focus()
        response = app.query_one(ResponseView)
        # Body (the echo), Headers and Raw (the Authorization header made from the password).
        for tab, shown in (("1", '"path": "/echo"'), ("2", "Basic [redacted]"), ("5", "GET /echo")):
            await pilot.press(tab)
            await wait_for_text(pilot, shown)
            derived = region_text(app, response)
            derived += region_text(app, app.query_one(DiagnosisPane))
            derived += region_text(app, app.query_one(SessionSidebar))
            assert PASSWORD not in derived and basic not in derived
