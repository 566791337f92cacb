"""The request editor and app shell, point by point against issue 4, driven by Pilot against
the lab over real sockets: custom methods, variables, auth, bodies, options, env files, curl
paste and copy, the palette, F1, pane focus, NO_COLOR."""

from __future__ import annotations

import json
from pathlib import Path

from app_helpers import SIZE, make_app, screen_text, type_text, wait_for_text, wait_until
from textual import events
from textual.widgets import Input, Select, TextArea

from reqscope.core.model import (
    ApiKeyLocation,
    Auth,
    AuthKind,
    BodyKind,
    Exchange,
    FormField,
    Header,
    Request,
    RequestOptions,
    Session,
    Variable,
)
from reqscope.lab.server import LabServer
from reqscope.ui.screens.help import HelpScreen
from reqscope.ui.screens.prompt import PromptScreen
from reqscope.ui.sending import VariableContext
from reqscope.ui.widgets.body_editor import edit_in_external_editor
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane
from reqscope.ui.widgets.kv_rows import KeyValueRows, RowEditor
from reqscope.ui.widgets.response_view import ResponseView
from reqscope.ui.widgets.session_sidebar import SessionSidebar


def echoed(exchange: Exchange) -> dict[str, object]:
    assert exchange.response is not None, exchange.error
    data = json.loads(exchange.response.text)
    assert isinstance(data, dict)
    return data


def echoed_header(exchange: Exchange, name: str) -> str | None:
    headers = echoed(exchange)["headers"]
    assert isinstance(headers, list)
    return next((v for k, v in headers if k.lower() == name.lower()), None)


async def send_and_wait(pilot: object, count: int = 1) -> Exchange:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    app = pilot.app
    await pilot.press("ctrl+j")
    await wait_until(pilot, lambda: len(app.workspace.history()) >= count, "the exchange")  # type: ignore[attr-defined]
    return app.workspace.history()[0]  # type: ignore[attr-defined,no-any-return]


async def test_custom_method_is_kept_as_typed_and_sent(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/echo"))
    async with app.run_test(size=SIZE) as pilot:
        method = app.query_one("#method", Input)
        method.focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "PURGE")
        await pilot.pause()
        assert app.workspace.current.method == "PURGE"
        exchange = await send_and_wait(pilot)
        assert echoed(exchange)["method"] == "PURGE"
        # A standard method typed in lower case is normalised; a bad token is refused.
        method.focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "post")
        await pilot.pause()
        assert app.workspace.current.method == "POST"
        await type_text(pilot, " x")
        await pilot.pause()
        assert app.workspace.current.method == "POST"  # "post x" is not a method


async def test_variables_preview_values_and_flags_undefined(lab: LabServer) -> None:
    session = Session(
        variables=(Variable("base", lab.url),),
        requests=(Request(url="{{base}}/echo?q={{missing}}"),),
    )
    app = make_app(session=session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, f"{{{{base}}}} = {lab.url}")
        assert "{{missing}} undefined" in screen_text(app)
        # The URL field highlights the templates.
        url = app.query_one("#url", Input)
        assert url.highlighter is not None
        highlighted = url.highlighter(url.value)
        styled = {url.value[s.start : s.end] for s in highlighted.spans}
        assert styled == {"{{base}}", "{{missing}}"}


async def test_a_long_url_shows_its_start_selected_and_typing_replaces_it() -> None:
    long_url = "{{base}}/" + "/".join(f"segment{i}" for i in range(30))
    app = make_app(Request(url=long_url))
    async with app.run_test(size=SIZE) as pilot:
        url = app.query_one("#url", Input)
        assert app.focused is url
        assert url.selected_text == long_url  # all of it, as an address bar
        line = next(line for line in screen_text(app).splitlines() if "segment" in line)
        assert "{{base}}/segment0" in line  # the start, not the end, is in view
        await pilot.press("h")
        assert url.value == "h"


