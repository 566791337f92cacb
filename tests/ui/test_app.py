"""The whole app driven by Pilot against the lab over real sockets; assertions read the screen."""

from __future__ import annotations

import json
from pathlib import Path

from app_helpers import (
    SIZE,
    make_app,
    refused_url,
    screen_text,
    type_text,
    wait_for_text,
    wait_until,
)
from textual.widgets import Button, Checkbox, Input

from reqscope.core.model import Header, Request, Session, Variable
from reqscope.core.store import load_session, save_session
from reqscope.core.workspace import draft_path, write_draft
from reqscope.lab.server import LabServer
from reqscope.ui.screens.confirm import ConfirmScreen
from reqscope.ui.screens.help import HelpScreen
from reqscope.ui.screens.prompt import PromptScreen
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane
from reqscope.ui.widgets.headers_table import HeadersTable
from reqscope.ui.widgets.kv_rows import RowEditor
from reqscope.ui.widgets.query_table import QueryTable
from reqscope.ui.widgets.response_view import ResponseView
from reqscope.ui.widgets.session_sidebar import SessionSidebar


def region_text(widget: object) -> str:
    """The text inside a widget's region on screen."""
    from textual.widget import Widget

    assert isinstance(widget, Widget)
    region = widget.region
    lines = widget.screen._compositor.render_strips()
    return "\n".join(line.text[region.x : region.right] for line in lines[region.y : region.bottom])


async def test_type_a_url_and_send_shows_status_and_diagnosis(lab: LabServer) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#url")
        await type_text(pilot, f"{lab.url}/status/403")
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: bool(app.workspace.history()), "the exchange")
        await wait_for_text(pilot, "403 Forbidden")
        diagnosis = app.query_one(DiagnosisPane)
        await wait_until(
            pilot,
            lambda: "missing_credentials" in region_text(diagnosis),
            "the diagnosis of the 403",
        )
        assert app.workspace.current.url == f"{lab.url}/status/403"
        sidebar = region_text(app.query_one(SessionSidebar))
        assert "403" in sidebar  # the request's last status and its history entry


async def test_send_button_and_enter_in_url_send(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/status/201"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#send")
        await wait_until(pilot, lambda: len(app.workspace.history()) == 1, "first send")
        await pilot.click("#url")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.workspace.history()) == 2, "second send")
        await wait_for_text(pilot, "201 Created")


async def test_send_at_start_is_not_dropped(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/status/418"), send_at_start=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app.workspace.history()), "the --send exchange")
        await wait_for_text(pilot, "418")


async def test_send_before_ready_is_queued(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/status/202"))
    app.action_send()  # as if a key arrived before the first frame
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app.workspace.history()), "the queued send")
        await wait_for_text(pilot, "202 Accepted")


async def test_edit_toggle_and_delete_headers(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/echo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#request-tabs Tab#--content-tab-tab-headers")
        table = app.query_one(HeadersTable)
        for name, value in (("X-One", "1"), ("X-Two", "2"), ("X-One", "again")):
            blank = table.query(RowEditor).last()
            blank.query(Input).first().focus()
            await type_text(pilot, name)
            await pilot.pause()
            # The row just typed in is now a real row; its value input is the second one.
            row = list(table.query(RowEditor))[-2]
            row.query(Input).last().focus()
            await type_text(pilot, value)
            await pilot.pause()
        assert app.workspace.current.headers == (
            Header("X-One", "1"),
            Header("X-Two", "2"),
            Header("X-One", "again"),
        )
        # Toggle the second off, delete the first.
        rows = list(table.query(RowEditor))
        rows[1].query_one(Checkbox).focus()
        await pilot.press("space")
        rows[0].query(Input).first().focus()
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert app.workspace.current.headers == (
            Header("X-Two", "2", enabled=False),
            Header("X-One", "again"),
        )
        shown = region_text(table)
        assert "X-Two" in shown and "again" in shown and "X-One" in shown
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: bool(app.workspace.history()), "the echo")
        exchange = app.workspace.history()[0]
        assert exchange.response is not None
        echoed = json.loads(exchange.response.text)
        sent = json.dumps(echoed["headers"])
        assert "again" in sent and "X-Two" not in sent


