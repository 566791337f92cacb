"""Snapshots of the main screens (pytest-textual-snapshot): the demo's 403 with its diagnosis,
the sidebar on a narrow terminal, F1 help, and a refused connection.

The exchanges are real (sent to the lab, or to a closed port, before the app starts) and then
pinned: the lab's port, Date headers, timings and send times are replaced by fixed values, so
the rendered screen is the same on every run and machine. The app shows them the way a user
would, by picking the exchange in the sidebar's history (no resend).
Regenerate with `pytest tests/snapshots --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from reqscope.core.engine import Engine
from reqscope.core.model import Exchange, Request, Session, Timings
from reqscope.core.store import load_session
from reqscope.core.templating import expand_request
from reqscope.core.workspace import Workspace
from reqscope.lab.server import LabServer, running_lab
from reqscope.ui.app import ReqscopeApp
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane
from reqscope.ui.widgets.response_view import ResponseView

DEMO = Path(__file__).resolve().parents[2] / "sessions" / "demo.toml"
PINNED_ORIGIN = "http://127.0.0.1:8765"  # the demo session's default {{lab}}
PINNED_TIME = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
PINNED_TIMINGS = Timings(connect_ms=0.4, send_ms=0.2, wait_ms=1.3, receive_ms=0.1, total_ms=2.0)
PINNED_DATE = "Fri, 14 Mar 2025 09:26:53 GMT"
WAIT_STEPS = 200  # x 0.05 s


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    with running_lab() as server:
        yield server


def pinned(exchange: Exchange, origin: str) -> Exchange:
    """`exchange` with everything that changes from run to run fixed (`origin`, the lab's
    real address, becomes PINNED_ORIGIN; "" leaves addresses alone)."""

    def text(value: str) -> str:
        if not origin:
            return value
        return value.replace(origin, PINNED_ORIGIN).replace(
            origin.removeprefix("http://"), PINNED_ORIGIN.removeprefix("http://")
        )

    sent = exchange.request
    sent = replace(sent, url=text(sent.url), headers=tuple((k, text(v)) for k, v in sent.headers))
    response = exchange.response
    if response is not None:
        headers = tuple(
            (k, PINNED_DATE if k.lower() == "date" else text(v)) for k, v in response.headers
        )
        response = replace(response, headers=headers)
    error = exchange.error
    if error is not None:
        error = replace(error, message=re.sub(r"\d+(\.\d+)? ?ms", "1 ms", error.message))
    return replace(
        exchange,
        request=sent,
        response=response,
        error=error,
        timings=PINNED_TIMINGS,
        started_at=PINNED_TIME,
    )


def sent_for_real(session: Session, name: str, lab: LabServer) -> Exchange:
    """Send the session's request `name` with `{{lab}}` pointing at the running lab."""
    request = next(r for r in session.requests if r.name == name)
    variables = tuple(
        replace(v, value=lab.url) if v.name == "lab" else v for v in session.variables
    )
    with Engine() as engine:
        exchange = engine.send(expand_request(request, variables, {}).request, request_name=name)
    return pinned(exchange, lab.url)


def app_on(session: Session, current: str, exchange: Exchange) -> ReqscopeApp:
    """The app on `session` (its `{{lab}}` left at the pinned default) with request `current`
    selected and `exchange` in its history."""
    workspace = Workspace(replace(session, history=(exchange,)), DEMO)
    index = workspace.index_of(current)
    assert index is not None
    workspace.select(index)
    return ReqscopeApp(workspace, loaded=session)


def show_history_entry(then: Callable[[Pilot[Any]], Any] | None = None) -> Any:
    """run_before: pick the newest exchange in the sidebar's history, wait for its diagnosis."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        app.query_one("#history").focus()
        await pilot.press("enter")
        for _ in range(WAIT_STEPS):
            pane = app.query_one(DiagnosisPane)
            if pane.exchange is not None and app.query_one(ResponseView).exchange is not None:
                break
            await pilot.pause(0.05)
        app.query_one("#url").focus()
        if then is not None:
            await then(pilot)
        await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()

    return run_before


def test_demo_403_with_its_diagnosis(snap_compare: Any, lab: LabServer) -> None:
    session = load_session(DEMO)
    name = "wiki: library User-Agent"
    app = app_on(session, name, sent_for_real(session, name, lab))
    assert snap_compare(app, terminal_size=(120, 36), run_before=show_history_entry())


def test_sidebar_on_a_narrow_terminal(snap_compare: Any, lab: LabServer) -> None:
    session = load_session(DEMO)
    name = "cdn: cached 403"
    app = app_on(session, name, sent_for_real(session, name, lab))

    async def open_sidebar(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+b")

    assert snap_compare(app, terminal_size=(80, 24), run_before=show_history_entry(open_sidebar))


def test_help_screen(snap_compare: Any) -> None:
    app = ReqscopeApp(Workspace(Session(requests=(Request(url="https://api.example/me"),))))
    assert snap_compare(app, terminal_size=(120, 36), press=["f1"])


def test_refused_connection(snap_compare: Any) -> None:
    session = load_session(DEMO)
    name = "refused connection"
    closed = next(v.value for v in session.variables if v.name == "closed")
    request = next(r for r in session.requests if r.name == name)
    with Engine() as engine:
        exchange = engine.send(expand_request(request, session.variables, {}).request)
    assert exchange.error is not None, f"something listens on {closed}"
    app = app_on(session, name, pinned(replace(exchange, request_name=name), origin=""))
    assert snap_compare(app, terminal_size=(120, 36), run_before=show_history_entry())
