"""The replay and diff screens and "expect this", driven by Pilot against the lab over real
sockets; assertions read the screen."""

from __future__ import annotations

from app_helpers import SIZE, make_app, screen_text, wait_for_text, wait_until

from reqscope.core.engine import Engine
from reqscope.core.model import (
    BodyKind,
    Capture,
    Expectation,
    Header,
    Request,
    Session,
    Variable,
)
from reqscope.lab.server import LabServer
from reqscope.ui.screens.diff import DiffScreen
from reqscope.ui.screens.replay import ReplayScreen
from reqscope.ui.widgets.diff_view import STRIP_CACHE_SIZE, DiffView

STREAM_LINES = 10_000  # the lab's most: a body of 10 000 JSON lines


def token_request(scope: str) -> Request:
    body = (
        "grant_type=client_credentials&client_id=lab-client&client_secret=lab-client-secret"
        f"&scope={scope}"
    )
    return Request(
        name="token",
        method="POST",
        url="{{base_url}}/401/oauth/token",
        headers=(Header("Content-Type", "application/x-www-form-urlencoded"),),
        body_kind=BodyKind.RAW,
        body=body,
        expect=(Expectation("status", "equals", "200"),),
        captures=(Capture("token", "json", "$.access_token", secret=True),),
    )


def orders_session(lab: LabServer) -> Session:
    orders = Request(
        name="orders",
        method="POST",
        url="{{base_url}}/403/oauth/orders",
        headers=(Header("Authorization", "Bearer {{token}}"),),
        body_kind=BodyKind.JSON,
        body='{"item": "book"}',
        expect=(Expectation("status", "equals", "201"),),
    )
    health = Request(name="health", url="{{base_url}}/status/200")
    return Session(
        name="orders",
        variables=(Variable("base_url", lab.url), Variable("token", secret=True)),
        requests=(token_request("orders:read"), health, orders),
    )


async def test_replay_shows_progress_results_and_why_a_request_failed(lab: LabServer) -> None:
    app = make_app(session=orders_session(lab))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen), "the replay screen")
        await wait_for_text(pilot, "done: 2 passed, 1 failed, 0 errors, 0 skipped")
        text = screen_text(app)
        assert "PASS" in text and "FAIL" in text
        assert "201" in text and "403 Forbidden" in text
        # the failed request is selected and explained: expected vs actual, then the diagnosis
        assert "status: FAILED: expected 201, got 403 Forbidden" in text
        assert "insufficient_scope" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ReplayScreen), "closing")
        # the replay's exchanges are now the requests' history
        assert [len(app.workspace.history(i)) for i in range(3)] == [1, 1, 1]
        token = app.workspace.history(0)[0].response
        assert token is not None
        secret = token.text.split('"access_token":"')[1].split('"')[0]
        assert secret not in screen_text(app)


async def test_replay_from_here_runs_the_request_and_what_it_captures_from(
    lab: LabServer,
) -> None:
    app = make_app(session=orders_session(lab))
    async with app.run_test(size=SIZE) as pilot:
        app.workspace.select(2)
        await pilot.pause()
        await app.run_action("replay_from")
        await wait_for_text(pilot, "done: 1 passed, 1 failed")
        text = screen_text(app)
        assert "from 'orders' on" in text
        assert "token" in text  # orders needs the token it captures
        assert "health" not in text


async def test_diff_of_two_runs_shows_what_changed_side_by_side(lab: LabServer) -> None:
    kong = Request(name="kong", url=f"{lab.url}/429/kong/api/orders")
    with Engine() as engine:
        runs = [engine.send(kong, request_name="kong") for _ in range(4)]  # 3 allowed a minute
    assert [r.status for r in runs] == [200, 200, 200, 429]
    session = Session(name="kong", requests=(kong,), history=(runs[0],))
    app = make_app(session=session)
    async with app.run_test(size=SIZE) as pilot:
        app.workspace.record(runs[3])
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen), "the diff screen")
        await wait_for_text(pilot, "row(s) differ")
        text = screen_text(app)
        status_line = next(line for line in text.splitlines() if "200 OK" in line)
        assert "429 Too Many Requests" in status_line  # old and new on one row, side by side
        assert "Retry-After: " in text
        view = app.screen.query_one(DiffView)
        await pilot.press("n")
        await pilot.pause()
        marked = [line for line in screen_text(app).splitlines() if "▶" in line]
        assert len(marked) == 1 and "429 Too Many Requests" in marked[0]  # the first change
        await pilot.press("n")
        await pilot.pause()
        assert view.current is not None and view.current > 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, DiffScreen), "closing")


async def test_the_diff_view_renders_only_the_rows_on_screen(lab: LabServer) -> None:
    big = Request(name="big", url=f"{lab.url}/stream/{STREAM_LINES}")
    with Engine() as engine:
        runs = [engine.send(big, request_name="big") for _ in range(2)]
    app = make_app(session=Session(name="big", requests=(big,), history=tuple(runs)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen), "the diff screen")
        view = app.screen.query_one(DiffView)
        # not "identical" on screen: the two runs' Date headers differ when a second ticks over
        await wait_until(pilot, lambda: view.diff is not None, "the diff")
        assert view.diff is not None and len(view.diff.rows) > STREAM_LINES
        assert len(view._strips) <= 3 * view.size.height  # rendered: what is on screen
        await pilot.press("G")
        await wait_until(pilot, lambda: view.scroll_offset.y == view.max_scroll_y, "the end")
        assert len(view._strips) <= STRIP_CACHE_SIZE  # scrolling keeps a bounded cache


async def test_expect_this_turns_the_response_into_expectations_that_pass(
    lab: LabServer,
) -> None:
    teapot = Request(name="teapot", url=f"{lab.url}/status/418")
    app = make_app(teapot)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: bool(app.workspace.history()), "the exchange")
        await pilot.press("f8")
        await wait_until(pilot, lambda: bool(app.workspace.current.expect), "expectations")
        assert app.workspace.current.expect == (
            Expectation("status", "equals", "418"),
            Expectation("header", "contains", "application/json", "Content-Type"),
            Expectation("json", "equals", "418", "$.status"),
        )
        assert app.workspace.dirty
        await pilot.press("f5")
        await wait_for_text(pilot, "done: 1 passed, 0 failed")
