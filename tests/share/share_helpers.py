"""Helpers for `reqscope share` tests: client keys and allow lists made in tmp, a host app with
its SSH server on 127.0.0.1, and a real asyncssh client session with a PTY that records every
byte the guest receives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncssh
from textual.pilot import Pilot

from reqscope.core.model import Request, Session
from reqscope.core.workspace import Workspace
from reqscope.share.guest import GuestApp
from reqscope.share.host import HostApp, JoinInfo
from reqscope.share.hub import GuestHub
from reqscope.share.keys import Role, load_allow_lists, load_or_create_host_key
from reqscope.share.server import JoinRequest, ShareServer, bind_socket

SIZE = (120, 36)
WAIT_STEPS = 200  # x 0.05 s


def make_key(tmp_path: Path, name: str) -> tuple[asyncssh.SSHKey, Path]:
    """A client key pair in tmp: the private key object and its OpenSSH private key file."""
    key = asyncssh.generate_private_key("ssh-ed25519", comment=name)
    path = tmp_path / name
    key.write_private_key(str(path))
    path.chmod(0o600)
    key.write_public_key(str(path) + ".pub")
    return key, path


def allow_file(tmp_path: Path, *entries: tuple[asyncssh.SSHKey, str]) -> Path:
    """An allow list: one line per (key, options) where options is '' or 'role=driver'."""
    lines = []
    for key, options in entries:
        line = key.export_public_key().decode().strip()
        lines.append(f"{options} {line}".strip())
    path = tmp_path / "allowed_keys"
    path.write_text("\n".join(lines) + "\n")
    return path


class Recorder(asyncssh.SSHClientSession[bytes]):
    """The guest's terminal: every byte received, and how the channel ended."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = asyncio.Event()
        self.exit_status: int | None = None

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.data += data

    def exit_status_received(self, status: int) -> None:
        self.exit_status = status

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()


async def auto(role: Role | None) -> Callable[[JoinRequest], Any]:
    async def approve(_request: JoinRequest) -> Role | None:
        return role

    return approve


@asynccontextmanager
async def hosting(
    tmp_path: Path,
    allow: Path,
    request: Request,
    *,
    approve: Role | str | None = Role.VIEWER,
    max_guests: int = 4,
) -> AsyncIterator[tuple[HostApp, Pilot[int]]]:
    """A host app sharing `request`; guests are let in as `approve` without asking, unless
    approve == "ask" (then the host's modal answers)."""
    allowed = load_allow_lists([allow])
    host_key = load_or_create_host_key(tmp_path / "state")
    sock = bind_socket()
    info = JoinInfo("127.0.0.1", sock.getsockname()[1], host_key.get_fingerprint())
    hub = GuestHub(max_guests=max_guests)
    server = ShareServer(hub, allowed, host_key)
    session = Session(name="shared-test", requests=(request,))
    app = HostApp(Workspace(session), loaded=session, hub=hub, server=server, sock=sock, info=info)
    if approve != "ask":
        role = approve if isinstance(approve, Role) or approve is None else None
        server.approve = await auto(role)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: server.port != 0 and hub._loop is not None, "server")
            yield app, pilot
    finally:
        sock.close()


async def connect(port: int, key_path: Path | None, **options: Any) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        "127.0.0.1",
        port,
        username="guest",
        client_keys=[str(key_path)] if key_path is not None else [],
        known_hosts=None,
        agent_path=None,
        gss_host=None,
        **options,
    )


async def open_guest(
    conn: asyncssh.SSHClientConnection,
    size: tuple[int, int] = (100, 30),
    term: str = "xterm-256color",
) -> tuple[asyncssh.SSHClientChannel[bytes], Recorder]:
    chan, recorder = await conn.create_session(
        Recorder, term_type=term, term_size=size, encoding=None
    )
    return chan, recorder


def guest_apps(app: HostApp) -> list[GuestApp]:
    return [g.view for g in app.hub.guests.values() if isinstance(g.view, GuestApp)]


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    for _ in range(WAIT_STEPS):
        if condition():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")
