"""The SSH server inside the host's process: who may connect, and what a connection may do.

Only public-key authentication against the allow list; password, keyboard-interactive,
host-based and GSS authentication are not offered. A connection may open one thing: an
interactive shell session with a PTY, which becomes a guest's app. Exec, subsystems (sftp, scp),
agent and X11 forwarding, and TCP or Unix port forwarding are all refused. The host is asked
before anyone gets in (`approve`), the number of guests and each guest's unsent output are
bounded, and joins and leaves go to the log with the key's fingerprint (never to the screen:
the host's terminal belongs to the host's app).

The server runs on the host app's event loop, with asyncio's default task factory: Textual
(Python >= 3.12) installs an eager task factory on the loop it runs on, under which new SSH
logins stall, so it is put back to the default when the server starts and when each guest's app
starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncssh

from reqscope.share.driver import TerminalLink
from reqscope.share.hub import Guest, GuestHub
from reqscope.share.keys import AllowedKey, Role, find_allowed

log = logging.getLogger("reqscope.share")

JOIN_TIMEOUT = 120.0  # seconds the host has to answer before a waiting guest is turned away
MAX_UNSENT_OUTPUT = 4 * 1024 * 1024  # bytes a guest may fall behind before it is disconnected
MAX_PENDING_LOGINS = 8  # connections still authenticating or waiting for the host
DEFAULT_SIZE = (80, 24)


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """What the host is asked about a guest knocking."""

    name: str
    fingerprint: str
    allowed: Role
    peer: str


Approve = Callable[[JoinRequest], Awaitable[Role | None]]
GuestAppFactory = Callable[[TerminalLink, GuestHub, Guest], Any]  # -> a GuestApp


async def _refuse(_request: JoinRequest) -> Role | None:
    return None


def use_default_task_factory() -> None:
    """Undo Textual's eager task factory on this loop (Python >= 3.12), see the module doc."""
    loop = asyncio.get_running_loop()
    eager = getattr(asyncio, "eager_task_factory", None)
    if eager is not None and loop.get_task_factory() is eager:
        loop.set_task_factory(None)