async def test_query_tab_and_url_stay_in_sync(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/echo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#url")
        await pilot.press("end")
        await type_text(pilot, "?q={{term}}&page=1&q=two")
        await pilot.pause()
        table = app.query_one(QueryTable)
        assert [(r.name, r.value) for r in table.rows] == [
            ("q", "{{term}}"),
            ("page", "1"),
            ("q", "two"),
        ]
        await pilot.click("#request-tabs Tab#--content-tab-tab-query")
        assert "{{term}}" in region_text(table)
        # Edit a value in the table: the URL follows, the other parameters untouched.
        page_value = list(table.query(RowEditor))[1].query(Input).last()
        page_value.focus()
        await pilot.press("end", "backspace")
        await type_text(pilot, "2 3")
        await pilot.pause()
        url_input = app.query_one("#url", Input)
        assert url_input.value == f"{lab.url}/echo?q={{{{term}}}}&page=2%203&q=two"
        # Delete the first row.
        next(iter(table.query(RowEditor))).query_one(Button).press()
        await pilot.pause()
        assert url_input.value == f"{lab.url}/echo?page=2%203&q=two"
        assert app.workspace.current.url == url_input.value
        # Switching requests and back keeps what was typed.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.query_one("#url", Input).value == ""
        app.query_one(SessionSidebar).query_one("#requests").focus()
        await pilot.press("up", "enter")
        await pilot.pause()
        assert app.query_one("#url", Input).value == f"{lab.url}/echo?page=2%203&q=two"


async def test_refused_connection_is_shown_in_the_pane() -> None:
    app = make_app(Request(url=refused_url()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: bool(app.workspace.history()), "the failed exchange")
        exchange = app.workspace.history()[0]
        assert exchange.error is not None
        response = app.query_one(ResponseView)
        await wait_until(
            pilot, lambda: "refused" in region_text(response).lower(), "'refused' in the pane"
        )


async def test_template_error_is_shown_and_nothing_sent(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/{{{{missing}}}}"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await wait_for_text(pilot, "missing")
        assert "Not sent" in region_text(app.query_one(ResponseView))
        assert app.workspace.history() == ()


async def test_variables_are_previewed_and_secrets_masked(lab: LabServer) -> None:
    session = Session(
        variables=(Variable("base", lab.url), Variable("key", "hunter22", secret=True)),
        requests=(Request(url="{{base}}/echo?k={{key}}"),),
    )
    app = make_app(session=session)
    async with app.run_test(size=SIZE) as pilot:
        text = screen_text(app)
        assert f"{{{{base}}}} = {lab.url}" in text
        assert "hunter22" not in text
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: bool(app.workspace.history()), "the echo")
        await pilot.pause(0.2)
        assert "hunter22" not in screen_text(app)


async def test_save_reopen_and_everything_is_as_it_was(lab: LabServer, tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    original = Request(
        name="probe",
        method="PURGE",
        url=f"{lab.url}/echo?a=1&a=2&flag",
        headers=(Header("X-A", "1"), Header("X-A", "2", enabled=False)),
    )
    app = make_app(original)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")  # scratch: asks where
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), "save-as prompt")
        prompt = app.screen.query_one(Input)
        prompt.value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, path.exists, "the saved file")
        assert app.sub_title == "s.toml"
    reopened = load_session(path)
    assert reopened.requests == (original,)
    app = make_app(session=reopened, path=path)
    async with app.run_test(size=SIZE) as pilot:
        assert app.query_one("#url", Input).value == original.url
        assert app.query_one("#method", Input).value == "PURGE"
        assert not app.workspace.dirty
        assert "s.toml" in screen_text(app) and "s.toml *" not in screen_text(app)