async def test_bearer_token_is_masked_on_screen_and_sent(lab: LabServer) -> None:
    token = "tok-4f1e-secret-value"
    app = make_app(Request(url=f"{lab.url}/echo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#request-tabs Tab#--content-tab-tab-auth")
        app.query_one("#kind", Select).value = AuthKind.BEARER.value
        await pilot.pause()
        app.query_one("#token", Input).focus()
        await type_text(pilot, token)
        await pilot.pause()
        assert app.workspace.current.auth == Auth(AuthKind.BEARER, token=token)
        assert token not in screen_text(app)
        exchange = await send_and_wait(pilot)
        assert echoed_header(exchange, "Authorization") == f"Bearer {token}"
        await wait_for_text(pilot, "200 OK")
        # The echoed body and the headers tab show the token masked.
        assert token not in screen_text(app)
        await pilot.click("#response Tab#--content-tab-response-headers")
        await pilot.pause()
        assert token not in screen_text(app)


async def test_api_key_in_query_and_basic_auth_are_sent(lab: LabServer) -> None:
    api_key = Auth(
        AuthKind.API_KEY, token="k-123", key_name="api_key", location=ApiKeyLocation.QUERY
    )
    app = make_app(Request(url=f"{lab.url}/echo", auth=api_key))
    async with app.run_test(size=SIZE) as pilot:
        exchange = await send_and_wait(pilot)
        assert ["api_key", "k-123"] in echoed(exchange)["query"]  # type: ignore[operator]
        await pilot.click("#request-tabs Tab#--content-tab-tab-auth")
        app.query_one("#kind", Select).value = AuthKind.BASIC.value
        await pilot.pause()
        app.query_one("#username", Input).focus()
        await type_text(pilot, "ada")
        app.query_one("#password", Input).focus()
        await type_text(pilot, "pw")
        await pilot.pause()
        exchange = await send_and_wait(pilot, 2)
        assert echoed_header(exchange, "Authorization") == "Basic YWRhOnB3"


async def test_json_form_and_raw_bodies(lab: LabServer) -> None:
    app = make_app(Request(method="POST", url=f"{lab.url}/echo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#request-tabs Tab#--content-tab-tab-body")
        app.query_one("#body-kind", Select).value = BodyKind.JSON.value
        await pilot.pause()
        app.query_one("#body-text", TextArea).focus()
        await type_text(pilot, '{"a": 1}')
        await pilot.pause()
        exchange = await send_and_wait(pilot)
        assert echoed(exchange)["body"] == '{"a": 1}'
        assert echoed_header(exchange, "Content-Type") == "application/json"

        app.query_one("#body-kind", Select).value = BodyKind.FORM.value
        await pilot.pause()
        form = app.query_one("#body-form", KeyValueRows)
        form.query(RowEditor).last().query(Input).first().focus()
        await type_text(pilot, "name")
        await pilot.pause()
        form.query(RowEditor).first().query(Input).last().focus()
        await type_text(pilot, "Ada L")
        await pilot.pause()
        assert app.workspace.current.form == (FormField("name", "Ada L"),)
        exchange = await send_and_wait(pilot, 2)
        assert echoed(exchange)["body"] == "name=Ada+L"
        assert echoed_header(exchange, "Content-Type") == "application/x-www-form-urlencoded"

        app.query_one("#body-kind", Select).value = BodyKind.RAW.value
        await pilot.pause()
        assert app.query_one("#body-text", TextArea).text == '{"a": 1}'  # kept across kinds
        exchange = await send_and_wait(pilot, 3)
        assert echoed(exchange)["body"] == '{"a": 1}'


def test_external_editor_edits_the_text(tmp_path: Path) -> None:
    """$EDITOR runs on a temporary file holding the body; what it leaves there comes back."""
    script = tmp_path / "fake-editor"
    script.write_text('#!/bin/sh\nsed -i "s/1/2/" "$1"\n')
    script.chmod(0o755)
    assert edit_in_external_editor('{"a": 1}', ".json", str(script)) == '{"a": 2}'


async def test_options_timeout_and_redirects_apply(lab: LabServer) -> None:
    slow = Request(url=f"{lab.url}/delay/3000", options=RequestOptions(timeout=0.3))
    app = make_app(slow)
    async with app.run_test(size=SIZE) as pilot:
        exchange = await send_and_wait(pilot)
        assert exchange.error is not None and "timeout" in exchange.error.kind.value
        await pilot.click("#request-tabs Tab#--content-tab-tab-options")
        app.query_one("#url", Input).value = f"{lab.url}/redirect/1"
        await pilot.pause()
        app.query_one("#follow_redirects").focus()
        await pilot.press("space")
        # A generous timeout again, so the redirect is not refused by a busy machine.
        app.query_one("#timeout", Input).value = "30"
        await pilot.pause()
        assert app.workspace.current.options.follow_redirects is False
        assert app.workspace.current.options.timeout == 30
        exchange = await send_and_wait(pilot, 2)
        assert exchange.status in (301, 302, 303, 307, 308)


async def test_env_file_values_are_used_and_masked(lab: LabServer, tmp_path: Path) -> None:
    from reqscope.cli.app import read_env_file

    env = tmp_path / ".env"
    env.write_text("SHELL_TOKEN=zz-env-secret-9\n")
    context = VariableContext(env_file=read_env_file(str(env)), environ={})
    request = Request(url=f"{lab.url}/echo", headers=(Header("X-Token", "{{env.SHELL_TOKEN}}"),))
    app = make_app(request, variables=context)
    async with app.run_test(size=SIZE) as pilot:
        exchange = await send_and_wait(pilot)
        assert echoed_header(exchange, "X-Token") == "zz-env-secret-9"
        await wait_for_text(pilot, "200 OK")
        assert "zz-env-secret-9" not in screen_text(app)


def test_cli_rejects_a_missing_env_file(capsys: object, tmp_path: Path) -> None:
    from reqscope.cli import main

    assert main([f"--env-file={tmp_path}/nope.env", "http://127.0.0.1/"]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert err.count("\n") == 1 and "nope.env" in err


async def test_pasted_curl_command_becomes_the_request(lab: LabServer) -> None:
    app = make_app(Request(name="mine"))
    command = (
        f"curl -X PUT {lab.url}/echo -H 'X-One: 1' -H 'Content-Type: application/json' "
        "-d '{\"a\":1}'"
    )
    async with app.run_test(size=SIZE) as pilot:
        url = app.query_one("#url", Input)
        url.focus()
        url.post_message(events.Paste(command))
        await wait_until(pilot, lambda: app.workspace.current.method == "PUT", "the import")
        current = app.workspace.current
        assert current.name == "mine"
        assert current.url == f"{lab.url}/echo"
        assert Header("X-One", "1") in current.headers
        assert url.value == f"{lab.url}/echo"
        exchange = await send_and_wait(pilot)
        assert echoed(exchange)["body"] == '{"a":1}'
        # Typed (or pasted as text) and entered works too, and a broken one says why.
        url.value = "curl --no-such-option http://x/"
        await pilot.press("enter")
        await wait_for_text(pilot, "curl")
        assert app.workspace.current.method == "PUT"


async def test_copy_curl_masks_secrets_unless_asked(lab: LabServer) -> None:
    session = Session(
        variables=(Variable("base", lab.url), Variable("key", "s3cr3t-key", secret=True)),
        requests=(
            Request(
                url="{{base}}/echo",
                headers=(
                    Header("Authorization", "Bearer literal-token-77"),
                    Header("X-K", "{{key}}"),
                ),
            ),
        ),
    )
    app = make_app(session=session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        copied = app.clipboard
        assert copied.startswith("#") or copied.startswith("curl")
        assert f"{lab.url}/echo" in copied  # plain variables written in
        assert "literal-token-77" not in copied and "s3cr3t-key" not in copied
        # "Copy curl with secrets" from the command palette.
        await pilot.press("ctrl+p")
        await type_text(pilot, "Copy curl with secrets")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "literal-token-77" in app.clipboard, "the copy")
        assert "s3cr3t-key" in app.clipboard


async def test_copy_a_response_header(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/status/418"))
    async with app.run_test(size=SIZE) as pilot:
        await send_and_wait(pilot)
        await wait_for_text(pilot, "418")
        await pilot.press("ctrl+p")
        await type_text(pilot, "Copy header")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), "the prompt")
        await type_text(pilot, "content-length")
        await pilot.press("enter")

        def copied_a_number() -> bool:
            return app.clipboard.isdigit()

        await wait_until(pilot, copied_a_number, "the copied value")


async def test_help_lists_palette_only_actions_too() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = screen_text(app)
        for expected in ("Try fix", "Next pane", "Copy curl with secrets", "Copy header"):
            assert expected in text


async def test_next_pane_cycles_focus_through_the_main_areas(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/status/403"))
    async with app.run_test(size=SIZE) as pilot:
        await send_and_wait(pilot)
        await wait_for_text(pilot, "403 Forbidden")
        seen = []
        for _ in range(4):
            await pilot.press("f6")
            await pilot.pause()
            focused = app.focused
            assert focused is not None
            area = next(
                (
                    kind.__name__
                    for kind in (ResponseView, DiagnosisPane, SessionSidebar)
                    if isinstance(focused, kind)
                    or any(isinstance(a, kind) for a in focused.ancestors)
                ),
                focused.id,
            )
            seen.append(area)
        assert seen == ["ResponseView", "DiagnosisPane", "SessionSidebar", "url"]


async def test_sidebar_rows_stay_one_line_with_the_status_first(lab: LabServer) -> None:
    long_name = "a request with a name far too long for the sidebar"
    app = make_app(Request(name=long_name, url=f"{lab.url}/status/403"), Request(name="b"))
    async with app.run_test(size=SIZE) as pilot:
        await send_and_wait(pilot)
        await wait_for_text(pilot, "403 GET")
        lines = screen_text(app).splitlines()
        row = next(i for i, line in enumerate(lines) if "403 GET" in line)
        assert "…" in lines[row]
        assert "GET  b" in lines[row + 1] or "GET b" in lines[row + 1]


async def test_no_color_renders_without_colour(lab: LabServer, monkeypatch: object) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # type: ignore[attr-defined]
    app = make_app(Request(url=f"{lab.url}/status/403"))
    async with app.run_test(size=SIZE) as pilot:
        await send_and_wait(pilot)
        await wait_for_text(pilot, "403 Forbidden")
        assert app.no_color
        colours = set()
        for line in app.screen._compositor.render_strips():
            for line_filter in app._filters:
                line = line.apply_filter(line_filter, app.screen.styles.background)  # noqa: PLW2901
            for segment in line:
                style = segment.style
                for colour in (style.color, style.bgcolor) if style else ():
                    if colour is not None and colour.triplet is not None:
                        colours.add(tuple(colour.triplet))
        assert colours and all(r == g == b for r, g, b in colours)
        # What matters is still told in text, not only in colour.
        assert "403" in region_of(app, SessionSidebar)


def region_of(app: object, kind: type) -> str:
    from textual.app import App

    assert isinstance(app, App)
    region = app.query_one(kind).region
    lines = app.screen._compositor.render_strips()
    return "\n".join(line.text[region.x : region.right] for line in lines[region.y : region.bottom])


async def test_demo_session_shows_a_403_and_ctrl_t_turns_it_into_a_200(lab: LabServer) -> None:
    from reqscope.cli.demo import closed_port_url, demo_session_path
    from reqscope.core.store import load_session

    path = demo_session_path()
    session = load_session(path)
    assert len(session.requests) >= 8
    context = VariableContext(overrides={"lab": lab.url, "closed": closed_port_url()})
    app = make_app(session=session, path=path, variables=context, send_at_start=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "403 Forbidden")
        await wait_until(
            pilot,
            lambda: "bot_detection" in region_of(app, DiagnosisPane),
            "the diagnosis",
        )
        await pilot.press("ctrl+t")
        await wait_for_text(pilot, "200 OK")
        assert [e.status for e in app.workspace.history()] == [200, 403]
