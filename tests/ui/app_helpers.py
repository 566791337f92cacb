"""Helpers for Pilot tests of the whole app: start it, type, wait (bounded) for what a user
would see, and read the screen as text."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from reqscope.core.model import Request, Session
from reqscope.core.workspace import Workspace
from reqscope.ui.app import ReqscopeApp

SIZE = (120, 36)
WAIT_STEPS = 200  # x 0.05 s: a bounded wait, generous for a loaded 2-core CI machine


def screen_text(app: App[object]) -> str:
    """Every line on screen as plain text, the way a user reads it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_until(pilot: Pilot[object], condition: Callable[[], bool], what: str) -> None:
    for _ in range(WAIT_STEPS):
        if condition():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def wait_for_text(pilot: Pilot[object], text: str) -> None:
    await wait_until(pilot, lambda: text in screen_text(pilot.app), f"{text!r} on screen")


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type like a person: one key press per character."""
    await pilot.press(*text)


def make_app(
    *requests: Request,
    session: Session | None = None,
    path: Path | None = None,
    **kwargs: Any,
) -> ReqscopeApp:
    """The real app on a session of `requests` (or `session`), drafts kept under the test's
    isolated XDG state directory."""
    if session is None:
        session = Session(name="test", requests=requests or (Request(),))
    return ReqscopeApp(Workspace(session, path), loaded=session, **kwargs)


def refused_url() -> str:
    """A 127.0.0.1 URL nothing listens on: bind an ephemeral port, then close it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing-here"


def toast_text(app: App[object]) -> str:
    """The words of every toast on screen, joined with single spaces: a toast wraps its
    message at its own width, so a phrase may straddle two of its lines."""
    from textual.widgets._toast import Toast

    lines = app.screen._compositor.render_strips()
    words: list[str] = []
    for toast in app.screen.query(Toast):
        region = toast.region
        for line in lines[region.y : region.bottom]:
            words.extend(line.text[region.x : region.right].replace("▌", " ").split())
    return " ".join(words)


async def wait_for_toast(pilot: Pilot[object], text: str) -> None:
    await wait_until(pilot, lambda: text in toast_text(pilot.app), f"a toast saying {text!r}")