def bind_socket(address: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """Bind the listening socket before the app starts, so the port can be shown at once."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(MAX_PENDING_LOGINS)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


class ShareServer:
    def __init__(
        self,
        hub: GuestHub,
        allowed: Mapping[str, AllowedKey],
        host_key: asyncssh.SSHKey,
        approve: Approve | None = None,
        make_app: GuestAppFactory | None = None,
        *,
        max_unsent_output: int = MAX_UNSENT_OUTPUT,
        join_timeout: float = JOIN_TIMEOUT,
    ) -> None:
        self.hub = hub
        self.allowed = dict(allowed)
        self.host_key = host_key
        self.approve: Approve = approve or _refuse
        self.make_app: GuestAppFactory | None = make_app  # the host app sets both
        self.max_unsent_output = max_unsent_output
        self.join_timeout = join_timeout
        self.port = 0
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._sessions: set[GuestSession] = set()

    async def start(self, sock: socket.socket) -> int:
        use_default_task_factory()
        self.hub.start(asyncio.get_running_loop())
        self.port = int(sock.getsockname()[1])
        self._acceptor = await asyncssh.listen(
            sock=sock,
            server_factory=lambda: _Authenticator(self),
            server_host_keys=[self.host_key],
            encoding=None,
            line_editor=False,
            allow_pty=True,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            sftp_factory=None,
            gss_host=None,
            kbdint_auth=False,
            password_auth=False,
            login_timeout=30,
        )
        log.info("sharing on port %d, host key %s", self.port, self.host_key.get_fingerprint())
        return self.port

    async def close(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
        sessions = list(self._sessions)
        for session in sessions:
            session.end("The host stopped sharing.")
        for session in sessions:
            await session.finished()
        self.hub.close()

    def track(self, session: GuestSession, alive: bool) -> None:
        if alive:
            self._sessions.add(session)
        else:
            self._sessions.discard(session)


class _Authenticator(asyncssh.SSHServer):
    """One per connection: public keys from the allow list, nothing else."""

    def __init__(self, share: ShareServer) -> None:
        self._share = share
        self._entry: AllowedKey | None = None
        self._peer = ""
        self._username = ""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        host, port = conn.get_extra_info("peername", ("?", 0))[:2]
        self._peer = f"{host}:{port}"

    def begin_auth(self, username: str) -> bool:
        self._username = username
        return True  # authentication is always required

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        entry = find_allowed(self._share.allowed, key)
        if entry is None:
            log.info(
                "refused key %s from %s: not on the allow list", key.get_fingerprint(), self._peer
            )
            return False
        self._entry = entry
        return True

    def connection_requested(self, *_args: object) -> bool:
        log.info("refused a port forward from %s", self._peer)
        return False

    def server_requested(self, *_args: object) -> bool:
        log.info("refused a remote port forward from %s", self._peer)
        return False

    def unix_connection_requested(self, *_args: object) -> bool:
        return False

    def unix_server_requested(self, *_args: object) -> bool:
        return False

    def session_requested(self) -> GuestSession | bool:
        if self._entry is None:
            return False
        return GuestSession(self._share, self._entry, self._username, self._peer)


class GuestSession(asyncssh.SSHServerSession[bytes]):
    """One guest: a shell request with a PTY, approved by the host, running a guest app."""

    def __init__(self, share: ShareServer, entry: AllowedKey, username: str, peer: str) -> None:
        self._share = share
        self._entry = entry
        self._name = entry.comment or username
        self._peer = peer
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._term: str | None = None
        self._size = DEFAULT_SIZE
        self._link: TerminalLink | None = None
        self._app: Any = None
        self._task: asyncio.Task[None] | None = None
        self._done = asyncio.Event()
        self._closing = False
        self._farewell = ""  # said after the guest's app has left the alternate screen

    # --- what the client may ask for -------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan
        self._share.track(self, alive=True)

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Mapping[int, int]
    ) -> bool:
        self._term = term_type or "xterm"
        width, height = term_size[0], term_size[1]
        self._size = (width or DEFAULT_SIZE[0], height or DEFAULT_SIZE[1])
        return True

    def shell_requested(self) -> bool:
        if self._term is None:
            log.info("refused %s from %s: no PTY requested", self._entry.fingerprint, self._peer)
            return False
        return True

    def exec_requested(self, command: str) -> bool:
        log.info("refused exec from %s (%s)", self._peer, self._entry.fingerprint)
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        log.info("refused subsystem %r from %s", subsystem, self._peer)
        return False

    def session_started(self) -> None:
        assert self._chan is not None
        environ = dict(self._chan.get_environment())
        environ["TERM"] = self._term or "xterm"
        self._link = TerminalLink(self._write, self._size, environ)
        self._task = asyncio.get_running_loop().create_task(
            self._run(), context=contextvars.Context()
        )

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if self._link is not None and datatype is None:
            self._link.feed(data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self._size = (width or self._size[0], height or self._size[1])
        if self._link is not None:
            self._link.resize(*self._size)

    def eof_received(self) -> bool:
        self.end("")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        if self._app is not None:
            self._app.exit(0)
        elif self._task is not None:
            self._task.cancel()
        if self._task is None:
            self._share.track(self, alive=False)
            self._done.set()

    # --- the guest's life ------------------------------------------------------------------

    def end(self, message: str) -> None:
        """Close this guest (host stopping, guest too slow, end of input)."""
        if message and self._app is None:
            self._say(message)
        self._farewell = message
        self._closing = True
        if self._app is not None:
            self._app.exit(0)
        elif self._task is not None:
            self._task.cancel()
        elif self._chan is not None:
            self._chan.close()

    async def finished(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done.wait(), 10)

    async def _run(self) -> None:
        share, entry = self._share, self._entry
        guest: Guest | None = None
        status = 1
        try:
            if share.hub.full:
                self._say(f"reqscope: the host already has {share.hub.max_guests} guests")
                return
            self._say(f"Waiting for the host to let you in (your key {entry.fingerprint})…")
            request = JoinRequest(self._name, entry.fingerprint, entry.role, self._peer)
            try:
                role = await asyncio.wait_for(share.approve(request), share.join_timeout)
            except TimeoutError:
                role = None
            if role is None or self._closing:
                self._say("The host did not let you in.")
                log.info("host refused %s key %s", self._name, entry.fingerprint)
                return
            if share.hub.full:
                self._say(f"reqscope: the host already has {share.hub.max_guests} guests")
                return
            assert self._link is not None and share.make_app is not None
            guest = share.hub.admit(self._name, entry.fingerprint, entry.role, role, self._peer)
            self._app = share.make_app(self._link, share.hub, guest)
            loop = asyncio.get_running_loop()
            loop.call_soon(use_default_task_factory)  # after run_async's first step sets it
            await self._app.run_async(size=self._link.size)
            status = 0
            self._log_crash()
            if self._farewell:
                self._say(self._farewell)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("a guest's session failed")
        finally:
            if guest is not None:
                share.hub.leave(guest)
            self._app = None
            if self._chan is not None and not self._chan.is_closing():
                with contextlib.suppress(Exception):
                    self._chan.exit(status)
            share.track(self, alive=False)
            self._done.set()

    def _log_crash(self) -> None:
        console = getattr(self._app, "error_console", None)
        output = getattr(getattr(console, "file", None), "getvalue", None)
        text = output() if callable(output) else ""
        if text:
            log.error("a guest's app failed:\n%s", text)

    def _say(self, line: str) -> None:
        if self._chan is not None and not self._chan.is_closing():
            self._chan.write((line + "\r\n").encode("utf-8"))

    def _write(self, data: bytes) -> None:
        chan = self._chan
        if chan is None or chan.is_closing():
            return
        if chan.get_write_buffer_size() > self._share.max_unsent_output:
            log.info("guest %s fell too far behind; disconnecting", self._entry.fingerprint)
            self._closing = True
            chan.close()
            if self._app is not None:
                self._app.exit(0)
            return
        chan.write(data)