async def test_quit_with_unsaved_changes_asks() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#url")
        await type_text(pilot, "http://127.0.0.1/")
        await wait_for_text(pilot, "scratch *")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "not saved" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen) and app.is_running
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.click("#quit")
        await wait_until(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_value == 0


async def test_quit_without_changes_does_not_ask() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running, "the app to exit")


async def test_draft_is_offered_back_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    on_disk = Session(requests=(Request(name="a", url="http://127.0.0.1/saved"),))
    save_session(on_disk, path)
    typed = Session(requests=(Request(name="a", url="http://127.0.0.1/typed-before-crash"),))
    draft = write_draft(typed, path)
    assert draft == draft_path(path)
    import os

    os.utime(path, (1, 1))
    app = make_app(session=load_session(path), path=path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the offer")
        assert "Recover unsaved work" in screen_text(app)
        await pilot.click("#restore")
        await pilot.pause()
        assert app.query_one("#url", Input).value == "http://127.0.0.1/typed-before-crash"
        assert app.workspace.dirty
        assert "s.toml *" in screen_text(app)


async def test_edits_write_a_draft_and_save_deletes_it(tmp_path: Path) -> None:
    from reqscope.ui import app as app_module

    path = tmp_path / "s.toml"
    save_session(Session(requests=(Request(name="a"),)), path)
    app = make_app(session=load_session(path), path=path)
    original_delay = app_module.DRAFT_DELAY
    app_module.DRAFT_DELAY = 0.05
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.click("#url")
            await type_text(pilot, "http://127.0.0.1/x")
            await wait_until(pilot, draft_path(path).exists, "the draft")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: not draft_path(path).exists(), "draft removal")
            assert load_session(path).requests[0].url == "http://127.0.0.1/x"
    finally:
        app_module.DRAFT_DELAY = original_delay


async def test_help_lists_bindings_of_the_focused_widget_and_the_app() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = screen_text(app)
        for description in ("Send the current request", "Open a session file", "Quit"):
            assert description in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_sidebar_new_duplicate_rename_delete_and_history(lab: LabServer) -> None:
    app = make_app(Request(name="first", url=f"{lab.url}/status/403"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: len(app.workspace.history()) == 1, "send 1")
        app.workspace.update(Request(name="first", url=f"{lab.url}/status/200"))
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: len(app.workspace.history()) == 2, "send 2")
        sidebar = app.query_one(SessionSidebar)
        # Pick the older exchange in the history: shown again without a resend.
        sidebar.query_one("#history").focus()
        await pilot.press("down", "enter")
        await wait_for_text(pilot, "403 Forbidden")
        assert len(app.workspace.history()) == 2

        sidebar.query_one("#requests").focus()
        await pilot.press("c")  # duplicate
        await pilot.pause()
        assert [r.name for r in app.workspace.requests] == ["first", "first copy"]
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), "rename prompt")
        app.screen.query_one(Input).value = "second"
        await pilot.press("enter")
        await pilot.pause()
        assert "second" in region_text(sidebar)
        sidebar.query_one("#requests").focus()
        await pilot.press("delete")
        await pilot.pause()
        assert [r.name for r in app.workspace.requests] == ["first"]
        await pilot.press("n")
        await pilot.pause()
        assert len(app.workspace.requests) == 2
        assert "test *" not in screen_text(app)  # scratch session: title is "scratch *"
        assert "scratch *" in screen_text(app)


async def test_narrow_terminal_puts_the_diagnosis_below_and_hides_the_sidebar(
    lab: LabServer,
) -> None:
    app = make_app(Request(url=f"{lab.url}/status/403"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+j")
        await wait_for_text(pilot, "403")
        response = app.query_one(ResponseView).region
        diagnosis = app.query_one(DiagnosisPane).region
        assert diagnosis.y >= response.bottom
        assert not app.query_one(SessionSidebar).display or (
            app.query_one(SessionSidebar).region.width == 0
        )
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.query_one(SessionSidebar).region.width > 0
