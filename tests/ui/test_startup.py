"""Start-up (issue 4, performance): what the first frame does not show is built after it, and
nothing given to the app before then is lost; the garbage collector waits for the first frame.
Speed itself is measured by bench/bench_launch.py, not here."""

from __future__ import annotations

import gc
from typing import Any

from app_helpers import SIZE, screen_text, wait_for_text, wait_until
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, TabbedContent

from reqscope.core.diagnosis import kb
from reqscope.core.diagnosis.kb import clear_knowledge_base_cache
from reqscope.core.engine import Engine
from reqscope.core.model import Auth, AuthKind, BodyKind, Header, Request
from reqscope.core.workspace import Workspace
from reqscope.lab.server import LabServer
from reqscope.ui.app import ReqscopeApp
from reqscope.ui.widgets.auth_form import AuthForm
from reqscope.ui.widgets.body_editor import BodyEditor
from reqscope.ui.widgets.headers_table import HeadersTable
from reqscope.ui.widgets.options_form import OptionsForm
from reqscope.ui.widgets.request_editor import RequestEditor
from reqscope.ui.widgets.response_tabs import ResponseTabs
from reqscope.ui.widgets.response_view import ResponseView
from reqscope.ui.widgets.save_prompt import SavePrompt

LATER = (ResponseTabs, SavePrompt, HeadersTable, AuthForm, BodyEditor, OptionsForm)


class Watched(ReqscopeApp):
    """The app, noting what is mounted and whether collection runs when it mounts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.at_mount: list[type[Widget]] = []
        self.gc_at_mount: bool | None = None

    def on_mount(self) -> None:  # Textual runs ReqscopeApp.on_mount after this one
        self.at_mount = [kind for kind in LATER if self.query(kind)]
        self.gc_at_mount = gc.isenabled()


async def test_hidden_parts_are_built_after_the_first_frame() -> None:
    app = Watched(Workspace())
    async with app.run_test(size=SIZE) as pilot:
        assert app.at_mount == []
        await wait_until(pilot, lambda: all(app.query(kind) for kind in LATER), "the rest")
        assert "No response yet" in screen_text(app)


async def test_the_editor_shows_a_request_given_before_its_forms_exist() -> None:
    request = Request(
        url="http://127.0.0.1:1/x",
        headers=(Header("X-Early", "1"),),
        auth=Auth(AuthKind.BEARER, token="early-token"),
        body_kind=BodyKind.JSON,
        body='{"early": true}',
    )

    class EarlyShow(ReqscopeApp):
        def on_mount(self) -> None:  # before ReqscopeApp's: the forms are not built yet
            assert not self.query(AuthForm)
            self.workspace.update(request)
            self.query_one(RequestEditor).show(request)

    app = EarlyShow(Workspace())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app.query(AuthForm)), "the auth form")
        await wait_until(pilot, lambda: bool(app.query(BodyEditor)), "the body editor")
        assert app.query_one("#token", Input).value == "early-token"
        editor = app.query_one(RequestEditor)
        assert editor.request == request
        await pilot.click("#request-tabs Tab#--content-tab-tab-headers")
        await wait_for_text(pilot, "X-Early")
        tabs = app.query_one("#request-tabs", TabbedContent)
        assert str(tabs.get_tab("tab-auth").label) == "Auth (bearer)"


class EarlyResponse(App[None]):
    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        yield ResponseView()

    def on_mount(self) -> None:
        with Engine() as engine:
            exchange = engine.send(self.request)
        view = self.query_one(ResponseView)
        assert not view.query(ResponseTabs)  # shown before the tabs exist
        view.show_exchange(exchange)


async def test_a_response_shown_before_the_tabs_exist_fills_them(lab: LabServer) -> None:
    app = EarlyResponse(Request(url=f"{lab.url}/status/403", headers=(Header("X-Early", "1"),)))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, '"status": 403')  # the body, built in a worker
        assert "403 Forbidden" in screen_text(app)
        app.query_one(ResponseView).action_show_tab("headers")
        await wait_for_text(pilot, "X-Early")


def test_collection_waits_for_the_first_frame_then_resumes() -> None:
    app = Watched(Workspace())
    seen: dict[str, bool] = {}

    async def auto_pilot(pilot: Pilot[int]) -> None:
        await wait_until(pilot, lambda: app._is_ready, "the first frame")
        seen["after the first frame"] = gc.isenabled()
        app.exit(0)

    assert gc.isenabled()
    app.run(headless=True, size=SIZE, auto_pilot=auto_pilot)
    assert app.gc_at_mount is False
    assert seen == {"after the first frame": True}
    assert gc.isenabled()


def test_what_a_first_send_needs_is_loaded_then_the_heap_is_frozen_until_exit() -> None:
    """Half a second after the first frame, a worker loads the knowledge base (and httpx,
    pygments); then what is alive is frozen out of later collections, until the app ends."""
    clear_knowledge_base_cache()
    app = ReqscopeApp(Workspace())
    seen: dict[str, object] = {}

    async def auto_pilot(pilot: Pilot[int]) -> None:
        await wait_until(pilot, lambda: gc.get_freeze_count() > 0, "the frozen heap")
        seen["loaded when frozen"] = bool(kb._CACHE)
        app.exit(0)

    assert gc.get_freeze_count() == 0
    app.run(headless=True, size=SIZE, auto_pilot=auto_pilot)
    assert seen == {"loaded when frozen": True}
    assert gc.get_freeze_count() == 0  # unfrozen at exit: the objects can be collected again
