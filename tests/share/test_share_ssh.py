"""`reqscope share` over the real SSH protocol: an asyncssh client with a PTY joins a host app
running in this process, on 127.0.0.1."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncssh
import pytest
from share_helpers import (
    allow_file,
    connect,
    guest_apps,
    hosting,
    make_key,
    open_guest,
    screen_text,
    wait_until,
)
from textual.widgets import Input, TabbedContent
from textual.widgets.input import Selection

from reqscope.core.model import Header, Request
from reqscope.lab.server import LabServer
from reqscope.share.keys import Role
from reqscope.share.server import use_default_task_factory
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane, toggle_zoom
from reqscope.ui.widgets.request_editor import RequestEditor
from reqscope.ui.widgets.response_view import ResponseView
from reqscope.ui.widgets.save_prompt import SavePrompt

TOKEN = "tok-share-very-secret-4242"


async def test_guest_joins_sees_the_request_resizes_and_quits(
    lab: LabServer, tmp_path: Path
) -> None:
    key, key_path = make_key(tmp_path, "alice")
    allow = allow_file(tmp_path, (key, ""))
    request = Request(name="shown", url=f"{lab.url}/status/403")
    async with hosting(tmp_path, allow, request) as (app, pilot):
        conn = await connect(app.share_server.port, key_path)
        chan, guest = await open_guest(conn, size=(120, 36), term="xterm-256color")
        await wait_until(pilot, lambda: len(guest_apps(app)) == 1, "the guest's app")
        (view,) = guest_apps(app)
        await wait_until(pilot, lambda: f"{lab.url}/status/403" in screen_text(view), "URL")
        assert view.size == (120, 36)
        assert view.console.color_system == "256"  # from the guest's TERM, not the host's
        assert "watching (read-only)" in screen_text(view)
        assert b"\x1b[?1049h" in guest.data  # a real frame went down the channel
        assert "1 guest" in app.title
        sidebar = view.query_one("#sidebar")
        assert not sidebar.display  # a stand-in session: hidden until asked for
        chan.write(b"\x02")  # ctrl+b
        await wait_until(pilot, lambda: sidebar.region.width > 0, "the sidebar on screen")

        chan.change_terminal_size(72, 20)
        await wait_until(pilot, lambda: view.size == (72, 20), "the resize")

        await app.run_action("send")  # the host sends; the guest sees the response
        await wait_until(pilot, lambda: "403 Forbidden" in screen_text(view), "the response")

        chan.write(b"\x11")  # ctrl+q in the guest's terminal
        await asyncio.wait_for(guest.closed.wait(), 10)
        assert guest.exit_status == 0
        await wait_until(pilot, lambda: not app.hub.guests, "the guest to leave")
        assert "0 guests" in app.title
        conn.close()


async def test_a_guest_follows_the_hosts_view_until_it_navigates_itself(
    lab: LabServer, tmp_path: Path
) -> None:
    key, key_path = make_key(tmp_path, "alice")
    allow = allow_file(tmp_path, (key, ""))
    async with hosting(tmp_path, allow, Request(url=f"{lab.url}/status/403")) as (app, pilot):
        conn = await connect(app.share_server.port, key_path)
        chan, guest = await open_guest(conn, size=(120, 36))
        await wait_until(pilot, lambda: len(guest_apps(app)) == 1, "the guest's app")
        (view,) = guest_apps(app)
        await app.run_action("send")
        await wait_until(pilot, lambda: "403 Forbidden" in screen_text(view), "the response")
        guest_response = view.query_one(ResponseView)
        guest_tabs = view.query_one("#request-tabs", TabbedContent)

        app.query_one(ResponseView).action_show_tab("headers")  # the host looks around
        app.query_one("#request-tabs", TabbedContent).active = "tab-options"
        await wait_until(pilot, lambda: guest_response.active_tab == "headers", "headers")
        await wait_until(pilot, lambda: guest_tabs.active == "tab-options", "options")
        toggle_zoom(app.query_one(DiagnosisPane))
        await wait_until(pilot, lambda: view.screen.maximized is not None, "the zoom")
        assert view.screen.maximized is view.query_one(DiagnosisPane)
        assert view.following

        chan.write(b"\x1b")  # escape: the guest restores the layout itself
        await wait_until(pilot, lambda: not view.following, "following to end")
        assert "F3 follows it again" in screen_text(view)
        app.query_one(ResponseView).action_show_tab("raw")  # no longer followed
        await pilot.pause(0.3)
        assert guest_response.active_tab == "headers"

        chan.write(b"\x1bOR")  # F3: follow the host again, going where it is now
        await wait_until(pilot, lambda: view.following, "following again")
        await wait_until(pilot, lambda: guest_response.active_tab == "raw", "the raw tab")
        assert view.screen.maximized is view.query_one(DiagnosisPane)
        chan.write(b"\x11")
        await asyncio.wait_for(guest.closed.wait(), 10)
        conn.close()


async def test_an_echoed_token_never_reaches_a_guest(lab: LabServer, tmp_path: Path) -> None:
    key, key_path = make_key(tmp_path, "alice")
    allow = allow_file(tmp_path, (key, ""))
    request = Request(
        name="echo", url=f"{lab.url}/echo", headers=(Header("Authorization", f"Bearer {TOKEN}"),)
    )
    async with hosting(tmp_path, allow, request) as (app, pilot):
        conn = await connect(app.share_server.port, key_path)
        chan, guest = await open_guest(conn)
        await wait_until(pilot, lambda: len(guest_apps(app)) == 1, "the guest's app")
        (view,) = guest_apps(app)
        await app.run_action("send")
        await wait_until(pilot, lambda: "200 OK" in screen_text(view), "the echo response")
        host_body = app._shown.exchange.response.text if app._shown else ""
        assert TOKEN in host_body  # the server did echo it back
        chan.write(b"]")  # the guest looks at the next response tab, and the headers
        await pilot.pause(0.3)
        assert TOKEN not in screen_text(view)
        assert TOKEN.encode() not in guest.data
        chan.write(b"\x11")
        await asyncio.wait_for(guest.closed.wait(), 10)
        conn.close()


async def test_a_viewer_cannot_send_or_edit(lab: LabServer, tmp_path: Path) -> None:
    key, key_path = make_key(tmp_path, "viewer")
    allow = allow_file(tmp_path, (key, ""))
    url = f"{lab.url}/echo?h={{{{env.HOME}}}}"
    async with hosting(tmp_path, allow, Request(url=url)) as (app, pilot):
        conn = await connect(app.share_server.port, key_path)
        chan, guest = await open_guest(conn)
        await wait_until(pilot, lambda: len(guest_apps(app)) == 1, "the guest's app")
        (view,) = guest_apps(app)
        await wait_until(pilot, lambda: view.snapshots_shown > 0, "the first snapshot")
        assert view.query_one(RequestEditor).disabled
        # The host's variables: not looked up in the host process's environment for a guest.
        assert "{{env.HOME}} (the host's value)" in screen_text(view)
        footer = screen_text(view).splitlines()[-1]  # the response's keys: it has the focus
        assert "Copy body" in footer and "Save body" not in footer  # not offered to guests
        chan.write(b"\n")  # ctrl+j: send
        chan.write(b"xyz")
        await pilot.pause(0.5)
        assert app.workspace.all_history() == ()  # nothing was sent by the host
        assert app.engine._engine is None
        assert app.workspace.current.url == url

        await app.run_action("send")  # the host sends; the guest tries to save the body
        await wait_until(pilot, lambda: "200 OK" in screen_text(view), "the response")
        await view.run_action("focus('response')")
        chan.write(b"s")
        await wait_until(pilot, lambda: "Not available to guests" in screen_text(view), "no")
        assert not view.query_one(SavePrompt).is_open  # no path was even asked for
        chan.write(b"\x11")
        await asyncio.wait_for(guest.closed.wait(), 10)
        conn.close()


async def test_a_driver_edits_and_sends_the_hosts_request_keeping_its_secret(
    lab: LabServer, tmp_path: Path
) -> None:
    key, key_path = make_key(tmp_path, "driver")
    allow = allow_file(tmp_path, (key, "role=driver"))
    request = Request(name="drive", url=f"{lab.url}/echo", headers=(Header("X-Api-Key", TOKEN),))
    async with hosting(tmp_path, allow, request, approve=Role.DRIVER) as (app, pilot):
        conn = await connect(app.share_server.port, key_path)
        chan, guest = await open_guest(conn)
        await wait_until(pilot, lambda: len(guest_apps(app)) == 1, "the guest's app")
        (view,) = guest_apps(app)
        await wait_until(pilot, lambda: view.snapshots_shown > 0, "the first snapshot")
        assert not view.query_one(RequestEditor).disabled
        assert "driving" in screen_text(view)
        chan.write(b"\x0c")  # ctrl+l: the URL field
        chan.write(b"\x05")  # end of line
        # As a person types: the cursor is seen at the end before the text (Textual runs a
        # key binding such as ctrl+e after text typed in the same burst: it would replace the
        # selected URL).
        url = view.query_one("#url", Input)
        await wait_until(pilot, lambda: url.selection == Selection.cursor(len(url.value)), "end")
        chan.write(b"?via=guest")
        await wait_until(
            pilot, lambda: app.workspace.current.url.endswith("?via=guest"), "the guest's edit"
        )
        assert app.workspace.current.headers == request.headers  # the secret is the host's
        chan.write(b"\n")  # ctrl+j: send, on the host
        await wait_until(pilot, lambda: len(app.workspace.all_history()) == 1, "the send")
        sent = app.workspace.all_history()[0]
        await wait_until(pilot, lambda: "200 OK" in screen_text(view), "the guest's response")
        assert TOKEN in (sent.response.text if sent.response else "")  # sent with the secret
        assert TOKEN.encode() not in guest.data
        app.hand_over(view.guest_id, Role.VIEWER)  # the host takes the keyboard back
        await wait_until(pilot, lambda: view.query_one(RequestEditor).disabled, "viewer again")
        chan.write(b"\x11")
        await asyncio.wait_for(guest.closed.wait(), 10)
        conn.close()


async def test_the_host_is_asked_and_can_refuse(lab: LabServer, tmp_path: Path) -> None:
    key, key_path = make_key(tmp_path, "knocking")
    allow = allow_file(tmp_path, (key, ""))
    async with hosting(tmp_path, allow, Request(url=f"{lab.url}/x"), approve="ask") as (
        app,
        pilot,
    ):
        conn = await connect(app.share_server.port, key_path)
        chan, guest = await open_guest(conn)
        await wait_until(pilot, lambda: "wants to join" in screen_text(app), "the question")
        assert key.get_fingerprint() in screen_text(app)
        assert "Let in to drive" not in screen_text(app)  # the key is viewer-only
        await pilot.click("#refuse")
        await asyncio.wait_for(guest.closed.wait(), 10)
        assert b"did not let you in" in guest.data
        assert guest.exit_status == 1 and not app.hub.guests
        conn.close()

        conn = await connect(app.share_server.port, key_path)
        chan, guest = await open_guest(conn)
        await wait_until(pilot, lambda: "wants to join" in screen_text(app), "the question")
        await pilot.click("#viewer")
        await wait_until(pilot, lambda: len(guest_apps(app)) == 1, "the guest let in")
        await pilot.press("f9")  # the host's share panel: how to join, who is in
        await wait_until(pilot, lambda: "Guests:" in screen_text(app), "the share panel")
        text = screen_text(app)
        assert app.share_server.host_key.get_fingerprint() in text
        assert f"ssh -p {app.share_server.port} -i KEY localhost" in text
        assert "knocking  viewer" in text
        await pilot.press("escape")
        chan.write(b"\x11")
        await asyncio.wait_for(guest.closed.wait(), 10)
        conn.close()


async def test_unknown_key_and_password_are_refused(lab: LabServer, tmp_path: Path) -> None:
    key, _ = make_key(tmp_path, "allowed")
    _, stranger_path = make_key(tmp_path, "stranger")
    allow = allow_file(tmp_path, (key, ""))
    async with hosting(tmp_path, allow, Request(url=f"{lab.url}/x")) as (app, _pilot):
        port = app.share_server.port
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(port, stranger_path)
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(port, None, password="hunter2", preferred_auth="password")
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(port, None, password="hunter2", preferred_auth="keyboard-interactive")
        assert not app.hub.guests


async def test_exec_subsystem_forwarding_and_no_pty_are_refused(
    lab: LabServer, tmp_path: Path
) -> None:
    key, key_path = make_key(tmp_path, "alice")
    allow = allow_file(tmp_path, (key, "role=driver"))
    async with hosting(tmp_path, allow, Request(url=f"{lab.url}/x")) as (app, pilot):
        conn = await connect(app.share_server.port, key_path)
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_session(asyncssh.SSHClientSession, "id", encoding=None)
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_session(asyncssh.SSHClientSession, subsystem="sftp", encoding=None)
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", lab.port)
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.create_server(lambda *_: asyncssh.SSHTCPSession(), "127.0.0.1", 0)
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_session(asyncssh.SSHClientSession, encoding=None)  # no PTY
        await pilot.pause(0.2)
        assert not app.hub.guests
        conn.close()


async def test_agent_and_x11_forwarding_are_refused(lab: LabServer, tmp_path: Path) -> None:
    """Asked on a live guest session, as `ssh -A -X` would. asyncssh's client sends the agent
    request without asking for an answer, so both are sent here asking for one: the server's
    answer is what is checked."""
    key, key_path = make_key(tmp_path, "alice")
    allow = allow_file(tmp_path, (key, "role=driver"))
    async with hosting(tmp_path, allow, Request(url=f"{lab.url}/x")) as (app, pilot):
        conn = await connect(app.share_server.port, key_path)
        chan, _guest = await open_guest(conn)
        await wait_until(pilot, lambda: len(guest_apps(app)) == 1, "the guest's app")
        cookie = asyncssh.packet.String(b"0123456789abcdef0123456789abcdef")
        x11 = await chan._make_request(
            b"x11-req",
            asyncssh.packet.Boolean(False),
            asyncssh.packet.String(b"MIT-MAGIC-COOKIE-1"),
            cookie,
            asyncssh.packet.UInt32(0),
        )
        agent = await chan._make_request(b"auth-agent-req@openssh.com")
        assert x11 is False
        assert agent is False
        (view,) = guest_apps(app)
        assert view.is_running  # refused, and the guest goes on watching
        chan.write(b"\x11")
        await chan.wait_closed()
        conn.close()


async def test_guests_are_limited(lab: LabServer, tmp_path: Path) -> None:
    key, key_path = make_key(tmp_path, "alice")
    allow = allow_file(tmp_path, (key, ""))
    async with hosting(tmp_path, allow, Request(url=f"{lab.url}/x"), max_guests=1) as (
        app,
        pilot,
    ):
        conn = await connect(app.share_server.port, key_path)
        chan, first = await open_guest(conn)
        await wait_until(pilot, lambda: len(guest_apps(app)) == 1, "the first guest")
        _chan2, second = await open_guest(conn)
        await asyncio.wait_for(second.closed.wait(), 10)
        assert b"already has 1 guests" in second.data
        chan.write(b"\x11")
        await asyncio.wait_for(first.closed.wait(), 10)
        conn.close()


async def test_textuals_eager_task_factory_is_undone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python >= 3.12: Textual sets asyncio.eager_task_factory on the loop, which stalls SSH
    logins; the server puts the default factory back (simulated on older Pythons)."""
    loop = asyncio.get_running_loop()

    def eager(loop: asyncio.AbstractEventLoop, coro: object, **kwargs: object) -> object:
        return asyncio.Task(coro, loop=loop, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(asyncio, "eager_task_factory", eager, raising=False)
    loop.set_task_factory(eager)  # type: ignore[arg-type]
    try:
        use_default_task_factory()
        assert loop.get_task_factory() is None
    finally:
        loop.set_task_factory(None)
